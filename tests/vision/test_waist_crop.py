"""A patient framed at the waist, on real footage: the Sports2D demo video cropped just
above the jumper's hips (the way a seated patient at a table is framed).

In the full video the man on the box does two jumping jacks (arms overhead at about 0.8 s
and 2.0 s, see tests/exercises/test_cli_analyze.py). Cropped to the rows above his hips
(his hips lie at rows 255-272 of 994, the crop keeps rows 0-239, columns 322-982 around
him), MediaPipe still returns hips, extrapolated below the picture, most of them with a
visibility near 1 (its legacy API reports no presence). Landmarks outside the picture
must be read as unseen: the tracker follows him on his shoulders
and head, no hip, knee or trunk angle is made up, and the arm angles, measured from the
vertical, count the same two reps.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rehab.exercises.library import load_library
from rehab.vision.skeleton import Joint
from tests.vision.vision_data import VIDEO, need

pytestmark = [pytest.mark.slow, pytest.mark.needs_data]

_ROWS, _COLS = slice(0, 240), slice(322, 983)


@pytest.fixture(scope="module")
def crop_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The video cropped at the jumper's waist."""
    need(VIDEO)
    import cv2

    from rehab.vision.capture import VideoFileSource

    path = tmp_path_factory.mktemp("crop") / "waist.mp4"
    writer = None
    with VideoFileSource(VIDEO) as source:
        for frame in source:
            img = np.ascontiguousarray(frame.image_rgb[_ROWS, _COLS])
            if writer is None:
                size = (img.shape[1], img.shape[0])
                writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"),
                                         source.fps, size)
            writer.write(cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    assert writer is not None
    writer.release()
    return path


@pytest.fixture(scope="module")
def cropped(crop_path: Path):
    """The cropped video, posed once (every 2nd frame) and scored."""
    from rehab.cli.analyze import pose_video, score_skeleton

    posed = pose_video(crop_path, every=2, progress=False)
    angles, result = score_skeleton(
        posed.skeleton, load_library()["shoulder_abduction_bilateral"], None, "en"
    )
    return posed, angles, result


def test_landmarks_below_the_picture_are_never_used(cropped) -> None:
    posed, angles, _ = cropped
    # While he jumps on the box (before he climbs down into the picture, ~2.6 s).
    on_box = posed.skeleton.t_s < 2.6
    vis = posed.skeleton.visibility[on_box]
    # The ankles lie 150 px below the picture: never seen, so no knee angle at all.
    assert np.all(vis[:, [Joint.L_ANKLE, Joint.R_ANKLE]] == 0.0)
    for name in ("knee_flexion_left", "knee_flexion_right", "knee_valgus_left"):
        assert np.all(np.isnan(angles.deg[name][on_box])), name
    # The hips sit at the bottom edge: below it in most frames, just inside it (rows
    # 230-238) only at the top of a jump. Wherever a hip is unseen, nothing that needs it
    # is measured.
    no_hips = (vis[:, Joint.L_HIP] == 0.0) | (vis[:, Joint.R_HIP] == 0.0)
    assert no_hips.mean() >= 0.6
    for name in ("hip_flexion_left", "hip_abduction_right", "trunk_lean_sagittal",
                 "trunk_lean_lateral"):
        assert np.all(np.isnan(angles.deg[name][on_box][no_hips])), name
    # The shoulders' elevation needs no hip: there it is the shoulder line's tilt from the
    # horizontal (a change within a rep is what the rules read).
    elevation = angles.deg["shoulder_elevation_left"][on_box][no_hips]
    assert np.isfinite(elevation).mean() >= 0.9


def test_the_tracker_keeps_the_patient_through_the_jumping_jacks(cropped) -> None:
    posed, angles, _ = cropped
    # Before he climbs off the box (~2.6 s) the patient is accepted in nearly every frame
    # (one frame may go, when both arms overhead hide the head).
    t = posed.skeleton.t_s
    seen = np.isfinite(angles.deg["shoulder_abduction_left"])
    assert seen[t < 2.6].mean() >= 0.9


def test_the_two_jumping_jacks_are_counted_from_the_arms_alone(cropped) -> None:
    _, _, result = cropped
    reps = [r for r in result.reps if r.counted]
    assert len(reps) == 2, [r.metrics.partial_reason for r in result.reps]
    for rep, peak_s in zip(reps, (0.8, 2.0), strict=True):
        assert rep.metrics.peak_t_s == pytest.approx(peak_s, abs=0.3)
        assert rep.metrics.rom_deg >= 120.0


def test_calibration_finds_him_cut_at_the_waist_and_the_region_holds_his_body(
    crop_path: Path,
) -> None:
    """Calibration on the cropped video: five sightings on his shoulders and head (his hips
    are out of the picture), a region that reaches the picture's bottom edge and holds
    every landmark of his visible body through both jumping jacks (arms overhead), and a
    tracker that then accepts his poses."""
    from rehab.vision.capture import VideoFileSource
    from rehab.vision.pose import BlazePoseSettings, PoseBackendSettings, make_pose_estimator
    from rehab.vision.tracking import PatientTracker, find_patient_region

    estimator = make_pose_estimator(PoseBackendSettings().resolved(), BlazePoseSettings())
    try:
        with VideoFileSource(crop_path) as source:
            region = find_patient_region(source, estimator, max_frames=30)
            w, h = source.read().size_px
        assert region.y1 == h  # cut at the waist: the region runs to the bottom edge
        assert region.x1 - region.x0 < w  # the people beside the box stay outside
        tracker = PatientTracker(estimator, region)
        accepted = outside = seen = 0
        with VideoFileSource(crop_path) as source:
            for frame in source:
                if frame.t_s >= 2.6 or frame.index % 2:  # on the box; every 2nd frame
                    continue
                tracked = tracker.pose_of(frame)
                if not tracked.status.accepted:
                    continue
                accepted += 1
                pose = tracked.pose
                vis = pose.visibility > 0.5
                seen += int(vis.sum())
                outside += sum(not region.contains(p) for p in pose.image_xy_px[vis])
        assert accepted >= 0.9 * 39  # 39 frames on the box
        assert outside == 0 and seen > 0
    finally:
        estimator.close()
