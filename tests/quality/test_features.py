"""One rep's features do not depend on where the subject stood, which way they faced, or
their size; mirror augmentation swaps exactly the left and right channels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rehab.datasets.synthetic import standing_pose
from rehab.errors import ValidationError
from rehab.quality.config import TrainConfig
from rehab.quality.features import N_FRAMES, rep_features
from rehab.quality.train import augment
from rehab.vision.skeleton import MIRROR_JOINT, Joint, SkeletonSeries


def _rep(n: int = 45) -> SkeletonSeries:
    """A standing pose raising the left arm sideways over ``n`` frames at 30 Hz."""
    base = standing_pose()
    xyz = np.repeat(base[None], n, axis=0)
    angle = np.linspace(0, np.pi / 2, n)
    for joint, length in ((Joint.L_ELBOW, 0.3), (Joint.L_WRIST, 0.55)):
        xyz[:, joint] = base[Joint.L_SHOULDER] + length * np.stack(
            [np.sin(angle), -np.cos(angle), np.zeros(n)], axis=1)
    rng = np.random.default_rng(0)
    xyz = xyz + rng.normal(0, 0.005, xyz.shape)
    return SkeletonSeries(np.arange(n) / 30.0, xyz, np.ones((n, 18)), "test")


def _moved(s: SkeletonSeries, heading_deg: float, scale: float, shift: np.ndarray,
           ) -> SkeletonSeries:
    c, si = np.cos(np.radians(heading_deg)), np.sin(np.radians(heading_deg))
    rot = np.array([[c, 0, si], [0, 1, 0], [-si, 0, c]])
    return SkeletonSeries(s.t_s + 7.0, s.xyz_m @ rot.T * scale + shift, s.visibility, s.source)


@settings(max_examples=25, deadline=None)
@given(heading=st.floats(-180, 180), scale=st.floats(0.6, 1.6),
       shift=st.tuples(*[st.floats(-3, 3)] * 3))
def test_features_ignore_place_heading_and_size(heading: float, scale: float,
                                                shift: tuple[float, float, float]) -> None:
    ref = rep_features(_rep())
    got = rep_features(_moved(_rep(), heading, scale, np.array(shift)))
    np.testing.assert_allclose(got.positions, ref.positions, atol=1e-4)
    np.testing.assert_allclose(got.angles, ref.angles, atol=1e-4)
    assert ref.positions.shape == (N_FRAMES, 18, 3)


def test_missing_frames_are_interpolated_and_too_few_refused() -> None:
    rep = _rep()
    xyz = rep.xyz_m.copy()
    xyz[10:14] = np.nan
    holed = SkeletonSeries(rep.t_s, xyz, rep.visibility, "test")
    assert np.isfinite(rep_features(holed).positions).all()
    xyz[7:] = np.nan  # 7 frames left, 8 needed
    with pytest.raises(ValidationError, match="frames with a person"):
        rep_features(SkeletonSeries(rep.t_s, xyz, rep.visibility, "test"))


def test_mirrored_augmentation_swaps_left_and_right() -> None:
    f = rep_features(_rep())
    cfg = TrainConfig(rotate_deg=0, scale=0, warp=0, noise=0, mirror=1.0)
    pos, ang = augment(np.random.default_rng(0), f.positions[None], f.angles[None], cfg)
    # The mirror image: x negated and each joint relabelled as its other side.
    flipped = _rep().xyz_m[:, list(MIRROR_JOINT)] * np.array([-1.0, 1, 1])
    mirrored = rep_features(SkeletonSeries(_rep().t_s, flipped, np.ones((45, 18)), "m"))
    # The mirrored subject's right arm is up: its right channels hold what the left held.
    np.testing.assert_allclose(pos[0][:, Joint.R_WRIST] * [-1, 1, 1],
                               f.positions[:, Joint.L_WRIST], atol=1e-5)
    np.testing.assert_allclose(ang[0], mirrored.angles, atol=1e-4)
