"""A robot node played by the test, behind the same transport port as the DDS node.

It follows the node's rules that the session depends on: an exercise is accepted only
when the robot is ENABLED and its command number is echoed with the outcome; ``finish``
ends an exercise; pause, resume, reset, enable and e-stop change the state; every state
change is published as a transition with its reason code. Tests inject what a real node
would do on its own: refuse, fault, safe-stop on its watchdog, fall silent.
"""

from __future__ import annotations

import threading

from rehab.robot.messages import RemoteStatus, RemoteTransition
from rehab_robot.core.api import ControlMode, RobotState

_EXERCISING = (RobotState.RUNNING, RobotState.PAUSED)


class ScriptedNode:
    """The robot node's wire, played in-process (see the module docstring)."""

    def __init__(self) -> None:
        self.sink = None
        self.calls: list[str] = []
        self.exercises: list = []
        self.state = RobotState.IDLE
        self.reason, self.reason_code, self.fault = "started", "started", ""
        self.last_seq, self.last_accepted, self.last_code, self.last_reason = 0, False, "", ""
        self.refuse_next: tuple[str, str] | None = None
        self.silent = False
        self._lock = threading.Lock()

    # -- the transport port ---------------------------------------------------------------

    def start(self, sink) -> None:
        self.sink = sink

    def send_heartbeat(self, seq: int) -> None:
        self.deliver()  # the node answers at its status rate; here, per heartbeat

    def send_exercise(self, command) -> None:
        with self._lock:
            self.exercises.append(command)
            self.last_seq = command.command_seq
            if self.refuse_next is not None:
                (self.last_code, self.last_reason), self.refuse_next = self.refuse_next, None
                self.last_accepted = False
            elif self.state is not RobotState.ENABLED:
                self.last_accepted, self.last_code = False, "not_enabled"
                self.last_reason = ("robot must be enabled and not exercising (it is "
                                    f"{self.state.name.lower()})")
            else:
                self.last_accepted, self.last_code, self.last_reason = True, "accepted", ""
                self._go(RobotState.RUNNING, "exercise started", "exercise_started")
        self.deliver()

    def send_form_feedback(self, feedback) -> None:
        self.calls.append(f"feedback {feedback.score:.0f}")

    def call(self, service: str, value, timeout_s: float) -> tuple[bool, str]:
        self.calls.append(service if value is None else f"{service} {value}")
        with self._lock:
            ok = self._service(service, value)
        self.deliver()
        return ok, "ok" if ok else f"refused in state {self.state.name.lower()}"

    def close(self) -> None:
        """Nothing to release."""

    # -- what the test injects -------------------------------------------------------------

    def stop_robot(self, state: RobotState, code: str, reason: str) -> None:
        """The node stops the robot on its own (fault, safe stop, watchdog)."""
        with self._lock:
            self.fault = reason if state is RobotState.FAULT else ""
            self._go(state, reason, code)
        self.deliver()

    def complete_exercise(self) -> None:
        with self._lock:
            self._go(RobotState.ENABLED, "exercise complete", "exercise_complete")
        self.deliver()

    # -- the node's behaviour ---------------------------------------------------------------

    def _service(self, service: str, value) -> bool:
        state = self.state
        if service == "estop":
            self._go(RobotState.ESTOP, "e-stop requested", "estop")
        elif service == "reset" and state in (RobotState.ESTOP, RobotState.FAULT,
                                               RobotState.SAFE_STOP):
            self.fault = ""
            self._go(RobotState.IDLE, "reset", "reset")
        elif service == "enable" and value and state is RobotState.IDLE:
            self._go(RobotState.ENABLED, "enabled on request", "enabled_on_request")
        elif service == "enable" and value and state in (RobotState.ENABLED, *_EXERCISING):
            pass
        elif service == "enable" and not value:
            if state not in (RobotState.IDLE, RobotState.FAULT, RobotState.ESTOP):
                self._go(RobotState.IDLE, "disabled on request", "disabled_on_request")
        elif service == "finish" and state in _EXERCISING:
            self._go(RobotState.ENABLED, "exercise finished on request", "finished_on_request")
        elif service == "pause" and state is RobotState.RUNNING:
            self._go(RobotState.PAUSED, "paused on request", "paused_on_request")
        elif service == "resume" and state is RobotState.PAUSED:
            self._go(RobotState.RUNNING, "resumed on request", "resumed_on_request")
        else:
            return False
        return True

    def _go(self, state: RobotState, reason: str, code: str) -> None:
        previous, self.state = self.state, state
        self.reason, self.reason_code = reason, code
        if self.sink is not None and previous is not state:
            self.sink.on_transition(RemoteTransition(0.0, previous, state, reason, code))

    def deliver(self) -> None:
        if self.silent or self.sink is None:
            return
        with self._lock:
            status = RemoteStatus(
                stamp_s=0.0, state=self.state, mode=ControlMode.ACTIVE_ASSISTED,
                reason=self.reason, fault=self.fault, assistance=0.4,
                interaction_torque_nm=(0.0,), rep=0, reps_total=3, heartbeat_age_s=0.01,
                last_command_id="", last_command_accepted=self.last_accepted,
                last_command_reason=self.last_reason, control_rate_hz=500.0,
                last_command_seq=self.last_seq, reason_code=self.reason_code,
                last_command_code=self.last_code)
        self.sink.on_status(status)
