"""Compensations: movements that must not happen during a rep (trunk lean, shoulder hike...).

Each :class:`~rehab.exercises.library.CompensationRule` names an angle, how to measure it
(value, magnitude, change since the rep began, left-right asymmetry, the lesser of left
and right) and a limit. A rule is
broken when its measure stays above the limit for at least ``min_duration_s`` within the rep,
so a single jittery frame does not cost the patient points.

Frontal-plane angles of the leg are read only where they are defined: the knee valgus
(thigh against shank) while both the thigh and the shank point at most
:data:`FRONTAL_SEGMENT_MAX_ELEVATION_DEG` out of the frontal plane, the hip abduction while
the thigh does. A segment's elevation out of that plane is taken from the sagittal angles
(the thigh's is the hip flexion, the shank's the hip flexion less the knee flexion); where
those are unknown (a frontal 2D view) the angle is read as it is. A thigh pointing forward
(deep squat, seated, the front leg of a lunge) has almost no frontal-plane direction, and
healthy reps read 100+ deg "valgus" there.
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

__all__ = [
    "FRONTAL_SEGMENT_MAX_ELEVATION_DEG",
    "CompensationSeen",
    "evaluate_compensations",
    "gate_angle_names",
]

FRONTAL_SEGMENT_MAX_ELEVATION_DEG = 60.0
"""A leg segment further than this (deg) out of the frontal plane has no usable direction
in it (its in-plane part is under half its length): its frontal-plane angles are skipped."""

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


def _gate_of(name: str) -> tuple[str, ...]:
    """The sagittal angles that decide where ``name`` is defined (see the module).

    Returns
    -------
    tuple of str
        Hip (and, for the valgus, knee) flexion of the same leg; empty for other angles.
    """
    for family, gates in (("knee_valgus_", ("hip_flexion_", "knee_flexion_")),
                          ("hip_abduction_", ("hip_flexion_",))):
        if name.startswith(family):
            side = name[len(family):]
            return tuple(g + side for g in gates)
    return ()


def gate_angle_names(names: tuple[str, ...]) -> tuple[str, ...]:
    """The extra angles needed to tell where the angles ``names`` are defined.

    Parameters
    ----------
    names
        Concrete angle names a rule reads.

    Returns
    -------
    tuple of str
        Hip and knee flexion of the leg of a knee valgus or hip abduction angle, else none.

    Examples
    --------
    >>> gate_angle_names(("knee_valgus_left", "trunk_lean_lateral"))
    ('hip_flexion_left', 'knee_flexion_left')
    """
    return tuple(dict.fromkeys(g for n in names for g in _gate_of(n)))


def _defined(name: str, deg: Mapping[str, np.ndarray]) -> np.ndarray | bool:
    """Where the frontal-plane leg angle ``name`` is defined (True where nothing says not).

    Returns
    -------
    numpy.ndarray or bool
        A boolean mask over the samples, or True when ``name`` needs no gate.
    """
    gates = _gate_of(name)
    if not gates or gates[0] not in deg:
        return True
    limit = FRONTAL_SEGMENT_MAX_ELEVATION_DEG
    hip = np.asarray(deg[gates[0]], dtype=float)
    with np.errstate(invalid="ignore"):
        # NaN compares False: an unknown elevation does not hide the angle.
        out = ~(np.abs(hip) > limit)
        if len(gates) > 1 and gates[1] in deg:
            out &= ~(np.abs(hip - np.asarray(deg[gates[1]], dtype=float)) > limit)
    return out


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
    if m is CompensationMeasure.LESSER:
        left, right = names
        # fmin: a side unseen in a frame leaves the other, seen one.
        return [(f"min({left}, {right})", np.fmin(deg[left], deg[right]))]
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
        read; samples below ``min_confidence`` are ignored. Given the angles of
        :func:`gate_angle_names` too, a leg's frontal-plane angle is skipped where it is
        not defined (see the module).
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
            n: np.where(
                (np.asarray(confidence[n]) >= min_confidence) & _defined(n, deg), deg[n], np.nan
            )
            for n in names
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
