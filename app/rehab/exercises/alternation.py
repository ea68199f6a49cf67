"""Alternating exercises: each side counted by its own segmenter, each rep owned by one side.

In an alternating exercise (marching, alternating curls, forward lunges with alternating
legs) the two sides take turns. Each side's primary angle runs through its own
:class:`~rehab.exercises.segmentation.RepSegmenter` with the exercise's thresholds, so a
rep is always one limb's movement out and back, and the other limb's return never counts:
a slow return of one leg overlapping the next leg's lift is two reps, each on its side.

Sides that move together
------------------------
Two reps of opposite sides are *together* when both limbs were in the upper half of their
own rep's range at the same time (each rep's span above ``start + ROM / 2`` overlaps the
other's). That is the mark of one movement seen on two limbs: MediaPipe's far arm dragged
along with the near one in a side view, both knees bending in one lunge (and the back
knee's second dip while the front knee is still down). Of reps that are together only the
one with the larger ROM may count (the front knee of a lunge, the near arm of a curl); the
other is reported as partial with reason :attr:`PartialReason.FOLLOWER` ("moved with the
other side"), whatever else it was. ROMs within 2 deg of each other (the sensor's noise)
are a tie, and the side that crossed its start threshold first keeps the rep.

An overlap of the whole reps in time is not the rule on purpose: in a quick alternation
the next limb rises while the previous one is still coming down, so their onset-to-offset
spans overlap; but the next limb reaches the upper half of its lift only after the last
one has left its own (nobody marches with both knees up), and both are counted.

Streaming
---------
A rep is decided once every opposite-side rep that crossed its start threshold before the
rep left its upper half has ended: those are the ones that can be together with it (a rep
reaches the upper half of its range after crossing its start threshold whenever its ROM is
at least twice ``start_deg``; a smaller rep may be decided a few samples early). Usually
that is at once; a follower and its leader are decided when the second of them ends. Decided
reps are released in the order they ended (ties by onset), so the events stay in time order
and the counting stays monotonic. Live and offline use the same code:
:class:`~rehab.exercises.analysis.Analyzer` feeds it sample by sample.
"""

from __future__ import annotations

import dataclasses
import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rehab.errors import ValidationError
from rehab.exercises.library import RepThresholds
from rehab.exercises.segmentation import (
    PartialReason,
    RepMetrics,
    RepSegmenter,
    SegmenterState,
)

__all__ = ["AlternatingCounter", "SidedRep"]

# How long a decided rep is kept to compare with the other side's later reps (s); a rep
# that is together with it started before its peak, so this only needs to outlast the
# longest rep.
_KEEP_MARGIN_S = 5.0
# ROMs closer than this are a tie (a couple of degrees is landmark noise): the side that
# rose first keeps the rep.
_TIE_DEG = 2.0


@dataclass(frozen=True)
class SidedRep:
    """A rep of one side, as decided by :class:`AlternatingCounter`.

    Attributes
    ----------
    side
        ``left`` or ``right``: the limb that did the rep.
    metrics
        The side's segmenter metrics; a follower is marked partial
        (:attr:`PartialReason.FOLLOWER`, ``counted`` False).
    rise_t_s
        When the side crossed its start threshold (s), the sample the segmenter went
        active on.
    upper_t_s
        First and last time (s) the angle was in the upper half of the rep's range.
    """

    side: str
    metrics: RepMetrics
    rise_t_s: float
    upper_t_s: tuple[float, float]


def _together(a: SidedRep, b: SidedRep) -> bool:
    """Whether two opposite-side reps were rising at the same time.

    Returns
    -------
    bool
        True when both were in the upper half of their range at the same time.
    """
    return a.upper_t_s[0] <= b.upper_t_s[1] and b.upper_t_s[0] <= a.upper_t_s[1]


def _upper_span(samples: Sequence[tuple[float, float]], m: RepMetrics) -> tuple[float, float]:
    """First and last time within the rep that the angle was above half its range.

    Parameters
    ----------
    samples
        The side's recent valid samples ``(t_s, angle_deg)``.
    m
        The rep.

    Returns
    -------
    tuple of float
        ``(first, last)`` in seconds; the peak time twice when no sample is that high.
    """
    half = m.start_deg + 0.5 * (m.peak_deg - m.start_deg)
    up = 1.0 if m.peak_deg >= m.start_deg else -1.0
    above = [t for t, a in samples if m.start_t_s <= t <= m.end_t_s and up * (a - half) >= 0]
    if not above:
        return m.peak_t_s, m.peak_t_s
    return min(above[0], m.peak_t_s), max(above[-1], m.peak_t_s)


def _outranks(a: SidedRep, b: SidedRep) -> bool:
    """Whether ``a`` keeps the rep over ``b`` when the two are together.

    Returns
    -------
    bool
        True for the larger ROM, or on a tie (within ``_TIE_DEG``) the earlier rise.
    """
    if abs(a.metrics.rom_deg - b.metrics.rom_deg) > _TIE_DEG:
        return a.metrics.rom_deg > b.metrics.rom_deg
    return (a.rise_t_s, a.side) < (b.rise_t_s, b.side)


