"""The session's side of the robot: commands by sequence number, acknowledgements, faults.

A set runs with the robot only once the node has accepted that very command: each
exercise command carries a sequence number that the node echoes in its status
(``last_command_seq``), so an earlier command's acceptance can never stand in for a
later one. When the camera has counted the set, the robot's exercise is ended
(``finish``), so the next set's command finds the robot ready. Refusals, safe stops,
faults, e-stops and a lost link come back as a :class:`RobotFault` with the cause the
session stores and the robot's own reason code, which the screens translate.

Nothing here imports Qt or the DDS transport: the robot is the
:class:`~rehab.robot.client.RobotClient` the caller passes in (a scripted transport in
tests).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from rehab.errors import RobotError
from rehab.messages import Message
from rehab.robot.client import RobotClient
from rehab.robot.link import LinkState
from rehab.robot.messages import RemoteStatus, RemoteTransition, Telemetry, reason_message
from rehab.session.plan import PlannedItem
from rehab.store.models import Cause
from rehab_robot.core.api import RobotState

log = logging.getLogger(__name__)

STOPPED_STATES = frozenset({RobotState.FAULT, RobotState.ESTOP, RobotState.SAFE_STOP})
"""States in which the robot holds no exercise and must be reset before the next."""

_EXERCISING = frozenset({RobotState.RUNNING, RobotState.PAUSED})


@dataclass(frozen=True)
class RobotFault:
    """Why the robot cannot (or no longer) run the set.

    Attributes
    ----------
    cause
        The session's cause (robot refused, fault, safe stop, watchdog, e-stop, link lost).
    code
        The robot's machine-readable reason code ("" when the robot said nothing).
    reason
        The robot's own words, in English, for the log and the stored event.
    message
        The reason for people: the code's ``robot.reason.<code>``, or the app's own words
        when the robot said nothing (a lost link).
    """

    cause: Cause
    code: str
    reason: str
    message: Message | None = None

    @property
    def words(self) -> Message:
        """The reason as a message (from the code, else the English words as they are)."""
        if self.message is not None:
            return self.message
        if self.code:
            return reason_message(self.code)
        return Message("error.other", {"detail": self.reason})


def stopped_cause(state: RobotState, code: str) -> Cause:
    """The session cause for a robot that stopped in ``state`` for reason ``code``.

    Examples
    --------
    >>> stopped_cause(RobotState.SAFE_STOP, "watchdog")
    <Cause.ROBOT_WATCHDOG: 'robot_watchdog'>
    >>> stopped_cause(RobotState.FAULT, "fault_sensor")
    <Cause.ROBOT_FAULT: 'robot_fault'>
    """
    if state is RobotState.ESTOP:
        return Cause.ESTOP
    if state is RobotState.FAULT:
        return Cause.ROBOT_FAULT
    return Cause.ROBOT_WATCHDOG if code == "watchdog" else Cause.ROBOT_SAFE_STOP


class RobotCoordinator:
    """Drives the robot set by set for one session.

    Parameters
    ----------
    robot
        A started client, or None for a camera-only session.
    wait_s
        How long to wait for the node to hear this app's heartbeat and to acknowledge a
        command (node start-up, heartbeat process and DDS discovery take seconds).
    """

    def __init__(self, robot: RobotClient | None, wait_s: float) -> None:
        self.robot, self._wait_s = robot, wait_s
        self.active_seq: int | None = None
        self._transitions_seen = 0

    def drives(self, item: PlannedItem) -> bool:
        """Whether ``item`` runs with the robot in this session."""
        return self.robot is not None and item.robot is not None

    @property
    def status(self) -> RemoteStatus | None:
        return None if self.robot is None else self.robot.status

    # ------------------------------------------------------------------ set hand-offs

    def prepare(self) -> RobotFault | None:
        """Wait until the node hears this app, clear a stopped state, enable."""
        robot = self._require()
        try:
            # The node refuses to enable before it has heard this client's heartbeat.
            robot.wait_for(lambda: robot.status is not None and
                           robot.status.heartbeat_age_s is not None, self._wait_s)
            return self._ready()
        except RobotError as exc:
            return self._link_fault(str(exc), Message("robot.link.error",
                                                      {"detail": str(exc)}))

    def start_set(self, item: PlannedItem) -> RobotFault | None:
        """Send the set's exercise and wait until the node accepted this very command."""
        robot, prescription = self._require(), item.robot
        assert prescription is not None
        self.active_seq = None
        try:
            fault = self._ready()
            if fault is not None:
                return fault
            seq = robot.send_exercise(prescription)
            status = robot.wait_for(
                lambda: robot.status if robot.status is not None and
                robot.status.last_command_seq == seq else None, self._wait_s)
        except RobotError as exc:
            return self._link_fault(f"the robot did not acknowledge the exercise: {exc}",
                                    Message("robot.link.no_ack"))
        if not status.last_command_accepted:
            return RobotFault(Cause.ROBOT_REFUSED, status.last_command_code,
                              status.last_command_reason)
        self.active_seq = seq
        return None

    def end_set(self) -> None:
        """End the robot's exercise (the camera has counted the set); hold the posture."""
        seq, self.active_seq = self.active_seq, None
        status = self.status
        if seq is None or status is None or status.state not in _EXERCISING:
            return
        robot = self._require()
        try:
            robot.finish_exercise()
            # The next set's command must find the robot ENABLED, not a stale RUNNING.
            robot.wait_for(lambda: robot.status is not None and
                           robot.status.state not in _EXERCISING, self._wait_s)
        except RobotError as exc:
            log.warning("robot exercise %d not finished: %s", seq, exc)

    def _ready(self) -> RobotFault | None:
        """Bring the robot to ENABLED: reset a stopped robot, end a leftover exercise."""
        robot = self._require()
        if robot.link_state() is LinkState.LOST:
            return self._link_fault("no message from the robot node",
                                    Message("robot.link.no_message"))
        status = robot.status
        if status is not None and status.state in STOPPED_STATES:
            robot.reset()
        elif status is not None and status.state in _EXERCISING:
            try:
                robot.finish_exercise()
            except RobotError as exc:  # it may have completed its reps meanwhile
                log.info("no exercise left to finish: %s", exc)
        robot.enable(True)
        return None

    # ------------------------------------------------------------------ while running

    def check(self) -> RobotFault | None:
        """A fault that stops the running set, or None while the robot runs it."""
        robot = self._require()
        if robot.link_state() is LinkState.LOST:
            silence_s = robot.link.silence_s()
            return self._link_fault(f"no message from the robot node for {silence_s:.1f} s",
                                    Message("robot.link.silent", {"s": silence_s}))
        status = robot.status
        if status is not None and status.state in STOPPED_STATES:
            self.active_seq = None
            return RobotFault(stopped_cause(status.state, status.reason_code),
                              status.reason_code, status.fault or status.reason)
        return None

    def assistance(self) -> float | None:
        """The assistance the robot applies now to this set's command, else None."""
        status = self.status
        if (self.active_seq is None or status is None or status.state is not RobotState.RUNNING
                or status.last_command_seq != self.active_seq):
            return None
        return status.assistance

    def finished_early(self) -> bool:
        """True once when the robot completed its own reps before the camera counted the
        set: later reps of the set are not robot-assisted."""
        status = self.status
        if (self.active_seq is not None and status is not None
                and status.state is RobotState.ENABLED
                and status.last_command_seq == self.active_seq
                and status.reason_code == "exercise_complete"):
            self.active_seq = None
            return True
        return False

    def new_transitions(self) -> list[RemoteTransition]:
        """The robot's state changes since the last call (the robot's side of the record)."""
        if self.robot is None:
            return []
        transitions = self.robot.transitions()
        fresh = transitions[self._transitions_seen:]
        self._transitions_seen = len(transitions)
        return fresh

    def catch_up(self, timeout_s: float = 0.5) -> None:
        """Wait briefly for the node's messages to flow again (after this app was stopped,
        what the robot did meanwhile is still on its way); give up quietly on a dead link."""
        robot = self.robot
        if robot is None or robot.link_state() is LinkState.LOST:
            return
        seen = robot.telemetry_count
        try:
            robot.wait_for(lambda: robot.telemetry_count >= seen + 5, timeout_s)
        except RobotError:
            log.info("no fresh telemetry within %.1f s at the session's end", timeout_s)

    def drain_telemetry(self) -> list[Telemetry]:
        return [] if self.robot is None else self.robot.drain_telemetry()

    # ------------------------------------------------------------------ pause and stop

    def hold(self) -> None:
        """Pause a running exercise (the robot holds the limb where it is)."""
        status = self.status
        if status is None or status.state is not RobotState.RUNNING:
            return
        try:
            self._require().pause()
        except RobotError as exc:
            log.warning("robot pause refused: %s", exc)

    def estop_async(self, on_failure: Callable[[str], None]) -> None:
        """Call the robot's e-stop on its own thread (never behind a slow session step)."""
        robot = self.robot
        if robot is None:
            return

        def call() -> None:
            try:
                robot.estop()
            except RobotError as exc:
                on_failure(str(exc))

        threading.Thread(target=call, name="estop", daemon=True).start()

    def release(self) -> None:
        """At the session's end: end any exercise and disable the actuators."""
        if self.robot is None:
            return
        self.end_set()
        try:
            self.robot.enable(False)
        except RobotError as exc:
            log.warning("robot disable refused: %s", exc)

    # ------------------------------------------------------------------ helpers

    def _require(self) -> RobotClient:
        if self.robot is None:
            raise RobotError("this session has no robot")
        return self.robot

    def _link_fault(self, why: str, message: Message) -> RobotFault:
        self.active_seq = None
        robot = self._require()
        if robot.link_state() is LinkState.LOST:
            return RobotFault(Cause.ROBOT_LINK_LOST, "", why, message)
        status = robot.status
        if status is not None and status.state in STOPPED_STATES:
            return RobotFault(stopped_cause(status.state, status.reason_code),
                              status.reason_code, status.fault or status.reason)
        return RobotFault(Cause.ROBOT_FAULT, "", why, message)
