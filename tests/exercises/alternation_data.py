"""Alternating-limb sequences built from real UI-PRMD recordings (for test_alternating.py).

UI-PRMD has no alternating exercise: each file is one repetition of one limb (m02 hurdle
step: one leg steps; m03 in-line lunge: one leg in front). A subject's files alternated
with their left-right mirror image (joints swapped left <-> right, the lateral axis
negated: the same person doing the same movement with the other limb) make an alternating
set of real movements with a known number of reps and a known side for each:

- :func:`alternate` plays them one after another, each file from its own standing rest;
- :func:`overlapped` starts each lift while the previous leg is still coming down (the
  next part's torso and stepping leg, the previous part's leg carried on over its return);
- :func:`with_follower` adds to the far limb a scaled copy of the near limb's movement, as
  MediaPipe drags the far arm or leg along from a side view, with that limb's visibility;
- :func:`seated` sits the skeleton down: thighs rotated forward about the hips to
  horizontal at rest, the shanks keeping their real direction, the real hip flexion of each
  leg added on top, scaled (a seated knee lift is a fraction of a standing hurdle step);
- :func:`arms_from_knees` bends each elbow as the same side's knee bends (the hurdle step's
  stepping knee flexes about 100-140 deg and back: a real hinge-joint flexion-extension,
  with its real onset, speed, hold and sensor noise), for alternating curls; UI-PRMD holds
  no elbow flexion and the KERAAL sample's elbows do not curl (ELK reaches overhead once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rehab.datasets.ui_prmd import find_episodes, load_episode
from rehab.vision.angles import compute_angles
from rehab.vision.skeleton import MIRROR_JOINT, Joint, SkeletonSeries

RATE_HZ = 30.0
_MIRROR = [int(j) for j in MIRROR_JOINT]
_LEG = ("KNEE", "ANKLE", "FOOT")
_ARM = ("ELBOW", "WRIST")
_PREFIX = {"left": "L_", "right": "R_"}


def other(side: str) -> str:
    """The opposite side."""
    return "right" if side == "left" else "left"


@dataclass(frozen=True)
class Part:
    """One real repetition and the side that does it."""

    series: SkeletonSeries
    side: str


def mirrored(series: SkeletonSeries) -> SkeletonSeries:
    """The left-right mirror image: joints swapped, the lateral (x) axis negated."""
    xyz = np.asarray(series.xyz_m, dtype=float)[:, _MIRROR] * np.array([-1.0, 1.0, 1.0])
    vis = np.asarray(series.visibility, dtype=float)[:, _MIRROR]
    return SkeletonSeries(series.t_s, xyz, vis, series.source)


def episodes(root: Path, movement: int, subject: int) -> list[SkeletonSeries]:
    """The subject's correct repetitions of one movement, each from t = 0."""
    return [load_episode(ep) for ep in find_episodes(root, movement, subject=subject)]


def alternating_parts(series: Sequence[SkeletonSeries], side: str) -> list[Part]:
    """Even files as recorded (limb ``side``), odd files mirrored (the other limb)."""
    return [
        Part(s, side) if i % 2 == 0 else Part(mirrored(s), other(side))
        for i, s in enumerate(series)
    ]


def _frames(xyz: np.ndarray, vis: np.ndarray, rate_hz: float) -> SkeletonSeries:
    return SkeletonSeries(np.arange(len(xyz)) / rate_hz, xyz, vis, "ui_prmd")


def alternate(parts: Sequence[Part], rate_hz: float = RATE_HZ) -> SkeletonSeries:
    """The parts one after another, each from its own rest (one sample apart)."""
    return _frames(np.concatenate([p.series.xyz_m for p in parts]),
                   np.concatenate([p.series.visibility for p in parts]), rate_hz)


