"""The world-skeleton check (rehab.vision.world_check) on real Kinect skeletons (UI-PRMD).

UI-PRMD's Kinect v2 skeletons are a reliable 3D estimate: they pass. The same recordings
with the depth made unreliable as a monocular estimator's can be (each frame's depth
rescaled about the pelvis and each joint's depth jittered) fail on depth jitter, and with
the limbs stretched per frame fail on segment length; Kinect-grade noise (5 mm) passes.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

from rehab.vision.skeleton import Joint, SkeletonSeries
from rehab.vision.world_check import (
    MAX_DEPTH_JITTER_M,
    MAX_SEGMENT_CV,
    RIGID_SEGMENTS,
    world_reliability,
)
from tests.exercises.ui_prmd_sets import concatenated_set

UI_PRMD = Path(__file__).resolve().parents[2] / "../shared/data/ui_prmd"

pytestmark = [
    pytest.mark.needs_data,
    pytest.mark.skipif(not (UI_PRMD / "kinect").is_dir(), reason=f"UI-PRMD not found at {UI_PRMD}"),
]

SUBJECTS = range(1, 8)
MOVEMENTS = (1, 7)  # deep squat, standing shoulder abduction


@functools.cache
def _set(movement: int, subject: int) -> SkeletonSeries:
    """The ten correct repetitions of one movement and subject, one after the other."""
    return concatenated_set(movement, subject, True)


def _with_depth(series: SkeletonSeries, rescale: float, jitter_m: float,
                seed: int) -> SkeletonSeries:
    """Each frame's depth about the pelvis scaled by U(1 - rescale, 1 + rescale), each
    joint's depth moved by N(0, jitter_m): depth as a poor monocular estimate gives it."""
    rng = np.random.default_rng(seed)
    p = np.array(series.xyz_m, dtype=float)
    pelvis_z = p[:, [int(Joint.PELVIS)], 2]
    factor = rng.uniform(1.0 - rescale, 1.0 + rescale, size=(len(series), 1))
    p[..., 2] = pelvis_z + (p[..., 2] - pelvis_z) * factor
    p[..., 2] += rng.normal(0.0, jitter_m, size=p[..., 2].shape)
    return SkeletonSeries(series.t_s, p, series.visibility, series.source)


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize("movement", MOVEMENTS)
def test_kinect_skeletons_are_reliable(movement: int, subject: int) -> None:
    check = world_reliability(_set(movement, subject))
    assert check.reliable is True and check.failed == ()
    # Measured 1.5-7 % and 0.03-0.3 cm: well inside the limits.
    assert check.median_cv < 0.08
    assert check.depth_jitter_m < 0.005
    assert set(check.segment_cv) == set(RIGID_SEGMENTS)


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize("movement", MOVEMENTS)
def test_jittered_and_rescaled_depth_is_unreliable(movement: int, subject: int) -> None:
    series = _with_depth(_set(movement, subject), rescale=0.5, jitter_m=0.03, seed=subject)
    check = world_reliability(series)
    assert check.reliable is False
    assert "depth_jitter" in check.failed
    # At least the 3 cm put in (with the pelvis' own jitter, sqrt(2) x 3 cm; the per-frame
    # rescaling adds more where the body has depth, as a squat's thighs do).
    assert check.depth_jitter_m >= 0.03


@pytest.mark.parametrize("subject", SUBJECTS)
def test_kinect_grade_depth_noise_stays_reliable(subject: int) -> None:
    series = _with_depth(_set(1, subject), rescale=0.0, jitter_m=0.005, seed=subject)
    check = world_reliability(series)
    assert check.reliable is True
    assert check.depth_jitter_m < MAX_DEPTH_JITTER_M / 2


@pytest.mark.parametrize("subject", SUBJECTS)
def test_limbs_stretched_per_frame_fail_on_segment_length(subject: int) -> None:
    """Every frame scaled about the pelvis by U(0.6, 1.4): all lengths vary by about
    0.4 / sqrt(3) = 23 %, over the 15 % limit."""
    series = _set(7, subject)
    rng = np.random.default_rng(subject)
    p = np.array(series.xyz_m, dtype=float)
    pelvis = p[:, [int(Joint.PELVIS)], :]
    p = pelvis + (p - pelvis) * rng.uniform(0.6, 1.4, size=(len(series), 1, 1))
    check = world_reliability(SkeletonSeries(series.t_s, p, series.visibility, "ui_prmd"))
    assert check.reliable is False and "segment_length" in check.failed
    assert check.median_cv == pytest.approx(0.4 / np.sqrt(3.0), abs=0.04)
    assert check.median_cv > MAX_SEGMENT_CV


def test_missing_frames_are_skipped() -> None:
    series = _set(1, 1)
    p = np.array(series.xyz_m, dtype=float)
    vis = np.array(series.visibility, dtype=float)
    p[::7] = np.nan
    vis[::7] = 0.0
    with_gaps = world_reliability(SkeletonSeries(series.t_s, p, vis, "ui_prmd"))
    whole = world_reliability(series)
    assert with_gaps.reliable is True
    assert with_gaps.median_cv == pytest.approx(whole.median_cv, rel=0.1)


def test_a_skeleton_seen_too_poorly_cannot_be_judged() -> None:
    series = _set(1, 1)
    vis = np.full_like(series.visibility, 0.3)  # under MIN_VISIBILITY everywhere
    check = world_reliability(SkeletonSeries(series.t_s, series.xyz_m, vis, "ui_prmd"))
    assert check.reliable is None and check.segment_cv == {}
    assert np.isnan(check.median_cv) and np.isnan(check.depth_jitter_m)
