"""UI-PRMD's Kinect skeletons as the pose rows a live session records (BlazePose world
landmarks), so that the live path can be tested on real movement."""

from __future__ import annotations

import numpy as np

from rehab.vision.skeleton import Joint

# BlazePose landmark -> canonical joint it stands for (the rest copy the head).
_LANDMARK_OF = {7: Joint.HEAD, 8: Joint.HEAD, 11: Joint.L_SHOULDER, 12: Joint.R_SHOULDER,
                13: Joint.L_ELBOW, 14: Joint.R_ELBOW, 15: Joint.L_WRIST, 16: Joint.R_WRIST,
                23: Joint.L_HIP, 24: Joint.R_HIP, 25: Joint.L_KNEE, 26: Joint.R_KNEE,
                27: Joint.L_ANKLE, 28: Joint.R_ANKLE, 31: Joint.L_FOOT, 32: Joint.R_FOOT}


def pose_rows(xyz_m: np.ndarray, t_s: np.ndarray) -> list[tuple[float, np.ndarray]]:
    """Canonical frames as the session's pose rows (BlazePose world frame, y down)."""
    world = np.repeat(xyz_m[:, [Joint.HEAD]], 33, axis=1)
    for landmark, joint in _LANDMARK_OF.items():
        world[:, landmark] = xyz_m[:, joint]
    world = world * np.array([1.0, -1.0, -1.0])
    rows = np.concatenate([world, np.ones((len(world), 33, 1))], axis=2).reshape(len(world), -1)
    return list(zip(t_s.tolist(), rows, strict=True))
