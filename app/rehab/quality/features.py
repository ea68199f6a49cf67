"""One rep of the canonical skeleton as the learned model's input (numpy only, no torch).

The same function prepares UI-PRMD's Kinect reps for training and a live BlazePose rep
for inference, so that both go through the same mapping:

* sensor-neutral midline: ``NECK`` becomes the shoulder midpoint and ``SPINE`` the mean of
  shoulders and hips, as BlazePose defines them (it has no spine or neck landmark), so a
  Kinect skeleton, whose neck and spine joints sit elsewhere, gives the network the same
  bones a live BlazePose skeleton does;
* positions: the rep is resampled to :data:`N_FRAMES` frames evenly spaced in time
  (missing frames interpolated over), centred on the rep's mean pelvis, turned about the
  vertical so that the mean hip line (right -> left hip) points along ``+x``, and divided
  by the mean trunk length (pelvis -> neck), so a tall and a short subject, or a subject
  facing the camera or turned half away, give the same input;
* angles: the 18 joint angles of :mod:`rehab.vision.angles` on the same frames, in
  units of 90 degrees (0 where unknown), a second stream that the sensor's frame cannot
  touch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rehab.errors import ValidationError
from rehab.vision.angles import angle_degrees
from rehab.vision.skeleton import MIRROR_JOINT, Joint, SkeletonSeries

__all__ = [
    "BILATERAL_EXERCISE_MOVEMENT",
    "EXERCISE_MOVEMENT",
    "MODEL_ANGLES",
    "MOVEMENT_NAMES",
    "N_ANGLES",
    "N_FRAMES",
    "RepFeatures",
    "mirrored",
    "one_arm",
    "one_arm_views",
    "rep_features",
]

#: Frames per rep after resampling (UI-PRMD reps last 1.5-4.5 s at 30 Hz).
N_FRAMES = 32
#: The 18 joint angles of :mod:`rehab.vision.angles` the model reads, in its input order
#: (fixed here: angles the library adds later, e.g. shoulder rotation, are not inputs of
#: weights trained on these).
MODEL_ANGLES: tuple[str, ...] = (
    "shoulder_flexion_left", "shoulder_flexion_right",
    "shoulder_abduction_left", "shoulder_abduction_right",
    "elbow_flexion_left", "elbow_flexion_right",
    "hip_flexion_left", "hip_flexion_right",
    "knee_flexion_left", "knee_flexion_right",
    "hip_abduction_left", "hip_abduction_right",
    "trunk_lean_sagittal", "trunk_lean_lateral",
    "shoulder_elevation_left", "shoulder_elevation_right",
    "knee_valgus_left", "knee_valgus_right",
)
N_ANGLES = len(MODEL_ANGLES)
#: UI-PRMD's ten movements, m01..m10.
MOVEMENT_NAMES: tuple[str, ...] = (
    "deep squat", "hurdle step", "inline lunge", "side lunge", "sit to stand",
    "standing active straight leg raise", "standing shoulder abduction",
    "standing shoulder extension", "standing shoulder internal-external rotation",
    "standing shoulder scaption",
)  # fmt: skip
#: Library exercise id -> the UI-PRMD movement (1-based) whose head scores it.
EXERCISE_MOVEMENT: dict[str, int] = {
    "squat": 1,
    "hurdle_step": 2,
    "inline_lunge": 3,
    "side_lunge": 4,
    "sit_to_stand": 5,
    "straight_leg_raise": 6,
    "shoulder_abduction": 7,
    "shoulder_extension": 8,
    "shoulder_rotation": 9,
    "shoulder_scaption": 10,
}
#: Library exercises that move both arms at once -> the one-arm UI-PRMD movement whose head
#: scores each arm in turn (:func:`one_arm_views`); the rep is only as correct as its
#: worse arm, so the lower of the two probabilities is the rep's.
BILATERAL_EXERCISE_MOVEMENT: dict[str, int] = {
    "shoulder_abduction_bilateral": 7,
}
_MIN_FRAMES = 8
_ARM: dict[str, tuple[Joint, Joint, Joint]] = {
    "left": (Joint.L_SHOULDER, Joint.L_ELBOW, Joint.L_WRIST),
    "right": (Joint.R_SHOULDER, Joint.R_ELBOW, Joint.R_WRIST),
}
_MIRROR_INDEX = np.array([int(j) for j in MIRROR_JOINT])
_MIN_TRUNK_M = 0.05


@dataclass(frozen=True)
class RepFeatures:
    """The model's input for one rep.

    Parameters
    ----------
    positions
        ``(N_FRAMES, 18, 3)`` normalised positions (trunk lengths, body-aligned frame).
    angles
        ``(N_FRAMES, N_ANGLES)`` joint angles in units of 90 degrees, 0 where unknown.
    """

    positions: np.ndarray
    angles: np.ndarray


def _resample(t_s: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Linear resampling of ``(N, ...)`` values at ``n`` evenly spaced times; NaN rows skipped."""
    flat = values.reshape(len(values), -1)
    seen = ~np.any(np.isnan(flat), axis=1)
    t, rows = t_s[seen], flat[seen]
    grid = np.linspace(t[0], t[-1], n)
    # np.interp's rule for every column at once: the sample at or before each grid time and
    # the one after it, weighted by distance (a grid time on a sample takes that sample).
    hi = np.clip(np.searchsorted(t, grid, side="right"), 1, len(t) - 1)
    lo = hi - 1
    span = t[hi] - t[lo]
    w = np.divide(grid - t[lo], span, out=np.zeros_like(grid), where=span > 0)[:, None]
    out = rows[lo] + (rows[hi] - rows[lo]) * w if len(t) > 1 else np.repeat(rows, n, axis=0)
    return out.reshape((n, *values.shape[1:]))


