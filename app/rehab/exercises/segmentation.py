"""Repetition segmentation: a hysteresis state machine on one primary angle.

The segmenter sees one scalar per sample (the exercise's primary angle, already combined
across sides) with its confidence, one sample at a time, so the same code runs live and
offline (:func:`segment_reps` is the offline wrapper).

A running median of the last three valid samples goes first: a landmark that jumps for
one frame (a Kinect or BlazePose glitch) never crosses a threshold.

States
------
``REST``
    Waiting. The rest angle is the lowest angle of the last ``baseline_window_s`` (after a
    sign flip for exercises whose angle falls, so "rising" always means working). A rise of
    ``start_deg`` above it starts a rep: the upper hysteresis threshold.
``ACTIVE``
    In a rep; the peak is tracked. When the angle falls back within
    ``max(end_deg, end_fraction * range)`` of the rest angle (the lower threshold) the rep
    has returned.
``RETURNING``
    The rep has returned; the segmenter follows the angle down to where it settles (it
    rises again, holds still for ``settle_s``, or ``max_settle_s`` passes) so that the rep's
    end time and its speed profile include the whole return, then emits the rep.

A rep whose range is below ``min_rom_deg``, whose duration is outside
``[min_duration_s, max_duration_s]``, or during which tracking was lost for longer than
``max_gap_s`` is emitted as *partial* with its reason, and is not counted. Samples whose
confidence is below ``min_confidence`` (or NaN) are gaps: they never move the state.

Times: ``start_t_s`` and ``end_t_s`` are the movement onset and offset, where the angle is
within 10 % of the ROM (at least 1.5 deg) of its rest value before and after the
peak; the duration is between them.

Clip edges
----------
A recording (or a live stream) may begin or end in the middle of a movement.

*Cut by the start.* Until the first settled rest the rest baseline is *provisional*: the
first valid sample may already be far from the rest the patient will come back to. The
baseline becomes final at the end of the first rep (counted, partial or dropped), once
the angle has stayed within ``start_deg`` of its lowest for ``baseline_window_s`` (a
settled rest), or after ``max_duration_s`` (no rep lasts longer). While it is
provisional, a rise of ``start_deg`` starts a rep as usual, and a fall of ``start_deg``
from the highest angle seen also starts one, already past its peak. When such a first
rep has settled and its lowest point before the peak lies above the return's rest level
by more than the end threshold ``max(end_deg, end_fraction * range)`` (the recording
began mid-movement), it is a rep cut by the start and it counts when

1. it reaches its end of range inside the recording: a turning point, the peak lying
   above the first sample by at least ``max(2, end_deg / 2)`` deg, the same bound that
   tells a new rise from jitter at the bottom of a return (below it, a start held at the
   end of range and its noise would pass for a turning point);
2. it comes back to rest: the return settles (as any rep's return does);
3. its range, measured from the return's rest level to the peak, meets ``min_rom_deg``
   (and its duration, from the first sample, the duration limits).

Its start time and ``start_deg`` are the first sample's. A first movement without a
turning point (a recording that begins on the way back, e.g. UI-PRMD's sit-to-stand
files, which begin standing and sit down first) is no rep and is not reported. A rep cut
by the start whose return has not settled when the stream ends is partial
(``tracking_lost``): its rest is unknown.

*Cut by the end.* A rep still out (``ACTIVE``) when the stream ends has no return: it is
partial (``tracking_lost``), never counted. A rep that has returned and is settling is
emitted as usual.

After a long tracking gap the baseline is not provisional again: a movement resumed
mid-way after a loss was already reported as partial, and counting its second half would
count it twice.
"""

from __future__ import annotations

import enum
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from rehab.errors import ValidationError
from rehab.exercises.library import RepThresholds
from rehab.exercises.smoothness import count_speed_peaks, sparc, speed_profile

__all__ = [
    "PartialReason",
    "RepMetrics",
    "RepSegmenter",
    "SegmenterState",
    "segment_reps",
]


class SegmenterState(enum.Enum):
    """Where the segmenter is within a rep."""

    REST = "rest"
    ACTIVE = "active"
    RETURNING = "returning"


