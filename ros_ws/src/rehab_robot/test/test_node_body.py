"""The node body that both adapters drive, with a recording outlet instead of middleware.

The real controller over the simulated robot; only the adapter is a fake (a list per topic).
Checks that every way into the controller is guarded alike (an exception ends in the latched
e-stop), that the status carries the measured control rate, and the start-up refusals.
"""

from __future__ import annotations

import collections
import threading
import time
from typing import Any

import pytest

from rehab_robot.core.api import ReasonCode, RobotState
from rehab_robot.core.config import load_config
from rehab_robot.core.controller import RobotController
from rehab_robot.core.driver import SimulatedDriver
from rehab_robot.core.plant import SimulatedPlant
from rehab_robot.node_body import (
    DuplicateNodeError,
    NodeSettings,
    RobotNodeBody,
    ensure_unique_node,
)
from rehab_robot.realtime import CycleClock
from rehab_robot.transport import convert
from rehab_robot.transport import ros_types as m
from rehab_robot.transport.names import INTERFACE


class RecordingOutlet:
    """The adapter's publishers, recorded per topic."""

    def __init__(self) -> None:
        self.messages: dict[str, list[Any]] = collections.defaultdict(list)
        self._lock = threading.Lock()

    def publish(self, topic: str, msg: Any) -> None:
        with self._lock:
            self.messages[topic].append(msg)

    def last(self, topic: str) -> Any:
        with self._lock:
            return self.messages[topic][-1]


class BuggyController(RobotController):
    """The real controller, except for the calls a test makes raise."""

    fail_in: frozenset[str] = frozenset()

    def heartbeat(self) -> None:
        if "heartbeat" in self.fail_in:
            raise RuntimeError("bug in heartbeat")
        super().heartbeat()

    def pause(self) -> tuple[bool, str]:
        if "pause" in self.fail_in:
            raise RuntimeError("bug in pause")
        return super().pause()

    def tick(self) -> None:
        if "tick" in self.fail_in:
            raise RuntimeError("bug in tick")
        super().tick()


@pytest.fixture
def body_and_outlet():
    config = load_config()
    clock = CycleClock()
    driver = SimulatedDriver(SimulatedPlant(config), clock, config.joint_names)
    controller = BuggyController(config, driver, clock)
    settings = NodeSettings(
        control_hz=config.rates.control_hz,
        joint_states_hz=config.rates.joint_states_hz,
        status_hz=config.rates.status_hz,
        diagnostics_hz=config.rates.diagnostics_hz,
    )
    outlet = RecordingOutlet()
    body = RobotNodeBody(controller, driver, settings, clock, outlet)
    yield body, controller, outlet
    body.shutdown()


def wait_until(predicate, timeout_s: float = 5.0):
    # The body's own threads publish; poll the condition with a deadline.
    deadline = time.monotonic() + timeout_s
    while not (result := predicate()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)
    return result


def handler(body: RobotNodeBody, topic: str):
    return next(s.handle for s in body.subscriptions() if s.topic == topic)


def test_an_exception_in_a_subscription_handler_latches_the_estop(body_and_outlet):
    body, controller, _outlet = body_and_outlet
    controller.fail_in = frozenset({"heartbeat"})
    handler(body, INTERFACE.heartbeat)(m.Heartbeat(client_id="t", seq=1))
    status = controller.status()
    assert status.state is RobotState.ESTOP
    assert status.reason_code is ReasonCode.INTERNAL_ERROR
    assert "bug in heartbeat" in status.reason


def test_an_exception_in_a_trigger_service_latches_the_estop_and_says_so(body_and_outlet):
    body, controller, _outlet = body_and_outlet
    controller.fail_in = frozenset({"pause"})
    reply = body.trigger_services()[INTERFACE.pause](m.TriggerRequest())
    assert not reply.success
    assert "bug in pause" in reply.message
    assert controller.status().state is RobotState.ESTOP


