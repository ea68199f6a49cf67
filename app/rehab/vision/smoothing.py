"""Live smoothing of the patient's landmarks: a One Euro filter around any pose stage.

:class:`OneEuroPoser` wraps a :class:`~rehab.vision.tracking.FramePoser` (the patient
tracker, typically) and filters each accepted pose's world and image landmarks with
:class:`~rehab.vision.filters.OneEuroFilter`, on the frames' media time. A frame without
the patient resets the filters, so a new person or a re-acquired patient never inherits a
stale state. Visibility is passed through unchanged. Use it live; offline analysis
should prefer :func:`~rehab.vision.filters.smooth_skeleton` (zero phase).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rehab.vision.capture import Frame
from rehab.vision.filters import OneEuroFilter, OneEuroSettings
from rehab.vision.pose import PoseFrame
from rehab.vision.tracking import FramePoser, TrackedPose

__all__ = ["LandmarkSmoothing", "OneEuroPoser"]


@dataclass(frozen=True)
class LandmarkSmoothing:
    """One Euro settings per landmark quantity (their units differ, hence their ``beta``).

    Parameters
    ----------
    world
        For world landmarks in metres: speeds of about 1 m/s raise the cut-off to ~6 Hz.
    image
        For image landmarks in pixels (about 300 px/s for the same movement at 640x480).
    """

    world: OneEuroSettings = field(default_factory=lambda: OneEuroSettings(1.0, 5.0, 1.0))
    image: OneEuroSettings = field(default_factory=lambda: OneEuroSettings(1.0, 0.02, 1.0))


class OneEuroPoser:
    """A :class:`~rehab.vision.tracking.FramePoser` whose landmarks are One Euro filtered.

    Parameters
    ----------
    inner
        The pose stage to smooth.
    settings
        Filter settings.
    """

    def __init__(self, inner: FramePoser, settings: LandmarkSmoothing | None = None) -> None:
        self._inner = inner
        self.settings = settings or LandmarkSmoothing()
        self._world = OneEuroFilter(self.settings.world)
        self._image = OneEuroFilter(self.settings.image)

    def pose_of(self, frame: Frame) -> TrackedPose:
        """The inner stage's answer, with smoothed landmarks when the patient is there."""
        tracked = self._inner.pose_of(frame)
        pose = tracked.pose
        if not tracked.status.accepted or pose.missing:
            self._world.reset()
            self._image.reset()
            return tracked
        smoothed = PoseFrame(
            t_s=pose.t_s,
            image_xy_px=self._image(pose.t_s, pose.image_xy_px),
            world_xyz_m=self._world(pose.t_s, pose.world_xyz_m),
            visibility=pose.visibility,
            image_size_px=pose.image_size_px,
            missing=False,
        )
        return TrackedPose(smoothed, tracked.status, tracked.candidate)
