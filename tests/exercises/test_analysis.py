"""The streaming Analyzer: angles in, reps with compensations, scores and cues out."""

from __future__ import annotations

import numpy as np
import pytest

from rehab.datasets.synthetic import PoseAngles, posed_skeleton, skeleton_series
from rehab.errors import ValidationError
from rehab.exercises.analysis import Analyzer, analyze
from rehab.exercises.library import load_library
from rehab.vision.angles import ANGLE_NAMES, AngleSeries, compute_angles
from rehab.vision.pose import PoseFrame
from rehab.vision.skeleton import Joint
from tests.exercises.signals import RepSpec, rep_signal

LIB = load_library()


def _series(t: np.ndarray, deg: dict[str, np.ndarray], conf: dict[str, np.ndarray] | None = None):
    full = {n: deg.get(n, np.zeros_like(t)) for n in ANGLE_NAMES}
    c = {n: (conf or {}).get(n, np.ones_like(t)) for n in ANGLE_NAMES}
    return AngleSeries(t_s=t, deg=full, confidence=c)


def _bump(t: np.ndarray, t0: float, t1: float, amount: float) -> np.ndarray:
    """A plateau of ``amount`` between t0 and t1 with 0.2 s ramps."""
    up = np.clip((t - t0) / 0.2, 0, 1)
    down = np.clip((t1 - t) / 0.2, 0, 1)
    return amount * np.minimum(up, down)


def test_compensations_are_flagged_in_the_reps_where_they_happen() -> None:
    t, arm, truth = rep_signal([RepSpec(140, up_s=2.0, hold_s=0.5, down_s=2.0)] * 3)
    (s1, m1, _), (s2, m2, _) = truth[1][:3], truth[2][:3]
    lean = 3.0 + _bump(t, s1 + 1.0, m1 + 0.5, 20.0)  # leans 20 deg during rep 2
    # Hikes 30 deg during rep 3, past the healthy 24 (abduction lifts the girdle with it).
    hike = -2.0 + _bump(t, s2 + 1.0, m2 + 0.5, 30.0)
    angles = _series(
        t,
        {
            "shoulder_abduction_right": arm,
            "trunk_lean_lateral": lean,
            "shoulder_elevation_right": hike,
            "shoulder_elevation_left": -hike,
        },
    )
    result = analyze(angles, LIB["shoulder_abduction"], side="right", language="en")
    assert result.count == 3
    flags = [r.score.flags for r in result.reps]
    assert flags == [(), ("trunk_lean",), ("shoulder_hike",)]
    scores = [r.score.score for r in result.reps]
    assert scores == [100, 85, 90]
    lean_seen = result.reps[1].compensations[0]
    assert lean_seen.peak_deg == pytest.approx(20, abs=1)
    assert lean_seen.duration_s == pytest.approx(1.6, abs=0.3)
    assert [r.number for r in result.reps] == [1, 2, 3]
    assert all(r.side == "right" for r in result.reps)


def test_the_left_side_reads_the_left_angles() -> None:
    t, arm, _ = rep_signal([RepSpec(120)] * 2)
    angles = _series(t, {"shoulder_abduction_left": arm})
    assert analyze(angles, LIB["shoulder_abduction"], side="left").count == 2
    assert analyze(angles, LIB["shoulder_abduction"], side="right").count == 0


def test_events_carry_count_and_cue_in_the_patients_language() -> None:
    t, arm, _ = rep_signal([RepSpec(140, up_s=2.0, down_s=2.0), RepSpec(70, up_s=2.0, down_s=2.0)])
    ko = Analyzer(LIB["shoulder_abduction"], language="ko")
    events = ko.push_series(_series(t, {"shoulder_abduction_right": arm})) + ko.flush()
    assert [e.count for e in events] == [1, 2]
    assert events[0].cue == "잘하셨어요! 계속하세요."
    assert events[1].cue == "팔을 조금 더 높이 올려 보세요."
    assert events[1].rep.score.flags == ("rom_low",)


def test_bilateral_needs_both_arms_and_flags_uneven_arms() -> None:
    t, arm, _ = rep_signal([RepSpec(150, up_s=0.6, hold_s=0.0, down_s=0.6, rest_s=0.2)] * 5)
    uneven = np.where(t > 6.0, 0.6 * arm, arm)  # the left arm tires for the last reps
    ex = LIB["shoulder_abduction_bilateral"]
    result = analyze(
        _series(t, {"shoulder_abduction_left": uneven, "shoulder_abduction_right": arm}), ex
    )
    assert result.count == 5
    assert [("uneven_arms" in r.score.flags) for r in result.reps] == [False] * 3 + [True] * 2
    assert all(r.side is None for r in result.reps)
    # Without a visible left arm the mean of the arms is unknown: nothing is counted.
    hidden = {"shoulder_abduction_left": np.zeros_like(t)}
    angles = _series(t, {"shoulder_abduction_left": arm, "shoulder_abduction_right": arm}, hidden)
    assert analyze(angles, ex).count == 0


