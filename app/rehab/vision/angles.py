"""Joint angles with clinical goniometric definitions, from the canonical skeleton.

All angles are in degrees. 3D angles (:func:`compute_angles`) are measured in a trunk
frame built from the four torso joints of each frame:

* ``up`` (u): hip centre -> shoulder centre;
* ``left`` (l): the subject's right -> left, from the shoulder and hip lines, made
  orthogonal to ``up``;
* ``forward`` (f) = l x u: where the chest faces.

Definitions (0 is anatomical position, standing, arms at the sides, palms forward):

``shoulder_flexion_<side>``
    Upper arm (shoulder -> elbow) in the trunk's sagittal plane (u, f), from straight
    down: 90 = arm forward horizontal, 180 = overhead, negative = extension. Ill-defined
    when the arm lies in the frontal plane (pure abduction); read it with abduction.
``shoulder_abduction_<side>``
    Upper arm in the trunk's frontal plane (u, l), from straight down, positive away from
    the body on that side (90 = arm out to the side horizontal); in (-90, 270]. Likewise
    ill-defined for an arm in the sagittal plane.
``elbow_flexion_<side>``
    180 minus the angle shoulder-elbow-wrist: 0 = straight arm.
``hip_flexion_<side>``
    Thigh (hip -> knee) in the trunk's sagittal plane from the trunk's down direction:
    positive = thigh forward (sitting is about 90), negative = extension.
``knee_flexion_<side>``
    180 minus the angle hip-knee-ankle: 0 = straight leg.
``hip_abduction_<side>``
    Thigh in the trunk's frontal plane from the trunk's down direction, positive away
    from the midline on that side.
``trunk_lean_sagittal``
    Trunk (hip centre -> shoulder centre) from the vertical (canonical ``+y``) in the
    body's vertical sagittal plane (normal to the horizontal part of the shoulder and
    hip lines), positive = leaning forward.
``trunk_lean_lateral``
    Trunk from the vertical in the body's vertical frontal plane, positive = leaning
    toward the subject's right.
``shoulder_elevation_<side>``
    Shoulder hike, in degrees: tilt of the shoulder line (right -> left shoulder) from
    the perpendicular to the trunk axis, in the frontal plane, positive = this side's
    shoulder raised toward the ear. One tilt, so ``_left == -_right``. Because it is
    measured against the trunk axis, a lateral trunk lean alone does not read as a hike.
    With the hips out of the picture (a seated patient framed at the waist) the trunk
    axis is taken as the vertical, as for the arm's plane angles: the tilt is then from
    the horizontal.
``knee_valgus_<side>``
    Frontal-plane projection angle (FPPA) proxy: the signed deviation angle between thigh
    (hip -> knee) and shank (knee -> ankle) in the trunk's frontal plane, positive =
    knee medial of the hip-ankle line (valgus), negative = varus.
``shank_tilt_<side>``
    Knee over foot: the shank (ankle -> knee) in the trunk's frontal plane (u, l), from
    ``up``, positive = knee medial of the ankle (the knee falls inward over the foot),
    negative = knee outside it. Unlike the valgus angle it needs no thigh, so it stays
    defined in a deep squat, seated or in a lunge, where the thigh points forward out of
    the frontal plane; it is NaN where the shank itself points more than
    ``SHANK_MAX_OUT_OF_PLANE_DEG`` out of that plane (a kneeling lunge's back shank).
``trunk_rotation``
    Trunk twist: the shoulder line (right -> left shoulder) against the hip line (right
    -> left hip), both projected onto the plane normal to the trunk axis (the trunk's
    transverse plane), positive = the shoulders turned to the subject's left of the
    pelvis (counter-clockwise seen from above). A lunge should keep it where it began;
    unlike a frontal-plane angle of the leg it needs no limb, so it stays defined at any
    depth. It needs depth, so the 2D fallback does not give it.
``shoulder_rotation_<side>``
    Shoulder internal-external rotation, read from the forearm (elbow -> wrist) about the
    upper arm's long axis, in the plane normal to the upper arm: 0 = forearm pointing as
    far forward as the arm allows (the trunk's forward made normal to the upper arm),
    positive = external rotation (forearm outward for an arm at the side, upward for an
    arm abducted to 90), negative = internal; in (-180, 180]. Meaningful with the elbow
    bent (about 90); undefined for a straight elbow or an arm pointing forward.

Invariances: every angle except the two trunk leans depends only on the joints relative
to each other, so it is unchanged by any rotation, translation or uniform scaling of the
skeleton; the trunk leans are measured from the vertical and are unchanged by rotations
about the vertical axis. Mirroring the skeleton and swapping left/right labels swaps the
``_left`` and ``_right`` angles and negates ``trunk_lean_lateral`` and ``trunk_rotation``.

Confidence of an angle is the smallest visibility of the joints it uses (0 where the
angle is NaN or the frame is missing). A joint with visibility 0 is *unseen* (outside the
picture, or not present: see :func:`rehab.vision.pose.in_picture_visibility`); an angle
that needs an unseen joint is NaN, never an extrapolation. When a hip is unseen (a
seated patient framed at the waist) the trunk is taken as upright: shoulder flexion and
abduction are measured from the vertical in the plane of the shoulder line and need only
the shoulders; the hip, knee and trunk angles and the shoulder hike are NaN.

2D fallback (:func:`compute_angles_2d`): for one known camera view, the same definitions
are applied to the image projection with the image's vertical as the trunk lean
reference. Only angles that lie (nearly) in the image plane of that view are computed; the
others are NaN with confidence 0:

* ``frontal`` (subject faces the camera; their left appears on the image's right):
  shoulder abduction, elbow flexion, hip abduction, knee valgus, shank tilt, trunk lean
  lateral, shoulder elevation; knee flexion is also given but underestimates any flexion
  toward the camera, as does elbow flexion. Knee valgus is NaN while the thigh is
  foreshortened to under half its image length (:data:`VALGUS_MIN_THIGH_SHARE`).
* ``sagittal_left`` / ``sagittal_right`` (camera on the subject's left / right side; the
  subject faces the image's left / right): shoulder flexion, elbow flexion, hip flexion,
  knee flexion, trunk lean sagittal, for both sides (the far side is more often occluded
  and gets its visibility as confidence).
* ``oblique`` (the body turned 30-60 deg from the camera, :mod:`rehab.vision.view`): no
  body plane faces the camera, so no plane angle (flexion, abduction, valgus, leans,
  hike) can be read from the image; only the joint-inner angles, knee and elbow flexion,
  which the projection flattens (a 90 deg bend in the sagittal plane seen at 45 deg reads
  between about 70 and 110) but keeps rising and falling with the true angle: enough to
  count reps, not to grade the range of motion.

:data:`USABLE_2D_ANGLES` gives these sets by the view of :mod:`rehab.vision.view`
(``frontal``, ``oblique``, ``sagittal``); :func:`compute_angles_2d_by_frame` applies each
frame's own view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np

from rehab.errors import ValidationError
from rehab.vision.skeleton import N_JOINTS, Joint, SkeletonSeries

__all__ = [
    "ANGLE_NAMES",
    "FRONTAL_2D_ANGLES",
    "OBLIQUE_2D_ANGLES",
    "SAGITTAL_2D_ANGLES",
    "USABLE_2D_ANGLES",
    "VALGUS_MIN_THIGH_SHARE",
    "AngleSeries",
    "CameraView",
    "angle_degrees",
    "compute_angles",
    "compute_angles_2d",
    "compute_angles_2d_by_frame",
    "near_side_torso_confidence",
]

ANGLE_NAMES: tuple[str, ...] = (
    "shoulder_flexion_left",
    "shoulder_flexion_right",
    "shoulder_abduction_left",
    "shoulder_abduction_right",
    "elbow_flexion_left",
    "elbow_flexion_right",
    "hip_flexion_left",
    "hip_flexion_right",
    "knee_flexion_left",
    "knee_flexion_right",
    "hip_abduction_left",
    "hip_abduction_right",
    "trunk_lean_sagittal",
    "trunk_lean_lateral",
    "shoulder_elevation_left",
    "shoulder_elevation_right",
    "knee_valgus_left",
    "knee_valgus_right",
    "shoulder_rotation_left",
    "shoulder_rotation_right",
    "shank_tilt_left",
    "shank_tilt_right",
    "trunk_rotation",
)

CameraView = Literal["frontal", "oblique", "sagittal_left", "sagittal_right"]
_CAMERA_VIEWS = ("frontal", "oblique", "sagittal_left", "sagittal_right")

FRONTAL_2D_ANGLES: frozenset[str] = frozenset(
    {
        "shoulder_abduction_left",
        "shoulder_abduction_right",
        "elbow_flexion_left",
        "elbow_flexion_right",
        "knee_flexion_left",
        "knee_flexion_right",
        "hip_abduction_left",
        "hip_abduction_right",
        "trunk_lean_lateral",
        "shoulder_elevation_left",
        "shoulder_elevation_right",
        "knee_valgus_left",
        "knee_valgus_right",
        "shank_tilt_left",
        "shank_tilt_right",
    }
)
SAGITTAL_2D_ANGLES: frozenset[str] = frozenset(
    {
        "shoulder_flexion_left",
        "shoulder_flexion_right",
        "elbow_flexion_left",
        "elbow_flexion_right",
        "hip_flexion_left",
        "hip_flexion_right",
        "knee_flexion_left",
        "knee_flexion_right",
        "trunk_lean_sagittal",
    }
)
OBLIQUE_2D_ANGLES: frozenset[str] = frozenset(
    {"elbow_flexion_left", "elbow_flexion_right", "knee_flexion_left", "knee_flexion_right"}
)
USABLE_2D_ANGLES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "frontal": FRONTAL_2D_ANGLES,
        "oblique": OBLIQUE_2D_ANGLES,
        "sagittal": SAGITTAL_2D_ANGLES,
    }
)
"""The angles the 2D fallback reads, by camera view (:data:`rehab.vision.view.VIEWS`)."""


@dataclass(frozen=True)
class AngleSeries:
    """Joint angle time series.

    Parameters
    ----------
    t_s
        ``(N,)`` sample times in seconds.
    deg
        Angle name (one of :data:`ANGLE_NAMES`) -> ``(N,)`` degrees, NaN where unknown.
    confidence
        Same keys -> ``(N,)`` in 0..1, from landmark visibility; 0 where the angle is NaN.
    """

    t_s: np.ndarray
    deg: Mapping[str, np.ndarray]
    confidence: Mapping[str, np.ndarray]

    def __post_init__(self) -> None:
        n = np.shape(self.t_s)[0]
        if set(self.deg) != set(self.confidence):
            raise ValidationError("confidence", "validation.same_names", other="deg")
        for name in self.deg:
            if name not in ANGLE_NAMES:
                raise ValidationError("deg", "validation.unknown_angle", value=repr(name))
            if np.shape(self.deg[name]) != (n,) or np.shape(self.confidence[name]) != (n,):
                raise ValidationError(name, "validation.shape", expected=f"({n},)",
                                      got=str(np.shape(self.deg[name])))
        # Read-only views so the frozen dataclass is frozen all the way down.
        object.__setattr__(self, "deg", MappingProxyType(dict(self.deg)))
        object.__setattr__(self, "confidence", MappingProxyType(dict(self.confidence)))

    def __len__(self) -> int:
        return int(np.shape(self.t_s)[0])


_SIDES = (("left", "L_"), ("right", "R_"))


# The helpers below run inside the np.errstate of compute_angles / compute_angles_2d:
# NaN from degenerate geometry is intended there.


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.sqrt(np.sum(v * v, axis=-1, keepdims=True))


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=-1)


SHANK_MAX_OUT_OF_PLANE_DEG = 60.0
"""The shank tilt is read only while the shank points at most this far (deg) out of the
frontal plane: nearer its normal, the in-plane part is short and its direction is noise."""

ROTATION_MIN_BEND_DEG = 15.0
"""Shoulder rotation is read from the forearm only when the elbow bends at least this much
(deg): a straighter forearm lies along the upper arm and has no direction about it."""


def _plane_angle_deg(v: np.ndarray, zero_dir: np.ndarray, positive_dir: np.ndarray) -> np.ndarray:
    """Angle of ``v`` in the plane (zero_dir, positive_dir), from ``zero_dir``, in degrees.

    Returns
    -------
    numpy.ndarray
        Angles in degrees in (-180, 180]; NaN where ``v`` is (almost) normal to the plane.
    """
    y, x = _dot(v, positive_dir), _dot(v, zero_dir)
    out = np.degrees(np.arctan2(y, x))
    # A vector (almost) normal to the plane has no angle there: below this relative
    # in-plane length the direction is rounding noise.
    out[np.hypot(x, y) <= 1e-9 * np.sqrt(_dot(v, v))] = np.nan
    return out


def _wrap_limb_deg(angle_deg: np.ndarray) -> np.ndarray:
    """Put a limb elevation angle in (-90, 270].

    Extension/adduction never passes -90, so an arm raised slightly past overhead reads
    185, not -175.

    Returns
    -------
    numpy.ndarray
        The angles in degrees, in (-90, 270].
    """
    return np.where(angle_deg <= -90.0, angle_deg + 360.0, angle_deg)


def _inner_angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle between vectors ``a`` and ``b`` in degrees (0..180), NaN if either is zero.

    Returns
    -------
    numpy.ndarray
        Angles in degrees, 0..180.
    """
    ua, ub = _unit(a), _unit(b)
    # atan2 of |cross| and dot is accurate near 0 and 180, unlike arccos.
    if a.shape[-1] == 3:
        c = _cross(ua, ub)
        cross = np.sqrt(_dot(c, c))
    else:
        cross = np.abs(ua[..., 0] * ub[..., 1] - ua[..., 1] * ub[..., 0])
    return np.degrees(np.arctan2(cross, _dot(ua, ub)))


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product of ``(N, 3)`` arrays (numpy's own is slow on small arrays).

    Returns
    -------
    numpy.ndarray
        ``(N, 3)`` cross products ``a x b``.
    """
    return np.stack(
        [
            a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1],
            a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2],
            a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0],
        ],
        axis=-1,
    )


def _signed_deviation_deg(d1: np.ndarray, d2: np.ndarray, x_dir, y_dir) -> np.ndarray:
    """Signed angle from d1 to d2 measured in the (x_dir, y_dir) plane, in degrees.

    Returns
    -------
    numpy.ndarray
        Angles in degrees in (-180, 180]; NaN where either segment is (almost) normal to
        the plane.
    """
    x1, y1 = _dot(d1, x_dir), _dot(d1, y_dir)
    x2, y2 = _dot(d2, x_dir), _dot(d2, y_dir)
    out = np.degrees(np.arctan2(x1 * y2 - y1 * x2, x1 * x2 + y1 * y2))
    # A segment (almost) normal to the plane has no direction in it (see above).
    degenerate = (np.hypot(x1, y1) <= 1e-9 * np.sqrt(_dot(d1, d1))) | (
        np.hypot(x2, y2) <= 1e-9 * np.sqrt(_dot(d2, d2))
    )
    out[degenerate] = np.nan
    return out


@dataclass(frozen=True)
class _Frame:
    """Per-sample body axes (each ``(N, D)``) and the vertical used for trunk leans."""

    up: np.ndarray
    left: np.ndarray | None  # None where the view cannot see the frontal plane
    forward: np.ndarray | None  # None where the view cannot see the sagittal plane
    vertical: np.ndarray
    lean_left: np.ndarray | None
    lean_forward: np.ndarray | None


def _angles(p: np.ndarray, fr: _Frame, wanted: frozenset[str]) -> dict[str, np.ndarray]:
    """All angles in ``wanted`` from points ``p`` (N, 18, D) and body axes ``fr``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``(N,)`` degrees per angle name, only the names in ``wanted`` that ``fr`` can
        measure.
    """
    out: dict[str, np.ndarray] = {}
    down = -fr.up
    mid_sh = 0.5 * (p[:, Joint.L_SHOULDER] + p[:, Joint.R_SHOULDER])
    mid_hip = 0.5 * (p[:, Joint.L_HIP] + p[:, Joint.R_HIP])
    trunk = mid_sh - mid_hip
    for side, pre in _SIDES:
        sh, el, wr = (p[:, Joint[pre + n]] for n in ("SHOULDER", "ELBOW", "WRIST"))
        hip, kn, an = (p[:, Joint[pre + n]] for n in ("HIP", "KNEE", "ANKLE"))
        arm, thigh = el - sh, kn - hip
        out[f"elbow_flexion_{side}"] = 180.0 - _inner_angle_deg(sh - el, wr - el)
        out[f"knee_flexion_{side}"] = 180.0 - _inner_angle_deg(hip - kn, an - kn)
        if fr.forward is not None:
            out[f"shoulder_flexion_{side}"] = _wrap_limb_deg(
                _plane_angle_deg(arm, down, fr.forward)
            )
            out[f"hip_flexion_{side}"] = _wrap_limb_deg(_plane_angle_deg(thigh, down, fr.forward))
        if fr.left is not None:
            outward = fr.left if side == "left" else -fr.left
            out[f"shoulder_abduction_{side}"] = _wrap_limb_deg(_plane_angle_deg(arm, down, outward))
            out[f"hip_abduction_{side}"] = _wrap_limb_deg(_plane_angle_deg(thigh, down, outward))
            # Valgus = knee medial: thigh turns outward-to-inward; measured in (outward, up).
            out[f"knee_valgus_{side}"] = _signed_deviation_deg(thigh, an - kn, outward, fr.up)
            shank = kn - an
            tilt = _plane_angle_deg(shank, fr.up, -outward)
            in_plane = np.hypot(_dot(shank, fr.up), _dot(shank, outward))
            steep = in_plane < np.cos(np.radians(SHANK_MAX_OUT_OF_PLANE_DEG)) * np.sqrt(
                _dot(shank, shank))
            out[f"shank_tilt_{side}"] = np.where(steep, np.nan, tilt)
        if fr.left is not None and fr.forward is not None and p.shape[-1] == 3:
            # Forearm about the upper arm: zero = trunk forward made normal to the arm,
            # positive = arm x zero (right side) / zero x arm (left side): outward for an
            # arm at the side, upward for an arm abducted to 90.
            ua = _unit(arm)
            zero = fr.forward - _dot(fr.forward, ua)[:, None] * ua
            positive = _cross(ua, zero) if side == "right" else _cross(zero, ua)
            forearm = wr - el
            rotation = _plane_angle_deg(forearm, zero, positive)
            # With the elbow within ROTATION_MIN_BEND_DEG of straight, the forearm hardly
            # leaves the upper arm's line and its turn about it is noise: no value.
            in_plane = np.hypot(_dot(forearm, zero), _dot(forearm, positive))
            straight = in_plane < np.sin(np.radians(ROTATION_MIN_BEND_DEG)) * np.sqrt(
                _dot(forearm, forearm)) * np.sqrt(_dot(zero, zero))
            out[f"shoulder_rotation_{side}"] = np.where(straight, np.nan, rotation)
    if fr.left is not None:
        shoulder_line = p[:, Joint.L_SHOULDER] - p[:, Joint.R_SHOULDER]
        tilt = _plane_angle_deg(shoulder_line, fr.left, fr.up)
        out["shoulder_elevation_left"] = tilt
        out["shoulder_elevation_right"] = -tilt
    if fr.left is not None and fr.forward is not None and p.shape[-1] == 3:
        # Both lines in the transverse plane (normal to up), the hip line's direction as
        # zero: the turn of the shoulders about the trunk axis relative to the pelvis.
        hip_line = p[:, Joint.L_HIP] - p[:, Joint.R_HIP]
        hip_zero = hip_line - _dot(hip_line, fr.up)[:, None] * fr.up
        shoulder_line = p[:, Joint.L_SHOULDER] - p[:, Joint.R_SHOULDER]
        out["trunk_rotation"] = _plane_angle_deg(
            shoulder_line, _unit(hip_zero), _cross(_unit(hip_zero), fr.up) * -1.0
        )
    if fr.lean_forward is not None:
        out["trunk_lean_sagittal"] = _plane_angle_deg(trunk, fr.vertical, fr.lean_forward)
    if fr.lean_left is not None:
        out["trunk_lean_lateral"] = _plane_angle_deg(trunk, fr.vertical, -fr.lean_left)
    return {k: v for k, v in out.items() if k in wanted}


# Joints each angle uses, for its confidence.
_TORSO = (Joint.L_SHOULDER, Joint.R_SHOULDER, Joint.L_HIP, Joint.R_HIP)


def _joints_of(name: str) -> tuple[Joint, ...]:
    if name.startswith(("trunk_lean", "trunk_rotation", "shoulder_elevation")):
        return _TORSO
    side = "L_" if name.endswith("_left") else "R_"
    parts = {
        "shoulder_flexion": ("SHOULDER", "ELBOW"),
        "shoulder_abduction": ("SHOULDER", "ELBOW"),
        "elbow_flexion": ("SHOULDER", "ELBOW", "WRIST"),
        "hip_flexion": ("HIP", "KNEE"),
        "hip_abduction": ("HIP", "KNEE"),
        "knee_flexion": ("HIP", "KNEE", "ANKLE"),
        "knee_valgus": ("HIP", "KNEE", "ANKLE"),
        "shank_tilt": ("KNEE", "ANKLE"),
        "shoulder_rotation": ("SHOULDER", "ELBOW", "WRIST"),
    }[name.rsplit("_", 1)[0]]
    own = tuple(Joint[side + part] for part in parts)
    # Plane angles also depend on the trunk frame; joint-inner angles do not.
    return own if name.startswith(("elbow_flexion", "knee_flexion")) else own + _TORSO


_ANGLE_JOINTS: dict[str, list[int]] = {
    name: [int(j) for j in _joints_of(name)] for name in ANGLE_NAMES
}


# The joints of each angle other than the torso's four (a shoulder's elevation: its own
# shoulder).
def _own_joints(name: str) -> list[int]:
    if name.startswith("trunk_lean"):
        return []
    if name == "trunk_rotation":  # the shoulder line against the hip line: all four
        return [int(j) for j in _TORSO]
    if name.startswith("shoulder_elevation"):
        return [int(Joint.L_SHOULDER if name.endswith("_left") else Joint.R_SHOULDER)]
    joints = _joints_of(name)
    if name.startswith(("elbow_flexion", "knee_flexion")):
        return [int(j) for j in joints]  # joint-inner: no trunk frame
    return [int(j) for j in joints[: -len(_TORSO)]]  # _joints_of appends the torso's four


_ANGLE_JOINTS_OWN: dict[str, list[int]] = {name: _own_joints(name) for name in ANGLE_NAMES}


def near_side_torso_confidence(visibility: np.ndarray) -> np.ndarray:
    """Per frame, how well the trunk is seen: its better-seen side's shoulder and hip.

    Side-on, the far shoulder and hip are half hidden (MediaPipe gives them visibility
    ~0.3) yet placed by the model in line with the near ones; the trunk is then as well
    seen as its near side. A torso joint out of the picture (visibility 0) makes it 0:
    its position is never used, and the trunk is not seen.

    Parameters
    ----------
    visibility
        ``(N, 18)`` canonical joints' visibility, 0..1.

    Returns
    -------
    numpy.ndarray
        ``(N,)``: the larger over the two sides of min(shoulder, hip) visibility; 0
        where a torso joint is out of the picture.
    """
    vis = np.nan_to_num(np.asarray(visibility, dtype=float), nan=0.0)
    better = np.maximum(np.minimum(vis[:, Joint.L_SHOULDER], vis[:, Joint.L_HIP]),
                        np.minimum(vis[:, Joint.R_SHOULDER], vis[:, Joint.R_HIP]))
    return np.where((vis[:, list(_TORSO)] > 0.0).all(axis=1), better, 0.0)


# Joints a plane angle of the arm, or a shoulder's elevation, uses when the hips are out of
# view (trunk axis taken as the vertical, see compute_angles): its own joints and the
# shoulders. The elevation is then the shoulder line's tilt from the horizontal; the
# compensation rules read it as a change within the rep, so a tilted camera cancels out.
_UPPER = (Joint.L_SHOULDER, Joint.R_SHOULDER)
_ANGLE_JOINTS_NO_HIPS: dict[str, list[int]] = {
    name: sorted({int(j) for j in _joints_of(name) if j not in _TORSO} | {int(j) for j in _UPPER})
    for name in ANGLE_NAMES
    if name.startswith(("shoulder_flexion", "shoulder_abduction", "shoulder_elevation"))
}


def _package(
    t_s: np.ndarray,
    deg: dict[str, np.ndarray],
    visibility: np.ndarray,
    hips_seen: np.ndarray | None = None,
    torso_conf: np.ndarray | None = None,
) -> AngleSeries:
    """Angles with their confidence; an angle that needs an unseen joint is NaN.

    A joint is unseen where its visibility is 0 (out of the picture or not present, see
    :func:`rehab.vision.pose.in_picture_visibility`). Where ``hips_seen`` is False the
    arm's plane angles and the shoulders' elevation were measured against the vertical
    and need only the shoulders (and the arm's own joints).
    ``torso_conf`` (per frame), when given, stands for the four torso joints' visibility
    (a side view's trunk from the near side alone).

    Returns
    -------
    AngleSeries
        All :data:`ANGLE_NAMES`; missing or unseen ones NaN with confidence 0.
    """
    vis = np.nan_to_num(np.asarray(visibility, dtype=float), nan=0.0)
    full_deg: dict[str, np.ndarray] = {}
    conf: dict[str, np.ndarray] = {}
    for name in ANGLE_NAMES:
        d = deg.get(name)
        if d is None:
            d = np.full(len(t_s), np.nan)
        c = vis[:, _ANGLE_JOINTS[name]].min(axis=1)
        if torso_conf is not None and len(_ANGLE_JOINTS_OWN[name]) < len(_ANGLE_JOINTS[name]):
            own = _ANGLE_JOINTS_OWN[name]
            c = np.minimum(vis[:, own].min(axis=1), torso_conf) if own else torso_conf
        if hips_seen is not None and name in _ANGLE_JOINTS_NO_HIPS:
            c = np.where(hips_seen, c, vis[:, _ANGLE_JOINTS_NO_HIPS[name]].min(axis=1))
        d = np.where(c > 0.0, d, np.nan)
        c = np.where(np.isnan(d), 0.0, np.clip(c, 0.0, 1.0))
        full_deg[name] = d
        conf[name] = c
    return AngleSeries(t_s=np.asarray(t_s, dtype=float), deg=full_deg, confidence=conf)


def _frame_3d(p: np.ndarray, hips_seen: np.ndarray | None = None) -> _Frame:
    mid_sh = 0.5 * (p[:, Joint.L_SHOULDER] + p[:, Joint.R_SHOULDER])
    mid_hip = 0.5 * (p[:, Joint.L_HIP] + p[:, Joint.R_HIP])
    vertical = np.broadcast_to(np.array([0.0, 1.0, 0.0]), mid_sh.shape)
    up = _unit(mid_sh - mid_hip)
    lateral = (p[:, Joint.L_SHOULDER] - p[:, Joint.R_SHOULDER]) + (
        p[:, Joint.L_HIP] - p[:, Joint.R_HIP]
    )
    if hips_seen is not None:
        # Hips out of view: the trunk is taken as upright (seated or standing patient,
        # level camera) and its left from the shoulder line alone.
        no_hips = ~hips_seen[:, None]
        up = np.where(no_hips, vertical, up)
        shoulder_line = p[:, Joint.L_SHOULDER] - p[:, Joint.R_SHOULDER]
        lateral = np.where(no_hips, shoulder_line, lateral)
    left = _unit(lateral - _dot(lateral, up)[:, None] * up)
    forward = _cross(left, up)
    # The body's horizontal axes give the planes in which the trunk lean is read; the
    # shoulder and hip lines together are steadier than the hip line alone (monocular
    # depth of the hips is poor).
    lean_left = _unit(lateral - _dot(lateral, vertical)[:, None] * vertical)
    lean_forward = _cross(lean_left, vertical)
    return _Frame(up, left, forward, vertical, lean_left, lean_forward)


def compute_angles(series: SkeletonSeries) -> AngleSeries:
    """Compute all :data:`ANGLE_NAMES` in 3D from a canonical skeleton series.

    Parameters
    ----------
    series
        The skeleton; missing frames give NaN angles with confidence 0.

    Returns
    -------
    AngleSeries
        Every name in :data:`ANGLE_NAMES`, degrees, with confidence from visibility.

    Examples
    --------
    >>> import numpy as np
    >>> from rehab.vision.skeleton import SkeletonSeries
    >>> from rehab.datasets.synthetic import standing_pose
    >>> s = SkeletonSeries(np.zeros(1), standing_pose()[None], np.ones((1, 18)), "test")
    >>> round(float(compute_angles(s).deg["elbow_flexion_left"][0]), 1)
    0.0
    """
    p = np.asarray(series.xyz_m, dtype=float)
    # Degenerate geometry (missing frames, zero-length segments) yields NaN on purpose,
    # reported as confidence 0; numpy's warnings about it are not errors here. (Inside a
    # process that runs TFLite, denormals may be flushed to zero, making more such cases.)
    vis = np.nan_to_num(np.asarray(series.visibility, dtype=float), nan=0.0)
    # Unseen joints (visibility 0: out of the picture) are never used: no extrapolation.
    p = np.where(vis[..., None] > 0.0, p, np.nan)
    hips_seen = (vis[:, Joint.L_HIP] > 0.0) & (vis[:, Joint.R_HIP] > 0.0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        deg = _angles(p, _frame_3d(p, hips_seen), frozenset(ANGLE_NAMES))
    return _package(series.t_s, deg, vis, hips_seen, near_side_torso_confidence(vis))


def angle_degrees(xyz_m: np.ndarray, names: Iterable[str]) -> dict[str, np.ndarray]:
    """Degrees of the named 3D angles of a skeleton whose joints are all seen.

    What :func:`compute_angles` gives for these names when every visibility is 1, without
    the confidences and the other angles (a third of its cost for the learned model's 18).

    Parameters
    ----------
    xyz_m
        ``(N, 18, 3)`` canonical joints, all of them seen.
    names
        Names from :data:`ANGLE_NAMES`.

    Returns
    -------
    dict of str to numpy.ndarray
        ``(N,)`` degrees per name (NaN where the geometry is degenerate).

    Raises
    ------
    KeyError
        A name is not in :data:`ANGLE_NAMES`.
    """
    wanted = frozenset(names)
    unknown = wanted - set(ANGLE_NAMES)
    if unknown:
        raise KeyError(f"unknown angle names: {sorted(unknown)}")
    p = np.asarray(xyz_m, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        deg = _angles(p, _frame_3d(p, np.ones(len(p), dtype=bool)), wanted)
    return {name: deg.get(name, np.full(len(p), np.nan)) for name in wanted}


def compute_angles_2d(
    image_xy: np.ndarray,
    visibility: np.ndarray,
    t_s: np.ndarray,
    view: CameraView,
) -> AngleSeries:
    """Compute the angles one known camera view can see, from 2D image points.

    Parameters
    ----------
    image_xy
        ``(N, 18, 2)`` canonical joints in image pixels (``x`` right, ``y`` down), aspect
        ratio already handled (both axes in pixels); NaN rows for missing frames. Use
        :func:`rehab.vision.skeleton.blazepose_to_canonical_points` on BlazePose's 33.
    visibility
        ``(N, 18)`` in 0..1.
    t_s
        ``(N,)`` sample times in seconds.
    view
        ``"frontal"``, ``"oblique"``, ``"sagittal_left"`` or ``"sagittal_right"`` (module
        docstring). Assumes a level camera (the image's vertical is the true vertical).

    Returns
    -------
    AngleSeries
        All :data:`ANGLE_NAMES`; those the view cannot see are NaN with confidence 0.

    Raises
    ------
    ValidationError
        If ``image_xy`` is not ``(N, 18, 2)`` or ``view`` is not one of the four views.
    """
    xy = np.asarray(image_xy, dtype=float)
    if xy.ndim != 3 or xy.shape[1:] != (N_JOINTS, 2):
        raise ValidationError("image_xy", "validation.shape", expected=f"(N, {N_JOINTS}, 2)",
                              got=str(xy.shape))
    if view not in _CAMERA_VIEWS:
        raise ValidationError("view", "validation.one_of",
                              allowed=", ".join(_CAMERA_VIEWS), value=repr(view))
    p = xy * np.array([1.0, -1.0])  # y up, so the 3D definitions read the same
    # NaN from degenerate geometry is intended (see compute_angles).
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return _angles_2d(p, visibility, t_s, view)


def _angles_2d(p: np.ndarray, visibility: np.ndarray, t_s: np.ndarray, view: str) -> AngleSeries:
    mid_sh = 0.5 * (p[:, Joint.L_SHOULDER] + p[:, Joint.R_SHOULDER])
    mid_hip = 0.5 * (p[:, Joint.L_HIP] + p[:, Joint.R_HIP])
    up = _unit(mid_sh - mid_hip)
    # Rotating `up` by -90 deg gives the image-right direction of the trunk.
    image_right = np.stack([up[:, 1], -up[:, 0]], axis=1)
    vertical = np.broadcast_to(np.array([0.0, 1.0]), up.shape)
    vertical_right = np.broadcast_to(np.array([1.0, 0.0]), up.shape)
    if view == "frontal":
        # Facing the camera, the subject's left is on the image's right.
        fr = _Frame(up, image_right, None, vertical, vertical_right, None)
        deg = _angles(p, fr, FRONTAL_2D_ANGLES)
        _drop_foreshortened_valgus(p, visibility, deg)
    elif view == "oblique":
        fr = _Frame(up, None, None, vertical, None, None)
        deg = _angles(p, fr, OBLIQUE_2D_ANGLES)
    else:
        # Side-on, the far shoulder and hip hide behind the near ones (half seen, low
        # visibility) and lie on the same image line: the trunk is the near side's
        # shoulder -> hip, and its confidence that side's, so the far side's low
        # visibility does not blank the trunk lean and hip flexion.
        vis = np.nan_to_num(np.asarray(visibility, dtype=float), nan=0.0)
        seen = {pre: np.minimum(vis[:, Joint[pre + "SHOULDER"]], vis[:, Joint[pre + "HIP"]])
                for pre in ("L_", "R_")}
        near_left = (seen["L_"] >= seen["R_"])[:, None]  # see near_side_torso_confidence
        near_sh = np.where(near_left, p[:, Joint.L_SHOULDER], p[:, Joint.R_SHOULDER])
        near_hip = np.where(near_left, p[:, Joint.L_HIP], p[:, Joint.R_HIP])
        up = _unit(near_sh - near_hip)
        image_right = np.stack([up[:, 1], -up[:, 0]], axis=1)
        sign = -1.0 if view == "sagittal_left" else 1.0
        fr = _Frame(up, None, sign * image_right, vertical, None, sign * vertical_right)
        deg = _angles(p, fr, SAGITTAL_2D_ANGLES)
        return _package(t_s, deg, visibility, torso_conf=near_side_torso_confidence(vis))
    return _package(t_s, deg, visibility)


VALGUS_MIN_THIGH_SHARE = 0.5
"""2D knee valgus is read only while the thigh's image length is at least this share of its
long (95th percentile) image length in the series. A thigh turned more than 60 deg out of
the image plane (cos 60 = 0.5: toward the camera, deep in a squat) has an image direction
set by how far it points forward, not by the knee's inward travel: its valgus flips
through 180. Clinically the frontal-plane projection angle is read at 45-60 deg of knee
flexion, where the thigh is still long in the image."""


def _drop_foreshortened_valgus(
    p: np.ndarray, visibility: np.ndarray, deg: dict[str, np.ndarray]
) -> None:
    """Set 2D knee valgus to NaN (in ``deg``) where the thigh is foreshortened.

    See :data:`VALGUS_MIN_THIGH_SHARE`; ``p`` is ``(N, 18, 2)``, ``visibility`` ``(N, 18)``.
    """
    vis = np.nan_to_num(np.asarray(visibility, dtype=float), nan=0.0)
    for side, pre in _SIDES:
        hip, knee = Joint[pre + "HIP"], Joint[pre + "KNEE"]
        length = np.hypot(*(p[:, knee] - p[:, hip]).T)
        seen = (vis[:, hip] > 0.0) & (vis[:, knee] > 0.0) & np.isfinite(length)
        if not seen.any():
            continue
        long_px = float(np.percentile(length[seen], 95))
        name = f"knee_valgus_{side}"
        deg[name] = np.where(length >= VALGUS_MIN_THIGH_SHARE * long_px, deg[name], np.nan)


def compute_angles_2d_by_frame(
    image_xy: np.ndarray,
    visibility: np.ndarray,
    t_s: np.ndarray,
    views: tuple[CameraView | None, ...] | list[CameraView | None],
) -> AngleSeries:
    """2D angles with each frame read in its own camera view (:func:`compute_angles_2d`).

    Parameters
    ----------
    image_xy
        ``(N, 18, 2)`` canonical joints in image pixels, as for :func:`compute_angles_2d`.
    visibility
        ``(N, 18)`` in 0..1.
    t_s
        ``(N,)`` sample times in seconds.
    views
        ``N`` views, each ``"frontal"``, ``"oblique"``, ``"sagittal_left"``,
        ``"sagittal_right"`` or None (unknown: every angle NaN in that frame).

    Returns
    -------
    AngleSeries
        All :data:`ANGLE_NAMES`; in each frame those its view cannot see are NaN with
        confidence 0.

    Raises
    ------
    ValidationError
        If ``views`` does not have one entry per frame, or as :func:`compute_angles_2d`.

    Examples
    --------
    >>> xy = np.zeros((2, 18, 2)); vis = np.ones((2, 18))
    >>> a = compute_angles_2d_by_frame(xy, vis, np.array([0.0, 0.1]), ["frontal", None])
    >>> a.confidence["knee_flexion_left"].tolist()
    [0.0, 0.0]
    """
    n = np.shape(image_xy)[0]
    if len(views) != n:
        raise ValidationError("views", "validation.shape", expected=f"({n},)",
                              got=f"({len(views)},)")
    view_of = np.array([v or "" for v in views], dtype=object)
    deg = {name: np.full(n, np.nan) for name in ANGLE_NAMES}
    conf = {name: np.zeros(n) for name in ANGLE_NAMES}
    for view in sorted({v for v in views if v is not None}):
        rows = view_of == view
        part = compute_angles_2d(image_xy, visibility, t_s, view)
        for name in ANGLE_NAMES:
            deg[name][rows] = part.deg[name][rows]
            conf[name][rows] = part.confidence[name][rows]
    return AngleSeries(t_s=np.asarray(t_s, dtype=float), deg=deg, confidence=conf)
