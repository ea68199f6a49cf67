"""Keep the patient: follow one person when others (a therapist, passers-by) are in view.

MediaPipe's ``solutions.pose`` finds one person per image, and on its own it happily
jumps to whoever is most visible. The tracker makes the choice explicit:

1. **Patient region** (calibration): the part of the image where the patient exercises,
   set by the therapist or computed with :meth:`PatientRegion.around_poses` from the
   first detections (:func:`find_patient_region`). Only this crop is given to the
   estimator, so people outside it are never seen at all (and the smaller image is
   faster). Calibration uses only landmarks really in the picture (visibility above 0,
   which :func:`~rehab.vision.pose.in_picture_visibility` gives landmarks outside the
   image or not present, and inside the image's bounds): a patient standing in full view,
   seated and framed at the waist, or in a wheelchair whose legs are hidden is found on
   the shoulders with the hips or the head, and the region is sized from what is visible
   with room for the arms' reach.
2. **Continuity**: a pose is accepted only if its torso centre moved less than a speed
   limit since the last accepted pose, and its torso size stays within a ratio of the
   patient's reference size (the median of the first accepted poses). A pose that fails
   is reported as a swap and dropped (the frame becomes "missing"), and the estimator's
   tracking state is reset so it searches again. Only landmarks really in the picture
   are judged (visibility from :func:`~rehab.vision.pose.in_picture_visibility`): when
   the hips are out of view (a seated patient framed at the waist, a wheelchair user
   behind a table) the *upper body* stands in for the torso: its centre is the shoulder
   centre and its size the shoulder width plus the head's height above the shoulders
   (nose to shoulder centre), with a reference of its own.
3. **Re-acquisition**: after a loss, a pose inside the region whose torso size matches the
   reference is accepted again, wherever in the region it is.

Examples
--------
>>> region = PatientRegion(100, 0, 500, 400)
>>> region.contains((300.0, 200.0))
True
"""

from __future__ import annotations

import enum
import logging
from collections import deque
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rehab.errors import CaptureError, ValidationError
from rehab.vision.capture import Frame, FrameSource
from rehab.vision.pose import PoseEstimator, PoseFrame

__all__ = [
    "FramePoser",
    "PatientRegion",
    "PatientTracker",
    "TrackStatus",
    "TrackedPose",
    "TrackerSettings",
    "UntrackedPoser",
    "find_patient_region",
    "torso_center_and_size",
    "upper_center_and_size",
]

logger = logging.getLogger(__name__)

_SHOULDERS = (11, 12)
_HIPS = (23, 24)
_NOSE = 0
_ARMS = ((11, 13, 15), (12, 14, 16))  # BlazePose shoulder, elbow, wrist; left, right


class _Anchor(enum.Enum):
    """Which body part the tracker judges continuity on."""

    TORSO = "torso"  # shoulders and hips
    UPPER = "upper"  # shoulders and head (hips out of view)


class TrackStatus(enum.Enum):
    """What the tracker decided for one frame."""

    TRACKED = "tracked"  # accepted, continuous with the last accepted pose
    ACQUIRED = "acquired"  # accepted after no patient (start or a loss)
    NO_PERSON = "no_person"  # the estimator found nobody in the region
    REJECTED = "rejected"  # a person was found but failed the continuity checks

    @property
    def accepted(self) -> bool:
        """True when the frame carries the patient's pose."""
        return self in (TrackStatus.TRACKED, TrackStatus.ACQUIRED)


