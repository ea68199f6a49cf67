"""Runs a live session: the phase machine over capture, pose, scoring, robot and store.

The session clock is seconds since the session started. Frames are stamped when they are
read (monotonic), robot samples when they arrive (wall clock), both shifted to the same
origin. One worker thread owns the session and turns a loop: commands from the screens,
one pose result, the robot. Three helpers do the rest, each readable alone:
:class:`~rehab.session.robot_coordinator.RobotCoordinator` (commands by sequence number,
acknowledgements, faults), :class:`~rehab.session.recorder.SessionRecorder` (store
writes) and :class:`~rehab.session.reporter.Reporter` (updates to the screens).

The record says what happened. Every pause and end carries a
:class:`~rehab.store.models.Cause`: the therapist or the patient, the camera lost, the
app stalled (the loop itself did not turn for ``stall_after_s``: the process was
stopped or starved), the robot's link lost, its watchdog, fault, safe stop or refusal,
the e-stop, a signal, an error. The robot's own state changes are stored as events
beside the app's. A set counts as robot-assisted only while the robot runs the command
it accepted for that set. Nothing is stored before the camera has delivered frames.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from rehab.errors import CaptureError, RehabError
from rehab.exercises.analysis import Analyzer, RepEvent
from rehab.robot.client import RobotClient
from rehab.session.commands import Command, EStop, Pause, Resume, Stop
from rehab.session.events import SessionPhase, SetPosition, UpdateSink
from rehab.session.plan import PlannedItem, SessionPlan
from rehab.session.recorder import SessionRecorder
from rehab.session.recording import frame_angles, pose_row, stored_rep
from rehab.session.reporter import Reporter
from rehab.session.robot_coordinator import (
    STOPPED_STATES,
    RobotCoordinator,
    RobotFault,
    stopped_cause,
)
from rehab.session.sources import EndAwareSource
from rehab.store import Cause, EventKind, NewSet, SessionStatus, Severity, Side, Store
from rehab.store.models import PERSON_CAUSES
from rehab.vision.capture import FrameSource
from rehab.vision.pipeline import PipelineSettings, PosePipeline, PoseResult
from rehab.vision.pose import PoseEstimator
from rehab.vision.tracking import PatientTracker, find_patient_region

log = logging.getLogger(__name__)


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
    stall_after_s
        Seconds the session loop may go without turning before the app counts as stalled
        (it turns every ~50 ms; a longer gap means this process did not run). Below
        ``camera_lost_after_s``, so a stopped app is never recorded as a lost camera.
    robot_wait_s
        How long to wait for the robot to hear this app's heartbeats (node start-up, the
        heartbeat process and DDS discovery) and to acknowledge an exercise.
    robot_update_hz
        Rate of :class:`RobotUpdate` reports (telemetry is stored at its full rate).
    realtime
        Drop stale frames (live). False processes every frame (offline replays).
    end_on_fault
        End the session (``aborted``, with the fault's cause) instead of pausing when a
        fault stops it: for runs without a screen, where nobody can resume.
    """

    language: str = "ko"
    forward_images: bool = True
    camera_lost_after_s: float = 2.0
    stall_after_s: float = 1.0
    robot_wait_s: float = 15.0
    robot_update_hz: float = 10.0
    realtime: bool = True
    end_on_fault: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.stall_after_s < self.camera_lost_after_s:
            raise ValueError("stall_after_s must be > 0 and below camera_lost_after_s")


@dataclass(frozen=True)
class SessionEnd:
    """How a session ended: its stored status and cause (for exit codes and summaries)."""

    status: SessionStatus
    cause: Cause
    reason: str = ""


class _End(Exception):  # noqa: N818 - control flow inside the worker, never escapes
    def __init__(self, cause: Cause, reason: str = "") -> None:
        super().__init__(reason)
        self.cause, self.reason = cause, reason


@dataclass
class _SetState:
    """The set being run: its program item, store row and analyzer."""

    item: PlannedItem
    set_index: int
    set_id: int | None = None
    analyzer: Analyzer | None = None

    @property
    def reps_done(self) -> int:
        return self.analyzer.count if self.analyzer is not None else self.item.reps