def _phases(part: Part, angle: str) -> tuple[int, int, int]:
    """Onset, start of the return and offset frames of the part's limb.

    Onset and offset: 10 % of its range above rest; the return is under way after the
    last frame at half the range (a hurdle step's thigh stays up at a third to a half of
    its range while the heel taps beyond the hurdle: not yet a return).
    """
    a = np.nan_to_num(compute_angles(part.series).deg[f"{angle}_{part.side}"])
    rest = float(np.median(a[:5]))
    top = float(np.max(a)) - rest
    above = np.nonzero(a > rest + 0.1 * top)[0]
    high = np.nonzero(a > rest + 0.5 * top)[0]
    return int(above[0]), int(high[-1]), int(above[-1])


def overlapped(
    parts: Sequence[Part], lead: float = 0.0, angle: str = "hip_flexion",
    rate_hz: float = RATE_HZ,
) -> SkeletonSeries:
    """The parts with each lift starting ``lead`` of the way down the previous return.

    The return runs from where the previous limb comes down through half its range to its
    offset (10 %): with ``lead`` 0 the next limb starts up as the last one passes half
    way down, so the rest of that return overlaps the next rise (but nobody marches with
    both knees up).

    Each output frame is the latest started part's frame, except the previous part's limb
    (the other side), which keeps its own movement relative to its hip until that part's
    recording ends: one leg still returning while the next one rises.
    """
    phases = [_phases(p, angle) for p in parts]
    first = [0]
    for i in range(1, len(parts)):
        _, down, off = phases[i - 1]
        onset = first[i - 1] + down + lead * (off - down)
        first.append(max(first[i - 1] + 1, round(onset) - phases[i][0]))
    n = max(f + len(p.series.t_s) for f, p in zip(first, parts, strict=True))
    xyz = np.zeros((n, len(Joint), 3))
    vis = np.zeros((n, len(Joint)))
    for g in range(n):
        i = max(k for k, f in enumerate(first) if f <= g)
        own = parts[i].series
        j = min(g - first[i], len(own.t_s) - 1)
        xyz[g], vis[g] = own.xyz_m[j], own.visibility[j]
        if i > 0 and g - first[i - 1] < len(parts[i - 1].series.t_s):
            prev, k = parts[i - 1], g - first[i - 1]
            pre = _PREFIX[prev.side]
            hip = Joint[pre + "HIP"]
            for name in _LEG:
                jt = Joint[pre + name]
                xyz[g, jt] = xyz[g, hip] + prev.series.xyz_m[k, jt] - prev.series.xyz_m[k, hip]
    return _frames(xyz, vis, rate_hz)


def _limb(limb: str) -> tuple[str, tuple[str, ...]]:
    return ("HIP", _LEG) if limb == "leg" else ("SHOULDER", _ARM)


def with_follower(
    series: SkeletonSeries, near: str, limb: str, gain: float, far_visibility: float,
    lag_frames: int = 2,
) -> SkeletonSeries:
    """The far limb also moves ``gain`` times the near limb's movement, mirrored.

    The near limb's movement is its offset from its root joint (hip or shoulder) minus the
    median offset (its rest); the far limb's own joints (not its root) get
    ``far_visibility``. ``lag_frames`` delays the follower a little, as a tracker does.
    """
    root, joints = _limb(limb)
    xyz = np.array(series.xyz_m, dtype=float)
    vis = np.array(series.visibility, dtype=float)
    n_pre, f_pre = _PREFIX[near], _PREFIX[other(near)]
    flip = np.array([-1.0, 1.0, 1.0])
    for name in joints:
        off = xyz[:, Joint[n_pre + name]] - xyz[:, Joint[n_pre + root]]
        moved = (off - np.median(off, axis=0)) * flip
        moved = np.concatenate([np.repeat(moved[:1], lag_frames, axis=0), moved])[: len(off)]
        xyz[:, Joint[f_pre + name]] += gain * moved
        vis[:, Joint[f_pre + name]] = far_visibility
    return SkeletonSeries(series.t_s, xyz, vis, series.source)


