"""A stand-in for the therapist's app, run as its own process by test_robot_e2e.py.

Connects to the robot node, enables it, starts a slow passive exercise, prints RUNNING and
then keeps sending heartbeats until it is killed (the test SIGKILLs it).
"""

from __future__ import annotations

import sys
import time

from rehab.errors import RobotError
from rehab.robot import ClientSettings, RobotPrescription, connect
from rehab_robot.core.api import RobotState


def main(domain_id: int) -> None:
    client = connect(domain_id, ClientSettings(client_id="app-under-test"))
    client.wait_for(lambda: client.status is not None, timeout_s=15.0)
    deadline_s = time.monotonic() + 10.0
    while True:  # until the node has seen this process's heartbeats (discovery)
        try:
            client.enable(True)
            break
        except RobotError as exc:
            if "heartbeat" not in str(exc) or time.monotonic() > deadline_s:
                raise
            time.sleep(0.05)
    client.wait_for(lambda: client.status.state is RobotState.ENABLED, timeout_s=5.0)
    client.send_exercise(
        RobotPrescription(
            exercise_id="elbow_flexion",
            mode="passive",
            joint_names=("elbow_flexion",),
            start_deg=(20.0,),
            end_deg=(80.0,),
            reps=50,
            tempo_s=2.0,
            rom_min_deg=(0.0,),
            rom_max_deg=(120.0,),
        )
    )
    client.wait_for(lambda: client.status.state is RobotState.RUNNING, timeout_s=5.0)
    print("RUNNING", flush=True)
    while True:
        time.sleep(1.0)  # heartbeats go out from the client's own thread


if __name__ == "__main__":
    main(int(sys.argv[1]))
