"""RobotClient over an in-memory transport (the httpx MockTransport pattern).

The DDS transport itself is exercised end to end in test_robot_e2e.py; here the client's
own logic: link state from incoming messages, bounded telemetry, refusals as errors,
heartbeats only when asked for.
"""

from __future__ import annotations

import dataclasses
import threading

import pytest

from rehab.errors import RobotError
from rehab.robot import (
    ClientSettings,
    LinkSettings,
    LinkState,
    RemoteStatus,
    RobotClient,
    RobotConflictError,
    RobotPrescription,
    Telemetry,
)
from rehab.robot.client import SERVICES
from rehab_robot.core.api import ControlMode, ExerciseCommand, FormFeedback, RobotState


class RecordingTransport:
    """Records what the client sends; answers service calls from a table."""

    def __init__(self, answers: dict[str, tuple[bool, str]] | None = None) -> None:
        self.sink = None
        self.heartbeats: list[int] = []
        self.exercises: list[ExerciseCommand] = []
        self.feedback: list[FormFeedback] = []
        self.calls: list[tuple[str, bool | None]] = []
        self.answers = answers or {}
        self.closed = False
        self.heartbeat_seen = threading.Event()

    def start(self, sink) -> None:
        self.sink = sink

    def send_heartbeat(self, seq: int) -> None:
        self.heartbeats.append(seq)
        self.heartbeat_seen.set()

    def send_exercise(self, command: ExerciseCommand) -> None:
        self.exercises.append(command)

    def send_form_feedback(self, feedback: FormFeedback) -> None:
        self.feedback.append(feedback)

    def call(self, service: str, value: bool | None, timeout_s: float) -> tuple[bool, str]:
        self.calls.append((service, value))
        if service not in self.answers:
            raise RobotError(f"robot node not answering: {service}")
        return self.answers[service]

    def close(self) -> None:
        self.closed = True


class Clock:
    def __init__(self) -> None:
        self.t_s = 0.0

    def __call__(self) -> float:
        return self.t_s


def telemetry(i: int) -> Telemetry:
    return Telemetry(float(i), float(i), ("elbow_flexion",), (0.1 * i,), (0.0,), (0.0,))


def status(state: RobotState = RobotState.ENABLED) -> RemoteStatus:
    return RemoteStatus(
        stamp_s=0.0, state=state, mode=ControlMode.HOLD, reason="", fault="", assistance=0.0,
        interaction_torque_nm=(0.0,), rep=0, reps_total=0, heartbeat_age_s=0.01,
        last_command_id="", last_command_accepted=False, last_command_reason="",
        control_rate_hz=500.0,
    )


def make_client(transport, **settings) -> tuple[RobotClient, Clock]:
    clock = Clock()
    defaults = {"send_heartbeats": False, "telemetry_buffer": 3}
    client = RobotClient(transport, ClientSettings(**(defaults | settings)), now_s=clock)
    return client.start(), clock


def test_link_state_follows_incoming_messages():
    client, clock = make_client(RecordingTransport(), link=LinkSettings(0.5, 2.0))
    assert client.link_state() is LinkState.LOST
    client.on_status(status())
    assert client.link_state() is LinkState.CONNECTED
    clock.t_s = 1.0
    assert client.link_state() is LinkState.STALE
    client.on_telemetry(telemetry(1))
    assert client.link_state() is LinkState.CONNECTED
    clock.t_s = 3.5
    assert client.link_state() is LinkState.LOST


def test_telemetry_buffer_is_bounded_and_drained_oldest_first():
    client, _ = make_client(RecordingTransport())
    for i in range(5):
        client.on_telemetry(telemetry(i))
    assert [s.stamp_s for s in client.drain_telemetry()] == [2.0, 3.0, 4.0]
    assert client.drain_telemetry() == []
    assert client.telemetry_count == 5
    assert client.latest_telemetry == telemetry(4)


def test_refused_service_raises_robot_error_with_the_reason():
    transport = RecordingTransport({"enable": (False, "no heartbeat from the app")})
    client, _ = make_client(transport)
    with pytest.raises(RobotError, match="refused enable: no heartbeat"):
        client.enable(True)
    assert transport.calls == [("enable", True)]


def test_unanswered_service_raises_robot_error():
    client, _ = make_client(RecordingTransport())
    with pytest.raises(RobotError, match="not answering"):
        client.estop()


def test_accepted_services_return_the_node_message():
    transport = RecordingTransport({"estop": (True, "e-stop latched"), "reset": (True, "ok")})
    client, _ = make_client(transport)
    assert client.estop() == "e-stop latched"
    assert client.reset() == "ok"
    assert transport.calls == [("estop", None), ("reset", None)]


def test_prescription_goes_out_as_core_command():
    transport = RecordingTransport()
    client, _ = make_client(transport)
    prescription = RobotPrescription(
        exercise_id="shoulder_flexion", mode="active_assisted",
        joint_names=("shoulder_flexion",), start_deg=(0.0,), end_deg=(60.0,), reps=3,
        tempo_s=2.0, rom_min_deg=(0.0,), rom_max_deg=(90.0,),
    )
    seq = client.send_exercise(prescription)
    client.send_form_feedback(72.0, "trunk_lean", 0.4)
    assert transport.exercises == [dataclasses.replace(prescription.to_command(),
                                                       command_seq=seq)]
    assert transport.feedback[0].compensation == "trunk_lean"


