"""Real MediaPipe BlazePose on real images: landmarks, sides, aspect ratio, no person."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from rehab.errors import RehabError, ValidationError
from rehab.vision.angles import compute_angles
from rehab.vision.pose import BlazePoseEstimator, BlazePoseSettings, PoseEstimator, PoseFrame
from rehab.vision.skeleton import Joint, from_blazepose

pytestmark = pytest.mark.slow

NOSE, L_EYE, R_EYE, L_SH, R_SH, L_HIP, R_HIP = 0, 2, 5, 11, 12, 23, 24


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return data.astronaut()  # 512 x 512 RGB photograph shipped with scikit-image


def test_astronaut_landmarks_are_plausible(blazepose_photo, astronaut) -> None:
    pose = blazepose_photo.estimate(astronaut, 0.0)
    assert isinstance(blazepose_photo, PoseEstimator)
    assert not pose.missing
    xy, vis = pose.image_xy_px, pose.visibility
    assert pose.image_size_px == (512, 512)
    # Head above shoulders above hips (image y grows downward).
    assert xy[NOSE, 1] < min(xy[L_SH, 1], xy[R_SH, 1])
    assert max(xy[L_SH, 1], xy[R_SH, 1]) < min(xy[L_HIP, 1], xy[R_HIP, 1])
    # A frontal photo: the subject's left shoulder appears on the image's right.
    assert xy[L_SH, 0] > xy[NOSE, 0] > xy[R_SH, 0]
    # The photo shows the upper body: shoulders are seen, and she is inside the image.
    assert vis[[NOSE, L_SH, R_SH]].min() > 0.9
    assert 0 < xy[NOSE, 0] < 512 and 0 < xy[NOSE, 1] < 512
    # World landmarks are metric: shoulder width of an adult, 0.25 to 0.5 m.
    width_m = np.linalg.norm(pose.world_xyz_m[L_SH] - pose.world_xyz_m[R_SH])
    assert 0.25 < width_m < 0.5
    # On the canonical skeleton the left shoulder is toward +x and above the hips.
    s = from_blazepose(pose.world_xyz_m[None], pose.visibility[None], np.zeros(1))
    assert s.joint(Joint.L_SHOULDER)[0, 0] > s.joint(Joint.R_SHOULDER)[0, 0]
    assert s.joint(Joint.NECK)[0, 1] > s.joint(Joint.PELVIS)[0, 1]
    angles = compute_angles(s)
    # The photo ends at her waist: MediaPipe extrapolates the hips below the picture,
    # which are unseen (visibility 0), so no trunk lean is made up from them; her arms,
    # down at her sides, are measured from the vertical.
    assert vis[[L_HIP, R_HIP]].min() == 0.0 and xy[[L_HIP, R_HIP], 1].max() >= 512
    assert np.isnan(angles.deg["trunk_lean_lateral"][0])
    assert abs(angles.deg["shoulder_abduction_left"][0]) < 30.0


def test_pixels_are_undistorted_on_a_wide_image(blazepose_photo, astronaut) -> None:
    square = blazepose_photo.estimate(astronaut, 0.0)
    wide = np.zeros((512, 1024, 3), np.uint8)
    wide[:, 256:768] = astronaut  # same photo inside a 2:1 frame
    padded = blazepose_photo.estimate(wide, 0.0)
    assert padded.image_size_px == (1024, 512)
    # In pixels, the landmarks are the same ones shifted by the padding: normalised x
    # scaled by the width and y by the height, so the aspect ratio is respected.
    # (Face landmarks: the shoulders at the photo's edge move more between two runs.)
    face = [NOSE, L_EYE, R_EYE]
    shift = padded.image_xy_px[face] - square.image_xy_px[face]
    np.testing.assert_allclose(shift[:, 0], 256.0, atol=8.0)
    np.testing.assert_allclose(shift[:, 1], 0.0, atol=8.0)
    # Had x been scaled by the height (or not at all), the eye distance would change.
    d_square = np.linalg.norm(square.image_xy_px[L_EYE] - square.image_xy_px[R_EYE])
    d_wide = np.linalg.norm(padded.image_xy_px[L_EYE] - padded.image_xy_px[R_EYE])
    assert d_wide == pytest.approx(d_square, rel=0.15)


def test_no_person_is_a_value(blazepose_photo) -> None:
    blank = np.full((240, 320, 3), 127, np.uint8)
    pose = blazepose_photo.estimate(blank, 1.5)
    assert pose.missing
    assert pose.t_s == 1.5
    assert np.isnan(pose.image_xy_px).all() and np.isnan(pose.world_xyz_m).all()
    assert (pose.visibility == 0).all()


def test_model_is_built_lazily_and_closed(astronaut) -> None:
    est = BlazePoseEstimator()
    assert est._pose is None  # nothing built at construction
    est.estimate(astronaut, 0.0)
    assert est._pose is not None
    est.reset()  # keeps the model, forgets tracking
    assert not est.estimate(astronaut, 0.033).missing
    est.close()
    assert est._pose is None
    est.close()  # twice is fine
    with pytest.raises(RehabError, match="after close"):
        est.estimate(astronaut, 0.1)


def test_bad_input_and_settings_are_refused(blazepose_photo) -> None:
    with pytest.raises(ValidationError, match="image_rgb"):
        blazepose_photo.estimate(np.zeros((10, 10), np.uint8), 0.0)
    with pytest.raises(ValidationError, match="model_complexity"):
        BlazePoseSettings(model_complexity=2)
    with pytest.raises(ValidationError):
        PoseFrame(0.0, np.zeros((17, 2)), np.zeros((33, 3)), np.zeros(33), (1, 1))
