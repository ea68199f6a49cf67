"""Minimum-jerk exercise trajectories.

A minimum-jerk point-to-point movement (Flash & Hogan 1985) is the smooth bell-shaped
velocity profile of natural reaching; rehabilitation robots (MIT-MANUS onward) use it as the
reference for guided movement. An exercise is an approach from the present posture to the
start posture, then ``reps`` times: start -> end (``tempo_s``), hold, end -> start, hold.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


def min_jerk(q0: float, q1: float, duration_s: float, t_s: float) -> tuple[float, float]:
    """Position and velocity of a minimum-jerk move from ``q0`` to ``q1``.

    Parameters
    ----------
    q0, q1
        Start and end position (any unit; velocity comes out in that unit per second).
    duration_s
        Duration of the move (s, > 0).
    t_s
        Time since the start of the move (s); clamped to ``[0, duration_s]``.

    Returns
    -------
    tuple[float, float]
        Position and velocity.

    Examples
    --------
    >>> min_jerk(0.0, 1.0, 2.0, 1.0)
    (0.5, 0.9375)
    """
    tau = min(1.0, max(0.0, t_s / duration_s))
    shape = tau**3 * (10.0 - 15.0 * tau + 6.0 * tau**2)
    dshape = 30.0 * tau**2 * (1.0 - tau) ** 2 / duration_s
    return q0 + (q1 - q0) * shape, (q1 - q0) * dshape


class Phase(enum.Enum):
    """Where in the exercise the reference is."""

    APPROACH = "approach"
    OUT = "out"
    HOLD_OUT = "hold_out"
    BACK = "back"
    HOLD_BACK = "hold_back"
    DONE = "done"


@dataclass(frozen=True)
class ReferenceSample:
    """The reference at one instant.

    ``rep`` counts completed repetitions; ``in_rep`` is False during the approach and after
    the end (so that performance is only measured on the prescribed movement).
    """

    position_rad: tuple[float, ...]
    velocity_rad_s: tuple[float, ...]
    phase: Phase
    rep: int

    @property
    def in_rep(self) -> bool:
        """True during the prescribed movement (not the approach, not after the end)."""
        return self.phase not in (Phase.APPROACH, Phase.DONE)


class ExerciseTrajectory:
    """The reference of a whole exercise, advanced by a time-scaled progress clock.

    Progress advances by ``dt_s * speed``; slowing down (``speed < 1``) stretches the
    movement in time without a jump in position, which is how form feedback slows the
    tempo.

    Parameters
    ----------
    from_rad
        Posture at the start of the approach (the present posture), rad per joint.
    start_rad, end_rad
        Start and end posture of each rep, rad per joint.
    tempo_s, hold_s, reps
        One-way duration (s, > 0), hold at each end (s, >= 0), number of reps (>= 1).
    approach_s
        Duration of the approach move (s, > 0).
    """

    def __init__(self, from_rad: tuple[float, ...], start_rad: tuple[float, ...],
                 end_rad: tuple[float, ...], tempo_s: float, hold_s: float, reps: int,
                 approach_s: float) -> None:
        self._from = from_rad
        self._start = start_rad
        self._end = end_rad
        self._tempo_s = tempo_s
        self._hold_s = hold_s
        self.reps = reps
        self._approach_s = approach_s
        self._progress_s = 0.0
        self._rep_s = 2.0 * (tempo_s + hold_s)

    @property
    def total_s(self) -> float:
        """Duration at full speed (s)."""
        return self._approach_s + self.reps * self._rep_s

    def advance(self, dt_s: float, speed: float = 1.0) -> None:
        """Move the progress clock by ``dt_s * speed``.

        Parameters
        ----------
        dt_s
            Time elapsed (s); negative counts as 0.
        speed
            Time scaling in ``[0, 1]`` (clamped; slowed down by assist-as-needed).
        """
        self._progress_s += max(0.0, dt_s) * min(1.0, max(0.0, speed))

    def sample(self, speed: float = 1.0) -> ReferenceSample:
        """The reference at the present progress.

        Parameters
        ----------
        speed
            Time scaling in ``[0, 1]``; velocities are scaled by it.

        Returns
        -------
        ReferenceSample
            Positions (rad), velocities (rad/s) and the phase of the exercise.
        """
        t = self._progress_s
        if t < self._approach_s:
            return self._move(self._from, self._start, self._approach_s, t, speed,
                              Phase.APPROACH, 0)
        t -= self._approach_s
        rep = int(t // self._rep_s)
        if rep >= self.reps:
            return ReferenceSample(self._start, (0.0,) * len(self._start), Phase.DONE, self.reps)
        t -= rep * self._rep_s
        if t < self._tempo_s:
            return self._move(self._start, self._end, self._tempo_s, t, speed, Phase.OUT, rep)
        t -= self._tempo_s
        if t < self._hold_s:
            return ReferenceSample(self._end, (0.0,) * len(self._end), Phase.HOLD_OUT, rep)
        t -= self._hold_s
        if t < self._tempo_s:
            return self._move(self._end, self._start, self._tempo_s, t, speed, Phase.BACK, rep)
        return ReferenceSample(self._start, (0.0,) * len(self._start), Phase.HOLD_BACK, rep)

    @staticmethod
    def _move(a: tuple[float, ...], b: tuple[float, ...], duration_s: float, t_s: float,
              speed: float, phase: Phase, rep: int) -> ReferenceSample:
        pv = [min_jerk(a[i], b[i], duration_s, t_s) for i in range(len(a))]
        return ReferenceSample(tuple(p for p, _ in pv), tuple(v * speed for _, v in pv),
                               phase, rep)
