"""Test inputs for sessions: a scripted pose estimator and a clock that frames advance.

The estimator stands in for MediaPipe behind the same PoseEstimator protocol, posing a
synthetic body with known angles as a function of the frame's media time; the real
backend runs in the end-to-end tests.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from rehab.datasets.synthetic import PoseAngles, posed_skeleton
from rehab.vision.pose import PoseFrame
from rehab.vision.skeleton import Joint

# BlazePose landmark index -> canonical joint it stands for (inverse of the mapping in
# rehab.vision.skeleton; landmarks of the face and hands take the nearest joint).
_LANDMARK_JOINT = {
    11: Joint.L_SHOULDER, 12: Joint.R_SHOULDER, 13: Joint.L_ELBOW, 14: Joint.R_ELBOW,
    15: Joint.L_WRIST, 16: Joint.R_WRIST, 17: Joint.L_WRIST, 18: Joint.R_WRIST,
    19: Joint.L_WRIST, 20: Joint.R_WRIST, 21: Joint.L_WRIST, 22: Joint.R_WRIST,
    23: Joint.L_HIP, 24: Joint.R_HIP, 25: Joint.L_KNEE, 26: Joint.R_KNEE,
    27: Joint.L_ANKLE, 28: Joint.R_ANKLE, 29: Joint.L_ANKLE, 30: Joint.R_ANKLE,
    31: Joint.L_FOOT, 32: Joint.R_FOOT,
}


def blazepose_frame(angles: PoseAngles, t_s: float, image_size_px=(640, 480)) -> PoseFrame:
    """A PoseFrame whose landmarks pose a synthetic body with ``angles``."""
    canon = posed_skeleton(angles)
    world = np.empty((33, 3))
    for index in range(33):
        world[index] = canon[int(_LANDMARK_JOINT.get(index, Joint.HEAD))]
    world -= (world[23] + world[24]) / 2  # MediaPipe's origin: the hip centre
    world *= np.array([1.0, -1.0, -1.0])  # canonical (y up, z to camera) -> MediaPipe
    w, h = image_size_px
    px_per_m = 0.4 * h  # a 1.7 m body fills about 70% of the image height
    image = np.stack([w / 2 + px_per_m * world[:, 0], h / 2 + px_per_m * world[:, 1]], axis=1)
    return PoseFrame(t_s, image, world, np.full(33, 0.99), image_size_px)


class ScriptedEstimator:
    """Poses a body doing bilateral shoulder abduction reps: 10 -> peak -> 10 deg."""

    def __init__(self, period_s: float = 1.5, peak_deg: float = 140.0,
                 absent: Callable[[float], bool] = lambda t: False,
                 rest_first_s: float = 1.0) -> None:
        self.period_s, self.peak_deg, self.absent = period_s, peak_deg, absent
        self.rest_first_s = rest_first_s
        self.resets = 0

    def angle_at(self, t_s: float) -> float:
        """Arms at 10 deg for ``rest_first_s``, then smooth 10 -> peak -> 10 deg reps."""
        if t_s < self.rest_first_s:
            return 10.0
        phase = ((t_s - self.rest_first_s) % self.period_s) / self.period_s
        return 10 + (self.peak_deg - 10) * 0.5 * (1 - math.cos(2 * math.pi * phase))

    def estimate(self, image_rgb: np.ndarray, t_s: float) -> PoseFrame:
        size = (image_rgb.shape[1], image_rgb.shape[0])
        if self.absent(t_s):
            return PoseFrame.no_person(t_s, size)
        a = self.angle_at(t_s)
        return blazepose_frame(PoseAngles(shoulder_abduction_left_deg=a,
                                          shoulder_abduction_right_deg=a), t_s, size)

    def reset(self) -> None:
        self.resets += 1

    def close(self) -> None:
        """Nothing to release."""


class FrameClock:
    """A monotonic clock that moves only when a paced source 'sleeps' to the next frame."""

    def __init__(self) -> None:
        self.now_s = 1000.0

    def __call__(self) -> float:
        return self.now_s

    def sleep(self, seconds: float) -> None:
        self.now_s += seconds