class PartialReason(enum.Enum):
    """Why a movement was not counted as a rep."""

    ROM_BELOW_MIN = "rom_below_min"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    TRACKING_LOST = "tracking_lost"
    # Set by rehab.exercises.alternation, never by the segmenter: the limb moved together
    # with the other side's larger rep (a far arm dragged along, the back knee of a lunge).
    FOLLOWER = "follower"


@dataclass(frozen=True)
class RepMetrics:
    """One segmented repetition (counted or partial) of the primary angle.

    Attributes
    ----------
    counted
        True for a full rep; False for a partial movement (see ``partial_reason``).
    partial_reason
        Why it was not counted, or None.
    start_t_s, peak_t_s, end_t_s
        Movement onset, peak and offset times (s).
    duration_s
        ``end_t_s - start_t_s`` (s).
    start_deg, peak_deg, end_deg
        The primary angle at rest before the rep, at its peak, and where it settled (deg).
    rom_deg
        Range of motion: ``|peak_deg - start_deg|`` (deg).
    peak_velocity_deg_s
        Highest angular speed during the rep (deg/s), after low-pass filtering.
    sparc
        Spectral arc length of the speed profile (negative; nearer 0 is smoother), NaN when
        the rep is too short to tell.
    speed_peaks
        Number of distinct speed peaks (2 for a smooth out-and-back rep).
    """

    counted: bool
    partial_reason: PartialReason | None
    start_t_s: float
    peak_t_s: float
    end_t_s: float
    duration_s: float
    start_deg: float
    peak_deg: float
    end_deg: float
    rom_deg: float
    peak_velocity_deg_s: float
    sparc: float
    speed_peaks: int


@dataclass(frozen=True)
class _SegmenterTuning:
    """Internal constants of the state machine (not per exercise)."""

    baseline_window_s: float = 2.0
    settle_s: float = 0.3
    max_settle_s: float = 1.5
    # Rising this far above the lowest point of the return (at least, or half the exercise's
    # end_deg) means the next rep began; less is jitter around the bottom.
    rise_again_deg: float = 2.0
    onset_fraction: float = 0.1
    onset_min_deg: float = 1.5
    # A running median over this many valid samples removes single-frame landmark glitches
    # (a knee "jumping" for a frame) before any threshold sees them; it is centred, so it
    # delays decisions by one sample but does not bias the times.
    median_samples: int = 3


_TUNING = _SegmenterTuning()


