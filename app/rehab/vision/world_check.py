"""Whether a 3D (world) skeleton can be trusted for joint angles: rigid and steady.

A monocular pose estimator's world landmarks guess depth. When the guess is poor (a far or
backlit person, a side view with the far limbs hidden, an unusual pose) the limbs stretch
and shrink, and the joints jump toward and away from the camera from frame to frame;
every 3D angle inherits the error. Two checks, each with a limit derived from the
tightest tolerance a compensation rule of the library grades (10 deg: knee valgus,
shoulder hike):

1. **Rigid segments stay rigid.** The upper arm, forearm, thigh, shank, shoulder width
   and hip width (:data:`RIGID_SEGMENTS`) cannot change length. For each, its length's
   coefficient of variation (CV = standard deviation / mean) over the frames where both
   of its joints are seen with visibility >= :data:`MIN_VISIBILITY`; segments seen in
   fewer than :data:`MIN_SEGMENT_FRAMES` frames are left out; the median over the rest
   must not exceed :data:`MAX_SEGMENT_CV` (15 %). The median, so that one hidden limb
   cannot decide alone. Why 15 %: a length error is a position error seen along the
   segment; the same error across it tilts the segment by atan(0.15) = 8.5 deg, about
   the 10 deg tolerance: past it a 3D angle can be wrong by as much as the deviation it
   judges.
2. **Depth does not jump.** A length barely sees depth error when the segment lies across
   the line of sight (a frontal view's arms), which is where depth errors strike; so the
   depth itself is checked. Per joint of those segments, its depth relative to the
   pelvis, the noise of consecutive samples: 1.4826 x the median absolute deviation of
   the second difference, / sqrt(6) (the second difference of white noise has 6 times
   its variance; the median ignores the few fast movements). The median over the joints
   must not exceed :data:`MAX_DEPTH_JITTER_M` (2.5 cm). Why: the 6 Hz low-pass applied
   before the angles keeps sqrt(6 / 15) = 0.63 of white noise at 30 fps, and two joints'
   noise across a 0.25 m forearm then tilts it by atan(sqrt(2) x 0.63 x 0.025 / 0.25) =
   5 deg at one standard deviation, 10 deg (the tolerance) at two. At coarse sampling
   (``--every`` > 2) true movement adds to the estimate, erring toward the 2D fallback.

The world skeleton is **unreliable** when either check fails. With fewer than
:data:`MIN_SEGMENTS` segments (or joints) left it cannot be judged (``reliable`` is None).

Measured on real data (raw, unsmoothed): UI-PRMD Kinect v2, squats and shoulder
abduction of s01-s07: median CV 1.5-7 %, depth jitter 0.03-0.3 cm; MediaPipe's world
landmarks on the backlit demo video (``app/rehab/media/sports2d_demo.mp4``): CV 9-10 %,
depth jitter 0.9 cm (every frame) and 1.6 cm (every other frame).

Examples
--------
>>> from rehab.datasets.synthetic import standing_pose
>>> p = np.repeat(standing_pose()[None], 30, axis=0)
>>> s = SkeletonSeries(np.arange(30) / 30, p, np.ones((30, 18)), "test")
>>> check = world_reliability(s)
>>> check.reliable, round(check.median_cv, 6), check.depth_jitter_m
(True, 0.0, 0.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from rehab.vision.skeleton import Joint, SkeletonSeries

__all__ = [
    "MAX_DEPTH_JITTER_M",
    "MAX_SEGMENT_CV",
    "MIN_SEGMENTS",
    "MIN_SEGMENT_FRAMES",
    "MIN_VISIBILITY",
    "RIGID_SEGMENTS",
    "WorldReliability",
    "world_reliability",
]

RIGID_SEGMENTS: Mapping[str, tuple[Joint, Joint]] = MappingProxyType(
    {
        "upper_arm_left": (Joint.L_SHOULDER, Joint.L_ELBOW),
        "upper_arm_right": (Joint.R_SHOULDER, Joint.R_ELBOW),
        "forearm_left": (Joint.L_ELBOW, Joint.L_WRIST),
        "forearm_right": (Joint.R_ELBOW, Joint.R_WRIST),
        "thigh_left": (Joint.L_HIP, Joint.L_KNEE),
        "thigh_right": (Joint.R_HIP, Joint.R_KNEE),
        "shank_left": (Joint.L_KNEE, Joint.L_ANKLE),
        "shank_right": (Joint.R_KNEE, Joint.R_ANKLE),
        "shoulder_width": (Joint.L_SHOULDER, Joint.R_SHOULDER),
        "hip_width": (Joint.L_HIP, Joint.R_HIP),
    }
)
"""Body segments whose length cannot change, by name: their two end joints."""

MAX_SEGMENT_CV = 0.15
"""Median coefficient of variation of the rigid segments' lengths above which the world
skeleton is unreliable (module docstring: why 15 %)."""

MAX_DEPTH_JITTER_M = 0.025
"""Median per-joint depth noise (m) above which the world skeleton is unreliable (module
docstring: why 2.5 cm)."""

MIN_VISIBILITY = 0.5
"""Both joints of a segment must be seen at least this well for a frame to count."""

MIN_SEGMENT_FRAMES = 10
"""A segment (or joint) seen in fewer frames than this is left out (its figure would be
noise)."""

MIN_SEGMENTS = 3
"""Fewer segments (or joints) than this left: the recording cannot be judged."""


@dataclass(frozen=True)
class WorldReliability:
    """The verdict on a world skeleton.

    Attributes
    ----------
    reliable
        True or False by the two checks (module docstring); None when too few segments
        or joints were seen to judge.
    median_cv
        Median coefficient of variation of the segments' lengths (0..), NaN if none.
    depth_jitter_m
        Median per-joint depth noise in metres, NaN if none.
    segment_cv
        Segment name -> its length's coefficient of variation, only the segments judged.
    failed
        The checks that failed: ``"segment_length"``, ``"depth_jitter"``.
    """

    reliable: bool | None
    median_cv: float
    depth_jitter_m: float
    segment_cv: Mapping[str, float]
    failed: tuple[str, ...] = ()


def world_reliability(series: SkeletonSeries) -> WorldReliability:
    """Judge whether a world skeleton's segments stay rigid and its depth steady.

    Parameters
    ----------
    series
        The skeleton as estimated (not smoothed: the limits are for raw estimates);
        missing frames are skipped.

    Returns
    -------
    WorldReliability
        The verdict and its figures.
    """
    p = np.asarray(series.xyz_m, dtype=float)
    vis = np.nan_to_num(np.asarray(series.visibility, dtype=float), nan=0.0)
    cv = _segment_cv(p, vis)
    jitter = _depth_jitter_m(p, vis)
    median_cv = float(np.median(list(cv.values()))) if cv else float("nan")
    median_jitter = float(np.median(jitter)) if jitter else float("nan")
    if len(cv) < MIN_SEGMENTS or len(jitter) < MIN_SEGMENTS:
        return WorldReliability(None, median_cv, median_jitter, MappingProxyType(cv))
    failed = tuple(
        name for name, bad in (("segment_length", median_cv > MAX_SEGMENT_CV),
                               ("depth_jitter", median_jitter > MAX_DEPTH_JITTER_M))
        if bad
    )
    return WorldReliability(not failed, median_cv, median_jitter, MappingProxyType(cv), failed)


def _segment_cv(p: np.ndarray, vis: np.ndarray) -> dict[str, float]:
    """Coefficient of variation of each rigid segment's length, where seen enough.

    Returns
    -------
    dict of str to float
        Segment name -> CV, only the segments seen in :data:`MIN_SEGMENT_FRAMES` frames.
    """
    cv: dict[str, float] = {}
    for name, (a, b) in RIGID_SEGMENTS.items():
        length = np.linalg.norm(p[:, a] - p[:, b], axis=1)
        seen = (vis[:, a] >= MIN_VISIBILITY) & (vis[:, b] >= MIN_VISIBILITY)
        seen &= np.isfinite(length) & (length > 0.0)
        if np.count_nonzero(seen) < MIN_SEGMENT_FRAMES:
            continue
        lengths = length[seen]
        cv[name] = float(np.std(lengths) / np.mean(lengths))
    return cv


_SEGMENT_JOINTS = sorted({int(j) for pair in RIGID_SEGMENTS.values() for j in pair})


def _depth_jitter_m(p: np.ndarray, vis: np.ndarray) -> list[float]:
    """Depth noise of each joint of the rigid segments, relative to the pelvis.

    Returns
    -------
    list of float
        Metres, one per joint with :data:`MIN_SEGMENT_FRAMES` usable second differences.
    """
    depth = p[:, _SEGMENT_JOINTS, 2] - p[:, [int(Joint.PELVIS)], 2]
    depth = np.where(vis[:, _SEGMENT_JOINTS] >= MIN_VISIBILITY, depth, np.nan)
    second = depth[2:] - 2.0 * depth[1:-1] + depth[:-2]
    out: list[float] = []
    for col in second.T:
        d = col[np.isfinite(col)]
        if d.size < MIN_SEGMENT_FRAMES:
            continue
        mad = float(np.median(np.abs(d - np.median(d))))
        out.append(1.4826 * mad / np.sqrt(6.0))
    return out
