"""The seated shoulder exercises on UI-PRMD subjects seated and framed at the waist.

A stroke unit exercises patients sitting, on a chair or in a wheelchair, and its camera
often frames them at the waist (a table, the wheelchair's sides). UI-PRMD's subjects
stand; their real arm movements are kept and the rest is changed two ways:

* **cut at the waist**: pelvis, hips, knees, ankles and feet unseen (visibility 0, world
  position NaN), as :func:`rehab.vision.pose.in_picture_visibility` reports landmarks
  below the picture's edge;
* **seated**: the hips stay, the thighs are turned forward horizontal and the shanks hang
  straight down (hip and knee flexion 90 deg), as on a chair.

m07 (shoulder abduction) is counted with ``seated_shoulder_abduction``; m10 (scaption,
30 deg forward of the side) with ``seated_shoulder_flexion``: an arm raised in a plane
forward of the frontal plane reads 90 deg of flexion when it reaches the horizontal, so
the scaption's forward elevation reads as flexion (m10 rises to about shoulder height;
see the ROM bounds below). Every set of s01-s07 must count exactly ten reps.
"""

from __future__ import annotations

import numpy as np
import pytest

from rehab.datasets.synthetic import PoseAngles, skeleton_series
from rehab.exercises.analysis import analyze
from rehab.exercises.library import load_library
from rehab.exercises.report import rep_to_dict
from rehab.vision.angles import compute_angles
from rehab.vision.skeleton import Joint, SkeletonSeries
from tests.exercises.signals import RepSpec, rep_signal

from .test_ui_prmd import _side
from .ui_prmd_sets import concatenated_set, needs_ui_prmd

LIB = load_library()
_BELOW_WAIST = [Joint.PELVIS, Joint.L_HIP, Joint.R_HIP, Joint.L_KNEE, Joint.R_KNEE,
                Joint.L_ANKLE, Joint.R_ANKLE, Joint.L_FOOT, Joint.R_FOOT]


def cut_at_waist(series: SkeletonSeries) -> SkeletonSeries:
    """Everything from the pelvis down out of the picture."""
    p = np.array(series.xyz_m, dtype=float)
    vis = np.array(series.visibility, dtype=float)
    p[:, _BELOW_WAIST] = np.nan
    vis[:, _BELOW_WAIST] = 0.0
    return SkeletonSeries(series.t_s, p, vis, series.source)


def seated(series: SkeletonSeries, thigh_m: float = 0.45, shank_m: float = 0.45) -> SkeletonSeries:
    """Thighs forward horizontal from the real hips, shanks straight down, feet forward."""
    p = np.array(series.xyz_m, dtype=float)
    up = np.array([0.0, 1.0, 0.0])
    lateral = (p[:, Joint.L_SHOULDER] - p[:, Joint.R_SHOULDER]) + (
        p[:, Joint.L_HIP] - p[:, Joint.R_HIP]
    )
    lateral[:, 1] = 0.0
    left = lateral / np.linalg.norm(lateral, axis=1, keepdims=True)
    forward = np.cross(left, up)  # the angle code's forward: left x up
    for hip, knee, ankle, foot in ((Joint.L_HIP, Joint.L_KNEE, Joint.L_ANKLE, Joint.L_FOOT),
                                   (Joint.R_HIP, Joint.R_KNEE, Joint.R_ANKLE, Joint.R_FOOT)):
        p[:, knee] = p[:, hip] + thigh_m * forward
        p[:, ankle] = p[:, knee] - shank_m * up
        p[:, foot] = p[:, ankle] + 0.15 * forward
    return SkeletonSeries(series.t_s, p, series.visibility, series.source)


# ROM bounds: abduction as standing (tests/exercises/test_ui_prmd.py). Scaption read as
# flexion: an arm raised by e in a plane 30 deg forward of the side reads
# atan2(sin(e) sin(30 deg), cos(e)) of flexion: 41 deg at e = 60, 90 at 90, 126 at 110.
_SETS = [
    (7, "seated_shoulder_abduction", 100.0, 180.0),
    (10, "seated_shoulder_flexion", 60.0, 150.0),
]


