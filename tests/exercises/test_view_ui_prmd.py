"""Camera-view awareness on UI-PRMD squats seen from the side.

UI-PRMD's Kinect stood in front of the subjects. Turning each skeleton 90 deg about the
vertical (through its mean pelvis) puts the camera at the subject's side; the far side's
joints then get visibility 0.3, as a camera half-sees the limbs behind the body. From
there knee valgus (a frontal-plane movement) cannot be judged: it must be reported as
not assessable, never deducted, while the reps are still counted exactly and the trunk
flexion (sagittal) is still checked.
"""

from __future__ import annotations

import numpy as np
import pytest

from rehab.exercises.analysis import analyze, rep_cue
from rehab.exercises.library import load_library
from rehab.exercises.report import rep_to_dict
from rehab.vision.angles import compute_angles
from rehab.vision.skeleton import Joint, SkeletonSeries
from rehab.vision.view import body_yaw_deg, classify_views

from .test_ui_prmd import UI_PRMD, pytestmark  # noqa: F401  (same data, same skip)
from .ui_prmd_sets import concatenated_set

SQUAT = load_library()["squat"]
_LEFT = [j for j in Joint if j.name.startswith("L_")]
_RIGHT = [j for j in Joint if j.name.startswith("R_")]


def _concatenated(subject: int, correct: bool) -> SkeletonSeries:
    return concatenated_set(1, subject, correct)


def side_view(series: SkeletonSeries, far_visibility: float = 0.3) -> SkeletonSeries:
    """Turn the subject 90 deg about the vertical and half-hide the far side."""
    p = np.asarray(series.xyz_m, dtype=float)
    centre = np.nanmean(p[:, Joint.PELVIS], axis=0)
    q = p - centre
    # 90 deg about y: x -> -z, z -> x (the subject's left side ends up toward the camera).
    rotated = np.stack([q[..., 2], q[..., 1], -q[..., 0]], axis=-1) + centre
    vis = np.array(series.visibility, dtype=float)
    left_z = rotated[:, Joint.L_HIP, 2] + rotated[:, Joint.L_SHOULDER, 2]
    right_z = rotated[:, Joint.R_HIP, 2] + rotated[:, Joint.R_SHOULDER, 2]
    far_is_right = right_z < left_z  # z toward the camera: the far side has the lower z
    for far, joints in ((far_is_right, _RIGHT), (~far_is_right, _LEFT)):
        for j in joints:
            vis[far, j] = np.minimum(vis[far, j], far_visibility)
    return SkeletonSeries(series.t_s, rotated, vis, series.source)


@pytest.mark.parametrize("correct", [True, False])
@pytest.mark.parametrize("subject", range(1, 8))
def test_side_view_squats_count_exactly_without_frontal_deductions(
    subject: int, correct: bool
) -> None:
    series = side_view(_concatenated(subject, correct))
    views = classify_views(body_yaw_deg(series))
    result = analyze(compute_angles(series), SQUAT, language="en", views=views)
    assert result.view == "sagittal"
    assert result.count == 10
    for rep in result.reps:
        assert rep.view == "sagittal"
        assert rep.not_assessable == ("knee_valgus",)
        assert "trunk_flexion" in rep.assessed
        assert all(c.rule_id != "knee_valgus" for c in rep.compensations)
        if rep.score is not None:
            assert "knee_valgus" not in rep.score.flags
            doc = rep_to_dict(rep, "en")
            assert doc["view"] == "sagittal"
            assert doc["assessable"] == {"knee_valgus": False, "trunk_flexion": True}
            if not rep.score.deductions:
                assert "face the camera" in rep_cue(rep).en


def test_the_front_view_assesses_knee_valgus() -> None:
    series = _concatenated(1, True)
    views = classify_views(body_yaw_deg(series))
    result = analyze(compute_angles(series), SQUAT, language="en", views=views)
    assert result.view == "frontal" and result.count == 10
    assert all(r.not_assessable == ("trunk_flexion",) for r in result.reps)
    assert all("knee_valgus" in r.assessed for r in result.reps)