def test_estop_service_latches_and_reset_is_served(body_and_outlet):
    body, controller, _outlet = body_and_outlet
    services = body.trigger_services()
    assert set(services) == {INTERFACE.estop, INTERFACE.reset, INTERFACE.pause,
                             INTERFACE.resume, INTERFACE.finish}
    assert services[INTERFACE.estop](m.TriggerRequest()).success
    assert controller.status().state is RobotState.ESTOP


def test_a_malformed_command_is_refused_through_the_controller(body_and_outlet):
    body, controller, _outlet = body_and_outlet
    msg = m.ExerciseCommand(exercise_id="x", command_seq=7, mode=250)
    handler(body, INTERFACE.exercise_command)(msg)
    command = controller.status().last_command
    assert (command.command_seq, command.accepted) == (7, False)
    assert command.code is ReasonCode.MALFORMED_COMMAND
    assert controller.status().state is not RobotState.ESTOP


def test_enable_is_refused_while_the_loop_is_not_running(body_and_outlet):
    body, _controller, _outlet = body_and_outlet
    reply = body.handle_enable(m.SetBoolRequest(data=True))
    assert (reply.success, reply.message) == (False, "node is not active")


def test_status_carries_the_measured_control_rate_not_the_nominal_one(body_and_outlet):
    body, _controller, outlet = body_and_outlet
    # Nothing measured yet: the status says 0 Hz, not the configured 500 Hz.
    body.shutdown()
    assert outlet.last(INTERFACE.status).control_rate_hz == 0.0


def test_a_running_body_publishes_everything_with_its_measured_rate(body_and_outlet):
    body, _controller, outlet = body_and_outlet
    body.start()
    wait_until(lambda: body.timing.ticks >= 100 and outlet.messages[INTERFACE.diagnostics])
    rate_hz = wait_until(lambda: outlet.last(INTERFACE.status).control_rate_hz)
    # Measured over the recent window: near the nominal rate, not a copy of it.
    assert rate_hz == pytest.approx(body.settings.control_hz, rel=0.3)
    assert outlet.messages[INTERFACE.joint_states]
    entries = outlet.last(INTERFACE.diagnostics).status
    timing = next(e for e in entries if e.name.endswith("node loop timing"))
    assert any(kv.key == "rate_hz" for kv in timing.values)


def test_an_exception_in_the_control_loop_ends_the_node_in_estop(body_and_outlet):
    body, controller, _outlet = body_and_outlet
    controller.fail_in = frozenset({"tick"})
    body.start()
    assert body.wait(5.0)
    assert "bug in tick" in body.fatal_error
    assert controller.status().state is RobotState.ESTOP
    assert not body.handle_enable(m.SetBoolRequest(data=True)).success


def test_deactivate_ramps_down_and_stops_the_threads(body_and_outlet):
    body, controller, _outlet = body_and_outlet
    body.start()
    wait_until(lambda: body.timing.ticks >= 50)
    body.deactivate(ramp_down_s=1.0)
    assert controller.commanded_torque_nm == (0.0, 0.0)
    assert body.handle_enable(m.SetBoolRequest(data=True)).message == "node is not active"
    body.start()  # a lifecycle node may be activated again
    assert body.handle_enable(m.SetBoolRequest(data=True)).message != "node is not active"


@pytest.mark.parametrize(("rival", "refused"), [(None, False), ("participant ab12", True)])
def test_one_node_per_name(rival, refused):
    if not refused:
        ensure_unique_node(lambda: rival, "/rehab_robot", "DDS domain 3")
        return
    with pytest.raises(DuplicateNodeError, match=r"/rehab_robot already runs on DDS domain 3 "
                                                 r"\(participant ab12\)"):
        ensure_unique_node(lambda: rival, "/rehab_robot", "DDS domain 3")


def test_status_message_comes_from_the_shared_translation(body_and_outlet):
    body, _controller, outlet = body_and_outlet
    body.shutdown()
    last = outlet.last(INTERFACE.status)
    assert last.state == convert.STATE_CODES[RobotState.ESTOP]
    assert last.reason_code == ReasonCode.NODE_SHUTDOWN.value
