"""Calibration finds a seated patient framed at the waist and a wheelchair user.

Real landmarks: KERAAL's BlazePose export (one subject, three exercises, 1920x1080,
normalised image landmarks, no visibility). The picture is cut at the waist (the rows
above the hips, as a camera framing a seated patient behind a table sees them), or the
legs are hidden in the picture (a wheelchair's footrests and a blanket): landmarks
outside the picture get visibility 0, as :func:`rehab.vision.pose.in_picture_visibility`
gives them, hidden ones 0 too. A replaying estimator hands the real landmarks of each
frame, in the coordinates of the image (or crop) it is given. Calibration must succeed,
its region must hold the patient's visible body through the whole exercise (the arms'
reach), and the tracker must then accept the patient's poses.
"""

from __future__ import annotations

import numpy as np
import pytest

from rehab.errors import CaptureError
from rehab.vision.capture import Frame
from rehab.vision.pose import PoseFrame, in_picture_visibility
from rehab.vision.tracking import PatientRegion, PatientTracker, find_patient_region
from tests.vision.vision_data import KERAAL, need

pytestmark = pytest.mark.needs_data

_HIPS, _SHOULDERS = [23, 24], [11, 12]
_LEGS = list(range(25, 33))  # knees, ankles, heels, feet


class ListSource:
    """Frames of one blank image (the estimator replays the landmarks, not the pixels)."""

    name, fps = "keraal", 30.0

    def __init__(self, n: int, size_px: tuple[int, int]) -> None:
        self._image = np.zeros((size_px[1], size_px[0], 3), np.uint8)
        self._n, self._i = n, 0

    def read(self) -> Frame | None:
        if self._i >= self._n:
            return None
        i, self._i = self._i, self._i + 1
        return Frame(self._image, i / self.fps, i / self.fps, i)

    def close(self) -> None:
        pass


class ReplayEstimator:
    """The recorded landmarks of the frame at ``t_s``, in the coordinates of the image it
    is given: the full picture, or the crop whose corner is ``offset_px``."""

    def __init__(self, xy_px: np.ndarray, hidden: np.ndarray) -> None:
        self.xy_px, self.hidden = xy_px, hidden
        self.offset_px = np.zeros(2)
        self.resets = 0

    def estimate(self, image_rgb: np.ndarray, t_s: float) -> PoseFrame:
        i = round(t_s * 30.0)
        h, w = image_rgb.shape[:2]
        xy = self.xy_px[i] - self.offset_px
        vis = in_picture_visibility(xy, np.where(self.hidden[i], 0.0, 1.0), (w, h))
        return PoseFrame(t_s, xy, np.zeros((33, 3)), vis, (w, h))

    def reset(self) -> None:
        self.resets += 1

    def close(self) -> None:
        pass


def _keraal(exercise: str) -> np.ndarray:
    from rehab.datasets.keraal import load_keraal_blazepose_image

    xy, _ = load_keraal_blazepose_image(need(KERAAL) / f"G3-BP-{exercise}-P1T1-Unknown-C-0.json")
    return xy


def _framed(exercise: str, framing: str) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Landmarks, hidden mask and picture size for one framing."""
    xy = _keraal(exercise)
    hidden = np.zeros(xy.shape[:2], dtype=bool)
    if framing == "cut_at_waist":
        shoulders = float(np.median(xy[:, _SHOULDERS, 1]))
        hips = float(np.median(xy[:, _HIPS, 1]))
        # The picture ends a sixth of the torso above the hips.
        return xy, hidden, (1920, int(hips - (hips - shoulders) / 6))
    hidden[:, _LEGS] = True  # wheelchair: legs hidden in the picture, hips seen
    return xy, hidden, (1920, 1080)


@pytest.mark.parametrize("framing", ["cut_at_waist", "wheelchair"])
@pytest.mark.parametrize("exercise", ["CTK", "ELK", "RTK"])
def test_calibration_finds_a_seated_or_wheelchair_patient(exercise: str, framing: str) -> None:
    xy, hidden, size = _framed(exercise, framing)
    estimator = ReplayEstimator(xy, hidden)
    region = find_patient_region(ListSource(len(xy), size), estimator)
    assert estimator.resets == 1
    w, h = size
    if framing == "cut_at_waist":
        seen_hips = in_picture_visibility(xy[0], np.ones(33), size)[_HIPS]
        assert not seen_hips.any()  # the hips really are out of the picture
        assert region.y1 == h  # the region reaches the picture's bottom edge
    # The region holds every visible landmark of the whole exercise: the arms' reach.
    inside = total = 0
    for i in range(len(xy)):
        vis = in_picture_visibility(xy[i], np.where(hidden[i], 0.0, 1.0), size)
        pts = xy[i][vis > 0]
        total += len(pts)
        inside += sum(region.contains(p) for p in pts)
    assert inside == total
    # ... and is not the whole picture: a person beside the patient stays outside.
    assert (region.x1 - region.x0) < 0.6 * w
    # The tracker, given only the region, accepts the patient's poses.
    estimator.offset_px = np.array([region.x0, region.y0], dtype=float)
    source = ListSource(len(xy), size)
    tracker = PatientTracker(estimator, region)
    statuses = []
    while (frame := source.read()) is not None:
        statuses.append(tracker.pose_of(frame).status)
    assert sum(s.accepted for s in statuses) >= 0.98 * len(statuses)
    if framing == "cut_at_waist":
        assert tracker.reference_torso_px is None  # judged on shoulders and head
        assert tracker.reference_upper_px is not None
    else:
        assert tracker.reference_torso_px is not None


def test_calibration_refuses_a_picture_without_the_shoulders() -> None:
    """Cut above the shoulders, the person seen is no patient to follow: the message says
    what the picture must hold, for a seated patient too."""
    xy = _keraal("CTK")
    nose = float(np.median(xy[:, 0, 1]))
    shoulders = float(np.median(xy[:, _SHOULDERS, 1]))
    size = (1920, int(0.5 * (nose + shoulders)))
    estimator = ReplayEstimator(xy, np.zeros(xy.shape[:2], dtype=bool))
    with pytest.raises(CaptureError, match="seat or stand the patient") as err:
        find_patient_region(ListSource(len(xy), size), estimator, max_frames=60)
    assert "found in 60 of them" in str(err.value)


def test_in_full_view_the_height_margins_hold_the_reach_sideways_and_below() -> None:
    """Full view (KERAAL, all landmarks in the picture): sideways and below, the region is
    the visible box widened by the height margins, as before the reach rule."""
    xy = _keraal("ELK")
    poses = [PoseFrame(i / 30, xy[i], np.zeros((33, 3)), np.ones(33), (1920, 1080))
             for i in range(5)]
    region = PatientRegion.around_poses(poses)
    box = np.median([np.r_[p.image_xy_px.min(0), p.image_xy_px.max(0)] for p in poses], axis=0)
    height = box[3] - box[1]
    assert region.x0 == int(box[0] - 0.75 * height)
    assert region.x1 == int(box[2] + 0.75 * height)
    assert region.y1 == min(1080, int(box[3] + 0.3 * height))
