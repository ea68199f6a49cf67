"""Keep the patient: continuity logic on scripted poses, then the real Sports2D video."""

from __future__ import annotations

import numpy as np
import pytest

from rehab.errors import ValidationError
from rehab.vision.capture import Frame, VideoFileSource
from rehab.vision.pose import PoseFrame
from rehab.vision.tracking import (
    PatientRegion,
    PatientTracker,
    TrackerSettings,
    TrackStatus,
    UntrackedPoser,
    torso_center_and_size,
)
from tests.vision.vision_data import VIDEO, need


def _person(cx: float, cy: float, torso_px: float, t_s: float) -> PoseFrame:
    """A pose whose torso centre is (cx, cy) in the crop and whose torso is torso_px long."""
    xy = np.tile([cx, cy], (33, 1)).astype(float)
    xy[[11, 12], 1] = cy - torso_px / 2
    xy[[23, 24], 1] = cy + torso_px / 2
    xy[[11, 23], 0] += torso_px / 4
    xy[[12, 24], 0] -= torso_px / 4
    return PoseFrame(t_s, xy, np.zeros((33, 3)), np.ones(33), (400, 400))


class ScriptedEstimator:
    """Returns the next scripted pose (or no person) per call; records resets."""

    def __init__(self, script: list[PoseFrame | None]) -> None:
        self.script = list(script)
        self.resets = 0
        self.shapes: list[tuple[int, ...]] = []

    def estimate(self, image_rgb: np.ndarray, t_s: float) -> PoseFrame:
        self.shapes.append(image_rgb.shape)
        pose = self.script.pop(0)
        h, w = image_rgb.shape[:2]
        return PoseFrame.no_person(t_s, (w, h)) if pose is None else pose

    def reset(self) -> None:
        self.resets += 1

    def close(self) -> None:
        pass


def _frames(n: int) -> list[Frame]:
    img = np.zeros((600, 800, 3), np.uint8)
    return [Frame(img, i / 30, i / 30, i) for i in range(n)]


def test_tracker_rejects_a_jump_to_another_person_and_reacquires() -> None:
    region = PatientRegion(100, 50, 500, 450)
    settings = TrackerSettings(reference_frames=3)
    patient = [_person(200, 200, 100, i / 30) for i in range(4)]
    script = [
        *patient,
        _person(380, 200, 100, 4 / 30),  # someone else, 1.8 torso lengths away in 33 ms
        None,
        _person(210, 205, 100, 6 / 30),  # the patient again
        _person(212, 205, 40, 7 / 30),  # a far-away person in the region: too small
    ]
    est = ScriptedEstimator(script)
    tracker = PatientTracker(est, region, settings)
    out = [tracker.pose_of(f) for f in _frames(len(script))]
    assert [o.status for o in out] == [
        TrackStatus.ACQUIRED, TrackStatus.TRACKED, TrackStatus.TRACKED, TrackStatus.TRACKED,
        TrackStatus.REJECTED, TrackStatus.NO_PERSON, TrackStatus.ACQUIRED, TrackStatus.REJECTED,
    ]  # fmt: skip
    assert est.resets == 2  # after each rejection the estimator searches afresh
    # The estimator saw only the region; poses come back in full-image pixels.
    assert est.shapes[0] == (400, 400, 3)
    centre, size = torso_center_and_size(out[0].pose)
    np.testing.assert_allclose(centre, [300, 250])
    assert size == pytest.approx(100)
    assert tracker.reference_torso_px == pytest.approx(100)
    assert out[4].pose.missing and out[4].candidate is not None
    assert not out[4].status.accepted and out[6].status.accepted


def test_slow_movement_is_followed() -> None:
    region = PatientRegion(0, 0, 800, 600)
    script = [_person(100 + 4 * i, 300, 100, i / 30) for i in range(40)]  # 120 px/s
    tracker = PatientTracker(ScriptedEstimator(script), region)
    assert all(tracker.pose_of(f).status.accepted for f in _frames(40))


def test_region_and_settings_validation() -> None:
    with pytest.raises(ValidationError):
        PatientRegion(10, 10, 5, 20)
    with pytest.raises(ValidationError):
        TrackerSettings(size_ratio_min=1.2)
    with pytest.raises(ValidationError, match="no person"):
        PatientRegion.around_poses([PoseFrame.no_person(0.0, (10, 10))])
    r = PatientRegion.around_poses([_person(300, 300, 100, 0.0)])
    assert r.contains((300, 300)) and not r.contains((10, 10))