def test_alternating_lunges_report_the_working_side() -> None:
    t, knee, truth = rep_signal([RepSpec(90, up_s=1.2, down_s=1.2)] * 4, rest_deg=5)
    which = np.zeros_like(t, dtype=bool)  # True while the left leg leads
    for i, (start, _, end) in enumerate(truth):
        if i % 2 == 0:
            which |= (t >= start - 0.5) & (t <= end + 0.5)
    left = np.where(which, knee, 5.0)
    right = np.where(which, 5.0, knee)
    result = analyze(
        _series(t, {"knee_flexion_left": left, "knee_flexion_right": right}),
        LIB["forward_lunge"],
    )
    assert result.count == 4
    assert [r.side for r in result.reps] == ["left", "right", "left", "right"]


def test_skeleton_frames_go_through_the_real_angle_code() -> None:
    # Elbow curls built by forward kinematics on the canonical skeleton.
    _, elbow, _ = rep_signal([RepSpec(120, up_s=1.2, down_s=1.2)] * 3, rest_deg=5)
    poses = [PoseAngles(elbow_flexion_left_deg=float(a)) for a in elbow]
    skeleton = skeleton_series(poses, rate_hz=30.0)
    analyzer = Analyzer(LIB["elbow_flexion"], side="left", language="en")
    events = []
    for i in range(len(poses)):  # one frame at a time, as live
        frame = type(skeleton)(
            t_s=skeleton.t_s[i : i + 1],
            xyz_m=skeleton.xyz_m[i : i + 1],
            visibility=skeleton.visibility[i : i + 1],
            source=skeleton.source,
        )
        events += analyzer.push_skeleton(frame)
    events += analyzer.flush()
    assert [e.count for e in events] == [1, 2, 3]
    for e in events:
        assert e.rep.metrics.rom_deg == pytest.approx(120, abs=2)
        assert e.rep.score.flags == ()
    # The same recording offline gives the same reps.
    offline = analyze(compute_angles(skeleton), LIB["elbow_flexion"], side="left")
    assert [r.metrics for r in offline.reps] == [e.rep.metrics for e in events]


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValidationError, match="side"):
        Analyzer(LIB["squat"], side="left")
    with pytest.raises(ValidationError, match="language"):
        Analyzer(LIB["squat"], language="de")


def _blazepose_frame(t_s: float, canonical: np.ndarray) -> PoseFrame:
    """A PoseFrame whose landmarks sit on the canonical joints (MediaPipe's axes)."""
    world = np.zeros((33, 3))
    for joint, landmarks in {
        Joint.L_SHOULDER: (11,), Joint.R_SHOULDER: (12,), Joint.L_ELBOW: (13,),
        Joint.R_ELBOW: (14,), Joint.L_WRIST: (15, 17, 19, 21), Joint.R_WRIST: (16, 18, 20, 22),
        Joint.L_HIP: (23,), Joint.R_HIP: (24,), Joint.L_KNEE: (25,), Joint.R_KNEE: (26,),
        Joint.L_ANKLE: (27, 29), Joint.R_ANKLE: (28, 30), Joint.L_FOOT: (31,),
        Joint.R_FOOT: (32,), Joint.HEAD: tuple(range(11)),
    }.items():  # fmt: skip
        world[list(landmarks)] = canonical[joint]
    # MediaPipe's world frame has y down and z away from the camera.
    world = world * np.array([1.0, -1.0, -1.0])
    return PoseFrame(t_s, np.zeros((33, 2)), world, np.full(33, 0.9), (640, 480))


def test_live_pose_frames_with_a_dropout() -> None:
    """Frames as the live pipeline hands them over, with 'no person' for a moment."""
    _, arm, _ = rep_signal([RepSpec(130, up_s=1.5, down_s=1.5)] * 3)
    analyzer = Analyzer(LIB["shoulder_abduction"], side="right", language="ko")
    events = []
    for i, a in enumerate(arm):
        t = i / 30.0
        if 100 <= i < 108:  # 0.27 s without a person, mid-rep
            events += analyzer.push_pose(PoseFrame.no_person(t, (640, 480)))
            continue
        canonical = posed_skeleton(PoseAngles(shoulder_abduction_right_deg=float(a)))
        events += analyzer.push_pose(_blazepose_frame(t, canonical))
    events += analyzer.flush()
    assert [e.count for e in events] == [1, 2, 3]
    for e in events:
        assert e.rep.metrics.rom_deg == pytest.approx(130, abs=2)