@dataclass(frozen=True)
class PatientRegion:
    """A rectangle in image pixels: ``x0 <= x < x1``, ``y0 <= y < y1``."""

    x0: int
    y0: int
    x1: int
    y1: int

    def __post_init__(self) -> None:
        if self.x1 <= self.x0 or self.y1 <= self.y0:
            raise ValidationError("region", "validation.inconsistent",
                                  detail=f"empty rectangle {self}")
        if min(self.x0, self.y0) < 0:
            raise ValidationError("region", "validation.inconsistent",
                                  detail=f"negative corner {self}")

    def contains(self, xy: tuple[float, float] | np.ndarray) -> bool:
        """True if the point lies inside the region."""
        x, y = float(xy[0]), float(xy[1])
        return self.x0 <= x < self.x1 and self.y0 <= y < self.y1

    def clipped(self, image_size_px: tuple[int, int]) -> PatientRegion:
        """The region cut to an image of ``(width, height)``."""
        w, h = image_size_px
        return PatientRegion(
            min(self.x0, w - 1), min(self.y0, h - 1), min(self.x1, w), min(self.y1, h)
        )

    @classmethod
    def around_poses(
        cls,
        poses: list[PoseFrame],
        *,
        side_margin: float = 0.75,
        vertical_margin: float = 0.3,
        min_visibility: float = 0.5,
    ) -> PatientRegion:
        """A region around a person detected in a few calibration frames.

        Only poses whose shoulders, and hips or head, are seen (at least
        ``min_visibility``, inside the picture) are used, and of them only the landmarks
        in the picture: a seated patient framed at the waist or a wheelchair user whose
        legs are hidden is measured on what is visible, never on extrapolated legs. The
        person's extent is the median over those poses (the first detections of a video
        tracker are often loose), widened two ways, and the region holds both:

        * by ``side_margin`` and ``vertical_margin`` of the visible height on each side;
        * by the arms' reach, plus a quarter of it for the trunk's sway: sideways from
          each shoulder, upward and downward from the shoulder centre. The reach
          (shoulder to fingertip) is 1.33 x the longest visible arm (shoulder-elbow-wrist:
          upper arm 0.186 and forearm 0.146 of the body height, fingertip 0.44) and at
          least 1.5 x the upper-body size (the width between the shoulder joint centres,
          which BlazePose marks, about 0.21 of the height, plus the nose's 0.09 above
          them), from Winter's anthropometry (Biomechanics and Motor Control of Human
          Movement). For a standing patient in full view the first box is the larger
          sideways and below; above, the reach leaves a little more room for the arms
          overhead (0.55 against 0.48 of the body height above the shoulders). For a
          patient framed at the waist the visible height is about half a body and the
          reach sizes the region.

        Parameters
        ----------
        poses
            Poses in full-image pixels, typically the patient still at the start of the
            session, standing or seated.
        side_margin, vertical_margin
            Added on each side, as fractions of the visible height in the image (arms
            out to the side reach about half a body height from the midline).
        min_visibility
            Visibility the shoulders and the hips or head need for a pose to be used.

        Returns
        -------
        PatientRegion
            The region, inside the image.

        Raises
        ------
        ValidationError
            No pose in ``poses`` shows a person's shoulders with their hips or head.
        """
        boxes, reaches = [], []
        for pose in poses:
            if pose.missing or _anchor(pose, min_visibility) is None:
                continue
            xy = pose.image_xy_px[_seen(pose) > 0.0]
            sh = pose.image_xy_px[list(_SHOULDERS)]
            boxes.append(np.concatenate([xy.min(axis=0), xy.max(axis=0)]))
            reaches.append([sh[:, 0].min(), sh[:, 0].max(), sh[:, 1].mean(),
                            _reach_px(pose, min_visibility)])
        if not boxes:
            raise ValidationError("poses", "tracking.no_person")
        x_min, y_min, x_max, y_max = np.median(np.array(boxes), axis=0)
        sh_x0, sh_x1, sh_y, reach = np.median(np.array(reaches), axis=0)
        height = max(y_max - y_min, 1.0)
        room = 1.25 * reach
        w, h = poses[0].image_size_px
        return cls(
            int(max(0, min(x_min - side_margin * height, sh_x0 - room))),
            int(max(0, min(y_min - vertical_margin * height, sh_y - room))),
            int(min(w, max(x_max + side_margin * height, sh_x1 + room))),
            int(min(h, max(y_max + vertical_margin * height, sh_y + room))),
        )