def _blazepose_midline(xyz: np.ndarray) -> np.ndarray:
    """Neck and spine rebuilt from shoulders and hips, as BlazePose's mapping builds them.

    See :func:`rehab.vision.skeleton.from_blazepose`.
    """
    out = xyz.copy()
    shoulders = (xyz[:, Joint.L_SHOULDER] + xyz[:, Joint.R_SHOULDER]) / 2.0
    hips = (xyz[:, Joint.L_HIP] + xyz[:, Joint.R_HIP]) / 2.0
    out[:, Joint.NECK] = shoulders
    out[:, Joint.SPINE] = (shoulders + hips) / 2.0
    out[:, Joint.PELVIS] = hips
    return out


def _normalise(xyz: np.ndarray) -> np.ndarray:
    """Centre on the mean pelvis, turn the mean hip line onto ``+x``, scale by the trunk."""
    centred = xyz - xyz[:, Joint.PELVIS].mean(axis=0)
    hips = (xyz[:, Joint.L_HIP] - xyz[:, Joint.R_HIP]).mean(axis=0)
    heading = np.arctan2(hips[2], hips[0])  # rotation about +y taking hips onto +x
    c, s = np.cos(heading), np.sin(heading)
    rot_y = np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])
    turned = centred @ rot_y.T
    trunk_m = float(np.linalg.norm(xyz[:, Joint.NECK] - xyz[:, Joint.PELVIS], axis=1).mean())
    if not trunk_m > _MIN_TRUNK_M:
        raise ValidationError("skeleton", "quality.trunk_too_short", length_m=f"{trunk_m:.3f}")
    return turned / trunk_m


