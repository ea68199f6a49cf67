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
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from rehab.errors import CaptureError, RehabError, ValidationError
from rehab.exercises.analysis import Analyzer, RepEvent
from rehab.language import DEFAULT_LANGUAGE, Language
from rehab.messages import Message
from rehab.robot.client import RobotClient
from rehab.session.commands import (
    BeginSet,
    Command,
    EStop,
    ExtendRest,
    PatientScreen,
    Pause,
    Resume,
    SkipRest,
    Stop,
)
from rehab.session.events import NoOpinion, SessionPhase, SetPosition, UpdateSink
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
        (it turns every ~50 ms; a gap 30 times longer means this process did not run:
        stopped, or starved of CPU). Below ``camera_lost_after_s``, and checked first in
        each turn, so a stopped app is never recorded as a lost camera.
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
    wait_for_patient
        Hold each set in ``READY`` (the camera on, nothing counted, the robot still)
        until the patient screen has shown its lead-in and calls :meth:`begin_set`.
    """

    language: Language = DEFAULT_LANGUAGE
    forward_images: bool = True
    camera_lost_after_s: float = 2.0
    stall_after_s: float = 1.5
    robot_wait_s: float = 15.0
    robot_update_hz: float = 10.0
    realtime: bool = True
    end_on_fault: bool = False
    wait_for_patient: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.stall_after_s < self.camera_lost_after_s:
            raise ValueError("stall_after_s must be > 0 and below camera_lost_after_s")


@dataclass(frozen=True)
class SessionEnd:
    """How a session ended: its stored status and cause (for exit codes and summaries)."""

    status: SessionStatus
    cause: Cause
    reason: str = ""


MAX_REST_S = 600.0
"""The longest a rest can be made by extending it (10 minutes)."""


class _End(Exception):  # noqa: N818 - control flow inside the worker, never escapes
    def __init__(self, cause: Cause, reason: Message | None = None) -> None:
        super().__init__(str(reason or ""))
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


RepProbability = Callable[[Iterable[tuple[float, np.ndarray]], float, float, str],
                          float | NoOpinion | None]
"""The learned model's opinion of one counted rep: ``(pose_rows, t_start_s, t_end_s,
exercise_id) -> probability of correct form (0-1) or None``, or a
:class:`~rehab.session.events.NoOpinion` when the model declines (a rep unlike its
training reps): stored as no probability, shown as "no opinion", never flagged. The launcher injects
:data:`rehab.quality.lazy.rep_probability`; the session core never imports the model. An
injected callable with a ``warm_up()`` method is warmed up by
:class:`~rehab.session.launch.LiveSession` before the loop runs."""


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
    rep_probability
        The learned model's opinion of each counted rep (see :data:`RepProbability`), or
        None for none. It gets the current set's pose rows; a failure (any
        :class:`~rehab.errors.RehabError`, e.g. a model file refused) is logged once and
        leaves the reps without an opinion: it never stops the session.
    """

    def __init__(self, *, open_store: Callable[[], Store], plan: SessionPlan,
                 open_source: Callable[[], FrameSource], estimator: PoseEstimator,
                 robot: RobotClient | None, sink: UpdateSink,
                 settings: RunnerSettings | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time,
                 rep_probability: RepProbability | None = None) -> None:
        self.plan, self.settings = plan, settings or RunnerSettings()
        self._rep_probability = rep_probability
        self._model_failed = False
        # The pose rows of the current set only (for the model's opinion of its reps).
        self._set_poses: list[tuple[float, np.ndarray]] = []
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
        self._patient_ready = False
        self._wait_for_patient = self.settings.wait_for_patient
        self._rest_until_s: float | None = None
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

    def stop(self, cause: Cause = Cause.THERAPIST, reason: str | Message = "") -> None:
        self._commands.put(Stop(cause, reason))

    def begin_set(self) -> None:
        """The patient screen's lead-in is over: start the set held in ``READY``."""
        self._commands.put(BeginSet())

    def skip_rest(self) -> None:
        """End the present rest now."""
        self._commands.put(SkipRest())

    def set_patient_screen(self, open_: bool) -> None:
        """A patient screen opened (later sets wait for its lead-in) or closed (a set
        held for it starts now, and later ones do not wait)."""
        self._commands.put(PatientScreen(open_))

    def extend_rest(self, seconds: float) -> None:
        """Lengthen the present rest by ``seconds`` (at most :data:`MAX_REST_S` in all)."""
        self._commands.put(ExtendRest(seconds))

    def estop(self) -> None:
        """Emergency stop: the robot's e-stop now (its own thread), then pause."""
        self._robot.estop_async(lambda why: self._report.alert(
            Severity.ERROR, "robot", Message("session.estop_failed", {"error": why}),
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
            self._report.alert(Severity.ERROR, "session",
                               Message("session.not_started", {"error": _words(exc)}),
                               Cause.ERROR)
            return
        self._recorder = SessionRecorder(store)
        try:
            self._bind_references(store)
            self._run()
        except _End as end:
            self._finish(end.cause, end.reason)
        except BaseException as exc:
            # The worker's boundary: whatever stopped the session reaches the screen (an
            # alert), the log (with its traceback) and the caller (``error``), and the
            # session ends aborted with everything recorded so far kept.
            self.error = exc
            log.exception("session failed")
            self._report.alert(Severity.ERROR, "session",
                               Message("session.failed", {"error": _words(exc)}), Cause.ERROR)
            if self.session_id is not None:
                self._finish(Cause.ERROR, Message("error.other", {"detail": str(exc)}))
        finally:
            self._stop_pipeline()
            self._recorder.close_streams()
            store.close()

    def _bind_references(self, store: Store) -> None:
        """Hand the patient's reference reps (:meth:`SessionRepo.set_form_reference`) to
        a model that compares each rep with them (an injected ``with_references``); the
        reps of an exercise without a reference keep the reference-free opinion. A
        reference that cannot be read costs only itself: it is logged and left out."""
        bind = getattr(self._rep_probability, "with_references", None)
        if bind is None:
            return
        exercises = {item.exercise.id for item in self.plan.items}
        references = {}
        try:
            stored = store.sessions.form_references(self.plan.patient_id)
        except RehabError as exc:  # e.g. refused: the session goes on without references
            log.warning("the patient's reference reps are not used: %s", exc)
            return
        for exercise_id, ref in stored.items():
            if exercise_id not in exercises:
                continue
            by_id = {r.id: r for r in store.sessions.reps(ref.session_id)}
            try:
                reps = [by_id[rep_id] for rep_id in ref.rep_ids]
                poses = store.streams.read(ref.session_id, "pose",
                                           min(r.t_start_s for r in reps),
                                           max(r.t_end_s for r in reps))
            except (KeyError, RehabError) as exc:
                log.warning("reference reps of %s not used: %s", exercise_id, exc)
                continue
            rows = list(zip(poses.t_s.tolist(), poses.values.astype(float), strict=True))
            references[exercise_id] = [(rows, r.t_start_s, r.t_end_s) for r in reps]
        if not references:
            return
        bound = bind(references)
        try:
            warm_up = getattr(bound, "warm_up", None)
            if warm_up is not None:
                warm_up()
        except (RehabError, RuntimeError, OSError) as exc:
            log.warning("the patient's reference reps are not used: %s", exc)
            return
        self._rep_probability = bound

    def _run(self) -> None:
        plan, recorder = self.plan, self._recorder
        # The camera first, and nothing stored until it delivers: a camera or video that
        # cannot give a first frame raises CaptureError here and leaves no session row.
        # (Loading the pose model can also hold the GIL a while: better before the robot
        # is enabled and its heartbeat watchdog armed.)
        self._wait_for_patient = self.settings.wait_for_patient
        self._pipeline = self._start_pipeline()
        self._t0_mono = self._clock()
        robot_used = any(self._robot.drives(item) for item in plan.items)
        self._report.session_id = recorder.open(plan, robot_used=robot_used,
                                                t0_wall_s=self._wall_clock()).id
        self._report.progress(SessionPhase.READY, self._position())
        if robot_used and (fault := self._robot.prepare()) is not None:
            self._fault(fault.cause, Message("session.robot_not_ready", {"reason": fault.words}),
                        "robot", _as_told(fault))
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
        self._set = _SetState(item, set_index, set_id)
        self._set_poses.clear()
        self._hold_until_patient_ready()
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

    def _hold_until_patient_ready(self) -> None:
        """With a patient screen, the set waits in READY for its lead-in to end."""
        if not self._wait_for_patient:
            return
        self._patient_ready = False
        self._enter(SessionPhase.READY)
        while not self._patient_ready:
            self._turn()

    def _rest(self, item: PlannedItem, set_index: int) -> None:
        self._set = _SetState(item, set_index)
        self._rest_until_s = self._now() + item.rest_s
        next_report = self._now() + 0.5
        self._enter(SessionPhase.RESTING, rest_left_s=item.rest_s)
        while (left := self._rest_until_s - self._now()) > 0:
            self._turn()
            if self._now() >= next_report and self._phase is SessionPhase.RESTING:
                self._report.progress(SessionPhase.RESTING, self._position(), rest_left_s=left)
                next_report = self._now() + 0.5
        self._rest_until_s = None

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
            key = "session.robot_refused" if fault.cause is Cause.ROBOT_REFUSED else \
                "session.robot_cannot_run"
            self._fault(fault.cause, Message(key, {"reason": fault.words}), "robot",
                        _as_told(fault))
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
            self._fault(Cause.APP_STALLED, Message("session.app_stalled", {"gap_s": gap_s}),
                        "session")

    def _next_result(self) -> PoseResult | None:
        if self._pipeline is None:
            return None
        try:
            result = self._pipeline.get(timeout_s=0.05)
        except CaptureError as exc:
            self._camera_lost(Message("camera.error", {"detail": str(exc)}))
            return None
        if result is None:
            if self._source is not None and self._source.ended:
                self._camera_lost(Message("camera.video_ended"))
            elif self._now() - self._last_frame_s > self.settings.camera_lost_after_s:
                self._camera_lost(Message("camera.no_frame",
                                          {"s": self.settings.camera_lost_after_s}))
            return None
        self._last_frame_s = self._now()
        return result

    def _camera_lost(self, why: Message) -> None:
        self._stop_pipeline()
        self._fault(Cause.CAMERA_LOST, Message("session.camera_lost", {"why": why}), "camera")

    def _on_frame(self, result: PoseResult) -> None:
        state, pose = self._set, result.pose
        t_s = result.captured_at_s - self._t0_mono
        analyzer = state.analyzer
        names = analyzer.needed_angles if analyzer else \
            state.item.exercise.primary_angle_names(state.item.side)
        angles = frame_angles(pose, names, t_s)
        row = pose_row(pose)
        self._recorder.pose(t_s, row)
        if analyzer is not None:
            if self._rep_probability is not None:
                self._set_poses.append((t_s, row))
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
            self._recorder.event(EventKind.NOTE, Severity.INFO, "scoring", str(Message(
                "session.partial_rep", {"reason": rep.metrics.partial_reason.value})),
                self._now())
            self._report.partial_rep(state.item, state.set_index, rep.metrics.rom_deg, cue,
                                     side=rep.side)
            return
        opinion = self._model_opinion(event)
        probability = None if isinstance(opinion, NoOpinion) else opinion
        uses = getattr(self._rep_probability, "uses_reference", None)
        new = stored_rep(event, event.count - 1, self.settings.language,
                         self._robot.assistance() if self._robot.drives(state.item) else None,
                         model_probability=probability,
                         model_reference=None if probability is None else
                         bool(uses is not None and uses(state.item.exercise.id)))
        self._recorder.add_rep(state.set_id, new)
        self.reps_stored += 1
        self._report.rep(state.item, state.set_index, new, cue,
                         model_declined=isinstance(opinion, NoOpinion))
        self._send_form_feedback(event)
        self._report.progress(self._phase, self._position(), cue=cue)

    def _model_opinion(self, event: RepEvent) -> float | NoOpinion | None:
        """The injected model's probability for a counted rep (None without one, or when
        it failed; a NoOpinion when it declined); the set's pose rows before this rep's
        start are dropped after."""
        if self._rep_probability is None or self._model_failed:
            return None
        exercise_id, m = self._set.item.exercise.id, event.rep.metrics
        try:
            p = self._rep_probability(self._set_poses, m.start_t_s, m.end_t_s, exercise_id)
        except (RehabError, RuntimeError, ValueError, OSError) as exc:
            # A second opinion only: whatever the model (torch) raises, the session goes
            # on with the rule scores, and the reps simply carry no probability.
            log.warning("the form-quality model gives no opinion for this session: %s", exc)
            self._model_failed = True
            self._set_poses.clear()
            return None
        # A later rep starts at or after this one's start: older rows are no longer needed.
        start = m.start_t_s
        if self._set_poses and self._set_poses[0][0] < start:
            self._set_poses = [(t, r) for t, r in self._set_poses if t >= start]
        if p is None or isinstance(p, NoOpinion):
            return p
        return min(1.0, max(0.0, float(p)))

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
        self._record_robot_side()
        if self._phase is SessionPhase.EXERCISING and robot.drives(self._set.item):
            if (fault := robot.check()) is not None:
                self._fault(fault.cause, _robot_words(fault), "robot", _as_told(fault))
            elif robot.finished_early():
                self._recorder.event(EventKind.NOTE, Severity.WARNING, "robot",
                                     str(Message("session.robot_finished_early")), self._now())
        status = robot.status
        if self._now() >= self._next_robot_update_s and status is not None:
            self._next_robot_update_s = self._now() + 1 / self.settings.robot_update_hz
            self._report.robot(status, robot.robot.link_state(), robot.robot.latest_telemetry)

    def _record_robot_side(self) -> None:
        """Store the robot's telemetry and its own state changes (its side of the record)."""
        robot = self._robot
        self._recorder.robot(robot.drain_telemetry())
        for transition in robot.new_transitions():
            self._recorder.robot_transition(
                transition, self._now(),
                stopped_cause(transition.to_state, transition.reason_code)
                if transition.to_state in STOPPED_STATES else None)

    # ---------------------------------------------------------------- commands and pauses

    def _handle_commands(self) -> None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            if isinstance(command, Stop):
                reason = command.reason or _STOP_REASON.get(command.cause)
                raise _End(command.cause, Message("error.other", {"detail": reason})
                           if isinstance(reason, str) else reason)
            if isinstance(command, EStop):
                # Recorded and shown even when already paused (after a fault, say).
                message = Message("session.estop_pressed")
                self._recorder.event(EventKind.ESTOP, Severity.ERROR, "console", str(message),
                                     self._now(), Cause.ESTOP)
                self._report.alert(Severity.ERROR, "console", message, Cause.ESTOP)
                self._pause(Cause.ESTOP, message)
            elif isinstance(command, Pause):
                self._pause(command.cause, _PAUSE_REASON.get(
                    command.cause, Message(f"cause.{command.cause}")))
            elif isinstance(command, Resume):
                self._resume()
            elif isinstance(command, BeginSet):
                self._patient_ready = True
            elif isinstance(command, PatientScreen):
                self._wait_for_patient = command.open
                self._patient_ready = self._patient_ready or not command.open
            elif isinstance(command, SkipRest | ExtendRest):
                self._change_rest(command)

    def _change_rest(self, command: SkipRest | ExtendRest) -> None:
        """Skip or lengthen the present rest (ignored outside a rest)."""
        if self._rest_until_s is None:
            return
        now = self._now()
        if isinstance(command, SkipRest):
            self._rest_until_s = now
        else:
            left = max(0.0, self._rest_until_s - now)
            self._rest_until_s = now + min(MAX_REST_S, left + max(0.0, command.seconds))
        self._report.progress(self._phase, self._position(),
                              rest_left_s=max(0.0, self._rest_until_s - now))

    def _fault(self, cause: Cause, reason: Message, source: str,
               robot_words: str | None = None) -> None:
        """A fault stops the set: stored and shown, then pause (or end, without a screen).

        ``reason`` is shown in the reader's language; the stored event and the alert's
        English text carry the robot's own words (``robot_words``) in its place.

        A fault seen right after this loop did not run (the robot's watchdog stops the
        robot when this app was stopped) is first put down to the stall: the robot's
        own stop is in its transition events.
        """
        if cause is not Cause.APP_STALLED:
            self._check_stall()
        if self._phase is SessionPhase.PAUSED and cause is not Cause.APP_STALLED:
            return  # already paused: the robot's side is in its own transition events
        self._recorder.event(EventKind.ALERT if cause is Cause.CAMERA_LOST else
                             EventKind.FAULT, Severity.ERROR, source,
                             _english(reason, robot_words), self._now(), cause)
        if not self.settings.end_on_fault:
            self._pause(cause, reason)
        self._report.alert(Severity.ERROR, source, reason, cause,  # once it is stored
                           english=_english(reason, robot_words))
        if self.settings.end_on_fault:
            raise _End(cause, reason)

    def _pause(self, cause: Cause, reason: Message) -> None:
        if self._phase is SessionPhase.PAUSED:
            return
        self._phase_before_pause, self._phase = self._phase, SessionPhase.PAUSED
        self._recorder.paused(cause, str(reason), self._now())
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
                                   Message("session.camera_unavailable", {"error": _words(exc)}),
                                   Cause.CAMERA_LOST)
                return
            finally:
                self._last_turn_s = self._now()
            self._last_frame_s = self._now()
        state = self._set
        if self._robot.drives(state.item) and (fault := self._robot.prepare()) is not None:
            self._last_turn_s = self._now()
            self._report.alert(Severity.ERROR, "robot",
                               Message("session.robot_not_ready", {"reason": fault.words}),
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

    def _finish(self, cause: Cause, reason: Message | None) -> None:
        self._stop_pipeline()
        if self._robot.robot is not None:
            self._robot.catch_up()
            self._record_robot_side()  # what the robot did up to the end, as it said
        self._robot.release()
        words = "" if reason is None else str(reason)
        session = self._recorder.finish(cause, words, self._now())
        self.end = SessionEnd(session.status, cause, words)
        phase = SessionPhase.FINISHED if cause is Cause.COMPLETED else SessionPhase.ABORTED
        self._phase = phase
        self._report.progress(phase, self._position(), cue=reason or "", cause=cause)



_PAUSE_REASON = {Cause.THERAPIST: Message("session.paused.therapist"),
                 Cause.PATIENT: Message("session.paused.patient")}
_STOP_REASON = {Cause.THERAPIST: Message("session.stopped.therapist"),
                Cause.PATIENT: Message("session.stopped.patient")}


def _robot_words(fault: RobotFault) -> Message:
    if fault.cause is Cause.ROBOT_LINK_LOST:
        return Message("session.robot_link_lost", {"reason": fault.words})
    return Message("session.robot_stopped", {"cause": Message(f"cause.{fault.cause}"),
                                             "reason": fault.words})


def _as_told(fault: RobotFault) -> str | None:
    """The robot's (or the link's) own English words, for the record."""
    return fault.reason or None


def _english(message: Message, robot_words: str | None) -> str:
    """``message`` in English, with the robot's own words as its ``reason``."""
    if robot_words is None or "reason" not in message.params:
        return message.text(Language.EN)
    return Message(message.id, {**message.params, "reason": robot_words}).text(Language.EN)


def _words(error: BaseException) -> Message | str:
    """An error for people: a validation error's message, else its own (English) words."""
    return error.message_obj if isinstance(error, ValidationError) else str(error)