@dataclass(frozen=True)
class TrackerSettings:
    """Thresholds of :class:`PatientTracker`.

    Parameters
    ----------
    max_speed_torso_per_s
        Fastest plausible torso-centre movement, in torso lengths per second.
    min_jump_torso
        Jump always allowed between two frames, in torso lengths (landmark noise and
        jumping exercises).
    size_ratio_min, size_ratio_max
        Allowed torso size relative to the patient's reference size.
    reference_frames
        Number of first accepted poses whose median torso size is the reference.
    min_torso_visibility
        Shoulders and hips must be at least this visible for a pose to be judged.
    """

    max_speed_torso_per_s: float = 4.0
    min_jump_torso: float = 0.5
    size_ratio_min: float = 0.6
    size_ratio_max: float = 1.6
    reference_frames: int = 10
    min_torso_visibility: float = 0.5

    def __post_init__(self) -> None:
        if not 0 < self.size_ratio_min < 1 < self.size_ratio_max:
            raise ValidationError("size_ratio_min", "validation.inconsistent",
                                  detail="need 0 < size_ratio_min < 1 < size_ratio_max")
        if self.reference_frames < 1:
            raise ValidationError("reference_frames", "validation.at_least", lo=1,
                                  value=self.reference_frames)
        if self.max_speed_torso_per_s <= 0 or self.min_jump_torso < 0:
            raise ValidationError("max_speed_torso_per_s", "validation.inconsistent",
                                  detail="speed must be positive, jump >= 0")


@dataclass(frozen=True)
class TrackedPose:
    """The tracker's answer for one frame.

    ``pose`` is the patient's pose in full-image pixels, or a missing pose when the status
    is not accepted (the rejected candidate is kept in ``candidate`` for display/debug).
    """

    pose: PoseFrame
    status: TrackStatus
    candidate: PoseFrame | None = None


class FramePoser(Protocol):
    """The pose stage of the pipeline: a frame in, the patient's pose (or none) out."""

    def pose_of(self, frame: Frame) -> TrackedPose:
        """Return the patient's pose in ``frame``."""
        ...


def torso_center_and_size(pose: PoseFrame) -> tuple[np.ndarray, float]:
    """Torso centre (pixels) and torso length (shoulder centre to hip centre, pixels)."""
    sh = pose.image_xy_px[list(_SHOULDERS)].mean(axis=0)
    hip = pose.image_xy_px[list(_HIPS)].mean(axis=0)
    return 0.5 * (sh + hip), float(np.linalg.norm(sh - hip))


def upper_center_and_size(pose: PoseFrame) -> tuple[np.ndarray, float]:
    """Shoulder centre (pixels) and upper-body size: shoulder width plus head height (px)."""
    xy = pose.image_xy_px
    sh = xy[list(_SHOULDERS)].mean(axis=0)
    width = float(np.linalg.norm(xy[_SHOULDERS[0]] - xy[_SHOULDERS[1]]))
    return sh, width + float(np.linalg.norm(xy[_NOSE] - sh))


def _seen(pose: PoseFrame) -> np.ndarray:
    """Visibility of the landmarks inside the image's bounds, 0 outside (and where unknown).

    The estimators already zero landmarks outside the image they were estimated on
    (:func:`~rehab.vision.pose.in_picture_visibility`); this also holds for a pose from an
    estimator that does not, and for a crop's pose shifted into the full image.
    """
    xy = pose.image_xy_px
    w, h = pose.image_size_px
    with np.errstate(invalid="ignore"):
        inside = (xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)
    return np.where(inside, np.nan_to_num(pose.visibility, nan=0.0), 0.0)


def _reach_px(pose: PoseFrame, min_visibility: float) -> float:
    """The arms' reach, shoulder to fingertip (px); see :meth:`PatientRegion.around_poses`."""
    vis, xy = _seen(pose), pose.image_xy_px
    arms = [
        float(np.linalg.norm(xy[e] - xy[sh]) + np.linalg.norm(xy[wr] - xy[e]))
        for sh, e, wr in _ARMS
        if vis[[sh, e, wr]].min() >= min_visibility
    ]
    upper = upper_center_and_size(pose)[1] if vis[_NOSE] >= min_visibility else 0.0
    return max([1.33 * a for a in arms] + [1.5 * upper, 1.0])


def _anchor(pose: PoseFrame, min_visibility: float) -> _Anchor | None:
    """The body part to judge the pose on: the torso if the hips are seen, else the upper body."""
    vis = _seen(pose)
    if vis[list(_SHOULDERS)].min() < min_visibility:
        return None
    if vis[list(_HIPS)].min() >= min_visibility:
        return _Anchor.TORSO
    if vis[_NOSE] >= min_visibility:
        return _Anchor.UPPER
    return None


def _center_and_size(pose: PoseFrame, anchor: _Anchor) -> tuple[np.ndarray, float]:
    if anchor is _Anchor.TORSO:
        return torso_center_and_size(pose)
    return upper_center_and_size(pose)


