"""Finding the patient before a session: the region the tracker then keeps to."""

from __future__ import annotations

from rehab.errors import CaptureError
from rehab.vision.capture import FrameSource
from rehab.vision.pose import PoseEstimator, PoseFrame
from rehab.vision.tracking import PatientRegion, PatientTracker, TrackerSettings


def calibrate_tracker(source: FrameSource, estimator: PoseEstimator, *, poses_needed: int = 5,
                      max_frames: int = 150,
                      settings: TrackerSettings | None = None) -> PatientTracker:
    """Read frames until the patient is seen ``poses_needed`` times; track them from then.

    The patient stands in front of the camera at the start (the person the estimator
    finds in the whole image); the region around them, with room for their movements,
    is where the tracker looks afterwards, so a therapist walking past is not scored.

    Raises
    ------
    CaptureError
        The source ended, or nobody was found in ``max_frames`` frames.
    """
    poses: list[PoseFrame] = []
    for _ in range(max_frames):
        frame = source.read()
        if frame is None:
            raise CaptureError("the video ended before the patient was found")
        pose = estimator.estimate(frame.image_rgb, frame.t_s)
        if not pose.missing:
            poses.append(pose)
            if len(poses) >= poses_needed:
                estimator.reset()
                return PatientTracker(estimator, PatientRegion.around_poses(poses), settings)
    raise CaptureError(f"no person in view in the first {max_frames} frames: ask the "
                       "patient to stand in front of the camera")