class AlternatingCounter:
    """Per-side rep counting for an alternating exercise.

    Parameters
    ----------
    thresholds
        The exercise's rep thresholds, the same for both sides.
    sides
        The two sides, e.g. ``("left", "right")``.
    sample_interval_s
        As for :class:`~rehab.exercises.segmentation.RepSegmenter`.

    Raises
    ------
    ValidationError
        When ``sides`` is not two distinct sides.

    Examples
    --------
    >>> import numpy as np
    >>> from rehab.exercises.library import Direction, RepThresholds
    >>> th = RepThresholds(Direction.INCREASE, 20, 10, 40, 0.5, 10)
    >>> counter = AlternatingCounter(th, ("left", "right"))
    >>> t = np.arange(0, 8, 1 / 30)
    >>> bump = lambda c: 80 * np.exp(-(((t - c) / 0.4) ** 2))
    >>> left, right = bump(1.5) + bump(5.5), bump(3.5)
    >>> reps = []
    >>> for i, ti in enumerate(t):
    ...     reps += counter.push(ti, {"left": (left[i], 1.0), "right": (right[i], 1.0)})
    >>> reps += counter.flush()
    >>> [(r.side, r.metrics.counted) for r in reps]
    [('left', True), ('right', True), ('left', True)]
    """

    def __init__(
        self,
        thresholds: RepThresholds,
        sides: tuple[str, ...],
        sample_interval_s: float = 0.0,
    ) -> None:
        if len(sides) != 2 or sides[0] == sides[1]:
            raise ValidationError("sides", "validation.one_of", allowed="left, right",
                                  value=repr(sides))
        self.sides = sides
        self._segmenters = {s: RepSegmenter(thresholds, sample_interval_s) for s in sides}
        self._rise_t: dict[str, float | None] = dict.fromkeys(sides)
        self._samples: dict[str, deque[tuple[float, float]]] = {s: deque() for s in sides}
        self._min_confidence = thresholds.min_confidence
        self._pending: list[SidedRep] = []
        self._decided: list[SidedRep] = []
        self._keep_s = thresholds.max_duration_s + _KEEP_MARGIN_S
        self._count = 0

    @property
    def count(self) -> int:
        """Counted reps released so far (both sides)."""
        return self._count

    @property
    def state(self) -> SegmenterState:
        """The most advanced phase of the two sides (active, then returning, then rest)."""
        states = {seg.state for seg in self._segmenters.values()}
        for s in (SegmenterState.ACTIVE, SegmenterState.RETURNING):
            if s in states:
                return s
        return SegmenterState.REST

    def push(self, t_s: float, samples: Mapping[str, tuple[float, float]]) -> list[SidedRep]:
        """Feed one sample of each side's primary angle and return the reps decided now.

        Parameters
        ----------
        t_s
            Sample time (s), increasing.
        samples
            Side -> ``(angle_deg, confidence)``; a missing side is a gap (NaN, 0).

        Returns
        -------
        list of SidedRep
            Reps decided with this sample (usually none), in the order they ended.
        """
        for side, seg in self._segmenters.items():
            angle, conf = samples.get(side, (float("nan"), 0.0))
            kept = self._samples[side]
            if math.isfinite(angle) and conf >= self._min_confidence:
                kept.append((t_s, angle))
            while kept and kept[0][0] < t_s - self._keep_s:
                kept.popleft()
            before = seg.state
            ended = seg.push(t_s, angle, conf)
            for m in ended:
                self._pending.append(self._sided(side, m))
            started = seg.state is not SegmenterState.REST and (
                before is SegmenterState.REST or ended)
            if started and self._rise_t[side] is None:
                self._rise_t[side] = t_s
        return self._release(t_s)

    def flush(self) -> list[SidedRep]:
        """End of the set: both sides' unfinished reps end, and every rep is decided.

        Returns
        -------
        list of SidedRep
            The remaining reps, in the order they ended.
        """
        for side, seg in self._segmenters.items():
            for m in seg.flush():
                self._pending.append(self._sided(side, m))
        return self._release(None)

    def _sided(self, side: str, m: RepMetrics) -> SidedRep:
        """The side's rep that just ended, with its rise time and upper span.

        Returns
        -------
        SidedRep
            The rep; its rise time is its onset when the side was not seen going active.
        """
        rise = self._rise_t[side]
        self._rise_t[side] = None
        upper = _upper_span(self._samples[side], m)
        return SidedRep(side, m, m.start_t_s if rise is None else rise, upper)

    def _decidable(self, rep: SidedRep) -> bool:
        """Whether no unfinished rep of the other side can still be together with ``rep``.

        Returns
        -------
        bool
            True when the other side is at rest or went active after ``rep`` left its
            upper half.
        """
        other = next(s for s in self.sides if s != rep.side)
        rise = self._rise_t[other]
        return rise is None or rise > rep.upper_t_s[1]

    def _release(self, now_s: float | None) -> list[SidedRep]:
        ready = [r for r in self._pending if now_s is None or self._decidable(r)]
        if not ready:
            return []
        self._pending = [r for r in self._pending if r not in ready]
        ready.sort(key=lambda r: (r.metrics.end_t_s, r.metrics.start_t_s))
        known = self._decided + ready + self._pending
        out: list[SidedRep] = []
        for rep in ready:
            leader = any(
                o.side != rep.side and _together(rep, o) and _outranks(o, rep) for o in known
            )
            if leader:
                rep = dataclasses.replace(rep, metrics=dataclasses.replace(
                    rep.metrics, counted=False, partial_reason=PartialReason.FOLLOWER))
            self._count += rep.metrics.counted
            out.append(rep)
        self._decided.extend(ready)
        if now_s is not None:
            self._decided = [r for r in self._decided
                             if r.metrics.end_t_s >= now_s - self._keep_s]
        return out
