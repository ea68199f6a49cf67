"""The live session as the console shows it, fed by the session's typed updates.

:class:`LiveSessionModel` takes every :data:`~rehab.session.events.SessionUpdate` (on the
GUI thread, delivered by the Qt bridge), keeps the latest frame, bounded traces of the joint
angles and robot positions, the scored reps, the alerts, the robot's state and the program's
progress, and forwards the therapist's commands (start, pause, resume, stop, e-stop) to the
running session's :class:`~rehab.session.events.SessionControl`.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable

import numpy as np

from rehab.errors import RehabError, ValidationError
from rehab.language import Language
from rehab.messages import Message
from rehab.session.events import (
    Alert,
    FrameUpdate,
    ProgressUpdate,
    RepScored,
    RobotUpdate,
    SessionControl,
    SessionPhase,
    SessionUpdate,
)
from rehab.store.models import Cause, Severity
from rehab.ui.models.observable import Emitter

log = logging.getLogger(__name__)

TRACE_WINDOW_S = 10.0  # two or three reps at a rehabilitation tempo
MAX_ALERTS = 200


class Trace:
    """A fixed-capacity ring buffer of ``(t_s, value)`` samples.

    Parameters
    ----------
    capacity
        Samples kept; older ones are overwritten (30 fps for 20 s is 600).
    """

    def __init__(self, capacity: int = 2048) -> None:
        self._t = np.full(capacity, np.nan)
        self._y = np.full(capacity, np.nan)
        self._n = 0

    def append(self, t_s: float, value: float) -> None:
        i = self._n % self._t.size
        self._t[i], self._y[i] = t_s, value
        self._n += 1

    def __len__(self) -> int:
        return min(self._n, self._t.size)

    def window(self, span_s: float) -> tuple[np.ndarray, np.ndarray]:
        """The samples of the last ``span_s`` seconds, oldest first (copies)."""
        n, cap = len(self), self._t.size
        order = np.arange(self._n - n, self._n) % cap
        t, y = self._t[order], self._y[order]
        if n:
            keep = t >= t[-1] - span_s
            t, y = t[keep], y[keep]
        return t.copy(), y.copy()


class LiveSessionModel:
    """What the live session screen shows.

    Parameters
    ----------
    trace_window_s
        How much history the traces show (s).
    """

    def __init__(self, trace_window_s: float = TRACE_WINDOW_S) -> None:
        self.trace_window_s = trace_window_s
        self.control: SessionControl | None = None
        self.frame: FrameUpdate | None = None
        self.angle_traces: dict[str, Trace] = {}
        self.primary_angle = ""
        self.robot_traces: dict[str, Trace] = {}
        self.robot: RobotUpdate | None = None
        self.progress: ProgressUpdate | None = None
        self.reps: list[RepScored] = []
        self.alerts: deque[Alert] = deque(maxlen=MAX_ALERTS)
        self.estopped = False
        self.session_id: int | None = None
        self.frame_changed = Emitter()
        self.traces_changed = Emitter()
        self.rep_added = Emitter()  # (RepScored)
        self.alert_added = Emitter()  # (Alert)
        self.robot_changed = Emitter()
        self.progress_changed = Emitter()
        self.control_changed = Emitter()  # a session attached/detached, or e-stopped
        self.finished = Emitter()  # (session_id | None): the program ended or was stopped

    # -- updates from the session -------------------------------------------------------

    def ingest(self, update: SessionUpdate) -> None:
        """Take one update from the running session (GUI thread)."""
        handler: Callable[[SessionUpdate], None] = {
            FrameUpdate: self._on_frame, RepScored: self._on_rep, RobotUpdate: self._on_robot,
            Alert: self._on_alert, ProgressUpdate: self._on_progress,
        }[type(update)]
        handler(update)

    def _on_frame(self, update: FrameUpdate) -> None:
        for name, value in update.angles_deg.items():
            self.angle_traces.setdefault(name, Trace()).append(update.t_s, value)
        self.primary_angle = update.primary_angle
        self.traces_changed.emit()
        if update.image_bgr is not None:  # the bridge strips images of frames it skipped
            self.frame = update
            self.frame_changed.emit()

    def _on_rep(self, update: RepScored) -> None:
        self.reps.append(update)
        self.rep_added.emit(update)

    def _on_robot(self, update: RobotUpdate) -> None:
        for name, pos in zip(update.joint_names, update.position_deg, strict=True):
            self.robot_traces.setdefault(name, Trace()).append(update.t_s, pos)
        self.robot = update
        self.robot_changed.emit()
        self.traces_changed.emit()

    def _on_alert(self, update: Alert) -> None:
        self.alerts.append(update)
        self.alert_added.emit(update)

    def _on_progress(self, update: ProgressUpdate) -> None:
        self.progress = update
        if update.session_id is not None:
            self.session_id = update.session_id
        self.progress_changed.emit()
        if update.phase in (SessionPhase.FINISHED, SessionPhase.ABORTED):
            self.finished.emit(self.session_id)

    @property
    def counted_reps(self) -> list[RepScored]:
        return [r for r in self.reps if not r.partial]

    # -- commands to the session --------------------------------------------------------

    def attach(self, control: SessionControl | None) -> None:
        """Show a (new) session; clears what the previous one left."""
        self.control = control
        self.frame, self.robot, self.progress, self.session_id = None, None, None, None
        self.angle_traces, self.robot_traces = {}, {}
        self.reps, self.estopped = [], False
        self.alerts.clear()
        for emitter in (self.frame_changed, self.traces_changed, self.robot_changed,
                        self.progress_changed, self.control_changed):
            emitter.emit()

    def estop(self) -> None:
        """Emergency stop: ask the session, show it as pressed; a failure is an alert.

        The button must never look pressed without the call having been made, nor fail
        quietly: a refusal or error of the session becomes an error alert on screen.
        """
        self.estopped = True
        if self.control is None:
            self.report_error(Message("console.estop_no_session"))
        else:
            try:
                self.control.estop()
            except RehabError as exc:
                log.error("E-STOP call failed: %s", exc)
                self.report_error(Message("console.estop_failed", {"error": _words(exc)}))
        self.control_changed.emit()

    def pause(self, cause: Cause = Cause.THERAPIST) -> None:
        self._command(lambda c: c.pause(cause))

    def resume(self) -> None:
        self._command(lambda c: c.resume())

    def start(self) -> None:
        self.estopped = False
        self._command(lambda c: c.start())
        self.control_changed.emit()

    def stop(self, cause: Cause = Cause.THERAPIST) -> None:
        self._command(lambda c: c.stop(cause))

    def _command(self, call: Callable[[SessionControl], None]) -> None:
        if self.control is None:
            return
        try:
            call(self.control)
        except RehabError as exc:
            self.report_error(Message("console.command_failed", {"error": _words(exc)}))

    def report_error(self, message: Message | str) -> None:
        """Show an error of the console itself (a refused command) as an alert.

        A :class:`~rehab.messages.Message` is rendered in the reader's language when
        shown; a string is text the console has already translated.
        """
        t_s = self.frame.t_s if self.frame is not None else 0.0
        if isinstance(message, str):
            self._on_alert(Alert(t_s, Severity.ERROR, "console", message))
            return
        self._on_alert(Alert(t_s, Severity.ERROR, "console", message.text(Language.EN), None,
                             message.id, dict(message.params)))


def _words(error: RehabError) -> Message | str:
    return error.message_obj if isinstance(error, ValidationError) else str(error)
