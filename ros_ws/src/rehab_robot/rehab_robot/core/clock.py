"""Clocks for the controller: the real monotonic one and a fake one for tests."""

from __future__ import annotations

import time


class MonotonicClock:
    """The process's monotonic clock (``time.monotonic``), in seconds."""

    def now_s(self) -> float:
        """Return the current monotonic time.

        Returns
        -------
        float
            Seconds since an arbitrary fixed point; never goes backwards.
        """
        return time.monotonic()


class FakeClock:
    """A clock that only moves when told to, so tests never sleep.

    Parameters
    ----------
    start_s
        Initial time (s).

    Examples
    --------
    >>> clock = FakeClock()
    >>> clock.advance(0.002)
    >>> clock.now_s()
    0.002
    """

    def __init__(self, start_s: float = 0.0) -> None:
        self._t_s = float(start_s)

    def now_s(self) -> float:
        """Return the current fake time.

        Returns
        -------
        float
            Seconds: the start time plus every :meth:`advance` so far.
        """
        return self._t_s

    def advance(self, dt_s: float) -> None:
        """Move the clock forward.

        Parameters
        ----------
        dt_s
            How far (s, >= 0).

        Raises
        ------
        ValueError
            ``dt_s`` is negative or NaN.
        """
        if not dt_s >= 0.0:
            raise ValueError(f"a clock cannot go backwards (dt_s={dt_s!r})")
        self._t_s += dt_s
