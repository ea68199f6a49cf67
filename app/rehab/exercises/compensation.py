"""Compensations: movements that must not happen during a rep (trunk lean, shoulder hike...).

Each :class:`~rehab.exercises.library.CompensationRule` names an angle, how to measure it
(value, magnitude, change since the rep began, left-right asymmetry) and a limit. A rule is
broken when its measure stays above the limit for at least ``min_duration_s`` within the rep,
so a single jittery frame does not cost the patient points.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from rehab.exercises.library import (
    CompensationMeasure,
    CompensationRule,
    LocalizedText,
)

__all__ = ["CompensationSeen", "evaluate_compensations"]

# The reference of a "change" is the median of the first valid samples of the rep, so one
# noisy first frame does not shift every later comparison.
_REFERENCE_SAMPLES = 3


@dataclass(frozen=True)
class CompensationSeen:
    """A compensation rule broken during one rep.

    Attributes
    ----------
    rule_id
        The rule's id (``trunk_lean``).
    angle
        The concrete angle (or ``left-right`` pair) where it was worst.
    peak_deg
        Worst value of the rule's measure during the rep (deg).
    limit_deg
        The rule's limit (deg).
    duration_s
        Time spent over the limit (s).
    penalty_points
        Points it costs.
    cue
        What to tell the patient.
    """

    rule_id: str
    angle: str
    peak_deg: float
    limit_deg: float
    duration_s: float
    penalty_points: float
    cue: LocalizedText


def _sample_durations(t_s: np.ndarray) -> np.ndarray:
    """Time each sample stands for: the gap to the next one (the last gets the median).

    Returns
    -------
    numpy.ndarray
        Durations in seconds, same shape as ``t_s``; zeros for fewer than 2 samples.
    """
    if t_s.size < 2:
        return np.zeros_like(t_s)
    dt = np.diff(t_s)
    return np.append(dt, np.median(dt))


def _reference(x: np.ndarray) -> float:
    finite = x[np.isfinite(x)]
    return float(np.median(finite[:_REFERENCE_SAMPLES])) if finite.size else float("nan")


def _measure(
    rule: CompensationRule, names: tuple[str, ...], deg: Mapping[str, np.ndarray]
) -> list[tuple[str, np.ndarray]]:
    """The rule's measure as (label, series) pairs, one per concrete angle (or one pair).

    Returns
    -------
    list of tuple
        ``(label, series_deg)`` pairs.
    """
    m = rule.measure
    if m is CompensationMeasure.ASYMMETRY:
        left, right = names
        return [(f"{left}-{right}", np.abs(deg[left] - deg[right]))]
    out = []
    for name in names:
        x = deg[name]
        if m is CompensationMeasure.VALUE:
            out.append((name, x))
        elif m is CompensationMeasure.ABS_VALUE:
            out.append((name, np.abs(x)))
        elif m is CompensationMeasure.CHANGE:
            out.append((name, x - _reference(x)))
        else:
            out.append((name, np.abs(x - _reference(x))))
    return out


def evaluate_compensations(
    rules: tuple[CompensationRule, ...],
    sides: tuple[str, ...],
    t_s: np.ndarray,
    deg: Mapping[str, np.ndarray],
    confidence: Mapping[str, np.ndarray],
    min_confidence: float,
) -> tuple[CompensationSeen, ...]:
    """Check every rule on the samples of one rep.

    Parameters
    ----------
    rules
        The exercise's compensation rules.
    sides
        The working side(s): a ``{side}`` angle is read on these.
    t_s
        ``(N,)`` sample times of the rep (s).
    deg, confidence
        Angle name -> ``(N,)`` degrees and 0..1 confidence, holding every angle the rules
        read; samples below ``min_confidence`` are ignored.
    min_confidence
        Confidence gate.

    Returns
    -------
    tuple[CompensationSeen, ...]
        The broken rules, in rule order.

    Examples
    --------
    >>> from rehab.exercises.library import load_library
    >>> ex = load_library()["shoulder_abduction"]
    >>> t = np.arange(0, 2, 0.1)
    >>> lean = np.where(t > 1, 20.0, 0.0)
    >>> z = np.zeros_like(t); one = np.ones_like(t)
    >>> names = ("trunk_lean_lateral", "shoulder_elevation_right", "shoulder_abduction_left")
    >>> deg = {n: z for n in names} | {"trunk_lean_lateral": lean}
    >>> seen = evaluate_compensations(ex.compensations, ("right",), t, deg,
    ...     {n: one for n in names}, 0.5)
    >>> [(s.rule_id, s.peak_deg) for s in seen]
    [('trunk_lean', 20.0)]
    """
    t = np.asarray(t_s, dtype=float)
    weights = _sample_durations(t)
    seen: list[CompensationSeen] = []
    for rule in rules:
        names = rule.angle_names(sides)
        gated = {
            n: np.where(np.asarray(confidence[n]) >= min_confidence, deg[n], np.nan) for n in names
        }
        worst: CompensationSeen | None = None
        for label, series in _measure(rule, names, gated):
            finite = np.isfinite(series)
            if not finite.any():
                continue
            over = finite & (np.nan_to_num(series, nan=-np.inf) > rule.max_deg)
            duration = float(np.sum(weights[over]))
            peak = float(np.nanmax(series))
            if duration < rule.min_duration_s or duration <= 0.0:
                continue
            if worst is None or peak > worst.peak_deg:
                worst = CompensationSeen(
                    rule_id=rule.id,
                    angle=label,
                    peak_deg=peak,
                    limit_deg=rule.max_deg,
                    duration_s=duration,
                    penalty_points=rule.penalty_points,
                    cue=rule.cue,
                )
        if worst is not None:
            seen.append(worst)
    return tuple(seen)
