"""KERAAL: the same recording seen by BlazePose and by a Kinect v2, on the canonical skeleton.

Stated tolerances (see benchmarks/RESULTS.md for the full table). The KERAAL
BlazePose export holds only normalised image landmarks (no world landmarks), so its depth
is weak: sagittal angles (CTK: arms raised forward) are compared in 3D, frontal-plane
angles (ELK: one arm up with a side bend) through the documented 2D frontal fallback, and
RTK (trunk rotation with the arms out, leaving the frontal plane) in 3D.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rehab.datasets.agreement import angle_agreement, best_lag
from rehab.datasets.keraal import (
    load_keraal_blazepose,
    load_keraal_blazepose_image,
    load_keraal_kinect,
)
from rehab.errors import DataFileError
from rehab.vision.angles import compute_angles, compute_angles_2d
from rehab.vision.skeleton import N_JOINTS, Joint, blazepose_to_canonical_points
from tests.vision.vision_data import KERAAL, need

pytestmark = pytest.mark.needs_data


def _files(exercise: str) -> tuple[Path, Path]:
    root = need(KERAAL)
    return (
        root / f"G3-Kinect-{exercise}-P1T1-Unknown-C-0.txt",
        root / f"G3-BP-{exercise}-P1T1-Unknown-C-0.json",
    )


# (exercise, path, alignment angle, {angle: (max RMSE deg, min Pearson r)})
TOLERANCES = [
    ("CTK", "3d", "shoulder_flexion_right", {
        "shoulder_flexion_left": (50.0, 0.90),
        "shoulder_flexion_right": (30.0, 0.95),
    }),
    ("ELK", "2d", "shoulder_abduction_left", {
        "shoulder_abduction_left": (20.0, 0.95),
        "shoulder_abduction_right": (40.0, 0.85),
        "trunk_lean_lateral": (10.0, 0.90),
        "elbow_flexion_left": (20.0, 0.85),
    }),
    ("RTK", "3d", "shoulder_abduction_right", {
        "shoulder_abduction_left": (35.0, 0.70),
        "shoulder_abduction_right": (35.0, 0.70),
    }),
]  # fmt: skip


def _angles(exercise: str, path: str):
    kinect_path, bp_path = _files(exercise)
    kinect = compute_angles(load_keraal_kinect(kinect_path))
    if path == "3d":
        return kinect, compute_angles(load_keraal_blazepose(bp_path))
    xy, t_s = load_keraal_blazepose_image(bp_path)
    canon = blazepose_to_canonical_points(xy)
    return kinect, compute_angles_2d(canon, np.ones((len(xy), N_JOINTS)), t_s, "frontal")


@pytest.mark.parametrize(("exercise", "path", "align_on", "limits"), TOLERANCES)
def test_blazepose_agrees_with_kinect(exercise, path, align_on, limits) -> None:
    kinect, bp = _angles(exercise, path)
    # The two streams are recorded together: the best lag is small.
    lag = best_lag(kinect.deg[align_on], bp.deg[align_on], max_lag=30)
    assert abs(lag) <= 5
    for result in angle_agreement(kinect, bp, limits, lag=lag):
        max_rmse, min_r = limits[result.name]
        assert result.n > 150
        assert result.rmse_deg <= max_rmse, result
        assert result.pearson_r >= min_r, result


def test_kinect_file_shape_and_facing() -> None:
    kinect_path, _ = _files("CTK")
    s = load_keraal_kinect(kinect_path)
    assert len(s) == 197 and not s.missing.any()
    p = s.xyz_m
    # Seated about 3 m in front of the sensor, facing it: forward axis toward +z.
    up = p[:, Joint.NECK] - p[:, Joint.PELVIS]
    left = p[:, Joint.L_SHOULDER] - p[:, Joint.R_SHOULDER]
    assert np.mean(np.cross(left, up)[:, 2] > 0) > 0.95
    a = compute_angles(s)
    assert 50 < np.nanmedian(a.deg["knee_flexion_left"]) < 110  # sitting


def test_blazepose_export_is_mirrored_and_the_loader_undoes_it() -> None:
    kinect_path, bp_path = _files("RTK")
    k = load_keraal_kinect(kinect_path).xyz_m
    n = len(k)
    # Depth is untouched by a mirror: compare who is closer, left or right shoulder.
    k_depth = k[:, Joint.L_SHOULDER, 2] - k[:, Joint.R_SHOULDER, 2]
    for mirrored, sign in ((False, -1), (True, 1)):
        b = load_keraal_blazepose(bp_path, mirrored_video=mirrored).xyz_m[:n]
        b_depth = b[:, Joint.L_SHOULDER, 2] - b[:, Joint.R_SHOULDER, 2]
        r = np.corrcoef(k_depth[: len(b)], b_depth)[0, 1]
        assert sign * r > 0.8, (mirrored, r)


def test_malformed_keraal_files_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "G3-Kinect-X.txt"
    bad.write_text("1 2 3\n")
    with pytest.raises(DataFileError, match=r"G3-Kinect-X\.txt: expected rows of 175"):
        load_keraal_kinect(bad)
    js = tmp_path / "G3-BP-X.json"
    js.write_text(json.dumps({"positions": {"1.0": {"Nose": [0, 0, 0]}}}))
    with pytest.raises(DataFileError, match=r"G3-BP-X\.json: malformed frame"):
        load_keraal_blazepose(js)
    js.write_text("{")
    with pytest.raises(DataFileError, match="cannot read JSON"):
        load_keraal_blazepose(js)