class PatientTracker:
    """Follow the patient through frames with a pose estimator.

    Parameters
    ----------
    estimator
        The pose backend; it sees only the patient region crop.
    region
        The patient region (calibration).
    settings
        Thresholds.
    """

    def __init__(
        self,
        estimator: PoseEstimator,
        region: PatientRegion,
        settings: TrackerSettings | None = None,
    ) -> None:
        self._estimator = estimator
        self.region = region
        self.settings = settings or TrackerSettings()
        n = self.settings.reference_frames
        self._sizes: dict[_Anchor, deque[float]] = {a: deque(maxlen=n) for a in _Anchor}
        self._reference: dict[_Anchor, float] = {}
        self._last_center: np.ndarray | None = None
        self._last_anchor: _Anchor | None = None
        self._last_t_s: float | None = None

    def _reference_px(self, anchor: _Anchor) -> float | None:
        if anchor in self._reference:
            return self._reference[anchor]
        sizes = self._sizes[anchor]
        return float(np.median(sizes)) if sizes else None

    @property
    def reference_torso_px(self) -> float | None:
        """The patient's reference torso length in pixels, once known."""
        return self._reference_px(_Anchor.TORSO)

    @property
    def reference_upper_px(self) -> float | None:
        """The patient's reference upper-body size (shoulder width + head) in pixels."""
        return self._reference_px(_Anchor.UPPER)

    def pose_of(self, frame: Frame) -> TrackedPose:
        """Estimate the pose in the patient region of ``frame`` and judge it."""
        return self.judge(frame, self._estimator.estimate(self.crop_of(frame), frame.t_s))

    def crop_of(self, frame: Frame) -> np.ndarray:
        """The patient region of ``frame``: what the estimator is given."""
        r = self.region.clipped(frame.size_px)
        return frame.image_rgb[r.y0 : r.y1, r.x0 : r.x1]

    def judge(self, frame: Frame, raw: PoseFrame) -> TrackedPose:
        """Judge ``raw``, the estimator's pose in :meth:`crop_of` ``frame`` (estimated
        elsewhere, e.g. in a batch), as :meth:`pose_of` does."""
        w, h = frame.size_px
        r = self.region.clipped((w, h))
        if raw.missing:
            self._lose()
            return TrackedPose(PoseFrame.no_person(frame.t_s, (w, h)), TrackStatus.NO_PERSON)
        pose = raw.shifted(r.x0, r.y0, (w, h))
        verdict = self._judge(pose)
        if verdict is None:
            status = TrackStatus.ACQUIRED if self._last_center is None else TrackStatus.TRACKED
            self._accept(pose)
            return TrackedPose(pose, status)
        logger.debug("frame %d: rejected candidate (%s)", frame.index, verdict)
        self._lose()
        # Make the estimator search afresh instead of following the wrong person.
        self._estimator.reset()
        return TrackedPose(PoseFrame.no_person(frame.t_s, (w, h)), TrackStatus.REJECTED, pose)

    def _judge(self, pose: PoseFrame) -> str | None:
        """None if the pose is the patient, else the reason it is not."""
        s = self.settings
        anchor = _anchor(pose, s.min_torso_visibility)
        if anchor is None:
            seen = _seen(pose)[list(_SHOULDERS + _HIPS)].min()
            return f"torso visibility {seen:.2f}, head or shoulders not in view"
        center, size = _center_and_size(pose, anchor)
        if not self.region.contains(center):
            return f"{anchor.value} centre outside the patient region"
        ref = self._reference_px(anchor)
        if ref is not None and not s.size_ratio_min <= size / ref <= s.size_ratio_max:
            return f"{anchor.value} size {size:.0f} px vs reference {ref:.0f} px"
        if self._last_center is not None and ref is not None:
            # Compare like with like: the last accepted centre of the same body part.
            last = self._last_center if self._last_anchor is anchor else None
            if last is None and self._last_anchor is not None:
                last = _center_and_size(self._last_pose, anchor)[0]
            dt = max(pose.t_s - (self._last_t_s or pose.t_s), 0.0)
            limit = ref * max(s.min_jump_torso, s.max_speed_torso_per_s * dt)
            jump = float(np.linalg.norm(center - last))
            if np.isfinite(jump) and jump > limit:
                return f"{anchor.value} jumped {jump:.0f} px > {limit:.0f} px"
        return None

    def _accept(self, pose: PoseFrame) -> None:
        anchor = _anchor(pose, self.settings.min_torso_visibility)
        assert anchor is not None  # judged before
        center, _ = _center_and_size(pose, anchor)
        self._last_center, self._last_t_s = center, pose.t_s
        self._last_anchor, self._last_pose = anchor, pose
        # Both references are learnt whenever their landmarks are seen, so a patient who
        # stands up out of view of the hips is still judged against their own size.
        kinds = (_Anchor.TORSO, _Anchor.UPPER) if anchor is _Anchor.TORSO else (anchor,)
        for kind in kinds:
            no_head = _seen(pose)[_NOSE] < self.settings.min_torso_visibility
            if kind is _Anchor.UPPER and no_head:
                continue
            if kind not in self._reference:
                self._sizes[kind].append(_center_and_size(pose, kind)[1])
                if len(self._sizes[kind]) == self.settings.reference_frames:
                    self._reference[kind] = float(np.median(self._sizes[kind]))

    def _lose(self) -> None:
        self._last_center = None
        self._last_anchor = None
        self._last_t_s = None


