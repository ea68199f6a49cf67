"""Runs a live session: capture, pose, scoring, robot and storage on one clock.

The session clock is seconds since the session started. Frames are stamped when they are
read (monotonic), robot samples when they arrive (wall clock), both shifted to the same
origin. One worker thread owns the session: it consumes the pose pipeline's results
(whose own threads capture and estimate, dropping stale frames), feeds the analyzer,
stores reps, events and streams as they happen (committed at once, so a crash loses at
most the last second of samples), drives the robot set by set, and reports every change
to ``sink`` as a :mod:`rehab.session.events` update. Screens call :meth:`pause`,
:meth:`resume`, :meth:`stop` and :meth:`estop` from any thread; each returns at once.

Faults pause, never lose: a camera that stops delivering, a robot link lost or a robot
fault, safe stop or e-stop each pause the session with an alert that says why, stored as
an event. The app being killed leaves the session ``running`` in the database, and the
next start marks it ``interrupted`` with everything before the kill kept.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rehab.errors import CaptureError, RehabError, RobotError
from rehab.exercises.analysis import Analyzer, RepEvent
from rehab.robot.client import RobotClient
from rehab.robot.link import LinkState
from rehab.session.events import (
    Alert,
    FrameUpdate,
    ProgressUpdate,
    RepScored,
    RobotUpdate,
    SessionPhase,
    UpdateSink,
)
from rehab.session.plan import PlannedItem, SessionPlan
from rehab.session.recording import (
    POSE_COLUMNS,
    frame_angles,
    pose_row,
    robot_columns,
    stored_rep,
)
from rehab.session.sources import EndAwareSource
from rehab.store import (
    EventKind,
    NewEvent,
    NewSet,
    SessionOutcome,
    SessionStatus,
    Severity,
    Side,
    Store,
    StreamRecorder,
)
from rehab.vision.capture import FrameSource
from rehab.vision.pipeline import PipelineSettings, PosePipeline, PoseResult
from rehab.vision.pose import PoseEstimator
from rehab.vision.tracking import PatientTracker, find_patient_region
from rehab_robot.core.api import RobotState

log = logging.getLogger(__name__)

_ROBOT_STOPPED = {RobotState.FAULT, RobotState.ESTOP, RobotState.SAFE_STOP}


@dataclass(frozen=True)
class RunnerSettings:
    """How a session runs.

    Parameters
    ----------
    language
        Cues and stored deduction texts: ``ko`` or ``en``.
    forward_images
        Attach each frame's image to its :class:`FrameUpdate` (screens need it; the
        headless runner does not).
    camera_lost_after_s
        Seconds without a frame before the camera counts as lost and the session pauses.
    robot_wait_s
        How long to wait for the robot's first status and for it to hear this app's
        heartbeats (node start-up, the heartbeat process and DDS discovery), and for it
        to acknowledge an exercise.
    robot_update_hz
        Rate of :class:`RobotUpdate` reports (telemetry is stored at its full rate).
    realtime
        Drop stale frames (live). False processes every frame (offline replays).
    """

    language: str = "ko"
    forward_images: bool = True
    camera_lost_after_s: float = 2.0
    robot_wait_s: float = 15.0
    robot_update_hz: float = 10.0
    realtime: bool = True


class _Stop(Exception):  # noqa: N818 - control flow inside the worker, never escapes
    """The therapist ended the session."""


class SessionRunner:
    """One live session from start to finish (see the module docstring).

    Parameters
    ----------
    open_store
        Opens the store; called inside the worker thread (SQLite connections are
        per-thread).
    plan
        What to run.
    open_source
        Opens the camera or video; called again to recover after the camera was lost.
    estimator
        The pose backend (its lifetime is the caller's).
    robot
        A started robot client, or None for a camera-only session.
    sink
        Receives every update, on the worker thread.
    clock, wall_clock
        Monotonic and epoch clocks (injected in tests).
    """

    def __init__(self, *, open_store: Callable[[], Store], plan: SessionPlan,
                 open_source: Callable[[], FrameSource], estimator: PoseEstimator,
                 robot: RobotClient | None, sink: UpdateSink,
                 settings: RunnerSettings | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self._open_store, self.plan = open_store, plan
        self._open_source, self._estimator, self._robot = open_source, estimator, robot
        self._sink, self.settings = sink, settings or RunnerSettings()
        self._clock, self._wall_clock = clock, wall_clock
        self._commands: queue.SimpleQueue[tuple[str, str]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.session_id: int | None = None
        self.error: BaseException | None = None
        self.reps_stored = 0
        self.pipeline_stats = None
        self._paused_reason = ""
        self._phase = SessionPhase.READY
        self._t0_mono: float | None = None
        self._where: tuple[PlannedItem, int, int] = (plan.items[0], 0, 0)

    # ---------------------------------------------------------------- control (any thread)

    def start(self) -> None:
        """Start the session in its worker thread."""
        if self._thread is not None:
            raise RehabError("this session has started already")
        self._thread = threading.Thread(target=self._main, name="session", daemon=True)
        self._thread.start()

    def pause(self, reason: str = "") -> None:
        self._commands.put(("pause", reason or "paused by the therapist"))

    def resume(self) -> None:
        self._commands.put(("resume", ""))

    def stop(self) -> None:
        self._commands.put(("stop", ""))

    def estop(self) -> None:
        """Emergency stop: the robot's e-stop now (its own thread), then pause."""
        if self._robot is not None:
            threading.Thread(target=self._call_estop, name="estop", daemon=True).start()
        self._commands.put(("estop", ""))

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait for the session to end; True when it has."""
        if self._thread is None:
            return True
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def _call_estop(self) -> None:
        assert self._robot is not None
        try:
            self._robot.estop()
        except RobotError as exc:
            self._emit_alert(Severity.ERROR, "robot", f"E-STOP call failed: {exc}; "
                             "use the hardware stop")

    # ---------------------------------------------------------------- worker

    def _main(self) -> None:
        store = self._open_store()
        self._store = store
        try:
            self._run(store)
        except _Stop:
            self._end(SessionStatus.ABORTED, "stopped by the therapist")
        except BaseException as exc:
            # The worker's boundary: whatever stopped the session reaches the screen (an
            # alert), the log (with its traceback) and the caller (``error``), and the
            # session ends aborted with everything recorded so far kept.
            self.error = exc
            log.exception("session failed")
            self._emit_alert(Severity.ERROR, "session", f"session stopped: {exc}")
            if self.session_id is not None:
                self._end(SessionStatus.ABORTED, f"stopped by an error: {exc}")
        finally:
            self._close_recording()
            store.close()

    def _run(self, store: Store) -> None:
        plan = self.plan
        session = store.sessions.start(plan.patient_id, program_id=plan.program_id,
                                       therapist_id=plan.therapist_id)
        self.session_id = session.id
        self._t0_mono, self._t0_wall = self._clock(), self._wall_clock()
        self._recorder = StreamRecorder(store.streams, session.id)
        self._recorder.declare("pose", POSE_COLUMNS)
        self._robot_stream = False
        self._next_robot_update = 0.0
        self._pipeline: PosePipeline | None = None
        self._progress(SessionPhase.READY, plan.items[0], 0, 0)
        # Camera first: loading the pose model can hold the GIL for a while, and the
        # robot's heartbeat watchdog must not see that gap once it is enabled.
        self._pipeline = self._start_pipeline()
        self._check_robot_ready()
        self._last_frame_s = self._now()  # calibration took its time; frames flow from now
        for item in plan.items:
            for set_index in range(item.sets):
                self._run_set(item, set_index)
                last = item is plan.items[-1] and set_index == item.sets - 1
                if not last and item.rest_s > 0:
                    self._rest(item, set_index)
        self._end(SessionStatus.COMPLETED, "")

    def _now(self) -> float:
        return self._clock() - self._t0_mono

    def _start_pipeline(self) -> PosePipeline:
        source = EndAwareSource(self._open_source())
        self._source = source
        try:
            tracker = PatientTracker(self._estimator, find_patient_region(source,
                                                                          self._estimator))
        except BaseException:  # release the camera whatever failed, then re-raise
            source.close()
            raise
        settings = PipelineSettings(drop_stale=self.settings.realtime,
                                    keep_images=self.settings.forward_images)
        return PosePipeline(source, tracker, settings, clock=self._clock).start()

    # ---------------------------------------------------------------- sets and rests

    def _run_set(self, item: PlannedItem, set_index: int) -> None:
        store = self._store
        set_id = store.sessions.add_set(self.session_id, NewSet(
            item.exercise.id, set_index, item.reps, item.target_rom_deg, self._now(),
            program_item_id=item.program_item_id, side=_store_side(item.side)))
        analyzer = Analyzer(item.exercise, item.side, self.settings.language,
                            item.target_rom_deg, item.tempo)
        self._progress(SessionPhase.EXERCISING, item, set_index, 0)
        if item.robot is not None and self._robot is not None:
            self._send_robot_exercise(item)
        while analyzer.count < item.reps:
            self._step(item, set_index, analyzer, set_id)
        for event in analyzer.flush():
            self._on_rep(item, set_index, set_id, event)
        store.sessions.end_set(set_id, self._now())

    def _rest(self, item: PlannedItem, set_index: int) -> None:
        until = self._now() + item.rest_s
        next_report = 0.0
        while (left := until - self._now()) > 0:
            self._step(item, set_index, None, None)
            if self._now() >= next_report:
                self._progress(SessionPhase.RESTING, item, set_index, item.reps, left)
                next_report = self._now() + 0.5

    def _step(self, item: PlannedItem, set_index: int, analyzer: Analyzer | None,
              set_id: int | None) -> None:
        """One turn of the loop: commands, one frame (if any), the robot."""
        self._handle_commands(item, set_index, analyzer)
        result = self._next_result()
        if result is not None and self._phase is not SessionPhase.PAUSED:
            self._on_frame(item, set_index, analyzer, set_id, result)
        self._poll_robot(item, set_index)

    def _next_result(self) -> PoseResult | None:
        if self._pipeline is None:
            return None
        try:
            result = self._pipeline.get(timeout_s=0.05)
        except CaptureError as exc:
            self._camera_lost(str(exc))
            return None
        if result is None:
            if self._source.ended:
                self._camera_lost("the video ended")
            elif self._now() - self._last_frame_s > self.settings.camera_lost_after_s:
                self._camera_lost(f"no frame for {self.settings.camera_lost_after_s:g} s")
            return None
        self._last_frame_s = self._now()
        return result

    def _camera_lost(self, why: str) -> None:
        if self._pipeline is not None:
            self.pipeline_stats = self._pipeline.stats()
            try:
                self._pipeline.stop()
            except RehabError as exc:
                log.warning("camera pipeline did not stop cleanly: %s", exc)
            self._pipeline = None
        self._pause(f"camera lost ({why}); data so far is kept. Check the camera, then "
                    "resume", source="camera", severity=Severity.ERROR)

    # ---------------------------------------------------------------- frames and reps

    def _on_frame(self, item: PlannedItem, set_index: int, analyzer: Analyzer | None,
                  set_id: int | None, result: PoseResult) -> None:
        t_s = result.captured_at_s - self._t0_mono
        pose = result.pose
        names = analyzer.needed_angles if analyzer else item.exercise.primary_angle_names(
            item.side)
        angles = frame_angles(pose, names, t_s)
        self._recorder.append("pose", t_s, pose_row(pose))
        if analyzer is not None and set_id is not None:
            for event in analyzer.push(t_s, angles.deg, angles.confidence):
                self._on_rep(item, set_index, set_id, event)
        image = result.image_rgb[:, :, ::-1] if result.image_rgb is not None else None
        self._sink(FrameUpdate(
            t_s, image, None if pose.missing else pose.image_xy_px,
            None if pose.missing else pose.visibility, angles.deg, names[0],
            self._clock() - result.captured_at_s))

    def _on_rep(self, item: PlannedItem, set_index: int, set_id: int, event: RepEvent) -> None:
        rep, t_s = event.rep, self._now()
        cue = event.cue or ""
        if not rep.counted:
            self._store.sessions.add_event(self.session_id, NewEvent(
                EventKind.NOTE, Severity.INFO, "scoring",
                f"partial rep ({rep.metrics.partial_reason.value}), not counted", t_s))
            self._sink(RepScored(t_s, item.item_index, set_index, -1, rep.metrics.rom_deg,
                                 0.0, (), (), cue, partial=True))
            return
        assistance = self._robot.status.assistance if (
            self._robot is not None and self._robot.status is not None
            and item.robot is not None) else None
        new = stored_rep(event, event.count - 1, self.settings.language, assistance)
        self._store.sessions.add_rep(set_id, new)
        self.reps_stored += 1
        self._sink(RepScored(t_s, item.item_index, set_index, new.rep_index, new.rom_deg,
                             new.form_score, new.deductions, new.flags, cue))
        self._send_form_feedback(event)
        self._progress(SessionPhase.EXERCISING, item, set_index, event.count, cue=cue)

    def _send_form_feedback(self, event: RepEvent) -> None:
        if self._robot is None or event.rep.score is None:
            return
        worst = max(event.rep.compensations, key=lambda c: c.penalty_points, default=None)
        severity = 0.0 if worst is None else min(1.0, worst.penalty_points / 30.0)
        try:
            self._robot.send_form_feedback(event.rep.score.score,
                                           worst.rule_id if worst else "", severity)
        except RobotError as exc:
            log.warning("form feedback not sent: %s", exc)

    # ---------------------------------------------------------------- robot

    def _check_robot_ready(self) -> None:
        needs_robot = any(i.robot is not None for i in self.plan.items)
        if not needs_robot or self._robot is None:
            return
        try:
            # The node refuses to enable before it has heard this client's heartbeat.
            self._robot.wait_for(lambda: self._robot.status is not None and
                                 self._robot.status.heartbeat_age_s is not None,
                                 self.settings.robot_wait_s)
            if self._robot.status.state in _ROBOT_STOPPED:
                self._robot.reset()
            self._robot.enable(True)
        except RobotError as exc:
            self._pause(f"robot not ready: {exc}", source="robot", severity=Severity.ERROR)

    def _send_robot_exercise(self, item: PlannedItem) -> None:
        """Send the set's robot exercise; a refusal (with the robot's reason) pauses."""
        robot, command = self._robot, item.robot
        assert robot is not None and command is not None
        robot.send_exercise(command)
        try:
            status = robot.wait_for(
                lambda: robot.status if robot.status is not None and
                robot.status.last_command_id == command.exercise_id else None,
                self.settings.robot_wait_s)
        except RobotError:
            self._pause("robot did not acknowledge the exercise", source="robot",
                        severity=Severity.ERROR)
            return
        if not status.last_command_accepted:
            self._pause(f"robot refused the exercise: {status.last_command_reason}",
                        source="robot", severity=Severity.ERROR)

    def _poll_robot(self, item: PlannedItem, set_index: int) -> None:
        robot = self._robot
        if robot is None:
            return
        samples = robot.drain_telemetry()
        if samples:
            if not self._robot_stream:
                self._recorder.declare("robot", robot_columns(samples[0].names))
                self._robot_stream = True
            t = np.array([s.received_s - self._t0_wall for s in samples])
            rows = np.array([[v for triple in zip(s.position_rad, s.velocity_rad_s,
                                                    s.effort_nm, strict=True) for v in triple]
                             for s in samples])
            keep = t >= 0
            if keep.any():
                self._recorder.extend("robot", np.maximum.accumulate(t[keep]), rows[keep])
        link, status = robot.link_state(), robot.status
        needs_robot = item.robot is not None
        if self._phase is SessionPhase.EXERCISING and needs_robot:
            if link is LinkState.LOST:
                self._pause("robot link lost: the robot's watchdog has stopped it",
                            source="robot", severity=Severity.ERROR)
            elif status is not None and status.state in _ROBOT_STOPPED:
                self._pause(f"robot {status.state.value}: {status.fault or status.reason}",
                            source="robot", severity=Severity.ERROR)
        if self._now() >= self._next_robot_update and status is not None:
            self._next_robot_update = self._now() + 1 / self.settings.robot_update_hz
            latest = robot.latest_telemetry
            self._sink(RobotUpdate(
                self._now(), status.state.value, status.mode.value, link.value,
                latest.names if latest else (),
                tuple(math.degrees(p) for p in latest.position_rad) if latest else (),
                latest.effort_nm if latest else (), status.assistance, status.fault,
                status.reason))

    # ---------------------------------------------------------------- commands

    def _handle_commands(self, item: PlannedItem, set_index: int,
                         analyzer: Analyzer | None) -> None:
        while True:
            try:
                command, reason = self._commands.get_nowait()
            except queue.Empty:
                return
            if command == "stop":
                raise _Stop
            if command == "estop":
                # Recorded and shown even when already paused (after a fault, say).
                message = "E-STOP pressed: robot stopped and latched until reset"
                self._store.sessions.add_event(self.session_id, NewEvent(
                    EventKind.ESTOP, Severity.ERROR, "console", message, self._now()))
                self._emit_alert(Severity.ERROR, "console", message)
                self._pause(message, source="estop", severity=Severity.INFO, alert=False)
            elif command == "pause":
                self._pause(reason, source="console", severity=Severity.INFO)
            elif command == "resume":
                self._resume(item, set_index, analyzer)

    def _pause(self, reason: str, *, source: str, severity: Severity,
               alert: bool = True) -> None:
        if self._phase is SessionPhase.PAUSED:
            return
        self._phase_before_pause = self._phase
        self._phase, self._paused_reason = SessionPhase.PAUSED, reason
        self._store.sessions.set_paused(self.session_id, True, reason=reason)
        if severity is not Severity.INFO:
            self._store.sessions.add_event(self.session_id, NewEvent(
                EventKind.ALERT if source == "camera" else EventKind.FAULT, severity, source,
                reason, self._now()))
        robot_running = self._robot is not None and self._robot.status is not None and \
            self._robot.status.state is RobotState.RUNNING
        if robot_running and source not in ("robot", "estop"):
            try:
                self._robot.pause()
            except RobotError as exc:
                log.warning("robot pause refused: %s", exc)
        if alert:
            self._emit_alert(severity, source, reason)
        item, set_index, reps_done = self._where
        self._progress(SessionPhase.PAUSED, item, set_index, reps_done, cue=reason)

    def _resume(self, item: PlannedItem, set_index: int, analyzer: Analyzer | None) -> None:
        if self._phase is not SessionPhase.PAUSED:
            return
        if self._pipeline is None:
            try:
                self._pipeline = self._start_pipeline()
            except RehabError as exc:
                self._emit_alert(Severity.ERROR, "camera", f"camera still unavailable: {exc}")
                return
            self._last_frame_s = self._now()
        robot = self._robot
        if robot is not None and item.robot is not None:
            try:
                if robot.link_state() is LinkState.LOST:
                    raise RobotError("no answer from the robot node")
                if robot.status is not None and robot.status.state in _ROBOT_STOPPED:
                    robot.reset()
                robot.enable(True)
            except RobotError as exc:
                self._emit_alert(Severity.ERROR, "robot", f"robot not ready: {exc}")
                return
        self._phase = self._phase_before_pause
        self._store.sessions.set_paused(self.session_id, False)
        self._progress(self._phase, item, set_index, analyzer.count if analyzer else item.reps)
        if robot is not None and item.robot is not None:
            self._send_robot_exercise(item)

    # ---------------------------------------------------------------- reporting and end

    def _progress(self, phase: SessionPhase, item: PlannedItem, set_index: int,
                  reps_done: int, rest_left_s: float = 0.0, cue: str = "") -> None:
        if self._phase is not SessionPhase.PAUSED or phase is SessionPhase.PAUSED:
            self._phase = phase
        self._where = (item, set_index, reps_done)
        self._sink(ProgressUpdate(
            self._now(), self._phase, item.item_index, len(self.plan.items), item.exercise.id,
            item.exercise.names.get(self.settings.language), set_index, item.sets, reps_done,
            item.reps, rest_left_s, self.session_id, cue))

    def _emit_alert(self, severity: Severity, source: str, message: str) -> None:
        now = self._now() if self._t0_mono is not None else 0.0
        self._sink(Alert(now, severity, source, message))

    def _end(self, status: SessionStatus, why: str) -> None:
        self._close_recording()
        if self._robot is not None:
            try:
                self._robot.enable(False)
            except RobotError as exc:
                log.warning("robot disable refused: %s", exc)
        self._store.sessions.finish(self.session_id, SessionOutcome(notes=why), status=status)
        phase = SessionPhase.FINISHED if status is SessionStatus.COMPLETED else \
            SessionPhase.ABORTED
        self._phase = phase
        self._sink(ProgressUpdate(self._now(), phase, len(self.plan.items) - 1,
                                  len(self.plan.items), "", "", 0, 0, self.reps_stored, 0,
                                  session_id=self.session_id, cue=why))

    def _close_recording(self) -> None:
        recorder = getattr(self, "_recorder", None)
        if recorder is not None:
            recorder.close()
        pipeline = getattr(self, "_pipeline", None)
        if pipeline is not None:
            self.pipeline_stats = pipeline.stats()
            self._pipeline = None
            pipeline.stop()


def _store_side(side: str | None) -> Side:
    return Side(side) if side else Side.BOTH
