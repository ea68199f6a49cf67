"""Explainable form score of one rep: 100 minus itemised deductions, and the next cue.

Every point lost is a :class:`Deduction` that says what it was for (range of motion against
the target, tempo against the prescription, smoothness, each compensation), how many points
it cost and why, in Korean and English, so a therapist can see exactly how a score was made
and the patient hears one cue about the fault that cost most.

Deductions grow linearly between a "no cost" and a "full cost" point (see
:class:`~rehab.exercises.library.ScoringRules`); compensations cost their rule's fixed
penalty. When two deductions cost the same, a compensation's cue wins: it is usually about
safety (a knee falling inward), not performance.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from rehab.exercises.compensation import CompensationSeen
from rehab.exercises.library import ExerciseDef, LocalizedText, ScoringRules, Tempo
from rehab.exercises.segmentation import PartialReason, RepMetrics

__all__ = ["Deduction", "DeductionKind", "RepScore", "partial_cue", "score_rep"]


class DeductionKind(enum.Enum):
    """What a deduction is for."""

    ROM = "rom"
    TEMPO = "tempo"
    SMOOTHNESS = "smoothness"
    COMPENSATION = "compensation"


# Cue priority on equal points: compensation first (safety), then range, tempo, smoothness.
_PRIORITY = {
    DeductionKind.COMPENSATION: 3,
    DeductionKind.ROM: 2,
    DeductionKind.TEMPO: 1,
    DeductionKind.SMOOTHNESS: 0,
}


@dataclass(frozen=True)
class Deduction:
    """Points taken off one rep's score, with the reason and the cue that would fix it.

    Attributes
    ----------
    kind
        ROM, tempo, smoothness or compensation.
    id
        ``rom_low``, ``too_fast``, ``too_slow``, ``not_smooth`` or the compensation rule id.
    points
        Points deducted (> 0).
    reason
        What was measured against what, for the therapist.
    cue
        What to tell the patient.
    """

    kind: DeductionKind
    id: str
    points: float
    reason: LocalizedText
    cue: LocalizedText


@dataclass(frozen=True)
class RepScore:
    """Form score of one rep.

    Attributes
    ----------
    score
        0..100: 100 minus the deductions, floored at 0.
    deductions
        The deductions, largest first.
    cue
        The one cue to show or say next (praise when nothing was deducted).
    """

    score: float
    deductions: tuple[Deduction, ...]
    cue: LocalizedText

    @property
    def flags(self) -> tuple[str, ...]:
        """Ids of the deductions (``("trunk_lean", "rom_low")``), largest first."""
        return tuple(d.id for d in self.deductions)


def _ramp(value: float, ok: float, full: float, max_points: float) -> float:
    """Points growing linearly from 0 at ``ok`` to ``max_points`` at ``full`` (either order).

    Returns
    -------
    float
        Points in ``[0, max_points]``; 0 when ``ok == full``.
    """
    if ok == full:
        return 0.0
    frac = (value - ok) / (full - ok)
    return max_points * min(1.0, max(0.0, frac))


def _rom(
    rep: RepMetrics, target_deg: float, rules: ScoringRules, ex: ExerciseDef
) -> Deduction | None:
    ratio = rep.rom_deg / target_deg
    points = _ramp(ratio, rules.rom_ok_ratio, rules.rom_floor_ratio, rules.rom_max_points)
    if points <= 0:
        return None
    pct = 100 * ratio
    return Deduction(
        kind=DeductionKind.ROM,
        id="rom_low",
        points=points,
        reason=LocalizedText(
            ko=f"가동 범위 {rep.rom_deg:.0f}° (목표 {target_deg:.0f}°의 {pct:.0f}%)",
            en=f"range of motion {rep.rom_deg:.0f} deg "
            f"({pct:.0f}% of the {target_deg:.0f} deg target)",
        ),
        cue=ex.cues.rom_low,
    )


def _tempo(rep: RepMetrics, tempo: Tempo, rules: ScoringRules, ex: ExerciseDef) -> Deduction | None:
    ratio = rep.duration_s / tempo.total_s
    tol = rules.tempo_tolerance_ratio
    fast_ok, slow_ok = 1.0 - tol, 1.0 + tol
    if ratio < fast_ok:
        points = _ramp(ratio, fast_ok, fast_ok / 2.0, rules.tempo_max_points)
        ident, cue = "too_fast", ex.cues.too_fast
        ko_word, en_word = "빠름", "too fast"
    elif ratio > slow_ok:
        points = _ramp(ratio, slow_ok, 2.0 * slow_ok, rules.tempo_max_points)
        ident, cue = "too_slow", ex.cues.too_slow
        ko_word, en_word = "느림", "too slow"
    else:
        return None
    if points <= 0:
        return None
    return Deduction(
        kind=DeductionKind.TEMPO,
        id=ident,
        points=points,
        reason=LocalizedText(
            ko=f"반복 시간 {rep.duration_s:.1f}초 (권장 {tempo.total_s:.1f}초, {ko_word})",
            en=f"rep took {rep.duration_s:.1f} s ({en_word}; prescribed {tempo.total_s:.1f} s)",
        ),
        cue=cue,
    )


def _smoothness(rep: RepMetrics, rules: ScoringRules, ex: ExerciseDef) -> Deduction | None:
    if not math.isfinite(rep.sparc):
        return None
    points = _ramp(rep.sparc, rules.sparc_ok, rules.sparc_floor, rules.smoothness_max_points)
    if points <= 0:
        return None
    return Deduction(
        kind=DeductionKind.SMOOTHNESS,
        id="not_smooth",
        points=points,
        reason=LocalizedText(
            ko=f"움직임 부드러움 SPARC {rep.sparc:.2f} (기준 {rules.sparc_ok:.1f}), "
            f"속도 정점 {rep.speed_peaks}개",
            en=f"smoothness SPARC {rep.sparc:.2f} (limit {rules.sparc_ok:.1f}), "
            f"{rep.speed_peaks} speed peaks",
        ),
        cue=ex.cues.not_smooth,
    )


def _compensation(seen: CompensationSeen) -> Deduction:
    return Deduction(
        kind=DeductionKind.COMPENSATION,
        id=seen.rule_id,
        points=seen.penalty_points,
        reason=LocalizedText(
            ko=f"{seen.angle} {seen.peak_deg:.0f}° (한계 {seen.limit_deg:.0f}°, "
            f"{seen.duration_s:.1f}초)",
            en=f"{seen.angle} reached {seen.peak_deg:.0f} deg (limit {seen.limit_deg:.0f} deg) "
            f"for {seen.duration_s:.1f} s",
        ),
        cue=seen.cue,
    )


def score_rep(
    rep: RepMetrics,
    compensations: tuple[CompensationSeen, ...],
    exercise: ExerciseDef,
    target_rom_deg: float | None = None,
    tempo: Tempo | None = None,
) -> RepScore:
    """Score one counted rep.

    Parameters
    ----------
    rep
        The rep's metrics from the segmenter.
    compensations
        Compensations seen during the rep.
    exercise
        The exercise (cues, scoring weights, default target and tempo).
    target_rom_deg
        The therapist's prescribed target ROM (deg), overriding the exercise's.
    tempo
        The prescribed tempo, overriding the exercise's.

    Returns
    -------
    RepScore

    Examples
    --------
    >>> from rehab.exercises.library import load_library
    >>> ex = load_library()["shoulder_abduction"]
    >>> rep = RepMetrics(True, None, 0.0, 2.0, 4.5, 4.5, 10.0, 100.0, 10.0, 90.0, 80.0,
    ...                  -2.0, 2)
    >>> s = score_rep(rep, (), ex)
    >>> round(s.score), s.flags, s.cue.en
    (76, ('rom_low',), 'Raise your arm a little higher.')
    """
    rules = exercise.scoring
    target = target_rom_deg if target_rom_deg is not None else exercise.target_rom_deg
    found = [
        _rom(rep, target, rules, exercise),
        _tempo(rep, tempo or exercise.tempo, rules, exercise),
        _smoothness(rep, rules, exercise),
        *(_compensation(c) for c in compensations),
    ]
    deductions = sorted(
        (d for d in found if d is not None and d.points > 0),
        key=lambda d: (d.points, _PRIORITY[d.kind]),
        reverse=True,
    )
    score = max(0.0, 100.0 - sum(d.points for d in deductions))
    cue = deductions[0].cue if deductions else exercise.cues.good
    return RepScore(score=score, deductions=tuple(deductions), cue=cue)


def partial_cue(reason: PartialReason, exercise: ExerciseDef) -> LocalizedText | None:
    """The cue for a movement that was not counted, or None when the patient cannot fix it.

    Parameters
    ----------
    reason
        Why the movement was not counted.
    exercise
        The exercise, for its cues.

    Returns
    -------
    LocalizedText or None
        The range cue for too little range, the tempo cue for too short, else None.

    Examples
    --------
    >>> from rehab.exercises.library import load_library
    >>> partial_cue(PartialReason.ROM_BELOW_MIN, load_library()["squat"]).en
    'Go a little deeper.'
    """
    if reason is PartialReason.ROM_BELOW_MIN:
        return exercise.cues.rom_low
    if reason is PartialReason.TOO_SHORT:
        return exercise.cues.too_fast
    return None
