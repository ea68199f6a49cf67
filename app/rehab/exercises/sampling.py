"""Whether a rep was seen densely enough to measure: frame coverage and the gap at its peak.

Frames that cannot be processed in time are dropped (the patient must see feedback on
what they do now), so under load the analysis sees a sparse series. The segmenter still
counts a rep it is sure happened, but a sparse rep's range, speed and score may be far off
(a 150 deg jumping jack read as 62 deg). This module says when.

The rule
--------
A rep is **uncertain** when fewer than half of the frames expected at the nominal frame
rate over its duration carried a usable primary angle (``frame_coverage < 0.5``), or when
the largest gap between usable frames within a quarter of its duration of its peak or of
its onset is longer than ``2 * sqrt(0.05) * ROM / peak speed``, the gap in which a smooth
turning point can hide 5 % of the range.

Why these numbers (sampling, not fitted to a clip):

- **Peak.** Near its peak a smooth rep is a parabola, ``a * tau**2 / 2`` below the top; for
  a half-cosine phase of range ``R`` and peak speed ``v`` the curvature is
  ``a = 2 * v**2 / R`` (minimum-jerk phases are close). A peak inside a gap ``g`` lies at
  most ``g / 2`` from a sample, so the range read can fall short by
  ``a * (g / 2)**2 / 2 = v**2 * g**2 / (4 * R)``; keeping that within 5 % of ``R`` (about
  the test-retest error of goniometry, 5-10 deg on a 150 deg range) gives
  ``g <= 2 * sqrt(0.05) * R / v``, about ``0.45 R / v``. The speed used is the rep's
  measured peak speed, but at least ``pi * R / duration``, which any smooth rep of that
  range and duration reaches: a sparse series under-reads speed too. The first-order
  bound (half the gap times the peak speed) holds anywhere but is needlessly strict at
  the peak, where the speed is zero: it would flag a 150 deg jumping jack (455 deg/s)
  for one dropped frame at 30 fps. For that rep the rule allows 0.15 s (three
  consecutive frames dropped, not four).
- **Onset.** The range is the peak minus the rest angle the rep started from, a turning
  point too (or the trough between two reps), so the same bound holds there: a gap just
  before the onset lets the rep start from a point already on its way up (a 150 deg rep
  read as 110 deg with 93 % of its frames present).
- **Coverage.** Speed, tempo and smoothness come from the usable frames resampled at
  their median interval (:func:`~rehab.exercises.smoothness.speed_profile`). When frames
  are missed at random, the chance that the next frame is usable equals the coverage, so
  with coverage of at least one half the median interval is the camera's own and speed is
  a difference of neighbouring frames; below one half the typical usable frame follows a
  missed one, the grid is coarser than the camera's, and speed, SPARC and onset times are
  measured on interpolated samples.

The nominal frame rate is the source's (a camera's configured rate, a video's frame
rate). When it is not known it is estimated from the intervals between frames the
analysis received: the median of the intervals no longer than 1.5 times their 10th
percentile. Drops only lengthen intervals, so the shortest ones are the camera's own,
whereas the plain median doubles once half the frames are dropped.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rehab.errors import ValidationError
from rehab.exercises.segmentation import RepMetrics

__all__ = [
    "MIN_FRAME_COVERAGE",
    "PEAK_LOSS_FRACTION",
    "FrameRateEstimate",
    "RepSampling",
    "assess_sampling",
    "nominal_period_s",
]

MIN_FRAME_COVERAGE = 0.5
"""Below this fraction of the expected frames a rep is uncertain (see the module doc)."""

PEAK_LOSS_FRACTION = 0.05
"""Largest share of the ROM a gap at the peak may hide before the rep is uncertain."""

# Turning points (peak, the rest before the onset) are looked for within this fraction of
# the rep's duration either side of the measured ones: for an out-and-back rep the angle
# is beyond half its range there, so a turning point the measurement missed cannot lie
# further out.
_TURN_WINDOW_FRACTION = 0.25


@dataclass(frozen=True)
class RepSampling:
    """How densely one rep was sampled, and the verdict.

    Attributes
    ----------
    frame_coverage
        Frames with a usable primary angle between the rep's onset and offset, over the
        frames expected at the nominal rate in that time (0..1).
    max_gap_s
        Largest interval between consecutive usable frames around the peak or the onset
        (s).
    max_gap_allowed_s
        The largest gap the rule allows for this rep (s): ``2 * sqrt(0.05) * ROM / speed``.
    frame_period_s
        The nominal frame interval used (s).
    uncertain
        True when coverage is below :data:`MIN_FRAME_COVERAGE` or the gap exceeds the
        allowed one: the rep is counted, but its ROM, speed and score are not exact.
    """

    frame_coverage: float
    max_gap_s: float
    max_gap_allowed_s: float
    frame_period_s: float
    uncertain: bool


def assess_sampling(
    usable_t_s: Sequence[float] | np.ndarray, rep: RepMetrics, frame_period_s: float
) -> RepSampling:
    """Judge whether ``rep`` was sampled densely enough to be measured (see module doc).

    Parameters
    ----------
    usable_t_s
        Increasing times (s) of the frames whose primary angle was usable, covering the
        rep and, preferably, some time either side of it.
    rep
        The rep's metrics from the segmenter.
    frame_period_s
        Nominal interval between frames (s, > 0).

    Returns
    -------
    RepSampling

    Raises
    ------
    ValueError
        For a period that is not positive.

    Examples
    --------
    >>> m = RepMetrics(True, None, 0.0, 0.5, 1.0, 1.0, 10.0, 160.0, 10.0, 150.0, 470.0,
    ...                -2.0, 2)
    >>> dense = np.arange(-15, 46) / 30  # 0.5 s either side of the rep
    >>> assess_sampling(dense, m, 1 / 30).uncertain
    False
    >>> holed = dense[(dense < 0.4) | (dense > 0.6)]  # 7 frames missing over the peak
    >>> s = assess_sampling(holed, m, 1 / 30)
    >>> s.uncertain, round(s.max_gap_s, 2), round(s.max_gap_allowed_s, 2)
    (True, 0.27, 0.14)
    """
    if not frame_period_s > 0:
        raise ValueError(f"frame_period_s must be positive, not {frame_period_s}")
    t = np.asarray(usable_t_s, dtype=float)
    coverage = _coverage(t, rep.start_t_s, rep.end_t_s, frame_period_s)
    half = max(_TURN_WINDOW_FRACTION * rep.duration_s, frame_period_s)
    gap = max(_largest_gap(t, turn_s - half, turn_s + half)
              for turn_s in (rep.start_t_s, rep.peak_t_s))
    allowed = _allowed_gap_s(rep)
    uncertain = coverage < MIN_FRAME_COVERAGE or gap > allowed
    return RepSampling(coverage, gap, allowed, frame_period_s, uncertain)


def _coverage(t: np.ndarray, start_s: float, end_s: float, period_s: float) -> float:
    # Sample times and the rep's onset/offset (on a resampled grid) need not align;
    # half a period of slack on either side keeps a dense rep at 1.0.
    slack = 0.5 * period_s
    seen = int(np.count_nonzero((t >= start_s - slack) & (t <= end_s + slack)))
    expected = round(max(end_s - start_s, 0.0) / period_s) + 1
    return min(1.0, seen / expected)


def _largest_gap(t: np.ndarray, lo_s: float, hi_s: float) -> float:
    """Longest stretch of ``[lo_s, hi_s]`` with no usable frame (s).

    A gap that reaches beyond the window counts only for its part inside it: a person
    who stepped out of view well before a rep does not make its onset unseen.

    Returns
    -------
    float
        The longest gap in seconds, >= 0.
    """
    inside = t[(t > lo_s) & (t < hi_s)]
    points = np.concatenate([[lo_s], inside, [hi_s]])
    # The window's edges are not frames: a gap reaching in from beyond an edge is
    # measured from the edge, but an edge with a frame just outside it is no gap.
    before, after = t[t <= lo_s], t[t >= hi_s]
    gaps = np.diff(points)
    if before.size:
        gaps[0] = min(gaps[0], points[1] - before[-1])
    if after.size:
        gaps[-1] = min(gaps[-1], after[0] - points[-2])
    return float(np.max(gaps))


def _allowed_gap_s(rep: RepMetrics) -> float:
    rom = rep.rom_deg
    if not rom > 0:
        return math.inf
    smooth_speed = math.pi * rom / rep.duration_s if rep.duration_s > 0 else 0.0
    measured = rep.peak_velocity_deg_s if math.isfinite(rep.peak_velocity_deg_s) else 0.0
    speed = max(measured, smooth_speed)
    if not speed > 0:
        return math.inf
    return 2.0 * math.sqrt(PEAK_LOSS_FRACTION) * rom / speed


def nominal_period_s(t_s: Sequence[float] | np.ndarray) -> float:
    """Estimate the nominal frame interval (s) from frame times that may have gaps.

    The median of the intervals no longer than 1.5 times their 10th percentile: drops
    only lengthen intervals, so the short ones are the source's own. NaN with fewer than
    two increasing times.

    Parameters
    ----------
    t_s
        Frame times in seconds, in order.

    Returns
    -------
    float
        The nominal frame interval in seconds (> 0), or NaN.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(300) / 30
    >>> kept = t[rng.random(t.size) >= 0.6]  # 60 % of frames dropped
    >>> round(1 / nominal_period_s(kept), 1), round(1 / float(np.median(np.diff(kept))), 1)
    (30.0, 15.0)
    """
    d = np.diff(np.asarray(t_s, dtype=float))
    d = d[d > 0]
    if d.size == 0:
        return math.nan
    short = d[d <= 1.5 * np.quantile(d, 0.1)]
    return float(np.median(short))


class FrameRateEstimate:
    """The nominal frame interval: given, or estimated from the frames seen so far.

    Parameters
    ----------
    period_s
        The source's nominal frame interval (s, > 0), or None to estimate it with
        :func:`nominal_period_s` over the last ``window`` frames.
    window
        Frames kept for the estimate.

    Raises
    ------
    ValidationError
        For an interval that is not positive and finite.
    """

    def __init__(self, period_s: float | None = None, window: int = 301) -> None:
        if period_s is not None and not (math.isfinite(period_s) and period_s > 0):
            raise ValidationError("sample_interval_s", "validation.positive", value=period_s)
        self._period_s = period_s
        self._t: deque[float] = deque(maxlen=window)

    def observe(self, t_s: float) -> None:
        """Note that a frame (usable or not) arrived at ``t_s`` (s)."""
        if self._period_s is None:
            self._t.append(t_s)

    @property
    def period_s(self) -> float:
        """Nominal frame interval (s); NaN while fewer than two frames were seen."""
        if self._period_s is not None:
            return self._period_s
        return nominal_period_s(np.fromiter(self._t, dtype=float))
