"""Loaders of the KERAAL sample: the same recording as BlazePose JSON and Kinect v2 text.

KERAAL (Nguyen et al., BSD-2-Clause) gives each recording as several sensors' outputs.
Two are read here, both onto the canonical skeleton:

* ``*-Kinect-*.txt``: one row per frame, 25 Kinect v2 joints (SDK ``JointType`` order) x
  7 space-separated values: position ``x y z`` in metres (Kinect camera space) and the
  joint orientation quaternion (4 values, all zero for end joints such as the head, the
  feet and the hand tips). Rows of zeros are frames without a body.
* ``*-BP-*.json``: ``{"positions": {"<frame>.0": {"Nose": [x, y, z], ...}}}`` with
  BlazePose's 33 landmarks as MediaPipe's *normalised image* coordinates (``x`` / width,
  ``y`` / height, ``z`` depth on the scale of ``x``), no visibility and no world
  coordinates. To turn them into a 3D skeleton the image aspect ratio is needed; the
  KERAAL videos come from the Kinect v2 colour camera (1920 x 1080), so the default is
  16:9. The result is scaled to a nominal torso length, because normalised coordinates
  carry no metric scale (angles do not depend on it).

  The BlazePose landmarks were computed on a horizontally mirrored video (the Kinect
  colour stream as shown to the user): BlazePose's "left" is the subject's right. The
  evidence, from depth, which a mirror does not change: in RTK (trunk rotation) the
  left-minus-right shoulder depth of BlazePose correlates at -0.94 with the Kinect's, and
  in ELK the left-minus-right wrist height at -0.92. The loader therefore mirrors ``x``
  back and swaps the left and right landmarks (``mirrored_video=True``); the tests check
  that the correlations are then positive.

Both are sampled at 30 Hz; frame numbers give the times.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from rehab.errors import DataFileError
from rehab.vision.skeleton import (
    BLAZEPOSE_LANDMARK_NAMES,
    KinectLayout,
    SkeletonSeries,
    from_blazepose,
    from_kinect_v2,
)

__all__ = [
    "KERAAL_ASPECT_RATIO",
    "KERAAL_RATE_HZ",
    "load_keraal_blazepose",
    "load_keraal_blazepose_image",
    "load_keraal_kinect",
]

KERAAL_RATE_HZ = 30.0
KERAAL_ASPECT_RATIO = 1920.0 / 1080.0
_KINECT_VALUES_PER_JOINT = 7


def _swap_side(name: str) -> str:
    return name.replace("left", "#").replace("right", "left").replace("#", "right")


#: BlazePose landmark index of each landmark's mirror image (left <-> right).
_MIRROR_LANDMARK: tuple[int, ...] = tuple(
    BLAZEPOSE_LANDMARK_NAMES.index(_swap_side(n)) for n in BLAZEPOSE_LANDMARK_NAMES
)


def load_keraal_kinect(path: str | Path, *, rate_hz: float = KERAAL_RATE_HZ) -> SkeletonSeries:
    """Load a KERAAL Kinect text file onto the canonical skeleton.

    Raises
    ------
    DataFileError
        The file is missing, not numeric, or its rows are not 25 x 7 values.
    """
    p = Path(path)
    try:
        rows = [line.split() for line in p.read_text().splitlines() if line.strip()]
        table = np.array([[float(v) for v in row] for row in rows], dtype=float)
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{p}: cannot read ({exc})") from exc
    except ValueError as exc:
        raise DataFileError(f"{p}: not numeric or ragged rows ({exc})") from exc
    width = 25 * _KINECT_VALUES_PER_JOINT
    if table.ndim != 2 or table.shape[0] == 0 or table.shape[1] != width:
        raise DataFileError(f"{p}: expected rows of {width} values, got shape {table.shape}")
    joints = table.reshape(-1, 25, _KINECT_VALUES_PER_JOINT)
    xyz = joints[:, :, :3].copy()
    no_body = np.all(xyz == 0.0, axis=(1, 2))
    xyz[no_body] = np.nan
    t_s = np.arange(len(xyz)) / rate_hz
    return from_kinect_v2(xyz, t_s, layout=KinectLayout.KINECT_V2_25, source="keraal_kinect")


def _read_blazepose_json(p: Path, mirrored_video: bool) -> tuple[np.ndarray, np.ndarray]:
    """Frame numbers ``(N,)`` and normalised landmarks ``(N, 33, 3)``, un-mirrored."""
    try:
        frames = json.loads(p.read_text())["positions"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataFileError(f"{p}: cannot read JSON ({exc})") from exc
    except (KeyError, TypeError) as exc:
        raise DataFileError(f"{p}: no 'positions' object") from exc
    names = [n.capitalize() for n in BLAZEPOSE_LANDMARK_NAMES]
    try:
        keys = sorted(frames, key=float)
        index = np.array([round(float(k)) for k in keys])
        xyz = np.array([[frames[k][n][:3] for n in names] for k in keys], dtype=float)
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise DataFileError(f"{p}: malformed frame or missing landmark ({exc})") from exc
    if xyz.ndim != 3 or xyz.shape[1:] != (33, 3) or len(xyz) == 0:
        raise DataFileError(f"{p}: expected 33 landmarks of 3 values per frame")
    if mirrored_video:
        xyz = xyz[:, list(_MIRROR_LANDMARK)] * np.array([-1.0, 1.0, 1.0]) + np.array([1.0, 0, 0])
    return index, xyz


def load_keraal_blazepose(
    path: str | Path,
    *,
    aspect_ratio: float = KERAAL_ASPECT_RATIO,
    torso_length_m: float = 0.5,
    rate_hz: float = KERAAL_RATE_HZ,
    mirrored_video: bool = True,
) -> SkeletonSeries:
    """Load a KERAAL BlazePose JSON file onto the canonical skeleton (3D).

    The depth is BlazePose's normalised ``z``, which is much less reliable than its
    ``x, y`` (and than the world landmarks a live :class:`~rehab.vision.pose.PoseFrame`
    has); for frontal-plane angles prefer :func:`load_keraal_blazepose_image` with the 2D
    fallback.

    Parameters
    ----------
    path
        The ``*-BP-*.json`` file.
    aspect_ratio
        Width / height of the video the landmarks were computed on.
    torso_length_m
        The median shoulder-centre to hip-centre distance is scaled to this length.
    rate_hz
        Frame rate; frame ``k`` (1-based in the file) is at ``(k - 1) / rate_hz``.
    mirrored_video
        Undo the horizontal mirror of the video (module docstring).

    Raises
    ------
    DataFileError
        The file is missing, not JSON, or a frame lacks a landmark.
    """
    p = Path(path)
    index, xyz = _read_blazepose_json(p, mirrored_video)
    # Normalised image units -> isotropic units (x and z are on the width's scale).
    xyz = xyz * np.array([aspect_ratio, 1.0, aspect_ratio])
    torso = np.linalg.norm(xyz[:, [11, 12]].mean(axis=1) - xyz[:, [23, 24]].mean(axis=1), axis=1)
    scale = torso_length_m / float(np.nanmedian(torso))
    t_s = (index - index[0]) / rate_hz
    return from_blazepose(xyz * scale, np.ones(xyz.shape[:2]), t_s, source="keraal_blazepose")


def load_keraal_blazepose_image(
    path: str | Path,
    *,
    image_size_px: tuple[int, int] = (1920, 1080),
    rate_hz: float = KERAAL_RATE_HZ,
    mirrored_video: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """BlazePose image landmarks of a KERAAL JSON file in pixels, for the 2D fallback.

    Returns
    -------
    image_xy_px : numpy.ndarray
        ``(N, 33, 2)`` pixels (``x`` right, ``y`` down) of an un-mirrored image.
    t_s : numpy.ndarray
        ``(N,)`` frame times in seconds.
    """
    index, xyz = _read_blazepose_json(Path(path), mirrored_video)
    return xyz[:, :, :2] * np.array(image_size_px, dtype=float), (index - index[0]) / rate_hz
