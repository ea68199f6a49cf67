"""UI-PRMD: rebuilding absolute positions, units, left/right, arms attached at the shoulders."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from rehab.errors import DataFileError, NotFoundError
from rehab.vision.angles import compute_angles
from rehab.vision.skeleton import Joint
from rehab.vision.ui_prmd import (
    UiPrmdEpisode,
    euler_zyx_to_matrix,
    find_episodes,
    load_episode,
    rebuild_absolute,
)
from tests.vision.vision_data import UI_PRMD, need


def test_euler_convention_is_rz_ry_rx() -> None:
    rng = np.random.default_rng(3)
    angles = rng.uniform(-180, 180, (20, 3))
    ours = euler_zyx_to_matrix(angles)
    # Intrinsic Z-Y-X with (a3, a2, a1) is the product Rz(a3) @ Ry(a2) @ Rx(a1).
    ref = Rotation.from_euler("ZYX", angles[:, ::-1], degrees=True).as_matrix()
    np.testing.assert_allclose(ours, ref, atol=1e-12)


def test_rebuild_walks_down_the_tree() -> None:
    offsets = np.zeros((1, 22, 3))
    offsets[0, 0] = [1.0, 2.0, 3.0]
    offsets[0, 1] = [0.0, 10.0, 0.0]  # spine above the waist
    offsets[0, 14] = [5.0, 0.0, 0.0]  # left hip beside the waist
    offsets[0, 15] = [0.0, -40.0, 0.0]  # knee below the hip
    angles = np.zeros((1, 22, 3))
    angles[0, 0] = [0.0, 0.0, 90.0]  # waist turned 90 deg about z
    angles[0, 14] = [90.0, 0.0, 0.0]  # hip turned 90 deg about x
    pos = rebuild_absolute(offsets, angles)
    np.testing.assert_allclose(pos[0, 1], [1 - 10, 2, 3], atol=1e-9)
    np.testing.assert_allclose(pos[0, 14], [1, 2 + 5, 3], atol=1e-9)
    # Knee: waist rotation then hip rotation applied to (0, -40, 0).
    expected = pos[0, 14] + euler_zyx_to_matrix(angles[0, 0]) @ euler_zyx_to_matrix(
        angles[0, 14]
    ) @ np.array([0.0, -40.0, 0.0])
    np.testing.assert_allclose(pos[0, 15], expected, atol=1e-9)


def test_malformed_files_are_refused(tmp_path: Path) -> None:
    pos = tmp_path / "m01_s01_e01_positions.txt.gz"
    ang = tmp_path / "m01_s01_e01_angles.txt.gz"
    with gzip.open(pos, "wt") as fh:
        fh.write("1,2,3\n")
    with gzip.open(ang, "wt") as fh:
        fh.write(",".join(["0"] * 66) + "\n")
    ep = UiPrmdEpisode(1, 1, 1, True, pos, ang)
    with pytest.raises(DataFileError, match=r"positions\.txt\.gz: expected rows of 66"):
        load_episode(ep)
    with pytest.raises(DataFileError, match="cannot read"):
        load_episode(UiPrmdEpisode(1, 1, 1, True, tmp_path / "none.gz", ang))
    with pytest.raises(NotFoundError):
        find_episodes(tmp_path, 1)


def _sample_episodes() -> list[UiPrmdEpisode]:
    root = need(UI_PRMD)
    return [
        ep
        for movement in range(1, 11)
        for subject in (1, 4, 7)
        for ep in find_episodes(root, movement, subject=subject)[:1]
    ]


@pytest.mark.needs_data
def test_real_recordings_are_metric_and_facing_the_sensor() -> None:
    episodes = _sample_episodes()
    assert len(episodes) == 30
    for ep in episodes:
        s = load_episode(ep)
        p = s.xyz_m
        # Metres: head centre 1.2 to 2.0 m above the lowest toe when standing tallest;
        # shoulders 0.25-0.5 m apart.
        head_height = np.max(p[:, Joint.HEAD, 1] - p[:, [Joint.L_FOOT, Joint.R_FOOT], 1].min(1))
        assert 1.2 < head_height < 2.0, ep
        width = np.linalg.norm(p[:, Joint.L_SHOULDER] - p[:, Joint.R_SHOULDER], axis=1)
        assert 0.25 < np.median(width) < 0.5, ep
        # Left/right: with the labelled sides, the body's forward axis (left x up) points
        # where the toes point, and toward the sensor (+z): the labels are the subject's.
        up = p[:, Joint.NECK] - p[:, Joint.PELVIS]
        left = (p[:, Joint.L_SHOULDER] - p[:, Joint.R_SHOULDER]) + (
            p[:, Joint.L_HIP] - p[:, Joint.R_HIP]
        )
        forward = np.cross(left, up)
        toes = p[:, Joint.L_FOOT] - p[:, Joint.L_ANKLE] + p[:, Joint.R_FOOT] - p[:, Joint.R_ANKLE]
        assert np.mean(np.sum(forward * toes, axis=1) > 0) > 0.8, ep
        assert np.mean(forward[:, 2] > 0) > 0.8, ep


@pytest.mark.needs_data
def test_arms_attach_at_the_shoulders() -> None:
    for ep in _sample_episodes():
        p = load_episode(ep).xyz_m
        neck = p[:, Joint.NECK]
        mid_shoulder = 0.5 * (p[:, Joint.L_SHOULDER] + p[:, Joint.R_SHOULDER])
        # Both shoulders hang from the top of the spine, 10-32 cm to either side (5th and
        # 95th percentiles: the Kinect loses a limb for a few frames now and then; m03 s07
        # has a 27 cm left collar offset in the file itself)...
        for side in (Joint.L_SHOULDER, Joint.R_SHOULDER):
            d = np.linalg.norm(p[:, side] - neck, axis=1)
            assert np.percentile(d, 5) > 0.10 and np.percentile(d, 95) < 0.32, (ep, side)
        assert np.percentile(np.linalg.norm(mid_shoulder - neck, axis=1), 95) < 0.14, ep
        # ...and the shoulder line stays across the spine even when the trunk bends (the
        # shoulder joint itself rises by up to ~25 deg with the arm overhead).
        spine = neck - p[:, Joint.PELVIS]
        line = p[:, Joint.L_SHOULDER] - p[:, Joint.R_SHOULDER]
        cos = np.abs(np.sum(spine * line, axis=1)) / (
            np.linalg.norm(spine, axis=1) * np.linalg.norm(line, axis=1)
        )
        assert np.percentile(np.degrees(np.arccos(cos)), 5) > 60.0, ep


@pytest.mark.needs_data
def test_standing_shoulder_abduction_moves_one_arm_through_a_large_range() -> None:
    # m07 standing shoulder abduction: in this release it is done with the right arm.
    for ep in find_episodes(need(UI_PRMD), 7, subject=2)[:3]:
        a = compute_angles(load_episode(ep))
        right = a.deg["shoulder_abduction_right"]
        left = a.deg["shoulder_abduction_left"]
        assert np.nanmax(right) - np.nanmin(right) > 90.0
        assert np.nanmax(left) - np.nanmin(left) < 25.0
        assert abs(np.nanmin(right)) < 25.0  # starts from the arm at the side
