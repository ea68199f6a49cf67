"""Compensation measures on synthetic signals: the leg's frontal-plane gate, the lesser side,
and the resting limb (``{other}``)."""

from __future__ import annotations

import numpy as np
import pytest

from rehab.exercises.compensation import (
    FRONTAL_SEGMENT_MAX_ELEVATION_DEG,
    evaluate_compensations,
    gate_angle_names,
)
from rehab.exercises.library import (
    CompensationMeasure,
    CompensationRule,
    LocalizedText,
    load_library,
)

T = np.arange(0.0, 2.0, 1 / 30)
ONE = np.ones_like(T)
CUE = LocalizedText("무릎", "knee")


def _rule(angle: str, measure: CompensationMeasure, limit: float) -> CompensationRule:
    return CompensationRule("rule", angle, measure, limit, 10.0, CUE)


def _seen(rule: CompensationRule, sides: tuple[str, ...], deg: dict[str, np.ndarray]):
    return evaluate_compensations((rule,), sides, T, deg, {n: ONE for n in deg}, 0.5)


def _valgus_in_second_half() -> np.ndarray:
    # A valgus reading that jumps to 120 deg in the second half of the rep.
    return np.where(T >= 1.0, 120.0, 0.0)


@pytest.mark.parametrize(
    ("hip_deg", "knee_deg", "broken"),
    [
        (20.0, 30.0, True),  # thigh and shank near the frontal plane: read
        (90.0, 90.0, False),  # seated: thigh points forward, the valgus is not defined
        (10.0, 80.0, False),  # shank points back (kneeling lunge): not defined
        (np.nan, np.nan, True),  # sagittal angles unknown (frontal 2D view): read as it is
    ],
)
def test_knee_valgus_is_read_only_where_the_leg_lies_in_the_frontal_plane(
    hip_deg: float, knee_deg: float, broken: bool
) -> None:
    rule = _rule("knee_valgus_{side}", CompensationMeasure.VALUE, 10.0)
    deg = {
        "knee_valgus_left": _valgus_in_second_half(),
        "hip_flexion_left": np.full_like(T, hip_deg),
        "knee_flexion_left": np.full_like(T, knee_deg),
    }
    seen = _seen(rule, ("left",), deg)
    assert bool(seen) is broken
    if broken:
        assert seen[0].peak_deg == pytest.approx(120.0)


def test_without_the_sagittal_angles_the_valgus_is_read_as_before() -> None:
    rule = _rule("knee_valgus_{side}", CompensationMeasure.VALUE, 10.0)
    (seen,) = _seen(rule, ("left",), {"knee_valgus_left": _valgus_in_second_half()})
    assert seen.peak_deg == pytest.approx(120.0)


def test_gate_limit_and_the_angles_it_needs() -> None:
    assert FRONTAL_SEGMENT_MAX_ELEVATION_DEG == 60.0
    assert gate_angle_names(("knee_valgus_right",)) == ("hip_flexion_right", "knee_flexion_right")
    assert gate_angle_names(("hip_abduction_left",)) == ("hip_flexion_left",)
    assert gate_angle_names(("trunk_lean_sagittal", "shank_tilt_left")) == ()


def test_lesser_side_is_the_smaller_of_the_two_frame_by_frame() -> None:
    rule = _rule("hip_flexion_{side}", CompensationMeasure.LESSER, 30.0)
    assert rule.angle_names(("left", "right")) == ("hip_flexion_left", "hip_flexion_right")
    # Front hip flexed 80 throughout; the back hip bends to 45 in the second half.
    front = np.full_like(T, 80.0)
    back = np.where(T >= 1.0, 45.0, 0.0)
    (seen,) = _seen(rule, ("left", "right"), {"hip_flexion_left": front,
                                              "hip_flexion_right": back})
    assert seen.peak_deg == pytest.approx(45.0)
    assert seen.duration_s == pytest.approx(1.0, abs=0.05)
    # A straight back hip: the front hip alone, however flexed, breaks nothing.
    assert not _seen(rule, ("left", "right"), {"hip_flexion_left": front,
                                               "hip_flexion_right": np.zeros_like(T)})


def test_resting_arm_rule_reads_the_other_side_only() -> None:
    rule = {c.id: c for c in load_library()["shoulder_abduction"].compensations}["other_arm"]
    moving = np.where(T >= 1.0, 30.0, 5.0)
    still = np.full_like(T, 5.0)
    # The right arm works: the left moving breaks the rule, the right moving does not.
    assert _seen(rule, ("right",), {"shoulder_abduction_left": moving})
    assert not _seen(rule, ("right",), {"shoulder_abduction_left": still})
    (seen,) = _seen(rule, ("left",), {"shoulder_abduction_right": moving})
    assert seen.angle == "shoulder_abduction_right" and seen.peak_deg == pytest.approx(25.0)


@pytest.mark.parametrize(("twist_deg", "broken"), [(-45.0, True), (45.0, True), (25.0, False)])
def test_inline_lunge_twist_rule_reads_the_turn_from_the_rep_start(
    twist_deg: float, broken: bool
) -> None:
    # The shoulders start 10 deg turned over the pelvis (a split stance) and turn by
    # twist_deg in the second half: the rule reads the change, either way, against its
    # default limit (36 deg, healthy UI-PRMD lunges' 95th percentile + 2).
    ex = load_library()["inline_lunge"]
    (rule,) = (r for r in ex.compensations if r.id == "trunk_twist")
    deg = {"trunk_rotation": 10.0 + np.where(T >= 1.0, twist_deg, 0.0)}
    seen = _seen(rule, ("left", "right"), deg)
    assert bool(seen) is broken
    if broken:
        assert seen[0].peak_deg == pytest.approx(abs(twist_deg))
        assert seen[0].duration_s == pytest.approx(1.0, abs=0.05)
