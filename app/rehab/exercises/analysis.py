"""The analysis stage of a session: joint angles in, rep events with scores out.

:class:`Analyzer` is fed one sample of joint angles at a time (live: each processed camera
frame; offline: each row of a recording) and returns an event whenever a rep, counted or
partial, has ended: its metrics, the compensations seen during it, its form score and the
cue to give next. It forms the primary signal from the exercise's side rule (one side or
the mean of both) and runs the segmenter on it; an alternating exercise runs one segmenter
per side instead (:mod:`rehab.exercises.alternation`: each rep belongs to one side, and a
side that moved together with the other's larger rep is a partial ``follower``). It keeps
a short history of every angle the compensation rules need. :func:`analyze` is the offline wrapper
over a whole :class:`~rehab.vision.angles.AngleSeries`.

Frames dropped under load leave the analysis a sparse series, so each rep is judged for
sampling (:mod:`rehab.exercises.sampling`): a rep is *uncertain* when fewer than half of
the frames expected at the nominal frame rate over its duration carried a usable primary
angle, or when the largest gap between usable frames within a quarter of its duration of
its peak or of its onset is longer than ``2 * sqrt(0.05) * ROM / peak speed`` (the gap in
which a smooth turning point can hide 5 % of the range). An uncertain rep still counts (the
segmenter is sure it happened), but its ROM, speed and score are not exact: it is stored
as uncertain, trends skip it, and its cue says the camera missed frames instead of
praising or blaming its range (a compensation seen during it is still named: it was seen).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rehab.exercises.alternation import AlternatingCounter, SidedRep
from rehab.exercises.compensation import (
    CompensationSeen,
    evaluate_compensations,
    gate_angle_names,
)
from rehab.exercises.library import (
    CompensationRule,
    ExerciseDef,
    LocalizedText,
    SideMode,
    Tempo,
)
from rehab.exercises.sampling import FrameRateEstimate, RepSampling, assess_sampling
from rehab.exercises.scoring import DeductionKind, RepScore, partial_cue, score_rep
from rehab.exercises.segmentation import RepMetrics, RepSegmenter, SegmenterState
from rehab.language import DEFAULT_LANGUAGE, Language, parse_language
from rehab.vision.angles import AngleSeries, compute_angles
from rehab.vision.skeleton import SkeletonSeries, from_blazepose
from rehab.vision.view import ViewTracker, body_yaw_deg, dominant_view

__all__ = [
    "CAMERA_MISSED_FRAMES_CUE",
    "CAMERA_POSITION_CUES",
    "AnalysisResult",
    "Analyzer",
    "PoseSample",
    "Rep",
    "RepEvent",
    "analyze",
    "rep_cue",
]

CAMERA_MISSED_FRAMES_CUE = LocalizedText(
    ko="카메라가 이번 동작을 일부 놓쳤어요. 그대로 계속하세요.",
    en="The camera missed part of that rep. Keep going as you are.",
)
"""The cue after an uncertain rep: nothing to praise or fix, the frames were missing."""

CAMERA_POSITION_CUES: dict[str, LocalizedText] = {
    "frontal": LocalizedText(
        ko="자세를 모두 확인하려면 카메라를 정면으로 바라봐 주세요.",
        en="To check all of your form, please face the camera.",
    ),
    "sagittal": LocalizedText(
        ko="자세를 모두 확인하려면 카메라 쪽으로 옆모습이 보이게 서 주세요.",
        en="To check all of your form, please turn side-on to the camera.",
    ),
    "oblique": LocalizedText(
        ko="자세를 모두 확인하려면 카메라를 비스듬히 바라봐 주세요.",
        en="To check all of your form, please turn half toward the camera.",
    ),
}
"""The cue after a clean rep with a compensation the camera could not see, by the view
that would show it: it asks for a better camera position instead of praising."""

# History kept for compensation checks: the longest rep plus the segmenter's rest window
# and settling time, with margin.
_HISTORY_MARGIN_S = 5.0

# Joint-inner angles: measured between a joint's two segments, the same from any view.
_INNER_ANGLES = ("knee_flexion", "elbow_flexion")


class PoseSample(Protocol):
    """One frame's BlazePose result, as :class:`rehab.vision.pose.PoseFrame` gives it.

    A protocol rather than an import: the pose module is an adapter whose package also
    loads MediaPipe, which the exercises never import.
    """

    t_s: float
    world_xyz_m: np.ndarray  # (33, 3) metres, MediaPipe's world frame; NaN when missing
    visibility: np.ndarray  # (33,) 0..1


@dataclass(frozen=True)
class Rep:
    """One rep (counted or partial) with everything known about it.

    Attributes
    ----------
    number
        1-based count of a counted rep; None for a partial one.
    side
        The working side (``left``/``right``), or None when both sides work together.
    metrics
        Times, ROM, speed and smoothness from the segmenter.
    compensations
        Compensation rules broken during the rep.
    score
        Form score of a counted rep; None for a partial one. Not exact when the rep is
        :attr:`uncertain`.
    sampling
        How densely the rep was sampled (None when not judged).
    view
        The camera view during the rep (:mod:`rehab.vision.view`), None when unknown
        (angles given without a skeleton: every compensation is then assessed).
    not_assessable
        Ids of the compensation rules not assessable in this rep: the view cannot measure
        them, or their landmarks were out of the picture for the whole rep (the hips of a
        patient framed at the waist). Not checked, no deduction.
    wanted_view
        A view from which the view-hidden ones can be measured (for the camera-position
        cue), or None; None as well when the patient is already filmed from the
        exercise's own ``camera_view``.
    assessed
        Ids of the compensation rules that were checked (broken or not).
    """

    number: int | None
    side: str | None
    metrics: RepMetrics
    compensations: tuple[CompensationSeen, ...]
    score: RepScore | None
    sampling: RepSampling | None = None
    view: str | None = None
    not_assessable: tuple[str, ...] = ()
    wanted_view: str | None = None
    assessed: tuple[str, ...] = ()

    @property
    def counted(self) -> bool:
        """Whether the rep counts toward the set."""
        return self.metrics.counted

    @property
    def uncertain(self) -> bool:
        """Too sparsely sampled to measure: counted, but ROM, speed and score not exact."""
        return self.sampling is not None and self.sampling.uncertain


@dataclass(frozen=True)
class RepEvent:
    """What the session shows or says when a rep ends.

    Attributes
    ----------
    rep
        The rep that ended.
    count
        Counted reps so far, this one included.
    cue
        The cue to give next, in the patient's language, or None (nothing useful to say).
    """

    rep: Rep
    count: int
    cue: str | None


@dataclass(frozen=True)
class AnalysisResult:
    """All reps of a recording.

    Attributes
    ----------
    exercise_id, side
        What was analysed.
    reps
        Counted and partial reps in time order.
    view
        The session's camera view (the most frequent per-frame view), None when unknown.
    """

    exercise_id: str
    side: str | None
    reps: tuple[Rep, ...]
    view: str | None = None

    @property
    def count(self) -> int:
        """Number of counted reps."""
        return sum(r.counted for r in self.reps)


class Analyzer:
    """Streaming analysis of one exercise set.

    Parameters
    ----------
    exercise
        The exercise performed.
    side
        The working side for a one-sided exercise (default: the exercise's default side);
        must be None for a two-sided one.
    language
        Language of the cues (``ko`` or ``en``).
    target_rom_deg, tempo
        The therapist's prescription, overriding the exercise's defaults.
    sample_interval_s
        Nominal time between samples (s), for telling a coarse sampling from lost
        tracking (see :class:`~rehab.exercises.segmentation.RepSegmenter`); 0 (live use)
        measures gaps from the last valid sample. It is also the frame interval against
        which each rep's frame coverage is judged; 0 estimates that from the intervals
        between the samples pushed (see :mod:`rehab.exercises.sampling`). Pass the
        source's interval when known (``1 / fps``).
    measurable
        Camera view -> the angle names the angle source can measure from it (the 2D
        fallback's :data:`rehab.vision.angles.USABLE_2D_ANGLES`); a compensation rule
        that reads another angle is not assessable from that view, like one whose
        ``views`` leave it out. None (3D angles): every angle, from every view.

    Raises
    ------
    ValidationError
        For an unknown side or language, a side given to a two-sided exercise, or a
        negative ``sample_interval_s``.

    Examples
    --------
    >>> from rehab.exercises.library import load_library
    >>> an = Analyzer(load_library()["shoulder_abduction"], side="right", language="en")
    >>> events = []
    >>> for i in range(200):
    ...     t = i / 30
    ...     a = 70 * (1 - np.cos(2 * np.pi * t / 5)) + 10
    ...     events += an.push(t, {"shoulder_abduction_right": a}, {"shoulder_abduction_right": 1})
    >>> [e.count for e in events], events[0].rep.score.flags
    ([1], ())
    """

    def __init__(
        self,
        exercise: ExerciseDef,
        side: str | None = None,
        language: Language | str = DEFAULT_LANGUAGE,
        target_rom_deg: float | None = None,
        tempo: Tempo | None = None,
        sample_interval_s: float = 0.0,
        measurable: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        language = parse_language(language)
        self._measurable = measurable
        self.exercise = exercise
        self.sides = exercise.working_sides(side)
        self.side = side or (exercise.default_side if exercise.side_mode is SideMode.ONE else None)
        self.language = language
        self.target_rom_deg = target_rom_deg
        self.tempo = tempo
        self._primary = exercise.primary_angle_names(side)
        self._inner_primary = exercise.primary_angle.startswith(_INNER_ANGLES)
        needed = set(self._primary)
        for rule in exercise.compensations:
            needed.update(rule.angle_names(self.sides))
            needed.update(gate_angle_names(rule.angle_names(self.sides)))
        self._needed = tuple(sorted(needed))
        self._segmenter = RepSegmenter(exercise.rep, sample_interval_s)
        self._alternating = (
            AlternatingCounter(exercise.rep, self.sides, sample_interval_s)
            if exercise.side_mode is SideMode.ALTERNATING else None
        )
        self._count = 0
        self._history: deque[
            tuple[float, dict[str, float], dict[str, float], str | None]
        ] = deque()
        self._view_tracker = ViewTracker()
        # An alternating rep may wait for the other side's rep to end (at most another
        # rep's length) before it is measured from this history.
        reps_held = 2 if exercise.side_mode is SideMode.ALTERNATING else 1
        self._history_s = reps_held * exercise.rep.max_duration_s + _HISTORY_MARGIN_S
        self.last_primary_deg = float("nan")
        self._frame_rate = FrameRateEstimate(sample_interval_s or None)
        # Times of the samples whose primary angle was usable, over the same span as
        # the history: the frames each rep was measured from.
        self._usable_t: deque[float] = deque()

    @property
    def needed_angles(self) -> tuple[str, ...]:
        """Every angle name the analysis reads (primary and compensation angles)."""
        return self._needed

    @property
    def count(self) -> int:
        """Counted reps so far (the reps' events already returned)."""
        return self._count

    @property
    def state(self) -> SegmenterState:
        """Rep phase now (rest, active, returning; alternating: the more advanced side)."""
        if self._alternating is not None:
            return self._alternating.state
        return self._segmenter.state

    def primary(
        self,
        deg: Mapping[str, float],
        confidence: Mapping[str, float],
        view: str | None = None,
    ) -> tuple[float, float]:
        """Combine the sides into the primary signal: (angle deg, confidence).

        One side: that side. Both: the mean of the two, valid only when both sides are,
        except from a side-on or oblique ``view``, where the body hides the far side, for a
        joint's inner angle (knee, elbow flexion: the same from any view): there the mean
        of the sides that pass the confidence gate, frame by frame (the near knee alone
        when the far one is half-hidden). A plane angle (arm abduction) from the wrong
        view is no substitute for both sides. Alternating: the larger of the sides that
        pass the gate (for the display only: each side is counted on its own, see
        :mod:`rehab.exercises.alternation`).

        Parameters
        ----------
        deg
            Angle per name, in degrees; a missing name is NaN.
        confidence
            Confidence per name, 0..1; a missing name is 0.
        view
            Camera view of the sample (:mod:`rehab.vision.view`), None when unknown.

        Returns
        -------
        tuple of float
            ``(angle_deg, confidence)``; ``(nan, 0.0)`` when no side passes the gate.
        """
        gate = self.exercise.rep.min_confidence
        values = [
            (float(deg.get(n, math.nan)), float(confidence.get(n, 0.0))) for n in self._primary
        ]
        if len(values) == 1:
            return values[0]
        valid = [(v, c) for v, c in values if c >= gate and math.isfinite(v)]
        if self.exercise.side_mode is SideMode.BOTH:
            if view in ("sagittal", "oblique") and self._inner_primary:
                if not valid:
                    return math.nan, 0.0
                return sum(v for v, _ in valid) / len(valid), min(c for _, c in valid)
            a = sum(v for v, _ in values) / len(values)
            return a, min(c for _, c in values)
        if not valid:
            return math.nan, 0.0
        sign = self.exercise.rep.direction.sign
        return max(valid, key=lambda vc: sign * vc[0])

    def push(
        self,
        t_s: float,
        deg: Mapping[str, float],
        confidence: Mapping[str, float],
        view: str | None = None,
    ) -> list[RepEvent]:
        """Feed one sample of angles (deg) and confidences (0..1) at time ``t_s`` (s).

        Missing angle names are treated as unknown (NaN, confidence 0). ``view`` is the
        camera view of the sample (:mod:`rehab.vision.view`), None when unknown.

        Returns
        -------
        list[RepEvent]
            The reps that ended with this sample (usually none).
        """
        self._history.append(
            (
                t_s,
                {n: float(deg.get(n, math.nan)) for n in self._needed},
                {n: float(confidence.get(n, 0.0)) for n in self._needed},
                view,
            )
        )
        while self._history and self._history[0][0] < t_s - self._history_s:
            self._history.popleft()
        angle, conf = self.primary(deg, confidence, view)
        self.last_primary_deg = angle
        self._frame_rate.observe(t_s)
        if math.isfinite(angle) and conf >= self.exercise.rep.min_confidence:
            self._usable_t.append(t_s)
        while self._usable_t and self._usable_t[0] < t_s - self._history_s:
            self._usable_t.popleft()
        if self._alternating is not None:
            per_side = {
                side: (float(deg.get(n, math.nan)), float(confidence.get(n, 0.0)))
                for side, n in zip(self.sides, self._primary, strict=True)
            }
            return [self._sided_event(r) for r in self._alternating.push(t_s, per_side)]
        return [self._event(m) for m in self._segmenter.push(t_s, angle, conf)]

    def push_series(
        self, angles: AngleSeries, views: Sequence[str | None] | None = None
    ) -> list[RepEvent]:
        """Feed every sample of an angle series in order, with its views when known.

        Parameters
        ----------
        angles
            The angle series (degrees, confidences 0..1, times in seconds).
        views
            One camera view per sample, or None when unknown.

        Returns
        -------
        list of RepEvent
            The events of all samples, in order.
        """
        events: list[RepEvent] = []
        names = [n for n in self._needed if n in angles.deg]
        for i, t in enumerate(np.asarray(angles.t_s, dtype=float)):
            deg = {n: float(angles.deg[n][i]) for n in names}
            conf = {n: float(angles.confidence[n][i]) for n in names}
            view = views[i] if views is not None else None
            events.extend(self.push(float(t), deg, conf, view))
        return events

    def push_skeleton(self, series: SkeletonSeries) -> list[RepEvent]:
        """Compute the joint angles and camera view of (usually one frame of) skeleton.

        Parameters
        ----------
        series
            The skeleton series (metres, seconds).

        Returns
        -------
        list of RepEvent
            The events of its samples, in order.
        """
        views = [self._view_tracker.update(float(y)) for y in body_yaw_deg(series)]
        return self.push_series(compute_angles(series), views)

    def push_pose(self, pose: PoseSample) -> list[RepEvent]:
        """Feed one camera frame's pose; a missing pose ("no person") is a gap.

        The live path: the pose should already be filtered (One Euro) by the pipeline.

        Parameters
        ----------
        pose
            BlazePose world landmarks ``(33, 3)`` in metres, visibility ``(33,)`` 0..1 and
            time in seconds.

        Returns
        -------
        list of RepEvent
            The events of this frame (usually none).
        """
        skeleton = from_blazepose(
            pose.world_xyz_m[np.newaxis], pose.visibility[np.newaxis], np.array([pose.t_s])
        )
        return self.push_skeleton(skeleton)

    def flush(self) -> list[RepEvent]:
        """End of the set: emit a rep that was still settling.

        Returns
        -------
        list of RepEvent
            The rep still settling, if any.
        """
        if self._alternating is not None:
            return [self._sided_event(r) for r in self._alternating.flush()]
        return [self._event(m) for m in self._segmenter.flush()]

    def _rep_window(
        self, m: RepMetrics
    ) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray], str | None]:
        rows = [h for h in self._history if m.start_t_s <= h[0] <= m.end_t_s]
        t = np.array([r[0] for r in rows], dtype=float)
        deg = {n: np.array([r[1][n] for r in rows], dtype=float) for n in self._needed}
        conf = {n: np.array([r[2][n] for r in rows], dtype=float) for n in self._needed}
        return t, deg, conf, dominant_view(r[3] for r in rows)

    def _rep_side(self) -> tuple[str | None, tuple[str, ...]]:
        """The side that did a rep of a one-sided or two-sided exercise.

        Returns
        -------
        tuple
            ``(side, sides)``: the chosen side (None for both) and the sides it used.
        """
        if self.exercise.side_mode is SideMode.ONE:
            return self.side, self.sides
        return None, self.sides

    def _seen_in_rep(
        self,
        rule: CompensationRule,
        sides: tuple[str, ...],
        deg: Mapping[str, np.ndarray],
        conf: Mapping[str, np.ndarray],
    ) -> bool:
        """Whether any of ``rule``'s angles had a usable sample during the rep.

        An angle whose landmarks were out of the picture for the whole rep is missing (never
        extrapolated, :mod:`rehab.vision.angles`): its rule is not assessable in that rep,
        and costs nothing, rather than "checked and clean".

        Returns
        -------
        bool
            True when at least one of the rule's angles has a finite sample at or above
            the exercise's ``min_confidence`` within the rep.
        """
        floor = self.exercise.rep.min_confidence
        return any(
            bool(np.any(np.isfinite(deg[n]) & (conf[n] >= floor)))
            for n in rule.angle_names(sides)
            if n in deg
        )

    def _can_measure(self, rule: CompensationRule, sides: tuple[str, ...],
                     view: str | None) -> bool:
        """Whether the angle source measures every angle ``rule`` reads from ``view``.

        Returns
        -------
        bool
            True with 3D angles (no ``measurable`` given), else whether all of the
            rule's angles are in ``measurable[view]``.
        """
        if self._measurable is None:
            return True
        usable = self._measurable.get(view, frozenset()) if view is not None else frozenset()
        return all(name in usable for name in rule.angle_names(sides))

    def _sampling(self, m: RepMetrics) -> RepSampling | None:
        period = self._frame_rate.period_s
        if not math.isfinite(period):
            return None
        return assess_sampling(np.fromiter(self._usable_t, dtype=float), m, period)

    def _sided_event(self, rep: SidedRep) -> RepEvent:
        return self._event(rep.metrics, (rep.side, (rep.side,)))

    def _event(
        self, m: RepMetrics, side_of: tuple[str | None, tuple[str, ...]] | None = None
    ) -> RepEvent:
        side, sides = side_of if side_of is not None else self._rep_side()
        t, deg, conf, view = self._rep_window(m)
        rules = self.exercise.compensations
        in_view = tuple(
            r for r in rules
            if (view is None or view in r.views) and self._can_measure(r, sides, view)
        )
        blind = tuple(r for r in rules if r not in in_view)
        assessable = tuple(r for r in in_view if self._seen_in_rep(r, sides, deg, conf))
        seen = evaluate_compensations(
            assessable, sides, t, deg, conf, self.exercise.rep.min_confidence
        )
        sampling = self._sampling(m)
        not_assessable = tuple(r.id for r in rules if r not in assessable)
        checked = tuple(r.id for r in assessable)
        # A better camera position is asked for only when the view hid a rule and the
        # patient is not already filmed from the exercise's own camera view (a side-on
        # sit-to-stand is filmed right; its frontal-plane rules are then reported, not
        # asked for every rep). Landmarks out of the picture (hips of a patient framed at
        # the waist) are how the patient is filmed: reported without a request.
        hidden = tuple(r for r in blind if view != self.exercise.camera_view)
        own = self.exercise.camera_view
        wanted = (own if own in hidden[0].views else hidden[0].views[0]) if hidden else None
        if m.counted:
            self._count += 1
            score = score_rep(m, seen, self.exercise, self.target_rom_deg, self.tempo)
            rep = Rep(self.count, side, m, seen, score, sampling, view, not_assessable, wanted,
                      checked)
            text = rep_cue(rep)
            cue: str | None = text.get(self.language) if text is not None else None
        else:
            rep = Rep(None, side, m, seen, None, sampling, view, not_assessable, wanted, checked)
            assert m.partial_reason is not None
            text = partial_cue(m.partial_reason, self.exercise)
            cue = text.get(self.language) if text is not None else None
        return RepEvent(rep=rep, count=self.count, cue=cue)


def rep_cue(rep: Rep) -> LocalizedText | None:
    """The cue after a counted rep (None for a partial one).

    An uncertain rep gets no word on its range, tempo or smoothness, which were not
    measured exactly: the camera missed frames. A compensation seen during it is still
    named, since it was seen (and is usually about safety). A clean rep with a compensation
    the camera could not see gets no praise but a request for a better camera position.

    Parameters
    ----------
    rep
        The rep.

    Returns
    -------
    LocalizedText or None
        The cue; None for a partial rep.
    """
    score = rep.score
    if score is None:
        return None
    if not rep.uncertain:
        if not score.deductions and rep.wanted_view is not None:
            return CAMERA_POSITION_CUES[rep.wanted_view]
        return score.cue
    top = score.deductions[0] if score.deductions else None
    if top is not None and top.kind is DeductionKind.COMPENSATION:
        return top.cue
    return CAMERA_MISSED_FRAMES_CUE


def analyze(
    angles: AngleSeries,
    exercise: ExerciseDef,
    side: str | None = None,
    language: Language | str = DEFAULT_LANGUAGE,
    target_rom_deg: float | None = None,
    views: Sequence[str | None] | None = None,
    measurable: Mapping[str, frozenset[str]] | None = None,
) -> AnalysisResult:
    """Analyse a whole recorded angle series (offline use of :class:`Analyzer`).

    The series may be sampled at any rate (a video analysed every N-th frame): its median
    time step is the sample interval, and every time-based threshold stays in seconds.

    Parameters
    ----------
    angles
        Joint angles of the recording.
    exercise, side, language, target_rom_deg
        As for :class:`Analyzer`.
    views
        The camera view of every sample (:func:`rehab.vision.view.classify_views`), or
        None when unknown (every compensation is then assessed).
    measurable
        As for :class:`Analyzer` (None: every angle is measurable from every view).

    Returns
    -------
    AnalysisResult
    """
    t_s = np.asarray(angles.t_s, dtype=float)
    interval_s = float(np.median(np.diff(t_s))) if t_s.size >= 2 else 0.0
    analyzer = Analyzer(exercise, side, language, target_rom_deg,
                        sample_interval_s=interval_s, measurable=measurable)
    events = analyzer.push_series(angles, views) + analyzer.flush()
    view = dominant_view(views) if views is not None else None
    return AnalysisResult(exercise.id, analyzer.side, tuple(e.rep for e in events), view)
