"""The patient's guided-exercise screen, decided without Qt.

:class:`PatientScreenModel` is one more receiver of the session's typed updates. From them
and an injected clock it decides which phase the patient sees: the pain question before
the first set, then for each exercise framing (until the body parts the exercise needs are
in view for a second), a demonstration, a 3-2-1 countdown, the exercise itself, rests,
and the summary with the pain question. It says what is said (through :class:`Voice`)
and forwards the patient's few buttons: STOP (a pause with the cause ``patient``, the
therapist's pause path), skip or lengthen a rest, and the pain answers.

Framing, demonstration and countdown happen on the screen; a session that waits for the
screen (:meth:`SessionControl.begin_set`) starts each set when the countdown ends. A
session that does not wait is followed all the same: a scored rep ends the lead-in.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from rehab.errors import RehabError
from rehab.session.events import (
    Alert,
    FrameUpdate,
    ProgressUpdate,
    RepScored,
    SessionControl,
    SessionPhase,
    SessionUpdate,
)
from rehab.store.models import Cause
from rehab.ui.i18n import Translator
from rehab.ui.models.guide import SHOULDERS, ExerciseGuide
from rehab.ui.models.observable import Emitter
from rehab.ui.models.voice import Priority, Voice

log = logging.getLogger(__name__)

FRAMING_HOLD_S = 1.0  # the needed body parts in view this long: framing is done
DEMO_LOOPS = 2
COUNTDOWN_FROM = 3
MIN_VISIBILITY = 0.5
EDGE_MARGIN = 0.02  # a landmark this close to the image edge counts as out of view
REST_STEP_S = 30.0


class PatientPhase(enum.StrEnum):
    WAITING = "waiting"
    PAIN_BEFORE = "pain_before"
    FRAMING = "framing"
    DEMONSTRATION = "demonstration"
    COUNTDOWN = "countdown"
    EXERCISE = "exercise"
    REST = "rest"
    PAUSED = "paused"
    SUMMARY = "summary"


def framing_hint(frame: FrameUpdate | None, guide: ExerciseGuide) -> str:
    """What the patient should do to be framed (a catalogue key); ``framing.ok`` when done.

    Side views also need the body turned: shoulders that look wide against the torso
    (a frontal view) ask the patient to turn the chair.
    """
    if frame is None or not frame.person_found or frame.visibility is None:
        return "framing.step_in"
    points = np.asarray(frame.landmarks_px, dtype=float)
    visible = np.asarray(frame.visibility) >= MIN_VISIBILITY
    if frame.image_bgr is not None:
        h, w = frame.image_bgr.shape[:2]
        inside = ((points[:, 0] > EDGE_MARGIN * w) & (points[:, 0] < (1 - EDGE_MARGIN) * w)
                  & (points[:, 1] > EDGE_MARGIN * h) & (points[:, 1] < (1 - EDGE_MARGIN) * h))
        visible &= inside
    if not visible[list(guide.landmarks)].all():
        return "framing.step_back"
    if guide.camera_view == "sagittal":
        shoulder_w = abs(points[SHOULDERS[0], 0] - points[SHOULDERS[1], 0])
        torso_h = abs(points[[11, 12], 1].mean() - points[[23, 24], 1].mean())
        if torso_h > 0 and shoulder_w / torso_h > 0.45:
            return "framing.turn_chair"
    return "framing.ok"


@dataclass(frozen=True)
class SessionSummary:
    reps_done: int
    reps_target: int
    best_rom_deg: float | None
    sentence_key: str


class PatientScreenModel:
    """What the patient sees and hears (see the module docstring).

    Parameters
    ----------
    translator
        The session's language.
    voice
        Speech (text only when its port is None).
    clock
        Monotonic seconds.
    """

    def __init__(self, translator: Translator, voice: Voice,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.tr, self.voice, self._clock = translator, voice, clock
        self.changed = Emitter()  # the phase or what it shows
        self.frame_changed = Emitter()
        self.pain_answered = Emitter()  # ("before" | "after", int)
        self.stop_pressed = Emitter()
        self.rep_shown = Emitter()  # (RepScored): the counter and the cue show it
        self._reset(None, ())

    def _reset(self, control: SessionControl | None, guides: Sequence[ExerciseGuide]) -> None:
        self.control, self.guides = control, tuple(guides)
        self.phase = PatientPhase.WAITING
        self.progress: ProgressUpdate | None = None
        self.frame: FrameUpdate | None = None
        self.item_index, self.set_index, self.reps_done = 0, 0, 0
        self.angle_deg: float | None = None
        self.cue = ""
        self.hint = "framing.step_in"
        self.pain_before: int | None = None
        self.pain_after: int | None = None
        self.stopped_by_patient = False
        self.reps: list[RepScored] = []
        self._introduced: set[int] = set()
        self._began: set[tuple[int, int]] = set()
        self._phase_since = self._clock()
        self._framed_since: float | None = None
        self._countdown_left = COUNTDOWN_FROM
        self._rest_until = 0.0
        self._before_pause = PatientPhase.WAITING
        self._in_zone_since: float | None = None
        self._last_cue_said = ""

    # -- session -------------------------------------------------------------------------

    def attach(self, control: SessionControl | None,
               guides: Sequence[ExerciseGuide]) -> None:
        """Follow a new session; asks the pain question first."""
        self._reset(control, guides)
        self._enter(PatientPhase.PAIN_BEFORE if control is not None else PatientPhase.WAITING)

    @property
    def guide(self) -> ExerciseGuide | None:
        if 0 <= self.item_index < len(self.guides):
            return self.guides[self.item_index]
        return None

    def ingest(self, update: SessionUpdate) -> None:
        """Take one update of the running session (GUI thread)."""
        if isinstance(update, FrameUpdate):
            self._on_frame(update)
        elif isinstance(update, RepScored):
            self._on_rep(update)
        elif isinstance(update, ProgressUpdate):
            self._on_progress(update)
        elif isinstance(update, Alert):
            pass  # alerts are the therapist's

    def _on_frame(self, frame: FrameUpdate) -> None:
        value = frame.angles_deg.get(frame.primary_angle, float("nan"))
        self.angle_deg = None if not np.isfinite(value) else float(value)
        if frame.image_bgr is None:
            return
        self.frame = frame
        if self.phase is PatientPhase.FRAMING and (guide := self.guide) is not None:
            hint = framing_hint(frame, guide)
            if hint != self.hint:
                self.hint = hint
                self._framed_since = self._clock() if hint == "framing.ok" else None
                self.voice.say(self.tr(hint), Priority.PHASE)
                self.changed.emit()
        self.frame_changed.emit()

    def _on_rep(self, rep: RepScored) -> None:
        if rep.partial:
            return
        self.reps.append(rep)
        self.reps_done = rep.rep_index + 1
        if rep.item_index != self.item_index or self.phase in (
                PatientPhase.FRAMING, PatientPhase.DEMONSTRATION, PatientPhase.COUNTDOWN):
            self.item_index, self.set_index = rep.item_index, rep.set_index
            self._introduced.add(rep.item_index)
            self._enter(PatientPhase.EXERCISE, speak=False)
        self.cue = rep.cue
        words = str(self.reps_done)
        if rep.cue and rep.cue != self._last_cue_said:
            self._last_cue_said = rep.cue
            words = f"{words}. {rep.cue}"
        self.voice.say(words, Priority.COUNT)
        self.rep_shown.emit(rep)
        self.changed.emit()

    def _on_progress(self, p: ProgressUpdate) -> None:
        self.progress = p
        where = p.position
        self.item_index, self.set_index = where.item_index, where.set_index
        self.reps_done = where.reps_done
        if p.phase in (SessionPhase.FINISHED, SessionPhase.ABORTED):
            if self.phase is not PatientPhase.SUMMARY:
                self._enter(PatientPhase.SUMMARY)
        elif p.phase is SessionPhase.PAUSED:
            if self.phase is not PatientPhase.PAUSED:
                self._before_pause = self.phase
                self._enter(PatientPhase.PAUSED)
        elif p.phase is SessionPhase.RESTING:
            self._rest_until = self._clock() + p.rest_remaining_s
            if self.phase is not PatientPhase.REST:
                self._enter(PatientPhase.REST)
        else:
            if self.phase is PatientPhase.PAUSED:  # resumed: back where the patient was
                self.stopped_by_patient = False
                self._enter(self._before_pause, speak=False)
            self._follow_session()
        self.changed.emit()

    def _follow_session(self) -> None:
        """READY or EXERCISING: lead in to a set, or show the set that runs."""
        p = self.progress
        if p is None or self.phase is PatientPhase.PAIN_BEFORE or self._leading_in():
            return
        key = (self.item_index, self.set_index)
        if p.phase is SessionPhase.READY:  # the session waits for the screen
            if key not in self._began:
                self._lead_in()
        elif p.phase is SessionPhase.EXERCISING and self.phase is not PatientPhase.EXERCISE:
            if key in self._began or self.item_index in self._introduced:
                self._enter(PatientPhase.EXERCISE)
            else:  # a session that did not wait: lead in while it runs
                self._lead_in()

    def _leading_in(self) -> bool:
        return self.phase in (PatientPhase.FRAMING, PatientPhase.DEMONSTRATION,
                              PatientPhase.COUNTDOWN)

    def _lead_in(self) -> None:
        if self._leading_in():
            return
        if self.item_index in self._introduced:
            self._enter(PatientPhase.COUNTDOWN)
        else:
            self.hint = "framing.step_in"
            self._framed_since = None
            self._enter(PatientPhase.FRAMING)

    # -- time ----------------------------------------------------------------------------

    def tick(self) -> None:
        """Advance the phases that run on time (call every ~50 ms)."""
        now = self._clock()
        in_phase = now - self._phase_since
        guide = self.guide
        if self.phase is PatientPhase.FRAMING:
            if self._framed_since is not None and now - self._framed_since >= FRAMING_HOLD_S:
                self._enter(PatientPhase.DEMONSTRATION)
        elif self.phase is PatientPhase.DEMONSTRATION and guide is not None:
            if in_phase >= DEMO_LOOPS * guide.demo_period_s:
                self._introduced.add(self.item_index)
                self._enter(PatientPhase.COUNTDOWN)
        elif self.phase is PatientPhase.COUNTDOWN:
            left = COUNTDOWN_FROM - int(in_phase)
            if left <= 0:
                self._begin_set()
            elif left != self._countdown_left:
                self._countdown_left = left
                self.voice.say(str(left), Priority.COUNT)
                self.changed.emit()
        elif self.phase is PatientPhase.EXERCISE:
            self._track_hold(now)
        self.voice.tick()

    @property
    def countdown(self) -> int:
        return self._countdown_left

    @property
    def rest_left_s(self) -> float:
        return max(0.0, self._rest_until - self._clock())

    @property
    def demo_t_s(self) -> float:
        return self._clock() - self._phase_since

    def _track_hold(self, now: float) -> None:
        guide, angle = self.guide, self.angle_deg
        if guide is None or not guide.holds or angle is None:
            self._in_zone_since = None
            return
        if self.in_target_zone:
            if self._in_zone_since is None:
                self._in_zone_since = now
        else:
            self._in_zone_since = None

    @property
    def in_target_zone(self) -> bool:
        guide, angle = self.guide, self.angle_deg
        if guide is None or angle is None:
            return False
        reached = guide.direction.sign * (angle - guide.rest_deg)
        return reached >= 0.9 * guide.target_rom_deg

    @property
    def hold_s(self) -> float | None:
        """Seconds held in the target zone (None: this exercise does not hold, or not in)."""
        if self._in_zone_since is None:
            return None
        return self._clock() - self._in_zone_since

    def _begin_set(self) -> None:
        key = (self.item_index, self.set_index)
        self._began.add(key)
        self._introduced.add(self.item_index)
        begin = getattr(self.control, "begin_set", None)
        if begin is not None:
            try:
                begin()
            except RehabError as exc:
                log.error("could not begin the set: %s", exc)
        self._enter(PatientPhase.EXERCISE, speak=False)
        self.voice.say(self.tr("patient.go"), Priority.COUNT)

    def _enter(self, phase: PatientPhase, *, speak: bool = True) -> None:
        self.phase, self._phase_since = phase, self._clock()
        self._countdown_left = COUNTDOWN_FROM
        if speak:
            self.voice.say(self._announcement(phase), Priority.PHASE)
        self.changed.emit()

    def _announcement(self, phase: PatientPhase) -> str:
        t, guide = self.tr, self.guide
        lang = t.language
        if phase is PatientPhase.DEMONSTRATION and guide is not None:
            return f"{guide.name.get(lang)}. {guide.instruction.get(lang)}"
        if phase is PatientPhase.COUNTDOWN:
            return f"{t('patient.countdown_spoken')} {COUNTDOWN_FROM}"
        if phase is PatientPhase.REST:
            return t("patient.rest_spoken", s=round(self.rest_left_s))
        if phase is PatientPhase.FRAMING:
            return t(self.hint)
        if phase is PatientPhase.SUMMARY:
            return f"{t(self.summary.sentence_key)} {t('patient.pain_after')}"
        if phase is PatientPhase.PAUSED and self.stopped_by_patient:
            return ""  # said already, at once, when STOP was pressed
        return t(f"patient.spoken.{phase}") if f"patient.spoken.{phase}" in _SPOKEN else ""

    # -- the patient's buttons -------------------------------------------------------------

    def press_stop(self) -> None:
        """STOP / it hurts: pause with the cause ``patient`` (holds the robot)."""
        self.stopped_by_patient = True
        self.voice.say(self.tr("patient.stopped_spoken"), Priority.URGENT)
        if self.control is not None:
            try:
                self.control.pause(Cause.PATIENT)
            except RehabError as exc:
                log.error("the patient's STOP could not pause the session: %s", exc)
        self.stop_pressed.emit()
        self.changed.emit()

    def answer_pain(self, value: int | None) -> None:
        """The pain answer (0-10), or None when skipped; before the first set or at the end."""
        if value is not None and not 0 <= value <= 10:
            raise ValueError("pain is 0-10")
        if self.phase is PatientPhase.SUMMARY:
            self.pain_after = value
            if value is not None:
                self.pain_answered.emit("after", value)
            self.voice.say(self.tr("patient.thanks"), Priority.PHASE)
            self.changed.emit()
            return
        self.pain_before = value
        if value is not None:
            self.pain_answered.emit("before", value)
        self._enter(PatientPhase.WAITING, speak=self.progress is None)
        self._follow_session()

    def skip_rest(self) -> None:
        self._rest_command("skip_rest")

    def add_rest(self) -> None:
        self._rest_command("extend_rest", REST_STEP_S)

    def _rest_command(self, name: str, *args: float) -> None:
        call = getattr(self.control, name, None)
        if self.phase is not PatientPhase.REST or call is None:
            return
        try:
            call(*args)
        except RehabError as exc:
            log.error("rest change refused: %s", exc)

    @property
    def summary(self) -> SessionSummary:
        counted = [r for r in self.reps if not r.uncertain]
        best = max((r.rom_deg for r in counted), default=None)
        target = sum(g.sets * g.reps for g in self.guides)
        done = len(self.reps)
        if self.stopped_by_patient:
            key = "patient.summary.stopped"
        elif target and done >= target:
            key = "patient.summary.all_done"
        else:
            key = "patient.summary.some_done"
        return SessionSummary(done, target, best, key)


_SPOKEN = {"patient.spoken.paused", "patient.spoken.waiting", "patient.spoken.pain_before"}
