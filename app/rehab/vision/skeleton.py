"""The canonical skeleton that every pose source maps onto.

BlazePose (33 landmarks), Kinect v2 (25 joints, as in KERAAL) and UI-PRMD's 22-joint
Kinect skeleton all become a :class:`SkeletonSeries` of the same 18 :class:`Joint`
points, so that joint angles, rep segmentation and scoring never know the sensor.

Canonical frame
---------------
Right-handed, metres, ``y`` up (against gravity as the sensor sees it). For camera
sensors ``x`` points to the image's right and ``z`` toward the camera; the horizontal
orientation of the subject is otherwise free. Joint angles (:mod:`rehab.vision.angles`)
are measured in body frames built from the joints, so they do not depend on where the
sensor stood; only the handedness and the up axis matter, and the converters here fix
both (a mirrored frame would turn flexion into extension).

Missing frames
--------------
A frame with no person is a row of NaN in ``xyz_m`` and zeros in ``visibility``; a joint
that the sensor did not see in a seen frame keeps its (estimated) position and carries its
low visibility.

Examples
--------
>>> import numpy as np
>>> world = np.zeros((2, 33, 3)); vis = np.ones((2, 33))
>>> s = from_blazepose(world, vis, np.array([0.0, 0.033]))
>>> s.xyz_m.shape, s.source
((2, 18, 3), 'blazepose')
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from rehab.errors import ValidationError

__all__ = [
    "BLAZEPOSE_LANDMARK_NAMES",
    "MIRROR_JOINT",
    "Joint",
    "KinectLayout",
    "SkeletonSeries",
    "blazepose_to_canonical_points",
    "from_blazepose",
    "from_kinect_v2",
]


class Joint(enum.IntEnum):
    """The 18 joints of the canonical skeleton; the value is the index in ``xyz_m``.

    ``PELVIS`` is the hip centre (mean of the two hips); ``NECK`` is the base of the neck
    (the shoulder midpoint for BlazePose, SpineShoulder for Kinect); ``HEAD`` is the head
    centre (ear midpoint for BlazePose); ``*_FOOT`` is the toe end of the foot.
    """

    PELVIS = 0
    SPINE = 1
    NECK = 2
    HEAD = 3
    L_SHOULDER = 4
    L_ELBOW = 5
    L_WRIST = 6
    R_SHOULDER = 7
    R_ELBOW = 8
    R_WRIST = 9
    L_HIP = 10
    L_KNEE = 11
    L_ANKLE = 12
    L_FOOT = 13
    R_HIP = 14
    R_KNEE = 15
    R_ANKLE = 16
    R_FOOT = 17


N_JOINTS = len(Joint)

#: For each joint, its mirror image (left <-> right); midline joints map to themselves.
MIRROR_JOINT: tuple[Joint, ...] = tuple(
    Joint[j.name.replace("L_", "#").replace("R_", "L_").replace("#", "R_")] for j in Joint
)

#: BlazePose's 33 landmark names in MediaPipe's order (``PoseLandmark``); "left" is the
#: subject's left.
BLAZEPOSE_LANDMARK_NAMES: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist",
    "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index", "left_thumb",
    "right_thumb", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
    "right_ankle", "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)  # fmt: skip

# Canonical joint <- BlazePose landmark indices, averaged.
_BLAZEPOSE_SOURCES: dict[Joint, tuple[int, ...]] = {
    Joint.PELVIS: (23, 24),
    Joint.SPINE: (11, 12, 23, 24),
    Joint.NECK: (11, 12),
    Joint.HEAD: (7, 8),
    Joint.L_SHOULDER: (11,),
    Joint.L_ELBOW: (13,),
    Joint.L_WRIST: (15,),
    Joint.R_SHOULDER: (12,),
    Joint.R_ELBOW: (14,),
    Joint.R_WRIST: (16,),
    Joint.L_HIP: (23,),
    Joint.L_KNEE: (25,),
    Joint.L_ANKLE: (27,),
    Joint.L_FOOT: (31,),
    Joint.R_HIP: (24,),
    Joint.R_KNEE: (26,),
    Joint.R_ANKLE: (28,),
    Joint.R_FOOT: (32,),
}


class KinectLayout(enum.Enum):
    """Joint orders of the Kinect v2 skeletons this module reads."""

    #: The Kinect v2 SDK's 25 ``JointType`` values (KERAAL's Kinect text files).
    KINECT_V2_25 = "kinect_v2_25"
    #: UI-PRMD's 22 joints (Vicon-like names; see data/README.md), absolute positions.
    UI_PRMD_22 = "ui_prmd_22"


# Canonical joint <- source joint indices (averaged), per layout.
_KINECT_SOURCES: dict[KinectLayout, dict[Joint, tuple[int, ...]]] = {
    KinectLayout.KINECT_V2_25: {
        Joint.PELVIS: (12, 16),
        Joint.SPINE: (1,),
        Joint.NECK: (20,),
        Joint.HEAD: (3,),
        Joint.L_SHOULDER: (4,),
        Joint.L_ELBOW: (5,),
        Joint.L_WRIST: (6,),
        Joint.R_SHOULDER: (8,),
        Joint.R_ELBOW: (9,),
        Joint.R_WRIST: (10,),
        Joint.L_HIP: (12,),
        Joint.L_KNEE: (13,),
        Joint.L_ANKLE: (14,),
        Joint.L_FOOT: (15,),
        Joint.R_HIP: (16,),
        Joint.R_KNEE: (17,),
        Joint.R_ANKLE: (18,),
        Joint.R_FOOT: (19,),
    },
    KinectLayout.UI_PRMD_22: {
        Joint.PELVIS: (14, 18),
        Joint.SPINE: (1,),
        Joint.NECK: (3,),
        Joint.HEAD: (4,),
        Joint.L_SHOULDER: (7,),
        Joint.L_ELBOW: (8,),
        Joint.L_WRIST: (9,),
        Joint.R_SHOULDER: (11,),
        Joint.R_ELBOW: (12,),
        Joint.R_WRIST: (13,),
        Joint.L_HIP: (14,),
        Joint.L_KNEE: (15,),
        Joint.L_ANKLE: (16,),
        Joint.L_FOOT: (17,),
        Joint.R_HIP: (18,),
        Joint.R_KNEE: (19,),
        Joint.R_ANKLE: (20,),
        Joint.R_FOOT: (21,),
    },
}

_KINECT_N_JOINTS = {KinectLayout.KINECT_V2_25: 25, KinectLayout.UI_PRMD_22: 22}
# Axis signs taking each layout's frame to the canonical one (both are rotations by 0 or
# 180 degrees about y, never mirrors). Kinect camera space has x toward the sensor's left
# and z from the sensor toward the subject; UI-PRMD's rebuilt frame already has the
# subject's left toward +x and the subject facing +z.
_KINECT_AXES = {
    KinectLayout.KINECT_V2_25: np.array([-1.0, 1.0, -1.0]),
    KinectLayout.UI_PRMD_22: np.array([1.0, 1.0, 1.0]),
}


@dataclass(frozen=True)
class SkeletonSeries:
    """A time series of the canonical skeleton.

    Parameters
    ----------
    t_s
        ``(N,)`` sample times in seconds, non-decreasing.
    xyz_m
        ``(N, 18, 3)`` joint positions in metres in the canonical frame (module docstring);
        rows of NaN for frames with no person.
    visibility
        ``(N, 18)`` in 0..1: how sure the sensor is that the joint is seen where it says;
        0 for missing frames.
    source
        Where it came from (``"blazepose"``, ``"kinect_v2"``, ``"ui_prmd"``...).
    """

    t_s: np.ndarray
    xyz_m: np.ndarray
    visibility: np.ndarray
    source: str

    def __post_init__(self) -> None:
        n = np.shape(self.t_s)[0] if np.ndim(self.t_s) == 1 else -1
        if n < 0:
            raise ValidationError("t_s", "validation.shape", expected="(N,)",
                                  got=str(np.shape(self.t_s)))
        if np.shape(self.xyz_m) != (n, N_JOINTS, 3):
            raise ValidationError("xyz_m", "validation.shape", expected=f"({n}, {N_JOINTS}, 3)",
                                  got=str(np.shape(self.xyz_m)))
        if np.shape(self.visibility) != (n, N_JOINTS):
            raise ValidationError("visibility", "validation.shape", expected=f"({n}, {N_JOINTS})",
                                  got=str(np.shape(self.visibility)))
        if n > 1 and np.any(np.diff(self.t_s) < 0):
            raise ValidationError("t_s", "validation.non_decreasing")

    def __len__(self) -> int:
        return int(np.shape(self.t_s)[0])

    @property
    def missing(self) -> np.ndarray:
        """``(N,)`` bool: frames with no person (every coordinate NaN)."""
        return np.all(np.isnan(self.xyz_m), axis=(1, 2))

    def joint(self, joint: Joint) -> np.ndarray:
        """Return the ``(N, 3)`` positions of one joint in metres.

        Parameters
        ----------
        joint
            The canonical joint.

        Returns
        -------
        numpy.ndarray
            ``(N, 3)`` view into ``xyz_m`` (metres); NaN rows for missing frames.
        """
        return self.xyz_m[:, int(joint), :]


def blazepose_to_canonical_points(points: np.ndarray) -> np.ndarray:
    """Map BlazePose landmark values ``(..., 33, D)`` onto the canonical joints ``(..., 18, D)``.

    Works for any per-landmark quantity that may be averaged: image coordinates in pixels,
    world coordinates, or visibility with a trailing axis of 1. Joints made of several
    landmarks (``PELVIS``, ``NECK``...) are their mean.

    Parameters
    ----------
    points
        ``(..., 33, D)`` values per BlazePose landmark, in BlazePose's order.

    Returns
    -------
    numpy.ndarray
        ``(..., 18, D)`` float values per canonical joint.

    Raises
    ------
    ValidationError
        If ``points`` has fewer than 2 dimensions or its second-last axis is not 33.

    Examples
    --------
    >>> blazepose_to_canonical_points(np.ones((33, 2))).shape
    (18, 2)
    """
    pts = np.asarray(points, dtype=float)
    if pts.ndim < 2 or pts.shape[-2] != 33:
        raise ValidationError("points", "validation.shape", expected="(..., 33, D)",
                              got=str(pts.shape))
    return _gather(pts, _BLAZEPOSE_INDEX)


def _padded_index(sources: dict[Joint, tuple[int, ...]]) -> np.ndarray:
    """``(18, 4)`` source indices per joint, each group repeated to width 4.

    Groups have 1, 2 or 4 members, so repeating them keeps their mean and min, and one
    vectorised gather replaces a Python loop per joint (this runs once per live frame).

    Returns
    -------
    numpy.ndarray
        ``(18, 4)`` integer indices into the source points.

    Raises
    ------
    ValueError
        If a group does not have 1, 2 or 4 members.
    """
    out = np.empty((N_JOINTS, 4), dtype=np.intp)
    for joint, idx in sources.items():
        if 4 % len(idx):
            raise ValueError(f"source group of {joint.name} must have 1, 2 or 4 members")
        out[int(joint)] = np.tile(idx, 4 // len(idx))
    return out


_BLAZEPOSE_INDEX = _padded_index(_BLAZEPOSE_SOURCES)


def _gather(pts: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Mean of each joint's source points: ``(..., S, D)`` -> ``(..., 18, D)``.

    Returns
    -------
    numpy.ndarray
        ``(..., 18, D)`` mean per joint (NaN if any source is NaN).
    """
    return pts[..., index, :].mean(axis=-2)


