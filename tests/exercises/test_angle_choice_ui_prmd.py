"""The analyze command's choice of angle source on real-derived skeletons (UI-PRMD).

A posed "video" is built from UI-PRMD: the Kinect skeleton turned about the vertical is
the world skeleton, its orthographic projection (500 px per metre) the image landmarks.
Jittering the world depth by 3 cm per joint and frame makes the world skeleton
unreliable as a poor monocular estimate would be; the image stays as it was.
"""

from __future__ import annotations

import numpy as np
import pytest

from rehab.cli.analyze import PosedVideo, choose_angle_source, primary_not_in_2d, score_posed
from rehab.exercises.library import SideMode, load_library
from rehab.messages import Message
from rehab.vision.skeleton import SkeletonSeries

from .test_ui_prmd import UI_PRMD, pytestmark  # noqa: F401  (same data, same skip)
from .test_view_oblique_ui_prmd import _concatenated, turned

LIB = load_library()


def _posed(movement: int, subject: int, yaw_deg: float, depth_jitter_m: float) -> PosedVideo:
    series = turned(_concatenated(movement, subject, True), yaw_deg)
    p = np.asarray(series.xyz_m, dtype=float)
    image = np.stack([640.0 + 500.0 * p[..., 0], 360.0 - 500.0 * p[..., 1]], axis=-1)
    world = p.copy()
    world[..., 2] += np.random.default_rng(subject).normal(0.0, depth_jitter_m, p[..., 2].shape)
    skeleton = SkeletonSeries(series.t_s, world, series.visibility, "ui_prmd")
    return PosedVideo(skeleton, len(series), len(series), 30.0, image)


@pytest.mark.parametrize("subject", range(1, 8))
def test_unreliable_world_side_view_squats_fall_back_to_2d(subject: int) -> None:
    scored = score_posed(_posed(1, subject, 90.0, 0.03), LIB["squat"], None, "en")
    assert scored.choice.source == "2d"
    assert scored.choice.note.id == "analyze.angles.world_unreliable"
    assert scored.choice.world.failed == ("depth_jitter",)
    assert scored.warning is None
    assert scored.result.count == 10
    assert all(r.not_assessable == ("knee_valgus",) for r in scored.result.reps)


@pytest.mark.parametrize("subject", range(1, 8))
def test_reliable_world_keeps_3d(subject: int) -> None:
    scored = score_posed(_posed(1, subject, 90.0, 0.0), LIB["squat"], None, "en")
    assert scored.choice.source == "3d"
    assert scored.choice.note.id == "analyze.angles.world_reliable"
    assert scored.result.count == 10


@pytest.mark.parametrize("subject", range(1, 8))
def test_2d_cannot_count_side_on_shoulder_abduction_so_the_default_keeps_3d(
    subject: int,
) -> None:
    """Shoulder abduction seen side-on: its plane is edge-on to the camera, so 2D has no
    abduction angle. The default keeps the (jittered) 3D angles and says why; --2d obeys,
    counts nothing and warns."""
    side = "left" if subject == 7 else "right"
    posed = _posed(7, subject, 90.0, 0.03)
    exercise = LIB["shoulder_abduction"]
    auto = score_posed(posed, exercise, side, "en")
    assert auto.choice.source == "3d" and auto.warning is None
    assert auto.choice.note.id == "analyze.angles.world_unreliable_kept"
    assert auto.choice.note.text("en").endswith(
        "shoulder abduction cannot be measured in 2D from this camera view (side-on), so no "
        "rep can be counted from the image")
    forced = score_posed(posed, exercise, side, "en", "2d")
    assert forced.choice.source == "2d" and forced.result.count == 0
    assert forced.warning is not None
    assert forced.warning.id == "analyze.angles.primary_not_in_view"


@pytest.mark.parametrize(
    ("exercise_id", "measurable_from"),
    [
        ("squat", {"frontal", "oblique", "sagittal"}),  # knee flexion: a joint's own angle
        ("elbow_flexion", {"frontal", "oblique", "sagittal"}),
        ("shoulder_abduction", {"frontal"}),
        ("standing_hip_abduction", {"frontal"}),
        ("shoulder_flexion", {"sagittal"}),
        ("seated_knee_extension", {"frontal", "oblique", "sagittal"}),
    ],
)
def test_which_views_2d_can_count_from(exercise_id: str, measurable_from: set[str]) -> None:
    exercise = LIB[exercise_id]
    side = exercise.default_side if exercise.side_mode is SideMode.ONE else None
    for view in ("frontal", "oblique", "sagittal", None):
        why = primary_not_in_2d(exercise, side, view)
        assert (why is None) == (view in measurable_from), (exercise_id, view)
        if why is not None:
            assert isinstance(why, Message) and why.text("ko") and why.text("en")


def test_asked_sources_are_kept_and_unknown_ones_refused() -> None:
    posed = _posed(1, 1, 0.0, 0.03)
    assert choose_angle_source(posed.skeleton, "3d").source == "3d"
    assert choose_angle_source(posed.skeleton, "2d").source == "2d"
    assert choose_angle_source(posed.skeleton, "auto").source == "2d"
    from rehab.errors import RehabError

    with pytest.raises(RehabError, match="angle source must be one of auto, 3d, 2d"):
        choose_angle_source(posed.skeleton, "4d")
