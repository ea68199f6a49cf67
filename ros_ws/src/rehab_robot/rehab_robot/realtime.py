"""Deadline scheduling of a periodic loop and its timing statistics (no ROS, no DDS).

The control loop runs on absolute deadlines ``t0 + k * period`` of a monotonic clock, not on
"sleep one period after the work": the work's own duration and the sleep's overshoot then do
not accumulate into drift. Linux wakes a sleeping thread some 50-100 us late, so the loop
sleeps until shortly before the deadline and spins the rest of the way.

A tick that starts more than one period after its deadline has missed it. A tick that starts
more than half a period late re-phases the grid (the next deadline is one period after it)
instead of running catch-up ticks, which would hand the controller near-zero time steps.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import math
import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

DEFAULT_RT_PRIORITY = 50
"""The control loop asks for SCHED_FIFO at this priority, as ros2_control does, and runs
on under normal scheduling (with a warning) where the system refuses it. The app's
heartbeat sender asks for the same (its silence stops the robot)."""


def set_realtime_priority(priority: int, what: str = "the control loop") -> bool:
    """Put the calling thread under SCHED_FIFO at ``priority``; return whether it worked.

    Refusal (no privilege, no such policy on this system) is logged as one warning and the
    thread runs on at normal priority.

    Parameters
    ----------
    priority
        SCHED_FIFO priority, 1-99.
    what
        What the thread does, for the log line.
    """
    if not 1 <= priority <= 99:
        raise ValueError(f"SCHED_FIFO priority must be 1-99, got {priority}")
    sched_fifo = getattr(os, "SCHED_FIFO", None)
    if sched_fifo is None:
        logger.warning("no SCHED_FIFO on this system: %s runs at normal priority", what)
        return False
    try:
        # pid 0 is the calling thread on Linux, not the whole process.
        os.sched_setscheduler(0, sched_fifo, os.sched_param(priority))
    except OSError as exc:
        logger.warning("cannot use SCHED_FIFO %d for %s (%s): it runs at normal priority",
                       priority, what, exc)
        return False
    logger.info("%s under SCHED_FIFO priority %d", what, priority)
    return True


@dataclass(frozen=True)
class LoopTiming:
    """Timing summary of a periodic loop over its recent window.

    Parameters
    ----------
    rate_hz
        Ticks per second over the window.
    lateness_p50_ms, lateness_p99_ms, lateness_max_ms
        Start of tick minus its deadline (ms) over the window.
    missed_deadlines
        Ticks that started more than one period late, since the loop started.
    ticks
        Ticks since the loop started.
    """

    rate_hz: float
    lateness_p50_ms: float
    lateness_p99_ms: float
    lateness_max_ms: float
    missed_deadlines: int
    ticks: int


def percentile(sorted_values: list[float], q: float) -> float:
    """Return the ``q`` quantile (0-1) of already sorted values by the nearest-rank method.

    Examples
    --------
    >>> percentile([1.0, 2.0, 3.0, 4.0], 0.5)
    2.0
    >>> percentile([1.0, 2.0, 3.0, 4.0], 0.99)
    4.0
    """
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


class LatenessHistogram:
    """Cumulative histogram of tick lateness, for quantiles over a whole run in O(1) memory.

    Parameters
    ----------
    bin_s
        Bin width (s); quantiles are exact to this resolution.
    max_s
        Values above this land in the last bin (the maximum is tracked exactly).
    """

    def __init__(self, bin_s: float = 10e-6, max_s: float = 0.1) -> None:
        self.bin_s = bin_s
        self._counts = [0] * (int(max_s / bin_s) + 1)
        self.count = 0
        self.max_s = 0.0

    def add(self, value_s: float) -> None:
        """Count one lateness value (s, >= 0)."""
        index = min(int(max(value_s, 0.0) / self.bin_s), len(self._counts) - 1)
        self._counts[index] += 1
        self.count += 1
        self.max_s = max(self.max_s, value_s)

    def quantile(self, q: float) -> float:
        """Return the ``q`` quantile (upper edge of its bin, s); NaN when empty.

        Examples
        --------
        >>> h = LatenessHistogram(bin_s=0.001, max_s=0.01)
        >>> for x in (0.0005, 0.0015, 0.0025, 0.0095):
        ...     h.add(x)
        >>> round(h.quantile(0.5), 4), round(h.quantile(1.0), 4)
        (0.002, 0.0095)
        """
        if self.count == 0:
            return math.nan
        rank = max(1, math.ceil(q * self.count))
        # accumulate + bisect run in C: this is called from a thread that shares the GIL
        # with the control loop, so a Python loop over the bins would delay ticks.
        index = bisect.bisect_left(list(itertools.accumulate(self._counts)), rank)
        return min((index + 1) * self.bin_s, self.max_s)


class DeadlineSchedule:
    """Absolute deadlines for a loop of period ``period_s``, with lateness bookkeeping.

    Parameters
    ----------
    period_s
        Loop period (s), > 0.
    now_s
        The monotonic clock (s).
    sleep_s
        Sleeps the calling thread for the given seconds.
    spin_s
        How long before each deadline to stop sleeping and spin (s), >= 0.
    window
        Number of recent ticks the statistics cover.
    """

    def __init__(
        self,
        period_s: float,
        now_s: Callable[[], float],
        sleep_s: Callable[[float], None],
        spin_s: float = 0.0003,
        window: int = 500,
    ) -> None:
        if not period_s > 0:
            raise ValueError(f"period_s must be > 0, got {period_s}")
        if spin_s < 0:
            raise ValueError(f"spin_s must be >= 0, got {spin_s}")
        self.period_s = period_s
        self._now_s = now_s
        self._sleep_s = sleep_s
        self._spin_s = spin_s
        self._next_s = now_s()
        self._lateness_s: deque[float] = deque(maxlen=window)
        self._starts_s: deque[float] = deque(maxlen=window)
        self.histogram = LatenessHistogram()
        self.missed_deadlines = 0
        self.ticks = 0

    @property
    def next_deadline_s(self) -> float:
        """The deadline the next :meth:`wait` waits for."""
        return self._next_s

    def wait(self) -> float:
        """Block until the next deadline; return the tick's start time (s).

        Records the lateness of this start and schedules the following deadline.
        """
        deadline_s = self._next_s
        remaining_s = deadline_s - self._now_s()
        if remaining_s > self._spin_s:
            self._sleep_s(remaining_s - self._spin_s)
        start_s = self._now_s()
        while start_s < deadline_s:
            start_s = self._now_s()
        lateness_s = start_s - deadline_s
        self._lateness_s.append(lateness_s)
        self._starts_s.append(start_s)
        self.histogram.add(lateness_s)
        self.ticks += 1
        self._next_s = deadline_s + self.period_s
        if lateness_s > self.period_s:
            self.missed_deadlines += 1
        if lateness_s > self.period_s / 2:
            # Re-phase the grid on this tick: the next tick comes one period after it, not
            # at the next grid point, which may be only microseconds away. A near-zero time
            # step would make a controller's finite differences (velocity, encoder-jump
            # checks) meaningless.
            self._next_s = start_s + self.period_s
        return start_s

    def timing(self) -> LoopTiming:
        """Return the timing summary of the recent window."""
        lateness_ms = sorted(x * 1e3 for x in self._lateness_s)
        starts = self._starts_s
        span_s = starts[-1] - starts[0] if len(starts) > 1 else 0.0
        rate_hz = (len(starts) - 1) / span_s if span_s > 0 else 0.0
        return LoopTiming(
            rate_hz=rate_hz,
            lateness_p50_ms=percentile(lateness_ms, 0.50),
            lateness_p99_ms=percentile(lateness_ms, 0.99),
            lateness_max_ms=lateness_ms[-1] if lateness_ms else math.nan,
            missed_deadlines=self.missed_deadlines,
            ticks=self.ticks,
        )

    def lateness_samples_s(self) -> list[float]:
        """Return the recent lateness samples (s), oldest first."""
        return list(self._lateness_s)


class CycleClock:
    """The controller's clock: one time per control cycle, like ros2_control's ``update(time)``.

    The control loop :meth:`latch`-es the cycle's start time; every ``now_s()`` until the
    next latch returns it, so the controller, the supervisor and the (simulated) driver see
    one consistent time within a tick. Without this, a thread switch between the tick's own
    clock reading and the driver's sensor reading makes the reading look newer than the
    tick, or the motion since the last tick look faster than it was, and the supervisor's
    sensor-sanity checks trip on a healthy robot. Times are seconds since the clock was made.

    Parameters
    ----------
    monotonic_s
        The underlying monotonic clock (s).

    Examples
    --------
    >>> t = [100.0]
    >>> clock = CycleClock(lambda: t[0])
    >>> t[0] = 100.5
    >>> clock.latch(clock.monotonic_s())
    >>> t[0] = 100.9
    >>> clock.now_s(), clock.monotonic_s()
    (0.5, 0.9000000000000057)
    """

    def __init__(self, monotonic_s: Callable[[], float] | None = None) -> None:
        self._raw_s = monotonic_s or time.monotonic
        self._t0_s = self._raw_s()
        self._cycle_s = 0.0

    def restart(self) -> None:
        """Count the running time from now; only before the first cycle.

        The node builds the controller and the simulated plant (at time 0), then its DDS
        entities, then starts the loop: restarting here keeps the plant from having to
        catch up on the set-up time at the first tick.
        """
        if self._cycle_s != 0.0:
            raise RuntimeError("the clock can only restart before the first cycle")
        self._t0_s = self._raw_s()

    def monotonic_s(self) -> float:
        """The running time (s), for scheduling and stamping."""
        return self._raw_s() - self._t0_s

    def latch(self, t_s: float) -> None:
        """Start a cycle at ``t_s`` (from :meth:`monotonic_s`); must not go backwards."""
        if t_s < self._cycle_s:
            raise ValueError(f"cycle time cannot go backwards ({t_s} < {self._cycle_s})")
        self._cycle_s = t_s

    def now_s(self) -> float:
        """The current cycle's time (s)."""
        return self._cycle_s


class RateGate:
    """Lets an action through at ``rate_hz`` on a loop that runs faster (no bursts).

    Examples
    --------
    >>> gate = RateGate(200.0, start_s=0.0)
    >>> [gate.due(t) for t in (0.0, 0.002, 0.004, 0.006, 0.010)]
    [True, False, False, True, True]
    """

    def __init__(self, rate_hz: float, start_s: float) -> None:
        if not rate_hz > 0:
            raise ValueError(f"rate_hz must be > 0, got {rate_hz}")
        self.period_s = 1.0 / rate_hz
        self._next_s = start_s

    def due(self, now_s: float) -> bool:
        """Return whether the action is due at ``now_s``; if so, schedule the next one."""
        if now_s < self._next_s:
            return False
        self._next_s += self.period_s
        if self._next_s <= now_s:
            # Fell behind by more than a period: restart the grid, do not burst.
            self._next_s = now_s + self.period_s
        return True