class UntrackedPoser:
    """The pose of whoever the estimator finds in the whole image (no patient region).

    The same ``pose_of`` contract as :class:`PatientTracker`, for single-person setups and
    for measuring the estimator alone.
    """

    def __init__(self, estimator: PoseEstimator) -> None:
        self._estimator = estimator
        self._had_person = False

    def pose_of(self, frame: Frame) -> TrackedPose:
        """Estimate the pose in the full frame."""
        pose = self._estimator.estimate(frame.image_rgb, frame.t_s)
        if pose.missing:
            self._had_person = False
            return TrackedPose(pose, TrackStatus.NO_PERSON)
        status = TrackStatus.TRACKED if self._had_person else TrackStatus.ACQUIRED
        self._had_person = True
        return TrackedPose(pose, status)


def find_patient_region(source: FrameSource, estimator: PoseEstimator, *,
                        poses_needed: int = 5, max_frames: int = 150,
                        min_visibility: float = 0.5) -> PatientRegion:
    """Calibrate: read frames until the patient is seen ``poses_needed`` times.

    The patient is in front of the camera at the start, standing, seated on a chair or in
    a wheelchair (the person the estimator finds in the whole image). A sighting counts
    when the shoulders and the hips or the head are really in the picture (the same
    landmarks :class:`PatientTracker` follows), so a patient framed at the waist or with
    hidden legs calibrates, and a pose made of extrapolated landmarks does not. The region
    around them (:meth:`PatientRegion.around_poses`, with room for the arms' reach) is
    where the tracker looks afterwards, so a therapist walking past is not scored. Frames
    read here are consumed; the estimator is reset for the tracker.

    Parameters
    ----------
    source
        The camera or video, at its start.
    estimator
        The pose backend, given whole frames here.
    poses_needed
        Sightings needed.
    max_frames
        Frames read at most.
    min_visibility
        Visibility the shoulders and the hips or head need.

    Returns
    -------
    PatientRegion
        The patient region.

    Raises
    ------
    CaptureError
        The source ended, or the patient was not seen ``poses_needed`` times in
        ``max_frames`` frames.
    """
    poses: list[PoseFrame] = []
    partial = 0  # a person, but without shoulders and hips or head in the picture
    for _ in range(max_frames):
        frame = source.read()
        if frame is None:
            raise CaptureError(f"the video ended after {len(poses)} sightings of the patient, "
                               f"before calibration needed {poses_needed}")
        pose = estimator.estimate(frame.image_rgb, frame.t_s)
        if pose.missing:
            continue
        if _anchor(pose, min_visibility) is None:
            partial += 1
            continue
        poses.append(pose)
        if len(poses) >= poses_needed:
            estimator.reset()
            return PatientRegion.around_poses(poses, min_visibility=min_visibility)
    seen = (f"; a person was found in {partial} of them without both shoulders and the "
            "head or hips in the picture" if partial else "")
    raise CaptureError(f"the patient was seen {len(poses)} times in the first {max_frames} "
                       f"frames, calibration needs {poses_needed}{seen}: seat or stand the "
                       "patient facing the camera, with the head and both shoulders in the "
                       "picture (the legs may be out of it)")
