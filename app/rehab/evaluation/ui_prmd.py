"""Rep counts and score separation on UI-PRMD, per movement and subject.

UI-PRMD (Vakanski et al. 2018) holds, for each movement and subject, ten files of one
correct repetition each and ten of one deliberately "incorrect" repetition each. This
module concatenates the ten files of a set in time (a set with a known number of reps),
runs them through the same angle, segmentation and scoring code as a live session, and
reports for every movement the library covers:

* **counts**: reps counted in the correct set against the reps expected;
* **AUC**: the probability that a counted rep of the correct set scores above a counted
  rep of the incorrect set (ties count half), i.e. the Mann-Whitney AUC of the form score
  for correct vs incorrect.

Rules (stated once, here):

* **Expected count**: one rep per file, except sit-to-stand. UI-PRMD's sit-to-stand files
  run stand-sit-stand, while the library's rep starts seated (seated -> standing ->
  seated): ten files hold nine such reps, and the last stand-up is cut by the end of the
  recording (a partial rep, see the clip-edge rule of :mod:`rehab.exercises.segmentation`).
* **Working side** of a one-sided exercise: the side whose primary angle covers the larger
  range (5th to 95th percentile) over the correct set, found from the data so that no
  subject's side is written down anywhere (s07 works the left limb, s02 steps over the
  hurdle with the left leg). The incorrect set is not used: its deliberate faults and the
  Kinect's tracking flips can sweep the resting limb's angle (m08 s04: the resting left
  arm's shoulder flexion reads -10 to 99 deg there, the moving right arm -75 to -2).
* **Leave one subject out**: which deductions exist (the rules, what they measure, their
  points and cues) is fixed in the library, not fitted. Three quantities are a
  prescription, which a therapist would set from what healthy people do; for a held-out
  subject each comes from the *other* subjects' correct reps only (never the subject's
  own, never an incorrect rep):

  - the **target range of motion**: the median ROM of those reps;
  - the **tempo**: the library's phases scaled so that a rep takes the median duration
    of those reps (:func:`prescribed_tempo`; UI-PRMD's healthy reps take 1.3-2.1 s,
    the library's default tempos 2.5-5 s, so without it every correct rep was "too
    fast");
  - every **compensation limit**: the ``HEALTHY_PERCENTILE`` (95th) percentile of the
    rule's peak measure over those reps plus ``LIMIT_MARGIN_DEG`` (2 deg, the order of a
    Kinect angle's frame-to-frame noise) (:func:`calibrated_limits`): a healthy rep
    breaks a rule about one time in twenty, and what breaks it more often is the
    deliberate fault. The YAML's ``max_deg`` is the default a live session starts from;
    the rules added for UI-PRMD carry the same figure computed on s01-s07 (rounded).

  Each subject's AUC is that fold's AUC; the movement's AUC pools the held-out reps of
  every fold.
* Only counted reps have a score. A movement of the incorrect set that is not counted (too
  shallow to be a rep) is left out of the AUC and shown in ``incorrect_counted``.

The module is pure: no MediaPipe, no Qt, no CLI. ``rehab eval ui-prmd`` prints and writes
what :func:`evaluate` returns.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from rehab.datasets.ui_prmd import find_episodes, load_episode
from rehab.exercises.analysis import AnalysisResult, analyze
from rehab.exercises.library import ExerciseDef, ExerciseLibrary, SideMode, Tempo, load_library
from rehab.vision.angles import AngleSeries, compute_angles
from rehab.vision.skeleton import SkeletonSeries

__all__ = [
    "HEALTHY_PERCENTILE",
    "LIMIT_MARGIN_DEG",
    "UI_PRMD_MOVEMENTS",
    "MovementResult",
    "SetResult",
    "SubjectResult",
    "auc",
    "calibrated_limits",
    "evaluate",
    "expected_reps",
    "load_set",
    "prescribed_tempo",
    "result_to_json",
    "working_side",
]

#: UI-PRMD movement number -> library exercise id (None: not in the library).
UI_PRMD_MOVEMENTS: dict[int, str | None] = {
    1: "squat",
    2: "hurdle_step",
    3: "inline_lunge",
    4: "side_lunge",
    5: "sit_to_stand",
    6: "straight_leg_raise",
    7: "shoulder_abduction",
    8: "shoulder_extension",
    9: "shoulder_rotation",
    10: "shoulder_scaption",
}

_RATE_HZ = 30.0

HEALTHY_PERCENTILE = 95.0
"""A compensation limit is this percentile of healthy subjects' correct reps' peaks..."""

LIMIT_MARGIN_DEG = 2.0
"""...plus this margin (deg): the order of a Kinect joint angle's frame-to-frame noise,
so a healthy rep at the percentile is not one noisy frame away from a deduction."""


def auc(positive: Sequence[float], negative: Sequence[float]) -> float:
    """Mann-Whitney AUC: P(positive > negative) + 0.5 P(equal); NaN when a group is empty.

    Examples
    --------
    >>> auc([3.0, 4.0], [1.0, 2.0]), auc([1.0], [1.0]), auc([1.0, 2.0], [2.0, 3.0])
    (1.0, 0.5, 0.125)
    """
    p = np.asarray(positive, dtype=float)[:, None]
    n = np.asarray(negative, dtype=float)[None, :]
    if p.size == 0 or n.size == 0:
        return float("nan")
    return float(np.mean((p > n) + 0.5 * (p == n)))


def expected_reps(exercise: ExerciseDef, n_files: int) -> int:
    """Reps expected in a set of ``n_files`` UI-PRMD files (see the module's rules)."""
    return n_files - 1 if exercise.id == "sit_to_stand" else n_files


def load_set(root: Path, movement: int, subject: int, correct: bool) -> tuple[int, AngleSeries]:
    """The joint angles of one set: the files of a movement and subject, end to end.

    Returns
    -------
    tuple[int, AngleSeries]
        The number of files and the angles of their concatenation (30 Hz, no gap).
    """
    parts: list[SkeletonSeries] = []
    t0 = 0.0
    for ep in find_episodes(root, movement, subject=subject, correct=correct):
        sk = load_episode(ep, t0_s=t0)
        parts.append(sk)
        t0 = float(sk.t_s[-1]) + 1.0 / _RATE_HZ
    if not parts:
        return 0, compute_angles(
            SkeletonSeries(np.zeros(0), np.zeros((0, 33, 3)), np.zeros((0, 33)))
        )
    series = SkeletonSeries(
        t_s=np.concatenate([p.t_s for p in parts]),
        xyz_m=np.concatenate([p.xyz_m for p in parts]),
        visibility=np.concatenate([p.visibility for p in parts]),
        source="ui_prmd",
    )
    return len(parts), compute_angles(series)


def working_side(exercise: ExerciseDef, angle_sets: Iterable[AngleSeries]) -> str | None:
    """The side whose primary angle spans the larger range (None for a two-sided exercise)."""
    if exercise.side_mode is not SideMode.ONE:
        return None
    spans = {}
    sets = list(angle_sets)
    for side in ("left", "right"):
        (name,) = exercise.primary_angle_names(side)
        values = np.concatenate([np.asarray(a.deg[name], dtype=float) for a in sets])
        values = values[np.isfinite(values)]
        spans[side] = float(np.ptp(np.percentile(values, [5, 95]))) if values.size else 0.0
    return max(spans, key=lambda s: spans[s])


@dataclass(frozen=True)
class SetResult:
    """One set (correct or incorrect) of one subject, analysed."""

    n_files: int
    result: AnalysisResult

    @property
    def scores(self) -> list[float]:
        """Form scores of the counted reps."""
        return [r.score.score for r in self.result.reps if r.counted and r.score is not None]

    @property
    def roms_deg(self) -> list[float]:
        """Ranges of motion of the counted reps (deg)."""
        return [r.metrics.rom_deg for r in self.result.reps if r.counted]


@dataclass(frozen=True)
class SubjectResult:
    """One held-out subject of one movement."""

    subject: int
    side: str | None
    counted: int
    expected: int
    incorrect_counted: int
    incorrect_files: int
    target_rom_deg: float
    auc: float
    mean_score_correct: float
    mean_score_incorrect: float
    tempo_s: float = float("nan")
    limits_deg: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class MovementResult:
    """One movement: every subject, and the AUC pooled over the held-out folds."""

    movement: int
    exercise: str
    subjects: tuple[SubjectResult, ...]
    auc: float

    @property
    def exact(self) -> bool:
        """Whether every subject's count equals the expected count."""
        return all(s.counted == s.expected for s in self.subjects)


def _analyse(angles: AngleSeries, ex: ExerciseDef, side: str | None, target: float | None):
    return analyze(angles, ex, side=side, language="en", target_rom_deg=target)


def _with_limits(exercise: ExerciseDef, limits: Mapping[str, float]) -> ExerciseDef:
    """The exercise with the given compensation limits (deg) in place of its own."""
    rules = tuple(
        replace(r, max_deg=limits[r.id]) if r.id in limits else r for r in exercise.compensations
    )
    return replace(exercise, compensations=rules)


def prescribed_tempo(exercise: ExerciseDef, durations_s: Sequence[float]) -> Tempo:
    """The exercise's tempo scaled so that one rep takes the median of ``durations_s``.

    Parameters
    ----------
    exercise
        The exercise, whose phases keep their proportions.
    durations_s
        Durations (s) of healthy subjects' correct reps; none leaves the tempo as it is.

    Returns
    -------
    Tempo
        The scaled phases (s).

    Examples
    --------
    >>> from rehab.exercises.library import load_library
    >>> t = prescribed_tempo(load_library()["squat"], [2.0, 2.25, 4.0])
    >>> round(t.total_s, 2), round(t.up_s, 2)
    (2.25, 1.0)
    """
    if not durations_s:
        return exercise.tempo
    k = float(np.median(durations_s)) / exercise.tempo.total_s
    t = exercise.tempo
    return Tempo(up_s=k * t.up_s, hold_s=k * t.hold_s, down_s=k * t.down_s)


def _prescribed(
    exercise: ExerciseDef, healthy: Sequence[AnalysisResult]
) -> tuple[ExerciseDef, float]:
    """The prescription made from healthy runs (analysed with every limit lifted).

    Returns
    -------
    tuple
        The exercise with the calibrated limits and tempo, and the target ROM (deg).
    """
    reps = [r for h in healthy for r in h.reps if r.counted]
    roms = [r.metrics.rom_deg for r in reps]
    target = float(np.median(roms)) if roms else exercise.target_rom_deg
    limits = calibrated_limits(_rule_peaks(h) for h in healthy)
    tempo = prescribed_tempo(exercise, [r.metrics.duration_s for r in reps])
    prescribed = replace(_with_limits(exercise, limits), tempo=tempo)
    return prescribed, max(target, exercise.rep.min_rom_deg)


def _rule_peaks(result: AnalysisResult) -> dict[str, list[float]]:
    """Each rule's peak measure (deg) over the counted reps of a run with no limits."""
    peaks: dict[str, list[float]] = {}
    for rep in result.reps:
        if rep.counted:
            for seen in rep.compensations:
                peaks.setdefault(seen.rule_id, []).append(seen.peak_deg)
    return peaks


def calibrated_limits(peaks: Iterable[Mapping[str, Sequence[float]]]) -> dict[str, float]:
    """Compensation limits from healthy reps: percentile of their peaks plus a margin.

    Parameters
    ----------
    peaks
        Per training subject, rule id -> the rule's peak measure (deg) in each of that
        subject's correct counted reps.

    Returns
    -------
    dict of str to float
        Rule id -> ``HEALTHY_PERCENTILE`` percentile of the pooled peaks plus
        ``LIMIT_MARGIN_DEG`` (deg); a rule with no finite peak is left out.

    Examples
    --------
    >>> calibrated_limits([{"trunk_lean": [1.0, 2.0]}, {"trunk_lean": [3.0]}])
    {'trunk_lean': 4.9}
    """
    pooled: dict[str, list[float]] = {}
    for subject in peaks:
        for rule_id, values in subject.items():
            pooled.setdefault(rule_id, []).extend(v for v in values if math.isfinite(v))
    return {
        rule_id: round(float(np.percentile(v, HEALTHY_PERCENTILE)) + LIMIT_MARGIN_DEG, 4)
        for rule_id, v in pooled.items()
        if v
    }


def evaluate_movement(
    root: Path, movement: int, exercise: ExerciseDef, subjects: Sequence[int]
) -> MovementResult:
    """Counts and leave-one-subject-out AUC of one movement (see the module's rules)."""
    angles = {(s, c): load_set(root, movement, s, c) for s in subjects for c in (True, False)}
    sides = {s: working_side(exercise, [angles[s, True][1]]) for s in subjects}
    # Pass 1, with every compensation limit lifted: each subject's correct reps (ROM,
    # duration, each rule's peak), from which the other folds' prescriptions are made.
    unlimited = _with_limits(exercise, {r.id: -math.inf for r in exercise.compensations})
    healthy = {s: _analyse(angles[s, True][1], unlimited, sides[s], None) for s in subjects}
    rows, pos, neg = [], [], []
    for s in subjects:
        fold, target = _prescribed(exercise, [healthy[o] for o in subjects if o != s])
        good = SetResult(
            angles[s, True][0], _analyse(angles[s, True][1], fold, sides[s], target)
        )
        bad = SetResult(
            angles[s, False][0], _analyse(angles[s, False][1], fold, sides[s], target)
        )
        pos += good.scores
        neg += bad.scores
        rows.append(
            SubjectResult(
                subject=s,
                side=sides[s],
                counted=good.result.count,
                expected=expected_reps(exercise, good.n_files),
                incorrect_counted=bad.result.count,
                incorrect_files=bad.n_files,
                target_rom_deg=target,
                tempo_s=fold.tempo.total_s,
                limits_deg={r.id: r.max_deg for r in fold.compensations},
                auc=auc(good.scores, bad.scores),
                mean_score_correct=float(np.mean(good.scores)) if good.scores else float("nan"),
                mean_score_incorrect=float(np.mean(bad.scores)) if bad.scores else float("nan"),
            )
        )
    return MovementResult(movement, exercise.id, tuple(rows), auc(pos, neg))


def evaluate(
    root: Path,
    subjects: Sequence[int] = tuple(range(1, 8)),
    library: ExerciseLibrary | None = None,
    movements: Iterable[int] | None = None,
) -> list[MovementResult]:
    """Evaluate every UI-PRMD movement the library covers.

    Parameters
    ----------
    root
        The folder holding UI-PRMD's ``kinect/``.
    subjects
        Subject numbers (1..10); every subject is held out in turn.
    library
        The exercise library (default: the bundled one).
    movements
        Movement numbers to run (default: every covered one).

    Returns
    -------
    list[MovementResult]
        One per covered movement, in movement order.

    Raises
    ------
    NotFoundError
        ``root`` holds no UI-PRMD Kinect data.
    """
    lib = library if library is not None else load_library()
    chosen = set(movements) if movements is not None else set(UI_PRMD_MOVEMENTS)
    out = []
    for movement, exercise_id in sorted(UI_PRMD_MOVEMENTS.items()):
        if movement not in chosen or exercise_id is None or exercise_id not in lib:
            continue
        out.append(evaluate_movement(Path(root), movement, lib[exercise_id], list(subjects)))
    return out


def _num(x: float) -> float | None:
    return None if not np.isfinite(x) else round(float(x), 4)


def result_to_json(results: Iterable[MovementResult]) -> list[dict]:
    """The JSON document: one entry per movement (``movement`` is ``m01``..``m10``)."""
    return [
        {
            "movement": f"m{m.movement:02d}",
            "exercise": m.exercise,
            "auc": _num(m.auc),
            "exact": m.exact,
            "subjects": [
                {
                    "subject": f"s{s.subject:02d}",
                    "side": s.side,
                    "counted": s.counted,
                    "expected": s.expected,
                    "incorrect_counted": s.incorrect_counted,
                    "incorrect_files": s.incorrect_files,
                    "target_rom_deg": _num(s.target_rom_deg),
                    "tempo_s": _num(s.tempo_s),
                    "limits_deg": {k: _num(v) for k, v in s.limits_deg.items()},
                    "auc": _num(s.auc),
                    "mean_score_correct": _num(s.mean_score_correct),
                    "mean_score_incorrect": _num(s.mean_score_incorrect),
                }
                for s in m.subjects
            ],
        }
        for m in results
    ]
