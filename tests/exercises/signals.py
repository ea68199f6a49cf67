"""Synthetic primary-angle signals with known reps, for the segmenter and analyzer tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def min_jerk(tau: np.ndarray) -> np.ndarray:
    """Minimum-jerk position profile 0 -> 1 over tau in [0, 1] (Flash & Hogan 1985)."""
    tau = np.clip(tau, 0.0, 1.0)
    return 10 * tau**3 - 15 * tau**4 + 6 * tau**5


@dataclass(frozen=True)
class RepSpec:
    """One synthetic rep: out by ``amplitude_deg`` in ``up_s``, hold, back in ``down_s``,
    then rest. ``return_fraction`` < 1 stops the return short (a patient who does not lower
    all the way)."""

    amplitude_deg: float
    up_s: float = 1.5
    hold_s: float = 0.3
    down_s: float = 1.5
    rest_s: float = 1.0
    return_fraction: float = 1.0


def rep_signal(
    reps: list[RepSpec], rest_deg: float = 10.0, fs_hz: float = 30.0, lead_s: float = 1.0
) -> tuple[np.ndarray, np.ndarray, list[tuple[float, float, float]]]:
    """Build (t_s, angle_deg, truth) where truth holds (start, peak-mid, end) times per rep."""
    truth = []
    t = lead_s
    level = rest_deg
    segments = [(0.0, lead_s, lambda _x, lv=level: lv)]
    for r in reps:
        top = rest_deg + r.amplitude_deg
        bottom = top - r.return_fraction * r.amplitude_deg
        lo = level
        segments.append((t, t + r.up_s, lambda x, lo=lo, top=top: lo + (top - lo) * min_jerk(x)))
        segments.append((t + r.up_s, t + r.up_s + r.hold_s, lambda _x, top=top: top))
        t_down = t + r.up_s + r.hold_s
        segments.append(
            (t_down, t_down + r.down_s, lambda x, top=top, b=bottom: top + (b - top) * min_jerk(x))
        )
        end = t_down + r.down_s
        segments.append((end, end + r.rest_s, lambda _x, b=bottom: b))
        truth.append((t, t + r.up_s + r.hold_s / 2, end))
        t = end + r.rest_s
        level = bottom
    n = round(t * fs_hz)
    ts = np.arange(n) / fs_hz
    angle = np.empty(n)
    for t0, t1, f in segments:
        m = (ts >= t0) & (ts < t1)
        span = max(t1 - t0, 1e-9)
        angle[m] = f((ts[m] - t0) / span)
    return ts, angle, truth
