"""One Euro (live) and gap-aware zero-phase Butterworth (offline)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rehab.datasets.synthetic import PoseAngles, skeleton_series
from rehab.errors import ValidationError
from rehab.vision.filters import (
    OneEuroFilter,
    butterworth_zero_phase,
    finite_runs,
    smooth_skeleton,
)

FS = 30.0


def _noisy_sine(n: int = 300, f_hz: float = 0.5, noise: float = 2.0, seed: int = 0):
    t = np.arange(n) / FS
    clean = 40.0 * np.sin(2 * np.pi * f_hz * t)
    return t, clean, clean + np.random.default_rng(seed).normal(0, noise, n)


def _run(f: OneEuroFilter, t: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.array([float(f(ti, np.array(xi))) for ti, xi in zip(t, x, strict=True)])


def test_one_euro_smooths_at_rest_and_follows_fast_movement() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(300) / FS
    # At rest: jitter of 2 deg is cut by more than half.
    still = 30.0 + rng.normal(0, 2.0, t.size)
    out = _run(OneEuroFilter(), t, still)
    assert np.std(out[30:]) < 0.5 * np.std(still[30:])
    # Moving at 90 deg/s: the adaptive cut-off keeps the lag under 60 ms (5.4 deg).
    ramp = 90.0 * t + rng.normal(0, 2.0, t.size)
    out = _run(OneEuroFilter(), t, ramp)
    lag_deg = np.mean(90.0 * t[60:] - out[60:])
    assert 0.0 < lag_deg < 90.0 * 0.060


def test_one_euro_restarts_after_a_gap_and_needs_increasing_time() -> None:
    f = OneEuroFilter()
    f(0.0, np.array([1.0, 1.0]))
    out = f(1 / FS, np.array([np.nan, 2.0]))
    assert np.isnan(out[0])
    # After the gap, the first value passes unchanged: no stale state bridges the gap.
    out = f(2 / FS, np.array([50.0, 2.0]))
    assert out[0] == 50.0
    with pytest.raises(ValidationError):
        f(2 / FS, np.array([1.0, 1.0]))


def test_butterworth_keeps_gaps_and_does_not_smear_across_them() -> None:
    x = np.r_[np.zeros(40), np.full(5, np.nan), np.full(40, 100.0)]
    y = butterworth_zero_phase(x, FS, 6.0)
    assert np.array_equal(np.isnan(y), np.isnan(x))
    # A step across the gap would leak into both sides if the gap were bridged.
    np.testing.assert_allclose(y[:40], 0.0, atol=1e-9)
    np.testing.assert_allclose(y[45:], 100.0, atol=1e-9)


def test_butterworth_is_zero_phase_and_smooths() -> None:
    _, clean, noisy = _noisy_sine(n=300, f_hz=0.4)
    y = butterworth_zero_phase(noisy, FS, 4.0)
    assert np.sqrt(np.mean((y - clean)[20:-20] ** 2)) < 0.5 * np.sqrt(np.mean((noisy - clean) ** 2))
    # Peaks stay where they were (no phase lag).
    assert abs(int(np.argmax(y[:75])) - int(np.argmax(clean[:75]))) <= 1


def test_butterworth_short_segments_are_left_as_they_are() -> None:
    x = np.r_[np.nan, 5.0, 9.0, 1.0, np.nan, np.arange(40.0)]
    y = butterworth_zero_phase(x, FS, 6.0, order=4)  # runs shorter than 12 samples untouched
    np.testing.assert_array_equal(y[1:4], x[1:4])
    assert np.isfinite(y[5:]).all()


def test_butterworth_columns_have_their_own_gaps() -> None:
    x = np.tile(np.linspace(0, 1, 50)[:, None], (1, 2))
    x[10:15, 0] = np.nan
    y = butterworth_zero_phase(x, FS, 6.0)
    assert np.isnan(y[10:15, 0]).all()
    assert np.isfinite(y[:, 1]).all()


def test_butterworth_refuses_bad_settings() -> None:
    with pytest.raises(ValidationError, match="cutoff_hz"):
        butterworth_zero_phase(np.zeros(50), FS, 20.0)
    with pytest.raises(ValidationError, match="fs_hz"):
        butterworth_zero_phase(np.zeros(50), 0.0)


@settings(max_examples=50, deadline=None)
@given(mask=st.lists(st.booleans(), min_size=0, max_size=200))
def test_gaps_are_preserved_for_any_pattern(mask: list[bool]) -> None:
    x = np.where(np.array(mask, dtype=bool), np.nan, 1.0) if mask else np.zeros(0)
    y = butterworth_zero_phase(x, FS, 5.0)
    assert np.array_equal(np.isnan(y), np.isnan(x))
    # A constant stays constant on every run, filtered or not.
    np.testing.assert_allclose(y[~np.isnan(y)], 1.0)
    runs = finite_runs(~np.isnan(x))
    assert sum(b - a for a, b in runs) == int(np.sum(~np.isnan(x)))


def test_smooth_skeleton_keeps_missing_frames() -> None:
    s = skeleton_series([PoseAngles(knee_flexion_left_deg=float(k)) for k in range(60)])
    xyz = s.xyz_m.copy()
    xyz[20:25] = np.nan
    s2 = smooth_skeleton(type(s)(s.t_s, xyz, s.visibility, s.source))
    assert s2.missing[20:25].all()
    assert not s2.missing[:20].any()