def test_each_exercise_gets_a_fresh_increasing_seq_per_client():
    transport = RecordingTransport()
    client, _ = make_client(transport)
    other, _ = make_client(transport)
    prescription = RobotPrescription(
        exercise_id="elbow_flexion", mode="passive", joint_names=("elbow_flexion",),
        start_deg=(10.0,), end_deg=(60.0,), reps=3, tempo_s=2.0, rom_min_deg=(0.0,),
        rom_max_deg=(90.0,),
    )
    assert [client.send_exercise(prescription) for _ in range(3)] == [1, 2, 3]
    assert other.send_exercise(prescription) == 1
    assert [c.command_seq for c in transport.exercises] == [1, 2, 3, 1]
    # The caller waits for its own command's answer, not the previous one's.
    client.on_status(dataclasses.replace(status(), last_command_seq=2,
                                         last_command_accepted=True))
    with pytest.raises(RobotError, match="not met"):
        client.wait_for(lambda: client.status.last_command_seq == 3, timeout_s=0.05)
    client.on_status(dataclasses.replace(status(), last_command_seq=3,
                                         last_command_code="not_enabled"))
    answer = client.wait_for(
        lambda: client.status if client.status.last_command_seq == 3 else None, 0.1)
    assert answer.last_command_code == "not_enabled"


def test_finish_exercise_is_a_service():
    assert "finish" in SERVICES
    transport = RecordingTransport({"finish": (True, "finished")})
    client, _ = make_client(transport)
    assert client.finish_exercise() == "finished"
    transport.answers["finish"] = (False, "no exercise to finish (state enabled)")
    with pytest.raises(RobotError, match="refused finish: no exercise"):
        client.finish_exercise()
    assert transport.calls == [("finish", None), ("finish", None)]


def test_two_sources_latch_a_conflict_and_nothing_is_blended():
    transport = RecordingTransport({"estop": (True, "e-stop latched"), "enable": (True, "")})
    transport.domain_id = 17
    client, clock = make_client(transport)
    client.on_status(status(RobotState.ENABLED), source="node-a")
    client.on_telemetry(telemetry(1), source="node-a")
    clock.t_s = 0.3
    assert client.conflict is None
    client.on_status(status(RobotState.RUNNING), source="node-b")
    assert isinstance(client.conflict, RobotConflictError)
    assert "two robot nodes answer on DDS domain 17" in str(client.conflict)
    # Nothing from the second (or the first) is taken from now on.
    assert client.status.state is RobotState.ENABLED
    client.on_telemetry(telemetry(2), source="node-a")
    assert client.telemetry_count == 1
    assert client.link_state() is LinkState.LOST
    with pytest.raises(RobotConflictError):
        client.wait_for(lambda: client.status is not None, timeout_s=5.0)
    with pytest.raises(RobotConflictError):
        client.enable(True)
    with pytest.raises(RobotConflictError):
        client.send_form_feedback(50.0, "", 0.0)
    # The e-stop still goes out: stopping both robots is the safe direction.
    assert client.estop() == "e-stop latched"


def test_a_service_reply_from_a_second_source_is_a_conflict():
    client, _ = make_client(RecordingTransport())
    client.on_status(status(), source="node-a")
    client.note_source("node-b", "reset reply")
    assert "reset reply" in str(client.conflict)


def test_a_restarted_node_is_not_a_conflict():
    client, clock = make_client(RecordingTransport(), conflict_window_s=1.0)
    client.on_status(status(RobotState.ENABLED), source="node-a")
    clock.t_s = 4.0  # the old node fell silent; the new one started seconds later
    client.on_status(status(RobotState.IDLE), source="node-b")
    assert client.conflict is None
    assert client.status.state is RobotState.IDLE
    # Unknown sources ("" from a transport that cannot tell) are never counted.
    client.on_status(status(), source="")
    assert client.conflict is None


def test_heartbeats_flow_only_when_enabled_and_stop_on_close():
    quiet = RecordingTransport()
    client, _ = make_client(quiet)
    client.close()
    assert quiet.heartbeats == []
    assert quiet.closed

    beating = RecordingTransport()
    client, _ = make_client(beating, send_heartbeats=True, heartbeat_period_s=0.01)
    assert beating.heartbeat_seen.wait(2.0)
    client.close()
    sent = len(beating.heartbeats)
    assert beating.heartbeats == list(range(1, sent + 1))


def test_wait_for_returns_the_value_or_raises():
    client, _ = make_client(RecordingTransport())
    client.on_status(status(RobotState.ESTOP))
    assert client.wait_for(lambda: client.status, timeout_s=0.1).state is RobotState.ESTOP
    with pytest.raises(RobotError, match="not met"):
        client.wait_for(lambda: client.telemetry_count > 0, timeout_s=0.05)
