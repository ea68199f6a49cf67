"""Whether a 3D (world) skeleton can be trusted for joint angles: rigid segments stay rigid.

A monocular pose estimator's world landmarks guess depth. When the guess is poor (a far or
backlit person, a side view with the far limbs hidden, an unusual pose) the limbs stretch
and shrink from frame to frame, and every 3D angle inherits the error. The body gives a
check for free: the upper arm, forearm, thigh, shank, shoulder width and hip width are
rigid, so their length must not change over a recording.

Rule
----
For each rigid segment (:data:`RIGID_SEGMENTS`), its length's coefficient of variation
(CV = standard deviation / mean) over the frames where both of its joints are seen with
visibility >= :data:`MIN_VISIBILITY`; segments seen in fewer than
:data:`MIN_SEGMENT_FRAMES` frames are left out. The world skeleton is **unreliable** when
the median CV over the segments left exceeds :data:`MAX_SEGMENT_CV` (15 %); the median, so
that one hidden limb cannot decide alone. With fewer than :data:`MIN_SEGMENTS` segments
left it cannot be judged (``reliable`` is None).

Why 15 %: a length error is a position error seen along the segment; the same error
across it tilts the segment by atan(0.15) = 8.5 deg, about the tightest tolerance a
compensation rule of the library grades (10 deg for knee valgus and shoulder hike). Past
it, a 3D angle can be wrong by as much as the deviation it judges, and the image's own 2D
angles are the better measurement in the planes the camera faces. For reference, measured
on real data (raw, unsmoothed): UI-PRMD Kinect v2, squats and shoulder abduction of
s01-s07, median CV 1.5-7 %; MediaPipe's world landmarks on the backlit demo video
(``app/rehab/media/sports2d_demo.mp4``) 9-10 %.

Examples
--------
>>> from rehab.datasets.synthetic import standing_pose
>>> p = np.repeat(standing_pose()[None], 30, axis=0)
>>> s = SkeletonSeries(np.arange(30) / 30, p, np.ones((30, 18)), "test")
>>> check = world_reliability(s)
>>> check.reliable, check.median_cv
(True, 0.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from rehab.vision.skeleton import Joint, SkeletonSeries

__all__ = [
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

MIN_VISIBILITY = 0.5
"""Both joints of a segment must be seen at least this well for a frame to count."""

MIN_SEGMENT_FRAMES = 10
"""A segment seen in fewer frames than this is left out (its CV would be noise)."""

MIN_SEGMENTS = 3
"""Fewer segments than this left: the recording cannot be judged."""


@dataclass(frozen=True)
class WorldReliability:
    """The verdict on a world skeleton.

    Attributes
    ----------
    reliable
        True or False by the rule (module docstring); None when too few segments were
        seen to judge.
    median_cv
        Median coefficient of variation of the segments judged (0..), NaN if none.
    segment_cv
        Segment name -> its length's coefficient of variation, only the segments judged.
    """

    reliable: bool | None
    median_cv: float
    segment_cv: Mapping[str, float]


def world_reliability(series: SkeletonSeries) -> WorldReliability:
    """Judge whether a world skeleton's rigid segments stay rigid (module docstring).

    Parameters
    ----------
    series
        The skeleton as estimated (not smoothed: the rule's figures are for raw
        estimates); missing frames are skipped.

    Returns
    -------
    WorldReliability
        The verdict, the median CV and the CV of every segment judged.
    """
    p = np.asarray(series.xyz_m, dtype=float)
    vis = np.nan_to_num(np.asarray(series.visibility, dtype=float), nan=0.0)
    cv: dict[str, float] = {}
    for name, (a, b) in RIGID_SEGMENTS.items():
        length = np.linalg.norm(p[:, a] - p[:, b], axis=1)
        seen = (vis[:, a] >= MIN_VISIBILITY) & (vis[:, b] >= MIN_VISIBILITY)
        seen &= np.isfinite(length) & (length > 0.0)
        if np.count_nonzero(seen) < MIN_SEGMENT_FRAMES:
            continue
        lengths = length[seen]
        cv[name] = float(np.std(lengths) / np.mean(lengths))
    if len(cv) < MIN_SEGMENTS:
        median = float(np.median(list(cv.values()))) if cv else float("nan")
        return WorldReliability(None, median, MappingProxyType(cv))
    median = float(np.median(list(cv.values())))
    return WorldReliability(median <= MAX_SEGMENT_CV, median, MappingProxyType(cv))