class SessionRunner:
    """One live session from start to finish (see the module docstring).

    Parameters
    ----------
    open_store
        Opens the store; called inside the worker thread.
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
        self.plan, self.settings = plan, settings or RunnerSettings()
        self._open_store, self._open_source, self._estimator = open_store, open_source, \
            estimator
        self._clock, self._wall_clock = clock, wall_clock
        self._robot = RobotCoordinator(robot, self.settings.robot_wait_s)
        self._report = Reporter(sink, plan, self.settings.language, self._now)
        self._commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._t0_mono: float | None = None
        self._recorder: SessionRecorder | None = None
        self._pipeline: PosePipeline | None = None
        self._source: EndAwareSource | None = None
        self._set = _SetState(plan.items[0], 0)
        self._phase = self._phase_before_pause = SessionPhase.READY
        self._last_turn_s = self._last_frame_s = self._next_robot_update_s = 0.0
        self.error: BaseException | None = None
        self.end: SessionEnd | None = None
        self.reps_stored = 0
        self.pipeline_stats = None

    @property
    def session_id(self) -> int | None:
        return None if self._recorder is None else self._recorder.session_id

    # ---------------------------------------------------------------- control (any thread)

    def start(self) -> None:
        """Start the session in its worker thread."""
        if self._thread is not None:
            raise RehabError("this session has started already")
        self._thread = threading.Thread(target=self._main, name="session", daemon=True)
        self._thread.start()

    def pause(self, cause: Cause = Cause.THERAPIST) -> None:
        self._commands.put(Pause(cause))

    def resume(self) -> None:
        self._commands.put(Resume())

    def stop(self, cause: Cause = Cause.THERAPIST, reason: str = "") -> None:
        self._commands.put(Stop(cause, reason))

    def estop(self) -> None:
        """Emergency stop: the robot's e-stop now (its own thread), then pause."""
        self._robot.estop_async(lambda why: self._report.alert(
            Severity.ERROR, "robot", f"E-STOP call failed: {why}; use the hardware stop",
            Cause.ESTOP))
        self._commands.put(EStop())

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait for the session to end; True when it has."""
        if self._thread is None:
            return True
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    # ---------------------------------------------------------------- worker

    def _main(self) -> None:
        try:
            store = self._open_store()
        except RehabError as exc:
            self.error = exc
            self._report.alert(Severity.ERROR, "session", f"session not started: {exc}",
                               Cause.ERROR)
            return
        self._recorder = SessionRecorder(store)
        try:
            self._run()
        except _End as end:
            self._finish(end.cause, end.reason)
        except BaseException as exc:
            # The worker's boundary: whatever stopped the session reaches the screen (an
            # alert), the log (with its traceback) and the caller (``error``), and the
            # session ends aborted with everything recorded so far kept.
            self.error = exc
            log.exception("session failed")
            self._report.alert(Severity.ERROR, "session", f"session stopped: {exc}",
                               Cause.ERROR)
            if self.session_id is not None:
                self._finish(Cause.ERROR, str(exc))
        finally:
            self._stop_pipeline()
            self._recorder.close_streams()
            store.close()

    def _run(self) -> None:
        plan, recorder = self.plan, self._recorder
        # The camera first, and nothing stored until it delivers: a camera or video that
        # cannot give a first frame raises CaptureError here and leaves no session row.
        # (Loading the pose model can also hold the GIL a while: better before the robot
        # is enabled and its heartbeat watchdog armed.)
        self._pipeline = self._start_pipeline()
        self._t0_mono = self._clock()
        robot_used = any(self._robot.drives(item) for item in plan.items)
        self._report.session_id = recorder.open(plan, robot_used=robot_used,
                                                t0_wall_s=self._wall_clock()).id
        self._report.progress(SessionPhase.READY, self._position())
        if robot_used and (fault := self._robot.prepare()) is not None:
            self._fault(fault.cause, f"robot not ready: {fault.reason}", "robot")
        self._last_turn_s = self._last_frame_s = self._now()
        for item in plan.items:
            for set_index in range(item.sets):
                self._run_set(item, set_index)
                last = item is plan.items[-1] and set_index == item.sets - 1
                if not last and item.rest_s > 0:
                    self._rest(item, set_index)
        raise _End(Cause.COMPLETED)

    def _now(self) -> float:
        return 0.0 if self._t0_mono is None else self._clock() - self._t0_mono

    def _position(self) -> SetPosition:
        return self._report.position(self._set.item, self._set.set_index, self._set.reps_done)

    # ---------------------------------------------------------------- sets and rests

    def _run_set(self, item: PlannedItem, set_index: int) -> None:
        recorder = self._recorder
        set_id = recorder.add_set(NewSet(
            item.exercise.id, set_index, item.reps, item.target_rom_deg, self._now(),
            program_item_id=item.program_item_id, side=Side(item.side) if item.side
            else Side.BOTH))
        analyzer = Analyzer(item.exercise, item.side, self.settings.language,
                            item.target_rom_deg, item.tempo)
        self._set = _SetState(item, set_index, set_id, analyzer)
        self._enter(SessionPhase.EXERCISING)
        self._start_robot_set()
        while analyzer.count < item.reps:
            self._turn()
        for event in analyzer.flush():
            self._on_rep(event)
        self._robot.end_set()
        recorder.end_set(set_id, self._now())

    def _rest(self, item: PlannedItem, set_index: int) -> None:
        self._set = _SetState(item, set_index)
        until = self._now() + item.rest_s
        next_report = self._now() + 0.5
        self._enter(SessionPhase.RESTING, rest_left_s=item.rest_s)
        while (left := until - self._now()) > 0:
            self._turn()
            if self._now() >= next_report and self._phase is SessionPhase.RESTING:
                self._report.progress(SessionPhase.RESTING, self._position(), rest_left_s=left)
                next_report = self._now() + 0.5

    def _enter(self, phase: SessionPhase, rest_left_s: float = 0.0) -> None:
        """Go to ``phase``, or to it after the present pause ends."""
        if self._phase is SessionPhase.PAUSED:
            self._phase_before_pause = phase
        else:
            self._phase = phase
            self._report.progress(phase, self._position(), rest_left_s=rest_left_s)

    def _start_robot_set(self) -> None:
        """Hand the set to the robot; it runs only once the robot accepted this command."""
        state = self._set
        if not self._robot.drives(state.item) or self._phase is SessionPhase.PAUSED:
            return
        fault = self._robot.start_set(state.item)
        self._last_turn_s = self._now()  # waiting for the acknowledgement is not a stall
        if fault is not None:
            verb = "refused the exercise" if fault.cause is Cause.ROBOT_REFUSED else \
                "cannot run the exercise"
            self._fault(fault.cause, f"robot {verb}: {fault.reason}", "robot")
            return
        self._recorder.robot_accepted(state.set_id, self._robot.active_seq)

    # ---------------------------------------------------------------- one turn of the loop

    def _turn(self) -> None:
        """Commands, the stall check, one frame (if any), the robot."""
        self._handle_commands()
        self._check_stall()
        result = self._next_result()
        if result is not None and self._phase is not SessionPhase.PAUSED:
            self._on_frame(result)
        self._poll_robot()

    def _check_stall(self) -> None:
        now = self._now()
        gap_s, self._last_turn_s = now - self._last_turn_s, now
        if gap_s > self.settings.stall_after_s:
            self._last_frame_s = now  # the camera kept running while the app did not
            self._fault(Cause.APP_STALLED, f"the app did not run for {gap_s:.1f} s "
                        "(stopped or starved of CPU)", "session")

    def _next_result(self) -> PoseResult | None:
        if self._pipeline is None:
            return None
        try:
            result = self._pipeline.get(timeout_s=0.05)
        except CaptureError as exc:
            self._camera_lost(str(exc))
            return None
        if result is None:
            if self._source is not None and self._source.ended:
                self._camera_lost("the video ended")
            elif self._now() - self._last_frame_s > self.settings.camera_lost_after_s:
                self._camera_lost(f"no frame for {self.settings.camera_lost_after_s:g} s")
            return None
        self._last_frame_s = self._now()
        return result

    def _camera_lost(self, why: str) -> None:
        self._stop_pipeline()
        self._fault(Cause.CAMERA_LOST, f"camera lost ({why}); data so far is kept. Check the "
                    "camera, then resume", "camera")

    def _on_frame(self, result: PoseResult) -> None:
        state, pose = self._set, result.pose
        t_s = result.captured_at_s - self._t0_mono
        analyzer = state.analyzer
        names = analyzer.needed_angles if analyzer else \
            state.item.exercise.primary_angle_names(state.item.side)
        angles = frame_angles(pose, names, t_s)
        self._recorder.pose(t_s, pose_row(pose))
        if analyzer is not None:
            for event in analyzer.push(t_s, angles.deg, angles.confidence):
                self._on_rep(event)
        self._report.frame(
            t_s, result.image_rgb[:, :, ::-1] if result.image_rgb is not None else None,
            None if pose.missing else pose.image_xy_px,
            None if pose.missing else pose.visibility, angles.deg, names[0],
            self._clock() - result.captured_at_s)

    def _on_rep(self, event: RepEvent) -> None:
        state, rep, cue = self._set, event.rep, event.cue or ""
        if not rep.counted:
            self._recorder.event(EventKind.NOTE, Severity.INFO, "scoring",
                                 f"partial rep ({rep.metrics.partial_reason.value}), not "
                                 "counted", self._now())
            self._report.partial_rep(state.item, state.set_index, rep.metrics.rom_deg, cue)
            return
        new = stored_rep(event, event.count - 1, self.settings.language,
                         self._robot.assistance() if self._robot.drives(state.item) else None)
        self._recorder.add_rep(state.set_id, new)
        self.reps_stored += 1
        self._report.rep(state.item, state.set_index, new, cue)
        self._send_form_feedback(event)
        self._report.progress(self._phase, self._position(), cue=cue)

    def _send_form_feedback(self, event: RepEvent) -> None:
        robot = self._robot.robot
        if robot is None or event.rep.score is None:
            return
        worst = max(event.rep.compensations, key=lambda c: c.penalty_points, default=None)
        severity = 0.0 if worst is None else min(1.0, worst.penalty_points / 30.0)
        try:
            robot.send_form_feedback(event.rep.score.score, worst.rule_id if worst else "",
                                     severity)
        except RehabError as exc:
            log.warning("form feedback not sent: %s", exc)

    # ---------------------------------------------------------------- robot

    def _poll_robot(self) -> None:
        robot = self._robot
        if robot.robot is None:
            return
        self._recorder.robot(robot.drain_telemetry())
        for transition in robot.new_transitions():
            self._recorder.robot_transition(
                transition, self._now(),
                stopped_cause(transition.to_state, transition.reason_code)
                if transition.to_state in STOPPED_STATES else None)
        if self._phase is SessionPhase.EXERCISING and robot.drives(self._set.item):
            if (fault := robot.check()) is not None:
                self._fault(fault.cause, _robot_words(fault), "robot")
            elif robot.finished_early():
                self._recorder.event(
                    EventKind.NOTE, Severity.WARNING, "robot", "the robot completed its "
                    "reps before the camera counted the set; the set's remaining reps are "
                    "not robot-assisted", self._now())
        status = robot.status
        if self._now() >= self._next_robot_update_s and status is not None:
            self._next_robot_update_s = self._now() + 1 / self.settings.robot_update_hz
            self._report.robot(status, robot.robot.link_state(), robot.robot.latest_telemetry)

    # ---------------------------------------------------------------- commands and pauses

    def _handle_commands(self) -> None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            if isinstance(command, Stop):
                raise _End(command.cause, command.reason or _STOP_REASON.get(
                    command.cause, ""))
            if isinstance(command, EStop):
                # Recorded and shown even when already paused (after a fault, say).
                message = "E-STOP pressed: robot stopped and latched until reset"
                self._recorder.event(EventKind.ESTOP, Severity.ERROR, "console", message,
                                     self._now(), Cause.ESTOP)
                self._report.alert(Severity.ERROR, "console", message, Cause.ESTOP)
                self._pause(Cause.ESTOP, message)
            elif isinstance(command, Pause):
                self._pause(command.cause, _PAUSE_REASON.get(command.cause, ""))
            elif isinstance(command, Resume):
                self._resume()

    def _fault(self, cause: Cause, reason: str, source: str) -> None:
        """A fault stops the set: stored and shown, then pause (or end, without a screen).

        A fault seen right after this loop did not run (the robot's watchdog stops the
        robot when this app was stopped) is first put down to the stall: the robot's
        own stop is in its transition events.
        """
        if cause is not Cause.APP_STALLED:
            self._check_stall()
        if self._phase is SessionPhase.PAUSED and cause is not Cause.APP_STALLED:
            return  # already paused: the robot's side is in its own transition events
        self._recorder.event(EventKind.ALERT if cause is Cause.CAMERA_LOST else
                             EventKind.FAULT, Severity.ERROR, source, reason, self._now(), cause)
        if not self.settings.end_on_fault:
            self._pause(cause, reason)
        self._report.alert(Severity.ERROR, source, reason, cause)  # once it is stored
        if self.settings.end_on_fault:
            raise _End(cause, reason)

    def _pause(self, cause: Cause, reason: str) -> None:
        if self._phase is SessionPhase.PAUSED:
            return
        self._phase_before_pause, self._phase = self._phase, SessionPhase.PAUSED
        self._recorder.paused(cause, reason, self._now())
        if cause not in (Cause.ESTOP,) and self._robot.robot is not None:
            self._robot.hold()
        if cause in PERSON_CAUSES:
            self._report.alert(Severity.INFO, "session", reason, cause)
        self._report.progress(SessionPhase.PAUSED, self._position(), cue=reason, cause=cause)

    def _resume(self) -> None:
        if self._phase is not SessionPhase.PAUSED:
            return
        if self._pipeline is None:
            try:
                self._pipeline = self._start_pipeline()
            except RehabError as exc:
                self._report.alert(Severity.ERROR, "camera",
                                   f"camera still unavailable: {exc}", Cause.CAMERA_LOST)
                return
            finally:
                self._last_turn_s = self._now()
            self._last_frame_s = self._now()
        state = self._set
        if self._robot.drives(state.item) and (fault := self._robot.prepare()) is not None:
            self._last_turn_s = self._now()
            self._report.alert(Severity.ERROR, "robot", f"robot not ready: {fault.reason}",
                               fault.cause)
            return
        self._phase = self._phase_before_pause
        self._recorder.resumed(self._now())
        self._report.progress(self._phase, self._position())
        if self._phase is SessionPhase.EXERCISING:
            self._start_robot_set()

    # ---------------------------------------------------------------- camera and end

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

    def _stop_pipeline(self) -> None:
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is None:
            return
        self.pipeline_stats = pipeline.stats()
        try:
            pipeline.stop()
        except RehabError as exc:
            log.warning("camera pipeline did not stop cleanly: %s", exc)

    def _finish(self, cause: Cause, reason: str) -> None:
        self._stop_pipeline()
        self._robot.release()
        session = self._recorder.finish(cause, reason, self._now())
        self.end = SessionEnd(session.status, cause, reason)
        phase = SessionPhase.FINISHED if cause is Cause.COMPLETED else SessionPhase.ABORTED
        self._phase = phase
        self._report.progress(phase, self._position(), cue=reason, cause=cause)


_PAUSE_REASON = {Cause.THERAPIST: "paused by the therapist",
                 Cause.PATIENT: "the patient pressed STOP (it hurts)"}
_STOP_REASON = {Cause.THERAPIST: "stopped by the therapist",
                Cause.PATIENT: "the patient asked to stop"}


def _robot_words(fault: RobotFault) -> str:
    if fault.cause is Cause.ROBOT_LINK_LOST:
        return f"robot link lost: {fault.reason}; the robot's watchdog stops it"
    return f"robot stopped ({fault.cause}): {fault.reason}"