def _min_visibility(vis: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Smallest visibility of each joint's sources: ``(..., S)`` -> ``(..., 18)``.

    Returns
    -------
    numpy.ndarray
        ``(..., 18)`` smallest source visibility per joint.
    """
    return vis[..., index].min(axis=-1)


def from_blazepose(
    world_landmarks_m: np.ndarray,
    visibility: np.ndarray,
    t_s: np.ndarray,
    *,
    source: str = "blazepose",
) -> SkeletonSeries:
    """Build a skeleton series from BlazePose world landmarks.

    Parameters
    ----------
    world_landmarks_m
        ``(N, 33, 3)`` MediaPipe ``pose_world_landmarks`` in metres, in MediaPipe's frame
        (origin at the hip centre, ``x`` image right, ``y`` down, ``z`` away from the
        camera); NaN rows for frames with no person.
    visibility
        ``(N, 33)`` MediaPipe landmark visibility in 0..1 (NaN is read as 0).
    t_s
        ``(N,)`` frame times in seconds.
    source
        Label stored in the result.

    Returns
    -------
    SkeletonSeries
        Canonical frame: ``y`` flipped to up and ``z`` flipped toward the camera (a
        rotation by 180 degrees about ``x``, so the handedness is kept).

    Raises
    ------
    ValidationError
        If ``world_landmarks_m`` is not ``(N, 33, 3)`` or ``visibility`` is not ``(N, 33)``.
    """
    world = np.asarray(world_landmarks_m, dtype=float)
    vis = np.asarray(visibility, dtype=float)
    t = np.asarray(t_s, dtype=float)
    if world.ndim != 3 or world.shape[1:] != (33, 3):
        raise ValidationError("world_landmarks_m", "validation.shape", expected="(N, 33, 3)",
                              got=str(world.shape))
    if vis.shape != world.shape[:2]:
        raise ValidationError("visibility", "validation.shape", expected=str(world.shape[:2]),
                              got=str(vis.shape))
    canon = _gather(world * np.array([1.0, -1.0, -1.0]), _BLAZEPOSE_INDEX)
    cvis = _min_visibility(np.nan_to_num(vis, nan=0.0), _BLAZEPOSE_INDEX)
    cvis[np.all(np.isnan(canon), axis=(1, 2))] = 0.0
    return SkeletonSeries(t_s=t, xyz_m=canon, visibility=np.clip(cvis, 0.0, 1.0), source=source)


def from_kinect_v2(
    positions_m: np.ndarray,
    t_s: np.ndarray,
    *,
    layout: KinectLayout = KinectLayout.KINECT_V2_25,
    tracked: np.ndarray | None = None,
    source: str = "kinect_v2",
) -> SkeletonSeries:
    """Build a skeleton series from Kinect v2 absolute joint positions.

    Parameters
    ----------
    positions_m
        ``(N, 25, 3)`` (``KINECT_V2_25``): absolute positions in metres in the Kinect
        camera space (``x`` to the sensor's left, ``y`` up, ``z`` from the sensor toward
        the subject); or ``(N, 22, 3)`` (``UI_PRMD_22``): UI-PRMD positions rebuilt to
        absolute (:func:`rehab.datasets.ui_prmd.rebuild_absolute`), in metres.
    t_s
        ``(N,)`` frame times in seconds.
    layout
        The joint order of ``positions_m``.
    tracked
        Optional ``(N, J)`` 0..1 tracking confidence per source joint (Kinect's
        TrackingState as 1 tracked / 0.5 inferred / 0 not tracked). Default: 1 where the
        position is finite and not exactly zero, else 0.
    source
        Label stored in the result.

    Returns
    -------
    SkeletonSeries
        Canonical frame: Kinect camera space turned by 180 degrees about ``y`` (``x`` to
        the image right, ``z`` toward the sensor), handedness kept; UI-PRMD's frame as is.

    Raises
    ------
    ValidationError
        If ``positions_m`` is not ``(N, J, 3)`` for the layout's ``J`` (25 or 22), or
        ``tracked`` is given and is not ``(N, J)``.
    """
    pos = np.asarray(positions_m, dtype=float)
    n_src = _KINECT_N_JOINTS[layout]
    if pos.ndim != 3 or pos.shape[1:] != (n_src, 3):
        raise ValidationError("positions_m", "validation.shape", expected=f"(N, {n_src}, 3)",
                              got=str(pos.shape))
    if tracked is None:
        seen = np.all(np.isfinite(pos), axis=-1) & np.any(pos != 0.0, axis=-1)
        tracked_arr = seen.astype(float)
    else:
        tracked_arr = np.asarray(tracked, dtype=float)
        if tracked_arr.shape != pos.shape[:2]:
            raise ValidationError("tracked", "validation.shape", expected=str(pos.shape[:2]),
                                  got=str(tracked_arr.shape))
    index = _padded_index(_KINECT_SOURCES[layout])
    canon = _gather(pos * _KINECT_AXES[layout], index)
    cvis = _min_visibility(np.nan_to_num(tracked_arr, nan=0.0), index)
    cvis[np.all(np.isnan(canon), axis=(1, 2))] = 0.0
    return SkeletonSeries(
        t_s=np.asarray(t_s, dtype=float),
        xyz_m=canon,
        visibility=np.clip(cvis, 0.0, 1.0),
        source=source,
    )