# ---- the real video ------------------------------------------------------------------------
# Ground truth, by looking at the video: the patient does jumping jacks on the box, then
# walks along it (frames 0-159, torso centre inside PATIENT_BOX); frames 160-189 they jump
# off the box (not scored); from frame 190 on they are gone, so any pose is someone else.
PATIENT_FRAMES = range(0, 160)
ABSENT_FRAMES = range(190, 230)
PATIENT_BOX = PatientRegion(560, 100, 900, 330)
STEP = 4  # every 4th frame (58 frames): enough for the statistics, a quarter of the CPU
MAX_LOST_OR_SWAPPED = 0.05


def _score(results: dict[int, object]) -> tuple[float, int, int]:
    lost = swapped = scored = 0
    for idx, res in results.items():
        if idx in PATIENT_FRAMES:
            scored += 1
            if not res.status.accepted:
                lost += 1
            elif not PATIENT_BOX.contains(torso_center_and_size(res.pose)[0]):
                swapped += 1
        elif idx in ABSENT_FRAMES:
            scored += 1
            swapped += int(res.status.accepted)
    return (lost + swapped) / scored, lost, swapped


@pytest.mark.slow
@pytest.mark.needs_data
def test_sports2d_patient_is_kept(blazepose_video) -> None:
    with VideoFileSource(need(VIDEO)) as src:
        frames = [f for f in src if f.index % STEP == 0]
    # Calibration: the patient stands on the box for the first half second.
    blazepose_video.reset()
    calib = [blazepose_video.estimate(f.image_rgb, f.t_s) for f in frames[:5]]
    region = PatientRegion.around_poses(calib)
    blazepose_video.reset()
    tracker = PatientTracker(blazepose_video, region)
    tracked = {f.index: tracker.pose_of(f) for f in frames}
    fraction, lost, swapped = _score(tracked)
    assert fraction <= MAX_LOST_OR_SWAPPED, (lost, swapped)
    # Without the patient region, the same estimator follows whoever it sees.
    blazepose_video.reset()
    naive = UntrackedPoser(blazepose_video)
    baseline = {f.index: naive.pose_of(f) for f in frames}
    naive_fraction, _, naive_swapped = _score(baseline)
    assert naive_swapped > 0 and naive_fraction > fraction


def test_one_euro_poser_smooths_jitter_and_resets_on_loss() -> None:
    from rehab.vision.smoothing import OneEuroPoser

    rng = np.random.default_rng(5)
    script: list[PoseFrame | None] = []
    for i in range(60):
        p = _person(200, 200, 100, i / 30)
        noisy_world = np.full((33, 3), 0.1) + rng.normal(0, 0.01, (33, 3))
        script.append(PoseFrame(p.t_s, p.image_xy_px + rng.normal(0, 3, (33, 2)), noisy_world,
                                p.visibility, p.image_size_px))  # fmt: skip
    script[40] = None
    poser = OneEuroPoser(PatientTracker(ScriptedEstimator(script), PatientRegion(0, 0, 800, 600)))
    out = [poser.pose_of(f) for f in _frames(60)]
    world = np.array([o.pose.world_xyz_m for o in out[10:40]])
    raw = np.array([s.world_xyz_m for s in script[10:40]])
    assert world.std(axis=0).mean() < 0.5 * raw.std(axis=0).mean()
    assert out[40].pose.missing
    # After the loss the first pose passes unchanged: no stale state.
    np.testing.assert_allclose(out[41].pose.world_xyz_m, script[41].world_xyz_m)


def _seated_cut_at_waist(cx: float, cy: float, torso_px: float, t_s: float) -> PoseFrame:
    """A patient framed at the waist: hips extrapolated below the picture, visibility 0
    (as :func:`rehab.vision.pose.in_picture_visibility` reports them), head above."""
    pose = _person(cx, cy, torso_px, t_s)
    xy = pose.image_xy_px.copy()
    xy[0] = [cx, cy - torso_px]  # the nose, half a torso above the shoulders
    vis = np.ones(33)
    vis[[23, 24]] = 0.0
    return PoseFrame(t_s, xy, pose.world_xyz_m, vis, (400, 400))


def test_a_patient_cut_at_the_waist_is_followed_on_shoulders_and_head() -> None:
    region = PatientRegion(0, 0, 400, 400)
    settings = TrackerSettings(reference_frames=3)
    script: list[PoseFrame | None] = [
        _seated_cut_at_waist(200, 200 - 3 * (i % 2), 100, i / 30) for i in range(8)
    ]
    script.append(_seated_cut_at_waist(200, 200, 40, 8 / 30))  # someone far smaller
    tracker = PatientTracker(ScriptedEstimator(script), region, settings)
    out = [tracker.pose_of(f) for f in _frames(len(script))]
    assert all(o.status.accepted for o in out[:8]), [o.status for o in out]
    assert out[8].status is TrackStatus.REJECTED
    # Shoulder width 50 px + head 50 px above the shoulder centre.
    assert tracker.reference_upper_px == pytest.approx(100, abs=3)
    assert tracker.reference_torso_px is None  # the hips were never seen
