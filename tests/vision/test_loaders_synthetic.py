"""The KERAAL and UI-PRMD loaders on files the test writes (no shared data needed)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from rehab.datasets.keraal import (
    load_keraal_blazepose,
    load_keraal_blazepose_image,
    load_keraal_kinect,
)
from rehab.datasets.synthetic import PoseAngles, posed_skeleton
from rehab.datasets.ui_prmd import UiPrmdEpisode, load_episode
from rehab.vision.angles import ANGLE_NAMES, compute_angles
from rehab.vision.skeleton import BLAZEPOSE_LANDMARK_NAMES, Joint

POSES = [
    PoseAngles(),
    PoseAngles(shoulder_abduction_left_deg=100.0, elbow_flexion_left_deg=30.0),
    PoseAngles(shoulder_flexion_right_deg=120.0, knee_flexion_left_deg=40.0),
    PoseAngles(trunk_lean_lateral_deg=-10.0, hip_abduction_right_deg=20.0),
]
CANON = np.stack([posed_skeleton(p) for p in POSES])
KINECT_OF = {Joint.L_SHOULDER: 4, Joint.L_ELBOW: 5, Joint.L_WRIST: 6, Joint.R_SHOULDER: 8,
             Joint.R_ELBOW: 9, Joint.R_WRIST: 10, Joint.L_HIP: 12, Joint.L_KNEE: 13,
             Joint.L_ANKLE: 14, Joint.L_FOOT: 15, Joint.R_HIP: 16, Joint.R_KNEE: 17,
             Joint.R_ANKLE: 18, Joint.R_FOOT: 19, Joint.NECK: 20, Joint.HEAD: 3,
             Joint.SPINE: 1, Joint.PELVIS: 0}  # fmt: skip
BP_OF = {Joint.L_SHOULDER: 11, Joint.R_SHOULDER: 12, Joint.L_ELBOW: 13, Joint.R_ELBOW: 14,
         Joint.L_WRIST: 15, Joint.R_WRIST: 16, Joint.L_HIP: 23, Joint.R_HIP: 24,
         Joint.L_KNEE: 25, Joint.R_KNEE: 26, Joint.L_ANKLE: 27, Joint.R_ANKLE: 28,
         Joint.L_FOOT: 31, Joint.R_FOOT: 32, Joint.HEAD: 0}  # fmt: skip


def _same_angles(a, b, tol: float = 1e-6) -> None:
    for name in ANGLE_NAMES:
        np.testing.assert_allclose(a.deg[name], b.deg[name], atol=tol, err_msg=name)


def test_keraal_kinect_text_round_trip(tmp_path: Path) -> None:
    rows = []
    for canon in CANON:
        joints = np.zeros((25, 7))
        joints[:, :3] = [0.1, 0.2, 3.0]  # untracked-looking but nonzero filler
        for j, k in KINECT_OF.items():
            joints[k, :3] = canon[j] * np.array([-1.0, 1.0, -1.0]) + np.array([0.0, 0.0, 3.0])
            joints[k, 3] = 1.0  # an identity quaternion, ignored
        rows.append(" ".join(f"{v:.9f}" for v in joints.ravel()) + " ")
    path = tmp_path / "G3-Kinect-T.txt"
    path.write_text("\r\n".join(rows) + "\r\n")
    s = load_keraal_kinect(path)
    assert len(s) == 4 and s.t_s[1] == pytest.approx(1 / 30)
    expected = compute_angles(type(s)(s.t_s, CANON, np.ones_like(s.visibility), "x"))
    _same_angles(compute_angles(s), expected, tol=1e-5)


def _mirrored_blazepose_json(path: Path, px_per_m: float = 400.0) -> None:
    """KERAAL-style JSON of the poses seen by an orthographic camera, video mirrored."""
    frames = {}
    for i, canon in enumerate(CANON, start=1):
        lm = np.zeros((33, 3))
        lm[:, :] = [960.0, 300.0, 0.0]
        for j, b in BP_OF.items():
            x_px, y_px = 960.0 + px_per_m * canon[j, 0], 900.0 - px_per_m * canon[j, 1]
            lm[b] = [x_px / 1920.0, y_px / 1080.0, -px_per_m * canon[j, 2] / 1920.0]
        lm[:, 0] = 1.0 - lm[:, 0]  # the mirror...
        names = [n.replace("left", "#").replace("right", "left").replace("#", "right")
                 for n in BLAZEPOSE_LANDMARK_NAMES]  # ...which also swaps the labels  # fmt: skip
        frames[f"{i}.0"] = {n.capitalize(): list(v) for n, v in zip(names, lm, strict=True)}
    path.write_text(json.dumps({"positions": frames}))


def test_keraal_blazepose_json_round_trip_undoes_the_mirror(tmp_path: Path) -> None:
    path = tmp_path / "G3-BP-T.json"
    _mirrored_blazepose_json(path)
    s = load_keraal_blazepose(path)
    truth = compute_angles(type(s)(s.t_s, CANON, np.ones_like(s.visibility), "x"))
    _same_angles(compute_angles(s), truth, tol=1e-6)
    # Without undoing the mirror, left and right angles come out swapped.
    raw = compute_angles(load_keraal_blazepose(path, mirrored_video=False))
    np.testing.assert_allclose(
        raw.deg["shoulder_abduction_right"], truth.deg["shoulder_abduction_left"], atol=1e-6
    )
    xy, t_s = load_keraal_blazepose_image(path)
    assert xy.shape == (4, 33, 2) and t_s[-1] == pytest.approx(3 / 30)
    # Un-mirrored image: the subject's left shoulder is on the image's right.
    assert (xy[:, 11, 0] > xy[:, 12, 0]).all()


def test_ui_prmd_files_round_trip(tmp_path: Path) -> None:
    # A standing skeleton written the UI-PRMD way: root absolute, others as offsets in
    # the parent's frame (all rotations zero), in centimetres.
    canon = CANON[0] * 100.0
    source = {0: Joint.PELVIS, 3: Joint.NECK, 4: Joint.HEAD, 7: Joint.L_SHOULDER,
              8: Joint.L_ELBOW, 9: Joint.L_WRIST, 11: Joint.R_SHOULDER, 12: Joint.R_ELBOW,
              13: Joint.R_WRIST, 14: Joint.L_HIP, 15: Joint.L_KNEE, 16: Joint.L_ANKLE,
              17: Joint.L_FOOT, 18: Joint.R_HIP, 19: Joint.R_KNEE, 20: Joint.R_ANKLE,
              21: Joint.R_FOOT}  # fmt: skip
    absolute = np.zeros((22, 3))
    for k, j in source.items():
        absolute[k] = canon[j]
    absolute[[1, 2]] = canon[Joint.NECK]  # spine and chest at the neck base
    absolute[[6, 10]] = absolute[[7, 11]]  # collars at the shoulders
    absolute[5] = absolute[4]
    parent = (-1, 0, 1, 2, 3, 4, 2, 6, 7, 8, 2, 10, 11, 12, 0, 14, 15, 16, 0, 18, 19, 20)
    offsets = absolute.copy()
    for k in range(1, 22):
        offsets[k] = absolute[k] - absolute[parent[k]]
    pos_path, ang_path = tmp_path / "m07_s01_e01_positions.txt.gz", tmp_path / "a.txt.gz"
    with gzip.open(pos_path, "wt") as fh:
        fh.write((",".join(f"{v:.6f}" for v in offsets.ravel()) + "\n") * 3)
    with gzip.open(ang_path, "wt") as fh:
        fh.write((",".join(["0.000000"] * 66) + ",\n") * 3)  # trailing comma as in the data
    s = load_episode(UiPrmdEpisode(7, 1, 1, True, pos_path, ang_path))
    assert len(s) == 3
    np.testing.assert_allclose(s.xyz_m[0, Joint.L_WRIST], CANON[0, Joint.L_WRIST], atol=1e-6)
    a = compute_angles(s)
    assert abs(a.deg["elbow_flexion_left"][0]) < 1e-3