class RepSegmenter:
    """Streaming rep segmenter for one primary angle.

    Parameters
    ----------
    thresholds
        The exercise's rep thresholds (hysteresis, minimum ROM and duration, gating).
    sample_interval_s
        The nominal time between samples (s), >= 0: a stretch without valid samples is a
        gap (tracking lost) when it exceeds ``thresholds.max_gap_s`` beyond one interval,
        so a series sampled more coarsely than ``max_gap_s`` (a video analysed every N-th
        frame) is not all gaps. 0 (the default) measures from the last valid sample.

    Examples
    --------
    >>> from rehab.exercises.library import Direction, RepThresholds
    >>> th = RepThresholds(Direction.INCREASE, start_deg=20, end_deg=10, min_rom_deg=40,
    ...                    min_duration_s=0.5, max_duration_s=10)
    >>> seg = RepSegmenter(th)
    >>> t = np.arange(0, 6, 1 / 30)
    >>> angle = 60 * (1 - np.cos(2 * np.pi * t / 3))  # two reps of 120 deg
    >>> reps = [r for ti, a in zip(t, angle) for r in seg.push(ti, a, 1.0)] + seg.flush()
    >>> [round(r.rom_deg) for r in reps if r.counted]
    [120, 120]
    """

    def __init__(self, thresholds: RepThresholds, sample_interval_s: float = 0.0) -> None:
        if not sample_interval_s >= 0:
            raise ValidationError("sample_interval_s", "validation.at_least", lo=0,
                                  value=sample_interval_s)
        self.thresholds = thresholds
        self._gap_limit_s = thresholds.max_gap_s + sample_interval_s
        self._sign = thresholds.direction.sign
        self._state = SegmenterState.REST
        self._count = 0
        # Rest window: (t, signed angle) of valid samples while at rest.
        self._rest: deque[tuple[float, float]] = deque()
        # Samples of the current rep: from the rest minimum on.
        self._rep_t: list[float] = []
        self._rep_s: list[float] = []
        self._start_s = 0.0
        self._active_t = 0.0
        self._peak_s = -math.inf
        self._peak_t = 0.0
        self._return_t = 0.0
        self._low_s = math.inf
        self._low_t = 0.0
        self._last_valid_t: float | None = None
        # Clip-start rule: the rest baseline is provisional until the first settled rest;
        # meanwhile every sample at rest is kept (the lead), and the rep in progress is a
        # candidate cut by the start.
        self._provisional = True
        self._lead: list[tuple[float, float]] = []
        self._clip = False
        self._recent: deque[tuple[float, float]] = deque(maxlen=_TUNING.median_samples)
        # The last raw valid sample (t, signed angle) and, during a jump, where it left from.
        self._last_raw: tuple[float, float] | None = None
        # During a jump: (its direction +-1, its size, the farthest it went, signed, when),
        # and the samples held back since.
        self._jump: tuple[float, float, float, float] | None = None
        self._jump_samples: list[tuple[float, float]] = []

    @property
    def state(self) -> SegmenterState:
        """Current state (for a live display of the phase)."""
        return self._state

    @property
    def count(self) -> int:
        """Counted reps so far."""
        return self._count

    def push(self, t_s: float, angle_deg: float, confidence: float) -> list[RepMetrics]:
        """Feed one sample; return the reps (counted or partial) that ended with it.

        Parameters
        ----------
        t_s
            Sample time (s), increasing.
        angle_deg
            Primary angle (deg); NaN when unknown.
        confidence
            0..1; below ``thresholds.min_confidence`` the sample is a gap.

        Returns
        -------
        list[RepMetrics]
            Usually empty; at most two (a rep that settled and, rarely, a gap abort).
        """
        valid = math.isfinite(angle_deg) and confidence >= self.thresholds.min_confidence
        if not valid:
            return self._on_gap(t_s)
        s = self._sign * angle_deg
        if self._jump is None and not self._starts_jump(t_s, s):
            return self._on_valid(t_s, s)
        verdict = self._in_jump(t_s, s)
        if verdict == "in":
            self._jump_samples.append((t_s, s))
            return []
        replay = self._jump_samples if verdict == "real" else []
        self._jump_samples = []
        out: list[RepMetrics] = []
        for ti, si in [*replay, (t_s, s)]:
            out.extend(self._on_valid(ti, si))
        return out

    def _on_valid(self, t_s: float, s: float) -> list[RepMetrics]:
        """One valid sample (signed angle ``s``) through the median and the states.

        Returns
        -------
        list of RepMetrics
            Reps finished by this sample.
        """
        gap_s = t_s - self._last_valid_t if self._last_valid_t is not None else 0.0
        self._last_raw = (t_s, s)
        out: list[RepMetrics] = []
        if gap_s > self._gap_limit_s:
            out.extend(self._on_long_gap())
        self._last_valid_t = t_s
        self._recent.append((t_s, s))
        if len(self._recent) < self._recent.maxlen:
            return out
        t_s = self._recent[len(self._recent) // 2][0]
        # sorted() of three floats is ~20x cheaper than np.median on a tiny array.
        s = sorted(v for _, v in self._recent)[len(self._recent) // 2]
        if self._state is SegmenterState.REST:
            self._on_rest(t_s, s)
        elif self._state is SegmenterState.ACTIVE:
            out.extend(self._on_active(t_s, s))
        else:
            out.extend(self._on_returning(t_s, s))
        return out

    def flush(self) -> list[RepMetrics]:
        """End of stream: emit a returned rep that is still settling; drop an unfinished one.

        An unfinished rep (still ``ACTIVE``) is reported as partial (tracking ended).

        Returns
        -------
        list of RepMetrics
            The settling or unfinished rep, if any.
        """
        out: list[RepMetrics] = []
        if self._state is SegmenterState.RETURNING:
            out.extend(self._emit(reason=None, settled=False))
        elif self._state is SegmenterState.ACTIVE:
            out.extend(self._emit(reason=PartialReason.TRACKING_LOST))
        self._reset_rest()
        return out

    # -- states -------------------------------------------------------------------------

    def _starts_jump(self, t_s: float, s: float) -> bool:
        """Whether a valid sample jumps faster than ``max_speed_deg_s`` from the last one.

        Returns
        -------
        bool
            True when a jump starts here.
        """
        last = self._last_raw
        limit = self.thresholds.max_speed_deg_s
        if limit <= 0 or last is None or t_s <= last[0]:
            return False
        step = s - last[1]
        if abs(step) / (t_s - last[0]) <= limit:
            return False
        direction = 1.0 if step > 0 else -1.0
        self._jump = (direction, abs(step), direction * s, t_s)
        self._jump_samples = []
        return True

    def _in_jump(self, t_s: float, s: float) -> str:
        """``in`` (still jumped), ``back`` (a glitch, now over) or ``real`` (it stayed).

        Returns
        -------
        str
            ``"in"``, ``"back"`` or ``"real"``.
        """
        assert self._jump is not None
        direction, size, extreme, t_jump = self._jump
        extreme = max(extreme, direction * s)
        if extreme - direction * s >= 0.5 * size:
            self._jump = None
            return "back"
        if t_s - t_jump > self.thresholds.max_gap_s:
            self._jump = None
            return "real"
        self._jump = (direction, size, extreme, t_jump)
        return "in"

    def _on_gap(self, t_s: float) -> list[RepMetrics]:
        if self._last_valid_t is None or t_s - self._last_valid_t <= self._gap_limit_s:
            return []
        return self._on_long_gap()

    def _on_long_gap(self) -> list[RepMetrics]:
        """Tracking was lost too long: the rep in progress cannot be trusted.

        Returns
        -------
        list of RepMetrics
            The rep in progress, if any (partial when still active).
        """
        out: list[RepMetrics] = []
        if self._state is SegmenterState.RETURNING:
            out.extend(self._emit(reason=None))
        elif self._state is SegmenterState.ACTIVE:
            out.extend(self._emit(reason=PartialReason.TRACKING_LOST))
        self._reset_rest()
        self._end_provisional()
        self._last_valid_t = None
        self._recent.clear()
        self._jump = None
        self._jump_samples = []
        return out

    def _on_rest(self, t_s: float, s: float) -> None:
        rest = self._rest
        rest.append((t_s, s))
        while rest and rest[0][0] < t_s - _TUNING.baseline_window_s:
            rest.popleft()
        i_min = min(range(len(rest)), key=lambda i: rest[i][1])
        base_s = rest[i_min][1]
        if self._provisional:
            self._lead.append((t_s, s))
        if s - base_s >= self.thresholds.start_deg:
            self._state = SegmenterState.ACTIVE
            self._active_t = t_s
            self._start_s = base_s
            kept = list(rest)[i_min:]
            self._rep_t = [p[0] for p in kept]
            self._rep_s = [p[1] for p in kept]
            self._peak_s, self._peak_t = s, t_s
            self._clip = self._provisional
            self._lead = []
        elif self._provisional:
            self._on_provisional_rest(t_s, s)

    def _on_provisional_rest(self, t_s: float, s: float) -> None:
        """Before the first settled rest: a fall from a raised start, or a settled rest."""
        lead = self._lead
        i_peak = max(range(len(lead)), key=lambda i: lead[i][1])
        peak_t, peak_s = lead[i_peak]
        if peak_s - s >= self.thresholds.start_deg:
            # The recording began out of rest and the angle is on its way back: a rep
            # already past its peak, from the first sample on.
            self._state = SegmenterState.RETURNING
            self._clip = True
            self._active_t = lead[0][0]
            self._start_s = min(v for _, v in lead[: i_peak + 1])
            self._peak_s, self._peak_t = peak_s, peak_t
            self._rep_t = [p[0] for p in lead]
            self._rep_s = [p[1] for p in lead]
            self._return_t = t_s
            self._low_s, self._low_t = s, t_s
            self._lead = []
            return
        span_s = t_s - lead[0][0]
        settled = (
            span_s >= _TUNING.baseline_window_s
            and peak_s - min(v for _, v in lead) < self.thresholds.start_deg
        )
        if settled or span_s > self.thresholds.max_duration_s:
            self._end_provisional()

    def _end_provisional(self) -> None:
        self._provisional = False
        self._lead = []

    def _end_level(self) -> float:
        rom = self._peak_s - self._start_s
        return self._start_s + max(self.thresholds.end_deg, self.thresholds.end_fraction * rom)

    def _on_active(self, t_s: float, s: float) -> list[RepMetrics]:
        self._append(t_s, s)
        if s > self._peak_s:
            self._peak_s, self._peak_t = s, t_s
        if s <= self._end_level():
            self._state = SegmenterState.RETURNING
            self._return_t = t_s
            self._low_s, self._low_t = s, t_s
            return []
        # Measured from the upward crossing, not from the rest minimum, which may lie up
        # to a rest window earlier.
        if t_s - self._active_t > self.thresholds.max_duration_s:
            reps = self._emit(reason=PartialReason.TOO_LONG)
            self._reset_rest()
            self._on_rest(t_s, s)
            return reps
        return []

    def _on_returning(self, t_s: float, s: float) -> list[RepMetrics]:
        self._append(t_s, s)
        if s < self._low_s:
            if self._clip and s < self._low_s - _TUNING.rise_again_deg:
                # A rep cut by the start entered its return without knowing its rest:
                # it settles on stillness, not on time since an end threshold.
                self._return_t = t_s
            self._low_s, self._low_t = s, t_s
        settled = (
            s >= self._low_s + self._rise_again_deg()
            or t_s - self._low_t >= _TUNING.settle_s
            or t_s - self._return_t >= _TUNING.max_settle_s
        )
        if not settled:
            return []
        reps = self._emit(reason=None)
        # The next rep may already be rising: its rest window starts at this rep's low.
        low = (self._low_t, self._low_s)
        self._reset_rest()
        self._rest.append(low)
        self._on_rest(t_s, s)
        return reps

    # -- helpers ------------------------------------------------------------------------

    def _append(self, t_s: float, s: float) -> None:
        if not self._rep_t or t_s > self._rep_t[-1]:
            self._rep_t.append(t_s)
            self._rep_s.append(s)

    def _emit(self, reason: PartialReason | None, *, settled: bool = True) -> list[RepMetrics]:
        """Finish the rep in progress; it ends the provisional baseline.

        Parameters
        ----------
        reason
            Why it is partial, or None to judge it on its measurements.
        settled
            False when the stream ended during the return (before it settled).

        Returns
        -------
        list of RepMetrics
            The rep, or nothing for a first movement without a turning point.
        """
        rep = self._finish(reason, settled=settled)
        self._clip = False
        self._end_provisional()
        return [] if rep is None else [rep]

    def _reset_rest(self) -> None:
        self._state = SegmenterState.REST
        self._rest.clear()
        self._rep_t, self._rep_s = [], []
        self._peak_s = -math.inf

    def _finish(self, reason: PartialReason | None, *, settled: bool = True) -> RepMetrics | None:
        """Measure the buffered rep and classify it.

        A rep cut by the start whose return did not settle (``settled`` False) is partial:
        without the return's rest it has no rest level at all.

        The hysteresis decisions above use the raw samples; the measurements here use the
        low-pass filtered trace, so landmark jitter does not inflate the ROM or the speed.

        Returns
        -------
        RepMetrics or None
            The rep, counted or partial; None for a movement cut by the start that shows
            no turning point (see the module's clip-edge rule).
        """
        t = np.asarray(self._rep_t, dtype=float)
        s = np.asarray(self._rep_s, dtype=float)
        # Keep only what happened up to the settle point (the low of the return).
        if self._state is SegmenterState.RETURNING:
            keep = t <= self._low_t
            t, s = t[keep], s[keep]
        speed: np.ndarray | None = None
        fs_hz = 0.0
        if t.size >= 3:
            profile = speed_profile(t, s)
            t, s, speed, fs_hz = profile.t_s, profile.angle_deg, profile.speed_deg_s, profile.fs_hz
        i_peak = int(np.argmax(s))
        start_s = float(np.min(s[: i_peak + 1]))
        end_s = float(np.min(s[i_peak:]))
        rom = float(s[i_peak] - start_s)
        on_level = max(_TUNING.onset_fraction * rom, _TUNING.onset_min_deg)
        cut_by_start = self._clip and self._cut_by_start(start_s, float(s[i_peak]), end_s)
        if cut_by_start:
            # Measured from the return's rest; the rep began before the first sample.
            rom = float(s[i_peak] - end_s)
            on_level = max(_TUNING.onset_fraction * rom, _TUNING.onset_min_deg)
            if s[i_peak] - s[0] < self._rise_again_deg():
                return None  # no turning point: it began at the top or on the way back
            start_s = float(s[0])
            if not settled and reason is None:
                reason = PartialReason.TRACKING_LOST
        before = np.nonzero(s[: i_peak + 1] <= start_s + on_level)[0]
        after = np.nonzero(s[i_peak:] <= end_s + on_level)[0]
        i_on = int(before[-1]) if before.size and not cut_by_start else 0
        i_off = i_peak + int(after[0]) if after.size else s.size - 1
        start_t, end_t = float(t[i_on]), float(t[i_off])
        duration = end_t - start_t
        if reason is None:
            reason = self._partial_reason(rom, duration)
        peak_v, smooth, peaks = float("nan"), float("nan"), 0
        if speed is not None and i_off - i_on >= 2:
            window = speed[i_on : i_off + 1]
            peak_v = float(np.max(window))
            smooth = sparc(window, fs_hz)
            peaks = count_speed_peaks(window)
        counted = reason is None
        if counted:
            self._count += 1
        return RepMetrics(
            counted=counted,
            partial_reason=reason,
            start_t_s=start_t,
            peak_t_s=float(t[i_peak]),
            end_t_s=end_t,
            duration_s=duration,
            start_deg=self._sign * start_s,
            peak_deg=self._sign * float(s[i_peak]),
            end_deg=self._sign * end_s,
            rom_deg=rom,
            peak_velocity_deg_s=peak_v,
            sparc=smooth,
            speed_peaks=peaks,
        )

    def _rise_again_deg(self) -> float:
        """A rise this large is movement, smaller is jitter (deg).

        Returns
        -------
        float
            ``max(rise_again_deg, end_deg / 2)``.
        """
        return max(_TUNING.rise_again_deg, 0.5 * self.thresholds.end_deg)

    def _cut_by_start(self, start_s: float, peak_s: float, end_s: float) -> bool:
        """Whether the first rep began above the rest it returned to (mid-movement).

        Returns
        -------
        bool
            True when its low before the peak lies above the return's rest level by more
            than the end threshold.
        """
        th = self.thresholds
        return start_s - end_s > max(th.end_deg, th.end_fraction * (peak_s - end_s))

    def _partial_reason(self, rom: float, duration: float) -> PartialReason | None:
        th = self.thresholds
        if rom < th.min_rom_deg:
            return PartialReason.ROM_BELOW_MIN
        if duration < th.min_duration_s:
            return PartialReason.TOO_SHORT
        if duration > th.max_duration_s:
            return PartialReason.TOO_LONG
        return None


def segment_reps(
    t_s: Iterable[float],
    angle_deg: Iterable[float],
    confidence: Iterable[float],
    thresholds: RepThresholds,
) -> list[RepMetrics]:
    """Segment a whole recorded angle trace (offline use of :class:`RepSegmenter`).

    Parameters
    ----------
    t_s, angle_deg, confidence
        Equal-length sequences: times (s), primary angle (deg, NaN = unknown), confidence.
    thresholds
        The exercise's rep thresholds.

    Returns
    -------
    list[RepMetrics]
        Counted and partial reps in time order.

    Examples
    --------
    >>> from rehab.exercises.library import Direction
    >>> th = RepThresholds(Direction.INCREASE, 20, 10, 40, 0.5, 10)
    >>> t = np.arange(0, 9, 1 / 30)
    >>> reps = segment_reps(t, 60 * (1 - np.cos(2 * np.pi * t / 3)), np.ones_like(t), th)
    >>> sum(r.counted for r in reps)
    3
    """
    seg = RepSegmenter(thresholds)
    out: list[RepMetrics] = []
    for ti, ai, ci in zip(t_s, angle_deg, confidence, strict=True):
        out.extend(seg.push(float(ti), float(ai), float(ci)))
    out.extend(seg.flush())
    return out
