"""Canonical skeleton: mappings from BlazePose and Kinect, frames and validation."""

from __future__ import annotations

import numpy as np
import pytest

from rehab.datasets.synthetic import PoseAngles, posed_skeleton
from rehab.errors import ValidationError
from rehab.vision.angles import compute_angles
from rehab.vision.skeleton import (
    BLAZEPOSE_LANDMARK_NAMES,
    MIRROR_JOINT,
    N_JOINTS,
    Joint,
    KinectLayout,
    SkeletonSeries,
    blazepose_to_canonical_points,
    from_blazepose,
    from_kinect_v2,
)

# BlazePose / Kinect v2 indices of the canonical limb joints.
BP = {"L_SHOULDER": 11, "R_SHOULDER": 12, "L_ELBOW": 13, "R_ELBOW": 14, "L_WRIST": 15,
      "R_WRIST": 16, "L_HIP": 23, "R_HIP": 24, "L_KNEE": 25, "R_KNEE": 26, "L_ANKLE": 27,
      "R_ANKLE": 28, "L_FOOT": 31, "R_FOOT": 32}  # fmt: skip
KV2 = {"L_SHOULDER": 4, "L_ELBOW": 5, "L_WRIST": 6, "R_SHOULDER": 8, "R_ELBOW": 9,
       "R_WRIST": 10, "L_HIP": 12, "L_KNEE": 13, "L_ANKLE": 14, "L_FOOT": 15, "R_HIP": 16,
       "R_KNEE": 17, "R_ANKLE": 18, "R_FOOT": 19, "NECK": 20, "HEAD": 3, "SPINE": 1}  # fmt: skip


def _blazepose_world_of(canon: np.ndarray) -> np.ndarray:
    """BlazePose world landmarks (y down, z away) placing the limb joints at ``canon``."""
    world = np.zeros((33, 3))
    for name, idx in BP.items():
        world[idx] = canon[Joint[name]] * np.array([1.0, -1.0, -1.0])
    world[[7, 8]] = canon[Joint.HEAD] * np.array([1.0, -1.0, -1.0])
    return world


def test_blazepose_names_and_mirror_table() -> None:
    assert len(BLAZEPOSE_LANDMARK_NAMES) == 33
    assert BLAZEPOSE_LANDMARK_NAMES[11] == "left_shoulder"
    assert MIRROR_JOINT[Joint.L_KNEE] == Joint.R_KNEE
    assert MIRROR_JOINT[Joint.PELVIS] == Joint.PELVIS
    assert sorted(MIRROR_JOINT) == list(Joint)


def test_from_blazepose_converts_to_y_up_and_keeps_angles() -> None:
    canon = posed_skeleton(PoseAngles(shoulder_flexion_left_deg=70.0, knee_flexion_right_deg=50.0))
    world = _blazepose_world_of(canon)[None]
    s = from_blazepose(world, np.ones((1, 33)), np.zeros(1))
    np.testing.assert_allclose(s.joint(Joint.L_WRIST)[0], canon[Joint.L_WRIST])
    np.testing.assert_allclose(
        s.joint(Joint.PELVIS)[0], 0.5 * (canon[Joint.L_HIP] + canon[Joint.R_HIP])
    )
    a = compute_angles(s)
    assert a.deg["shoulder_flexion_left"][0] == pytest.approx(70.0, abs=1e-6)
    assert a.deg["knee_flexion_right"][0] == pytest.approx(50.0, abs=1e-6)


def test_from_kinect_converts_camera_space_without_mirroring() -> None:
    # Kinect camera space: x to the sensor's left, z from the sensor toward the subject;
    # the canonical pose (subject facing +z, i.e. the sensor) turned by 180 deg about y.
    canon = posed_skeleton(PoseAngles(shoulder_abduction_right_deg=90.0, hip_flexion_left_deg=80.0))
    kin = np.zeros((1, 25, 3))
    for name, idx in KV2.items():
        kin[0, idx] = canon[Joint[name]] * np.array([-1.0, 1.0, -1.0]) + np.array([0, 0, 3.0])
    s = from_kinect_v2(kin, np.zeros(1))
    a = compute_angles(s)
    assert a.deg["shoulder_abduction_right"][0] == pytest.approx(90.0, abs=1e-6)
    assert a.deg["hip_flexion_left"][0] == pytest.approx(80.0, abs=1e-6)
    # The subject's left lies toward +x and they face +z, as in every canonical series.
    assert s.joint(Joint.L_SHOULDER)[0, 0] > s.joint(Joint.R_SHOULDER)[0, 0]


def test_missing_frames_and_visibility() -> None:
    world = np.full((2, 33, 3), np.nan)
    world[0] = _blazepose_world_of(posed_skeleton())
    vis = np.ones((2, 33))
    vis[0, 13] = 0.2  # left elbow
    s = from_blazepose(world, vis, np.array([0.0, 0.1]))
    assert s.missing.tolist() == [False, True]
    assert s.visibility[1].max() == 0.0
    assert s.visibility[0, Joint.L_ELBOW] == pytest.approx(0.2)
    # Kinect rows of zeros are untracked joints: visibility 0.
    kin = np.zeros((1, 25, 3))
    kin[0, 4] = [0.1, 0.2, 3.0]
    sk = from_kinect_v2(kin, np.zeros(1))
    assert sk.visibility[0, Joint.L_SHOULDER] == 1.0
    assert sk.visibility[0, Joint.R_SHOULDER] == 0.0


def test_canonical_points_work_for_any_width() -> None:
    pts = np.arange(33 * 2, dtype=float).reshape(33, 2)
    c = blazepose_to_canonical_points(pts)
    np.testing.assert_allclose(c[Joint.L_KNEE], pts[25])
    np.testing.assert_allclose(c[Joint.NECK], pts[[11, 12]].mean(axis=0))
    with pytest.raises(ValidationError):
        blazepose_to_canonical_points(np.zeros((17, 2)))


def test_series_validates_shapes() -> None:
    with pytest.raises(ValidationError, match="xyz_m"):
        SkeletonSeries(np.zeros(2), np.zeros((2, 17, 3)), np.zeros((2, N_JOINTS)), "x")
    with pytest.raises(ValidationError, match="t_s"):
        SkeletonSeries(
            np.array([1.0, 0.0]), np.zeros((2, N_JOINTS, 3)), np.zeros((2, N_JOINTS)), "x"
        )
    with pytest.raises(ValidationError, match="positions_m"):
        from_kinect_v2(np.zeros((1, 22, 3)), np.zeros(1), layout=KinectLayout.KINECT_V2_25)