def mirrored(series: SkeletonSeries) -> SkeletonSeries:
    """The mirror image of a skeleton: left and right joints swapped, ``x`` negated.

    A reflection in a vertical plane; which one does not matter to the model, whose
    features turn the body's heading onto ``+x`` (two vertical mirrors differ by a turn
    about the vertical). Training mirrors reps the same way (``augment``).

    Parameters
    ----------
    series
        Any skeleton series.

    Returns
    -------
    SkeletonSeries
        The mirrored series (same times, visibilities swapped with their joints).
    """
    xyz = np.asarray(series.xyz_m, dtype=float)[:, _MIRROR_INDEX] * np.array([-1.0, 1.0, 1.0])
    return SkeletonSeries(np.asarray(series.t_s, dtype=float), xyz,
                          np.asarray(series.visibility, dtype=float)[:, _MIRROR_INDEX],
                          series.source)


def one_arm(series: SkeletonSeries, side: str) -> SkeletonSeries:
    """A both-arms rep as a one-arm movement of ``side``'s arm, as UI-PRMD records those.

    The other arm is held where it was in the rep's first frame with a person: its elbow
    and wrist keep their offsets from its shoulder then, while the shoulder itself moves
    with the trunk (a rep starts with the arms down, as the still arm of UI-PRMD's m07
    hangs).

    Parameters
    ----------
    series
        The rep's frames.
    side
        ``"left"`` or ``"right"``: the arm that keeps its movement.

    Returns
    -------
    SkeletonSeries
        The same frames with the other arm held still.

    Raises
    ------
    ValidationError
        ``side`` is neither ``"left"`` nor ``"right"``, or no frame has a person.
    """
    if side not in _ARM:
        raise ValidationError("side", "validation.one_of", allowed="left, right", value=side)
    seen = np.flatnonzero(~series.missing)
    if len(seen) == 0:
        raise ValidationError("rep", "quality.too_few_frames", seen=0, need=_MIN_FRAMES)
    shoulder, elbow, wrist = _ARM["right" if side == "left" else "left"]
    xyz = np.array(series.xyz_m, dtype=float)
    first = xyz[seen[0]]
    for joint in (elbow, wrist):
        xyz[:, joint] = xyz[:, shoulder] + (first[joint] - first[shoulder])
    return SkeletonSeries(np.asarray(series.t_s, dtype=float), xyz,
                          np.asarray(series.visibility, dtype=float), series.source)


def one_arm_views(series: SkeletonSeries) -> tuple[SkeletonSeries, SkeletonSeries]:
    """The two one-arm reps a both-arms rep is scored as: right arm, and left arm mirrored.

    The left arm's rep is mirrored onto the right, the side most of UI-PRMD's subjects
    used (the model also saw mirrored reps in training).

    Parameters
    ----------
    series
        The rep's frames, both arms moving.

    Returns
    -------
    tuple of SkeletonSeries
        The right arm's rep (left arm held) and the left arm's, mirrored.

    Raises
    ------
    ValidationError
        No frame has a person.
    """
    return one_arm(series, "right"), mirrored(one_arm(series, "left"))


def rep_features(series: SkeletonSeries) -> RepFeatures:
    """Prepare one rep (the skeleton between its start and end) for the model.

    Parameters
    ----------
    series
        The rep's frames on the canonical skeleton; missing frames are interpolated over.

    Returns
    -------
    RepFeatures
        Positions and angles resampled to :data:`N_FRAMES` frames.

    Raises
    ------
    ValidationError
        Fewer than 8 frames with a person in them, or a degenerate trunk.
    """
    seen = ~series.missing
    if int(seen.sum()) < _MIN_FRAMES:
        raise ValidationError("rep", "quality.too_few_frames", seen=int(seen.sum()),
                              need=_MIN_FRAMES)
    t_s = np.asarray(series.t_s, dtype=float)
    xyz = _blazepose_midline(_resample(t_s, np.asarray(series.xyz_m, dtype=float), N_FRAMES))
    positions = _normalise(xyz)
    deg = angle_degrees(xyz, MODEL_ANGLES)  # every joint of the resampled frames is seen
    angles = np.stack([deg[name] for name in MODEL_ANGLES], axis=1) / 90.0
    return RepFeatures(
        positions=positions.astype(np.float32),
        angles=np.nan_to_num(angles, nan=0.0).astype(np.float32),
    )
