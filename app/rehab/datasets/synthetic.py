"""Skeletons with known joint angles, built by forward kinematics.

For tests and for data the tests make themselves (the suite must still exercise the
angle, segmentation and scoring code paths on a machine without ../shared/data). The
pose is built in the canonical frame (see :mod:`rehab.vision.skeleton`), the subject
facing the camera (``+z``), their left toward ``+x``, standing on ``y = 0``; the angle
arguments follow the definitions in :mod:`rehab.vision.angles`, so that
``compute_angles`` gives them back.

Examples
--------
>>> p = posed_skeleton(PoseAngles(elbow_flexion_left_deg=90.0))
>>> p.shape
(18, 3)
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from rehab.errors import ValidationError
from rehab.vision.skeleton import N_JOINTS, Joint, SkeletonSeries

__all__ = ["BodySize", "PoseAngles", "posed_skeleton", "skeleton_series", "standing_pose"]


@dataclass(frozen=True)
class BodySize:
    """Segment lengths in metres (an average adult)."""

    trunk_m: float = 0.50
    shoulder_width_m: float = 0.38
    hip_width_m: float = 0.26
    neck_m: float = 0.08
    head_m: float = 0.17
    upper_arm_m: float = 0.30
    forearm_m: float = 0.26
    thigh_m: float = 0.44
    shank_m: float = 0.42
    foot_m: float = 0.15


@dataclass(frozen=True)
class PoseAngles:
    """Joint angles in degrees (definitions in :mod:`rehab.vision.angles`).

    One arm may be flexed or abducted, not both (the combined elevation has no single
    clinical reading); likewise for the hips.
    """

    shoulder_flexion_left_deg: float = 0.0
    shoulder_flexion_right_deg: float = 0.0
    shoulder_abduction_left_deg: float = 0.0
    shoulder_abduction_right_deg: float = 0.0
    elbow_flexion_left_deg: float = 0.0
    elbow_flexion_right_deg: float = 0.0
    hip_flexion_left_deg: float = 0.0
    hip_flexion_right_deg: float = 0.0
    hip_abduction_left_deg: float = 0.0
    hip_abduction_right_deg: float = 0.0
    knee_flexion_left_deg: float = 0.0
    knee_flexion_right_deg: float = 0.0
    trunk_lean_sagittal_deg: float = 0.0
    trunk_lean_lateral_deg: float = 0.0

    def __post_init__(self) -> None:
        for side in ("left", "right"):
            for flex, abd in (("shoulder_flexion", "shoulder_abduction"),
                              ("hip_flexion", "hip_abduction")):  # fmt: skip
                if getattr(self, f"{flex}_{side}_deg") and getattr(self, f"{abd}_{side}_deg"):
                    raise ValidationError(
                        f"{abd}_{side}_deg", f"cannot be combined with {flex}_{side}_deg"
                    )
        for f in fields(self):
            if not np.isfinite(getattr(self, f.name)):
                raise ValidationError(f.name, "must be finite")


def _dir(down: np.ndarray, toward: np.ndarray, angle_deg: float) -> np.ndarray:
    a = np.radians(angle_deg)
    return np.cos(a) * down + np.sin(a) * toward


def _limb(
    root: np.ndarray,
    down: np.ndarray,
    swing_dir: np.ndarray,
    swing_deg: float,
    bend_sign: float,
    bend_deg: float,
    lengths: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray]:
    """Two-segment limb: the first swung from ``down`` toward ``swing_dir``; the second
    bent in the same plane (``bend_sign`` +1: toward ``swing_dir``'s side, -1: away).

    For a pure frontal swing the bend happens in the sagittal plane instead, which the
    caller expresses by passing that plane.
    """
    first = _dir(down, swing_dir, swing_deg)
    # Perpendicular to `first` in the swing plane, toward the swing direction.
    perp = _dir(down, swing_dir, swing_deg + 90.0)
    second = np.cos(np.radians(bend_deg)) * first + bend_sign * np.sin(np.radians(bend_deg)) * perp
    mid = root + lengths[0] * first
    return mid, mid + lengths[1] * second


def posed_skeleton(angles: PoseAngles | None = None, size: BodySize | None = None) -> np.ndarray:
    """Return ``(18, 3)`` canonical joint positions (metres) for the given angles.

    Parameters
    ----------
    angles
        Joint angles; default: anatomical standing position.
    size
        Segment lengths; default: :class:`BodySize`.
    """
    a = angles or PoseAngles()
    s = size or BodySize()
    left, up, fwd = np.eye(3)[0], np.eye(3)[1], np.eye(3)[2]
    down = -up
    p = np.zeros((N_JOINTS, 3))
    hip_y = s.thigh_m + s.shank_m
    pelvis = np.array([0.0, hip_y, 0.0])
    neck = pelvis + s.trunk_m * up
    p[Joint.PELVIS], p[Joint.NECK] = pelvis, neck
    p[Joint.SPINE] = 0.5 * (pelvis + neck)
    p[Joint.HEAD] = neck + (s.neck_m + 0.5 * s.head_m) * up
    for side, pre, sign in (("left", "L_", 1.0), ("right", "R_", -1.0)):
        outward = sign * left
        sh = neck + 0.5 * s.shoulder_width_m * outward
        hip = pelvis + 0.5 * s.hip_width_m * outward
        flex = getattr(a, f"shoulder_flexion_{side}_deg")
        abd = getattr(a, f"shoulder_abduction_{side}_deg")
        elbow_deg = getattr(a, f"elbow_flexion_{side}_deg")
        if abd:
            # Abducted arm: the elbow bends forward, out of the frontal plane.
            arm = _dir(down, outward, abd)
            el = sh + s.upper_arm_m * arm
            fore = np.cos(np.radians(elbow_deg)) * arm + np.sin(np.radians(elbow_deg)) * fwd
            wr = el + s.forearm_m * fore
        else:
            el, wr = _limb(sh, down, fwd, flex, 1.0, elbow_deg, (s.upper_arm_m, s.forearm_m))
        hflex = getattr(a, f"hip_flexion_{side}_deg")
        habd = getattr(a, f"hip_abduction_{side}_deg")
        knee_deg = getattr(a, f"knee_flexion_{side}_deg")
        if habd:
            thigh = _dir(down, outward, habd)
            kn = hip + s.thigh_m * thigh
            shank = np.cos(np.radians(knee_deg)) * thigh - np.sin(np.radians(knee_deg)) * fwd
            an = kn + s.shank_m * shank
        else:
            # The knee bends the shank backward.
            kn, an = _limb(hip, down, fwd, hflex, -1.0, knee_deg, (s.thigh_m, s.shank_m))
        ft = an + s.foot_m * fwd
        for name, val in zip(
            ("SHOULDER", "ELBOW", "WRIST", "HIP", "KNEE", "ANKLE", "FOOT"),
            (sh, el, wr, hip, kn, an, ft),
            strict=True,
        ):
            p[Joint[pre + name]] = val
    # Leans tilt the whole body rigidly about the pelvis (relative angles unchanged).
    rot = _rotation(left, np.radians(a.trunk_lean_sagittal_deg)) @ _rotation(
        fwd, np.radians(a.trunk_lean_lateral_deg)
    )
    return (p - pelvis) @ rot.T + pelvis


def _rotation(axis: np.ndarray, angle_rad: float) -> np.ndarray:
    """Rodrigues rotation matrix about a unit ``axis`` (right-hand rule)."""
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle_rad) * k + (1 - np.cos(angle_rad)) * (k @ k)


def standing_pose(size: BodySize | None = None) -> np.ndarray:
    """Return the ``(18, 3)`` anatomical standing position (all angles zero)."""
    return posed_skeleton(PoseAngles(), size)


def skeleton_series(poses: list[PoseAngles], rate_hz: float = 30.0) -> SkeletonSeries:
    """A :class:`SkeletonSeries` of the given poses, fully visible, at ``rate_hz``."""
    if rate_hz <= 0:
        raise ValidationError("rate_hz", "must be positive")
    xyz = np.stack([posed_skeleton(pa) for pa in poses]) if poses else np.zeros((0, N_JOINTS, 3))
    n = len(poses)
    return SkeletonSeries(
        t_s=np.arange(n) / rate_hz, xyz_m=xyz, visibility=np.ones((n, N_JOINTS)), source="synthetic"
    )