def turned_side_on(series: SkeletonSeries) -> SkeletonSeries:
    """Turned 90 deg about the vertical: the subject's left side toward the camera."""
    p = np.asarray(series.xyz_m, dtype=float)
    centre = np.nanmean(p[:, Joint.PELVIS], axis=0)
    q = p - centre
    rotated = np.stack([q[..., 2], q[..., 1], -q[..., 0]], axis=-1) + centre
    return SkeletonSeries(series.t_s, rotated, series.visibility, series.source)


def _body_axes(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-frame unit up, left and forward of the trunk, as rehab.vision.angles builds them."""
    mid_sh = 0.5 * (p[:, Joint.L_SHOULDER] + p[:, Joint.R_SHOULDER])
    mid_hip = 0.5 * (p[:, Joint.L_HIP] + p[:, Joint.R_HIP])
    up = mid_sh - mid_hip
    up /= np.linalg.norm(up, axis=1, keepdims=True)
    lateral = (p[:, Joint.L_SHOULDER] - p[:, Joint.R_SHOULDER]) + (
        p[:, Joint.L_HIP] - p[:, Joint.R_HIP])
    left = lateral - np.sum(lateral * up, axis=1, keepdims=True) * up
    left /= np.linalg.norm(left, axis=1, keepdims=True)
    return up, left, np.cross(left, up)


def _rotate(v: np.ndarray, axis: np.ndarray, angle_rad: np.ndarray) -> np.ndarray:
    """Rodrigues: each row of ``v`` about the matching unit ``axis`` row."""
    c, s = np.cos(angle_rad)[:, None], np.sin(angle_rad)[:, None]
    return v * c + np.cross(axis, v) * s + axis * np.sum(axis * v, axis=1, keepdims=True) * (1 - c)


def seated(series: SkeletonSeries, lift_scale: float) -> SkeletonSeries:
    """Sit the skeleton down, each leg's real hip flexion added on top, scaled.

    Each thigh is turned forward about its hip by ``90 - (1 - lift_scale) * flexion``
    degrees, so that a standing thigh (flexion 0) lies horizontal and a real lift of
    ``flexion`` becomes ``90 + lift_scale * flexion``; the shank and foot keep their real
    direction from the moved knee.
    """
    p = np.array(series.xyz_m, dtype=float)
    deg = compute_angles(series).deg
    _, left, _ = _body_axes(p)
    for side, pre in _PREFIX.items():
        flexion = np.nan_to_num(deg[f"hip_flexion_{side}"])
        turn = np.radians(90.0 - (1.0 - lift_scale) * flexion)
        hip, knee = p[:, Joint[pre + "HIP"]], p[:, Joint[pre + "KNEE"]]
        new_knee = hip + _rotate(knee - hip, -left, turn)
        shift = new_knee - knee
        for name in _LEG:
            p[:, Joint[pre + name]] += shift
    return SkeletonSeries(series.t_s, p, series.visibility, series.source)


def arms_from_knees(
    series: SkeletonSeries, upper_arm_m: float = 0.28, forearm_m: float = 0.25
) -> SkeletonSeries:
    """Upper arms hanging along the trunk, each elbow bent as far as its knee is."""
    p = np.array(series.xyz_m, dtype=float)
    deg = compute_angles(series).deg
    up, _, forward = _body_axes(p)
    for side, pre in _PREFIX.items():
        bend = np.radians(np.nan_to_num(deg[f"knee_flexion_{side}"]))[:, None]
        elbow = p[:, Joint[pre + "SHOULDER"]] - upper_arm_m * up
        p[:, Joint[pre + "ELBOW"]] = elbow
        p[:, Joint[pre + "WRIST"]] = elbow + forearm_m * (-np.cos(bend) * up
                                                          + np.sin(bend) * forward)
    return SkeletonSeries(series.t_s, p, series.visibility, series.source)