@needs_ui_prmd
@pytest.mark.parametrize("subject", range(1, 8))
@pytest.mark.parametrize(("movement", "exercise_id", "rom_low_deg", "rom_high_deg"), _SETS)
@pytest.mark.parametrize("framing", ["cut_at_waist", "seated"])
def test_seated_shoulder_sets_count_ten_reps(
    framing: str, movement: int, exercise_id: str, rom_low_deg: float, rom_high_deg: float,
    subject: int,
) -> None:
    series = concatenated_set(movement, subject, correct=True)
    series = cut_at_waist(series) if framing == "cut_at_waist" else seated(series)
    angles = compute_angles(series)
    side = _side(movement, subject)
    if framing == "seated":
        # The construction is a chair: knees at 90 deg; hips at 90 deg from the vertical,
        # which the hip angle reads against the trunk (the subjects' trunks lean up to
        # about 8 deg from the Kinect's vertical).
        knee = float(np.nanmedian(angles.deg[f"knee_flexion_{side}"]))
        hip = float(np.nanmedian(angles.deg[f"hip_flexion_{side}"]))
        assert knee == pytest.approx(90.0, abs=1.0)
        assert hip == pytest.approx(90.0, abs=10.0)
    else:
        # Nothing that needs a hip is measured; the arm angles are.
        for name in ("trunk_lean_lateral", "trunk_lean_sagittal", f"hip_flexion_{side}",
                     f"knee_flexion_{side}"):
            assert np.all(np.isnan(angles.deg[name])), name
        # The shoulder line's tilt needs no hip: read against the vertical.
        assert np.isfinite(angles.deg[f"shoulder_elevation_{side}"]).all()
    result = analyze(angles, LIB[exercise_id], side=side, language="en")
    assert result.count == 10, [r.metrics.partial_reason for r in result.reps]
    assert all(r.counted for r in result.reps)
    for rep in result.reps:
        assert rom_low_deg <= rep.metrics.rom_deg <= rom_high_deg
        assert 0 <= rep.score.score <= 100
    if framing == "cut_at_waist":
        # The trunk lean needs the hips: not measured, costs nothing, and each rep says it
        # was not assessable (never "checked and clean") without asking for another camera
        # position, since the view is not what hides it. The shoulder hike is checked.
        for rep in result.reps:
            assert {c.rule_id for c in rep.compensations} <= {"shoulder_hike"}
            assert rep.not_assessable == ("trunk_lean",) and rep.assessed == ("shoulder_hike",)
            assert rep.wanted_view is None
            assert rep_to_dict(rep, "en")["assessable"] == {"trunk_lean": False,
                                                            "shoulder_hike": True}
    else:
        for rep in result.reps:
            assert rep.not_assessable == ()


def test_seated_elbow_flexion_cut_at_the_waist_counts_every_curl() -> None:
    """No UI-PRMD movement curls the elbow, so this one is synthetic: a seated patient
    (hips and knees at 90 deg) framed at the waist curls the left elbow three times; the
    elbow angle needs only shoulder, elbow and wrist, so nothing is lost."""
    _, elbow, _ = rep_signal([RepSpec(110, up_s=1.5, down_s=1.5)] * 3, rest_deg=10)
    poses = [PoseAngles(elbow_flexion_left_deg=float(a), hip_flexion_left_deg=90.0,
                        hip_flexion_right_deg=90.0, knee_flexion_left_deg=90.0,
                        knee_flexion_right_deg=90.0) for a in elbow]
    series = cut_at_waist(skeleton_series(poses, rate_hz=30.0))
    result = analyze(compute_angles(series), LIB["elbow_flexion"], side="left", language="en")
    assert result.count == 3
    for rep in result.reps:
        assert rep.metrics.rom_deg == pytest.approx(110, abs=2)
