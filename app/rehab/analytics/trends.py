"""Is a measure improving, on a plateau or declining? A robust slope against a clinical threshold.

The trend of a measure over a patient's sessions is the Theil-Sen slope (the median of the
slopes between every pair of sessions, robust to a single bad session;
:func:`scipy.stats.theilslopes`) over the last
``window`` sessions, times the span of that window: the change the data show across it.
That change is compared with the smallest change that matters clinically for the measure
(:data:`MEASURE_RULES`); below it the measure is on a plateau.

Thresholds (minimal clinically relevant change across the window):

- ``max_rom_deg``: 10 deg. Goniometric test-retest error of the upper limb is about 5-10 deg
  and camera-based ROM agrees with goniometry to about the same; 10 deg is the usual minimal
  detectable change quoted for shoulder ROM.
- ``mean_form_score``: 10 points of the app's 0-100 form score (one typical deduction, for
  example a compensation caught on most reps); the score is the app's own, so this is a
  judgement, not a published MCID.
- ``reps_ratio`` (reps done / prescribed): 0.10, one rep in ten.
- ``mean_assistance`` (robot assistance 0-1, lower is better): 0.10, one tenth of full
  guidance, about what the robot's assist-as-needed adaptation moves in a few reps.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from rehab.errors import ValidationError


class Trend(enum.StrEnum):
    """The label a measure's trend gets (its value is the message id's suffix)."""

    IMPROVING = "improving"
    PLATEAU = "plateau"
    DECLINING = "declining"
    INSUFFICIENT = "insufficient"


@dataclass(frozen=True)
class TrendRule:
    """How to judge one measure.

    Parameters
    ----------
    mcid
        The smallest change across the window that matters clinically (measure's units).
    higher_is_better
        False for measures that improve by going down (robot assistance).
    window
        How many of the latest sessions are used (3 or more).
    min_points
        Fewer sessions with a value than this give :attr:`Trend.INSUFFICIENT`.

    Raises
    ------
    ValidationError
        ``mcid`` is not a positive number, or not ``window >= min_points >= 2``.
    """

    mcid: float
    higher_is_better: bool = True
    window: int = 6
    min_points: int = 3

    def __post_init__(self) -> None:
        if not (math.isfinite(self.mcid) and self.mcid > 0):
            raise ValidationError("mcid", f"must be a positive number, got {self.mcid}")
        if self.min_points < 2 or self.window < self.min_points:
            raise ValidationError("window", "needs window >= min_points >= 2")


MEASURE_RULES: dict[str, TrendRule] = {
    "max_rom_deg": TrendRule(mcid=10.0),
    "mean_form_score": TrendRule(mcid=10.0),
    "reps_ratio": TrendRule(mcid=0.10),
    "mean_assistance": TrendRule(mcid=0.10, higher_is_better=False),
}


def theil_sen_slope(x: Sequence[float], y: Sequence[float]) -> float:
    """The median of the pairwise slopes ``(y_j - y_i) / (x_j - x_i)`` for ``x_i < x_j``.

    Parameters
    ----------
    x, y
        The points, as many ``x`` as ``y`` (two or more, two distinct ``x`` at least).

    Returns
    -------
    float
        The Theil-Sen slope, in units of ``y`` per unit of ``x``.

    Raises
    ------
    ValidationError
        Fewer than two points, lengths differ, or all ``x`` are equal.

    Examples
    --------
    >>> theil_sen_slope([0, 1, 2, 3, 4], [1, 3, 5, 7, 100])  # one outlier does not move it
    2.0
    """
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if xs.shape != ys.shape or xs.size < 2:
        raise ValidationError("x", "needs two or more points, as many x as y")
    if np.ptp(xs) == 0:
        raise ValidationError("x", "needs at least two distinct x values")
    # theilslopes also computes a confidence interval (unused here) whose variance goes
    # negative when many x or y repeat: a NaN there, not an error in the slope.
    with np.errstate(invalid="ignore"):
        return float(stats.theilslopes(ys, xs).slope)


def classify_trend(values: Sequence[float | None], rule: TrendRule) -> Trend:
    """Trend of a measure from its per-session values, oldest first (None: not measured).

    The last ``rule.window`` sessions that have a value are used, indexed by their session
    position (so a session without a value still counts as time passing).

    Parameters
    ----------
    values
        The measure in each session, oldest first; None (or NaN) where it was not measured.
    rule
        The window, minimum number of points and clinically relevant change to judge by.

    Returns
    -------
    Trend
        :attr:`Trend.INSUFFICIENT` with fewer than ``rule.min_points`` values in the window;
        else :attr:`Trend.PLATEAU` when the change across the window is below
        ``rule.mcid``, otherwise improving or declining by ``rule.higher_is_better``.

    Examples
    --------
    >>> classify_trend([90, 95, 100, 108, 112], MEASURE_RULES["max_rom_deg"])
    <Trend.IMPROVING: 'improving'>
    >>> classify_trend([0.6, 0.62, 0.59, 0.61], MEASURE_RULES["mean_assistance"])
    <Trend.PLATEAU: 'plateau'>
    """
    points = [(k, float(v)) for k, v in enumerate(values)
              if v is not None and math.isfinite(float(v))]
    points = points[-rule.window:]
    if len(points) < rule.min_points:
        return Trend.INSUFFICIENT
    x, y = zip(*points, strict=True)
    change = theil_sen_slope(x, y) * (x[-1] - x[0])
    if abs(change) < rule.mcid:
        return Trend.PLATEAU
    better = change > 0 if rule.higher_is_better else change < 0
    return Trend.IMPROVING if better else Trend.DECLINING
