"""2D angles by each frame's view, and the facing side read from the feet (no data needed)."""

from __future__ import annotations

import numpy as np
import pytest

from rehab.datasets.synthetic import standing_pose
from rehab.errors import ValidationError
from rehab.vision.angles import (
    OBLIQUE_2D_ANGLES,
    USABLE_2D_ANGLES,
    compute_angles_2d,
    compute_angles_2d_by_frame,
)
from rehab.vision.skeleton import N_JOINTS, Joint
from rehab.vision.view import VIEWS, camera_views_2d, facing_image_x


def _side_on_image(n: int, faces_right: bool) -> np.ndarray:
    """A standing skeleton turned side-on and projected (x right, y down, px)."""
    p = standing_pose()
    # Side-on: the body's forward (+z) becomes image x, its left-right axis depth.
    forward = p[:, 2] + np.where(np.isin(np.arange(N_JOINTS), [Joint.L_FOOT, Joint.R_FOOT]),
                                 0.12, 0.0)
    x = forward if faces_right else -forward
    xy = np.stack([640.0 + 500.0 * x, 360.0 - 500.0 * p[:, 1]], axis=-1)
    return np.repeat(xy[None], n, axis=0)


def test_every_view_has_its_usable_angles() -> None:
    assert set(USABLE_2D_ANGLES) == set(VIEWS)
    assert OBLIQUE_2D_ANGLES.issubset(USABLE_2D_ANGLES["frontal"])
    assert OBLIQUE_2D_ANGLES.issubset(USABLE_2D_ANGLES["sagittal"])


def test_each_frame_is_read_in_its_own_view() -> None:
    n = 4
    xy = _side_on_image(n, faces_right=True)
    vis = np.ones((n, N_JOINTS))
    t = np.arange(n) / 30.0
    views = ["sagittal_right", "oblique", "frontal", None]
    angles = compute_angles_2d_by_frame(xy, vis, t, views)
    for i, view in enumerate(views):
        expected = compute_angles_2d(xy, vis, t, view) if view else None
        for name, deg in angles.deg.items():
            if expected is None:
                assert np.isnan(deg[i]) and angles.confidence[name][i] == 0.0
            else:
                assert deg[i] == pytest.approx(expected.deg[name][i], nan_ok=True)
    seen_oblique = {n for n, c in angles.confidence.items() if c[1] > 0}
    assert seen_oblique == set(OBLIQUE_2D_ANGLES)


def test_views_must_match_the_frames() -> None:
    xy = _side_on_image(3, faces_right=True)
    with pytest.raises(ValidationError):
        compute_angles_2d_by_frame(xy, np.ones((3, N_JOINTS)), np.arange(3.0), ["frontal"])


@pytest.mark.parametrize(("faces_right", "expected"), [(True, "sagittal_right"),
                                                       (False, "sagittal_left")])
def test_the_feet_say_which_side_faces_the_camera(faces_right: bool, expected: str) -> None:
    xy = _side_on_image(3, faces_right)
    vis = np.ones((3, N_JOINTS))
    assert facing_image_x(xy, vis).tolist() == [1.0 if faces_right else -1.0] * 3
    assert camera_views_2d(["sagittal", "oblique", "sagittal"], xy, vis) == (
        expected, "oblique", expected)


def test_unseen_feet_take_the_run_or_recording_facing_else_none() -> None:
    xy = _side_on_image(4, faces_right=False)
    vis = np.ones((4, N_JOINTS))
    vis[2:, [Joint.L_FOOT, Joint.R_FOOT]] = 0.0  # feet out of the picture from frame 2
    views = ["sagittal", "frontal", "sagittal", "sagittal"]
    assert camera_views_2d(views, xy, vis) == ("sagittal_left", "frontal", "sagittal_left",
                                               "sagittal_left")
    vis[:, [Joint.L_FOOT, Joint.R_FOOT]] = 0.0
    assert camera_views_2d(views, xy, vis) == (None, "frontal", None, None)
