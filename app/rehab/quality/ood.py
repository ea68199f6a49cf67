"""When the learned model gives no opinion: a rep unlike anything it was trained on.

A network always returns a number, also for input far from its training data; that
number is then noise presented as judgement. The rule (plain Python, no torch):

    The model gives no opinion on a rep whose duration lies outside its movement's
    training range widened by :data:`DURATION_FACTOR` (x/÷ 1.5): shorter than
    ``min / 1.5`` or longer than ``max x 1.5``, where ``min`` and ``max`` are the
    shortest and the longest of the UI-PRMD reps (correct AND incorrect) of that
    movement the weights were trained on.

The ranges come from the data at training time and are stored in the manifest
(``rep_duration_s``, one ``[min, max]`` per movement ``m01``-``m10``;
:func:`rehab.quality.data.ui_prmd_durations` reads them), so that the live gate needs
nothing but the manifest. The factor 1.5 is a stated margin, not fitted: the
live rep is segmented by the rep counter (rest to rest), the UI-PRMD reps by their
authors, and a patient may move somewhat slower or faster than the seven healthy
subjects did; a rep that takes a third less time than the quickest training rep, or half
as long again as the slowest, is a different movement to the network (UI-PRMD's m07
reps last seconds; the demo's jumping jacks about one).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["DURATION_FACTOR", "duration_ranges", "in_training_range", "parse_ranges"]

#: The training range of rep durations is widened by this factor on both sides.
DURATION_FACTOR = 1.5


def _key(movement: int) -> str:
    return f"m{movement:02d}"


def duration_ranges(durations: Iterable[tuple[int, float]]) -> dict[str, list[float]]:
    """The shortest and longest rep per movement, ``{"m07": [min_s, max_s], ...}``.

    Parameters
    ----------
    durations
        ``(movement (1-based), duration_s)`` of every training rep, correct and incorrect.

    Returns
    -------
    dict
        Per movement key, ``[min_s, max_s]`` rounded to milliseconds.

    Examples
    --------
    >>> duration_ranges([(7, 2.5), (7, 4.0), (1, 3.0)])
    {'m01': [3.0, 3.0], 'm07': [2.5, 4.0]}
    """
    out: dict[str, list[float]] = {}
    for movement, duration in durations:
        lo, hi = out.get(_key(movement), [duration, duration])
        out[_key(movement)] = [min(lo, duration), max(hi, duration)]
    return {k: [round(lo, 3), round(hi, 3)] for k, (lo, hi) in sorted(out.items())}


def parse_ranges(value: Any) -> dict[str, tuple[float, float]]:
    """Check a manifest's ``rep_duration_s`` and return it as tuples.

    Parameters
    ----------
    value
        The manifest's field: a mapping from ``m01``.. ``m10`` to ``[min_s, max_s]``.

    Returns
    -------
    dict
        Movement key -> ``(min_s, max_s)``.

    Raises
    ------
    ValueError
        Not a mapping of movement keys to two positive, finite, ordered numbers.
    """
    if not isinstance(value, Mapping) or not value:
        raise ValueError(f"rep_duration_s must map movements to [min_s, max_s], got {value!r}")
    out = {}
    for key, pair in value.items():
        if not (isinstance(key, str) and len(key) == 3 and key[0] == "m" and key[1:].isdigit()):
            raise ValueError(f"rep_duration_s: {key!r} is not a movement (m01-m10)")
        if (not isinstance(pair, list | tuple) or len(pair) != 2
                or not all(isinstance(x, int | float) and not isinstance(x, bool)
                           for x in pair)):
            raise ValueError(f"rep_duration_s[{key}]: {pair!r} is not [min_s, max_s]")
        lo, hi = float(pair[0]), float(pair[1])
        if not (0.0 < lo <= hi < float("inf")):
            raise ValueError(f"rep_duration_s[{key}]: {pair!r} needs 0 < min_s <= max_s")
        out[key] = (lo, hi)
    return out


def in_training_range(ranges: Mapping[str, tuple[float, float]], movement: int,
                      duration_s: float, factor: float = DURATION_FACTOR) -> bool:
    """Whether a rep's duration is within its movement's widened training range.

    Parameters
    ----------
    ranges
        :func:`parse_ranges` of the manifest.
    movement
        The UI-PRMD movement (1-based) whose head scores the rep.
    duration_s
        The rep's duration, seconds.
    factor
        Widening: the range is ``[min / factor, max * factor]``.

    Returns
    -------
    bool
        True inside the range (bounds included); False outside it, or when the manifest
        has no range for the movement (nothing to vouch for the rep).

    Examples
    --------
    >>> ranges = {"m07": (2.0, 4.0)}
    >>> [in_training_range(ranges, 7, d) for d in (1.0, 1.4, 3.0, 6.0, 6.5)]
    [False, True, True, True, False]
    """
    pair = ranges.get(_key(movement))
    if pair is None:
        return False
    lo, hi = pair
    return lo / factor <= duration_s <= hi * factor
