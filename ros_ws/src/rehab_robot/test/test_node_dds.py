"""The DDS node in this process, over real Cyclone DDS on loopback, with ROS 2 service calls.

Checks what only the node adapter does: it serves std_srvs calls with the rmw_cyclonedds
request header, publishes status, and turns an unexpected exception below it into a
latched e-stop (the safe state) instead of a half-running actuator.
"""

from __future__ import annotations

import os
import random
import time

import pytest

from rehab_robot.core.api import RobotState
from rehab_robot.core.config import load_config
from rehab_robot.core.controller import RobotController
from rehab_robot.core.driver import SimulatedDriver
from rehab_robot.core.plant import SimulatedPlant
from rehab_robot.node_body import NodeSettings
from rehab_robot.node_dds import DdsRobotNode
from rehab_robot.realtime import CycleClock
from rehab_robot.transport import convert, qos
from rehab_robot.transport import ros_types as m
from rehab_robot.transport.names import INTERFACE
from rehab_robot.transport.participant import (
    Executor,
    RosParticipant,
    ServiceClient,
    default_cyclonedds_uri,
)

pytestmark = pytest.mark.slow


class DriverWithBuggyEnable(SimulatedDriver):
    """The simulated robot, except that enabling raises an exception nobody planned for
    (a driver bug, not a DriverError the controller knows how to handle)."""

    def enable(self, on: bool) -> None:
        if on:
            raise RuntimeError("bug in the drive's enable sequence")
        super().enable(on)


@pytest.fixture
def node_and_peer():
    os.environ.setdefault("CYCLONEDDS_URI", default_cyclonedds_uri())
    domain_id = random.randint(100, 230)
    config = load_config()
    clock = CycleClock()
    driver = DriverWithBuggyEnable(SimulatedPlant(config), clock, config.joint_names)
    controller = RobotController(config, driver, clock)
    settings = NodeSettings(
        control_hz=config.rates.control_hz,
        joint_states_hz=config.rates.joint_states_hz,
        status_hz=config.rates.status_hz,
        diagnostics_hz=config.rates.diagnostics_hz,
        domain_id=domain_id,
    )
    node = DdsRobotNode(controller, driver, settings, clock)
    node.start()
    peer = RosParticipant(domain_id)
    statuses: list[m.RobotStatus] = []
    executor = Executor(peer)
    executor.add(
        peer.reader(INTERFACE.status, m.RobotStatus, qos.latched(1)), statuses.append
    )
    executor.start()
    heartbeat = peer.publisher(INTERFACE.heartbeat, m.Heartbeat, qos.reliable(5))
    yield node, peer, statuses, heartbeat
    executor.stop()
    peer.close()
    node.shutdown()


def wait_until(predicate, timeout_s: float):
    # Cross-process (here: cross-participant) DDS I/O: poll the condition with a deadline.
    deadline = time.monotonic() + timeout_s
    while not (result := predicate()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)
    return result


def test_unexpected_exception_in_a_service_ends_in_latched_estop(node_and_peer):
    node, peer, statuses, heartbeat = node_and_peer
    wait_until(lambda: statuses, 10.0)
    enable = ServiceClient(peer, INTERFACE.enable, m.SetBoolRequest, m.SetBoolResponse)
    heartbeat.write(m.Heartbeat(header=convert.header_now(), client_id="t", seq=1))
    reply = enable.call(m.SetBoolRequest(data=True), timeout_s=10.0)
    # The reply carries the rmw_cyclonedds request header of our request.
    assert reply.client_guid == enable.client_guid
    assert not reply.success
    assert "internal error" in reply.message
    last = wait_until(
        lambda: statuses[-1].state == convert.STATE_CODES[RobotState.ESTOP] and statuses[-1],
        5.0,
    )
    assert "bug in the drive's enable sequence" in last.reason
    assert node.joint_states_published > 0


def test_shutdown_leaves_the_robot_in_estop_with_drives_disabled(node_and_peer):
    node, _peer, statuses, _heartbeat = node_and_peer
    wait_until(lambda: statuses, 10.0)
    node.shutdown()
    status = node.controller.status()
    assert status.state is RobotState.ESTOP
    assert node.controller.commanded_torque_nm == (0.0, 0.0)
