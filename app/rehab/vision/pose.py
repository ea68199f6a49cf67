"""Pose estimation behind a small port, with the MediaPipe BlazePose backend.

:class:`PoseEstimator` is the contract: an RGB image and its time in, a
:class:`PoseFrame` out, ``close()`` at the end. :class:`BlazePoseEstimator` implements it
with mediapipe 0.10.21's ``solutions.pose`` (the models ship inside the wheel, so nothing
is downloaded). :func:`make_pose_estimator` chooses between it and the torch backend
(:mod:`rehab.vision.blazepose_torch`: the same networks, read from the wheel, on CPU or
CUDA, batched for offline use) from a :class:`PoseBackendSettings`.

"No person" is a value: a :class:`PoseFrame` with ``missing=True`` and NaN landmarks.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from rehab.errors import RehabError, ValidationError

__all__ = [
    "N_LANDMARKS",
    "POSE_BACKENDS",
    "BlazePoseEstimator",
    "BlazePoseSettings",
    "PoseBackendSettings",
    "PoseEstimator",
    "PoseFrame",
    "in_picture_visibility",
    "make_pose_estimator",
]

logger = logging.getLogger(__name__)

N_LANDMARKS = 33


@dataclass(frozen=True)
class PoseFrame:
    """The pose of one person in one image.

    Parameters
    ----------
    t_s
        Time of the image in seconds (the frame's media time).
    image_xy_px
        ``(33, 2)`` landmark positions in pixels of the full image (``x`` right, ``y``
        down): MediaPipe's normalised values times width and height, so distances and
        angles in the image are not distorted by the aspect ratio.
    world_xyz_m
        ``(33, 3)`` landmarks in metres, MediaPipe's world frame (origin at the hip
        centre, ``x`` image right, ``y`` down, ``z`` away from the camera).
    visibility
        ``(33,)`` in 0..1: the model's confidence that the landmark is visible.
    image_size_px
        ``(width, height)`` of the full image.
    missing
        True when no person was found; then the landmarks are NaN and visibility 0.
    """

    t_s: float
    image_xy_px: np.ndarray
    world_xyz_m: np.ndarray
    visibility: np.ndarray
    image_size_px: tuple[int, int]
    missing: bool = False

    def __post_init__(self) -> None:
        if np.shape(self.image_xy_px) != (N_LANDMARKS, 2):
            raise ValidationError("image_xy_px", "validation.shape", expected="(33, 2)",
                                  got=str(np.shape(self.image_xy_px)))
        if np.shape(self.world_xyz_m) != (N_LANDMARKS, 3):
            raise ValidationError("world_xyz_m", "validation.shape", expected="(33, 3)",
                                  got=str(np.shape(self.world_xyz_m)))
        if np.shape(self.visibility) != (N_LANDMARKS,):
            raise ValidationError("visibility", "validation.shape", expected="(33,)",
                                  got=str(np.shape(self.visibility)))

    @classmethod
    def no_person(cls, t_s: float, image_size_px: tuple[int, int]) -> PoseFrame:
        """The value for "no person in view"."""
        return cls(
            t_s=t_s,
            image_xy_px=np.full((N_LANDMARKS, 2), np.nan),
            world_xyz_m=np.full((N_LANDMARKS, 3), np.nan),
            visibility=np.zeros(N_LANDMARKS),
            image_size_px=image_size_px,
            missing=True,
        )

    def shifted(self, dx_px: float, dy_px: float, image_size_px: tuple[int, int]) -> PoseFrame:
        """The same pose with image coordinates moved by ``(dx_px, dy_px)``.

        Used to map a pose found in a crop back into the full image.
        """
        return PoseFrame(
            t_s=self.t_s,
            image_xy_px=self.image_xy_px + np.array([dx_px, dy_px]),
            world_xyz_m=self.world_xyz_m,
            visibility=self.visibility,
            image_size_px=image_size_px,
            missing=self.missing,
        )


def in_picture_visibility(
    image_xy_px: np.ndarray,
    visibility: np.ndarray,
    image_size_px: tuple[int, int],
    presence: np.ndarray | None = None,
) -> np.ndarray:
    """Visibility of landmarks really in the picture: 0 for those that are not.

    BlazePose always returns all 33 landmarks, extrapolating those outside the image (the
    hips of a patient framed at the waist) and often with a high visibility. A landmark
    counts as seen only inside the image it was estimated on and only where MediaPipe's
    presence (likelihood that it is in the picture at all) is at least one half; elsewhere
    its visibility is 0, which the angle code reads as *unseen* (no angle is made from it).

    Parameters
    ----------
    image_xy_px
        ``(33, 2)`` pixel coordinates in that image.
    visibility
        ``(33,)`` MediaPipe visibility, 0..1.
    image_size_px
        ``(width, height)`` of the image the landmarks were estimated on.
    presence
        ``(33,)`` MediaPipe presence, 0..1, or None when the backend gives none.

    Returns
    -------
    numpy.ndarray
        ``(33,)`` visibility, 0 for landmarks outside the picture.

    Examples
    --------
    >>> xy = np.array([[10.0, 10.0], [10.0, 500.0], [-3.0, 10.0]])
    >>> in_picture_visibility(xy, np.array([0.9, 0.9, 0.9]), (640, 480))
    array([0.9, 0. , 0. ])
    """
    xy = np.asarray(image_xy_px, dtype=float)
    w, h = image_size_px
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)
    vis = np.where(inside, np.clip(np.nan_to_num(visibility, nan=0.0), 0.0, 1.0), 0.0)
    if presence is not None:
        vis = np.where(np.asarray(presence, dtype=float) >= 0.5, vis, 0.0)
    return vis


@runtime_checkable
class PoseEstimator(Protocol):
    """The pose backend port."""

    def estimate(self, image_rgb: np.ndarray, t_s: float) -> PoseFrame:
        """Find one person's pose in an RGB uint8 image taken at ``t_s`` seconds."""
        ...

    def reset(self) -> None:
        """Forget any tracking state (the next image is unrelated to the last)."""
        ...

    def close(self) -> None:
        """Free the model; safe to call twice."""
        ...


@dataclass(frozen=True)
class BlazePoseSettings:
    """Settings of :class:`BlazePoseEstimator` (MediaPipe ``solutions.pose`` arguments).

    Parameters
    ----------
    model_complexity
        0 (lite), 1 (full) or 2 (heavy); the wheel of mediapipe 0.10.21 ships 0 and 1.
    static_image_mode
        True runs the person detector on every image (photos); False tracks the person
        from the previous frame's landmarks (video, faster).
    smooth_landmarks
        MediaPipe's own temporal smoothing (video mode only).
    min_detection_confidence, min_tracking_confidence
        0..1 thresholds of the detector and of the tracker.
    """

    model_complexity: int = 1
    static_image_mode: bool = False
    smooth_landmarks: bool = True
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5

    def __post_init__(self) -> None:
        if self.model_complexity not in (0, 1):
            # mediapipe 0.10.21 ships no heavy model
            raise ValidationError("model_complexity", "validation.one_of", allowed="0, 1",
                                  value=repr(self.model_complexity))
        for name in ("min_detection_confidence", "min_tracking_confidence"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValidationError(name, "validation.range", lo=0, hi=1, value=value)


class BlazePoseEstimator:
    """MediaPipe BlazePose (``mediapipe.solutions.pose``) as a :class:`PoseEstimator`.

    The model is built on the first :meth:`estimate` (not at import or construction),
    and freed by :meth:`close` or at the end of a ``with`` block. Calls are serialised
    by a lock: the MediaPipe graph is not safe to call from two threads at once.

    Parameters
    ----------
    settings
        Model settings; default: full model (complexity 1), video mode.

    Examples
    --------
    >>> import numpy as np
    >>> with BlazePoseEstimator() as est:  # doctest: +SKIP
    ...     est.estimate(np.zeros((480, 640, 3), np.uint8), 0.0).missing
    True
    """

    def __init__(self, settings: BlazePoseSettings | None = None) -> None:
        self.settings = settings or BlazePoseSettings()
        self._pose = None
        self._lock = threading.Lock()
        self._closed = False
        self._last_t_s: float | None = None

    def _build(self):
        import mediapipe as mp  # imported here: the model is built lazily

        s = self.settings
        logger.info("building BlazePose (complexity %d)", s.model_complexity)
        return mp.solutions.pose.Pose(
            static_image_mode=s.static_image_mode,
            model_complexity=s.model_complexity,
            smooth_landmarks=s.smooth_landmarks,
            min_detection_confidence=s.min_detection_confidence,
            min_tracking_confidence=s.min_tracking_confidence,
        )

    def estimate(self, image_rgb: np.ndarray, t_s: float) -> PoseFrame:
        """Return the pose in ``image_rgb`` (``(H, W, 3)`` uint8 RGB) at ``t_s`` seconds.

        Raises
        ------
        ValidationError
            The image is not an RGB uint8 array.
        RehabError
            The estimator was closed.
        """
        img = np.asarray(image_rgb)
        if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
            raise ValidationError("image_rgb", "validation.shape", expected="(H, W, 3) uint8",
                                  got=f"{img.shape} {img.dtype}")
        h, w = img.shape[:2]
        with self._lock:
            if self._closed:
                raise RehabError("pose estimator used after close()")
            if self._pose is None:
                self._pose = self._build()
            result = self._pose.process(np.ascontiguousarray(img))
        if result.pose_landmarks is None or result.pose_world_landmarks is None:
            return PoseFrame.no_person(t_s, (w, h))
        lm = result.pose_landmarks.landmark
        world = result.pose_world_landmarks.landmark
        xy = np.array([(p.x * w, p.y * h) for p in lm], dtype=float)
        xyz = np.array([(p.x, p.y, p.z) for p in world], dtype=float)
        raw_vis = np.array([p.visibility for p in lm], dtype=float)
        presence = (
            np.array([p.presence for p in lm], dtype=float)
            if all(p.HasField("presence") for p in lm)
            else None
        )
        vis = in_picture_visibility(xy, raw_vis, (w, h), presence)
        return PoseFrame(t_s, xy, xyz, vis, (w, h), missing=False)

    def reset(self) -> None:
        """Drop the tracking state (MediaPipe's graph reset; the model stays loaded)."""
        with self._lock:
            if self._pose is not None:
                self._pose.reset()

    def close(self) -> None:
        """Free the MediaPipe graph; later calls to :meth:`estimate` raise."""
        with self._lock:
            self._closed = True
            if self._pose is not None:
                self._pose.close()
                self._pose = None

    def __enter__(self) -> BlazePoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


POSE_BACKENDS = ("mediapipe", "torch", "auto")


@dataclass(frozen=True)
class PoseBackendSettings:
    """Which pose backend runs, and where.

    Parameters
    ----------
    backend
        "mediapipe" (the reference, CPU), "torch" (BlazePose re-run in torch) or "auto"
        (torch on CUDA when a GPU is present, else MediaPipe on the CPU: on the CPU
        MediaPipe is the faster of the two, see benchmarks/RESULTS.md).
    device
        "cpu" or "cuda[:N]"; only the torch backend uses it.
    half
        Torch on CUDA only: float16 networks.
    batch_size
        Torch only: frames per network call in batched (offline) estimation.
    """

    backend: str = "mediapipe"
    device: str = "cpu"
    half: bool = False
    batch_size: int = 16

    def __post_init__(self) -> None:
        if self.backend not in POSE_BACKENDS:
            raise ValidationError("backend", "validation.one_of",
                                  allowed=", ".join(POSE_BACKENDS), value=self.backend)
        if self.backend == "mediapipe" and self.device != "cpu":
            raise ValidationError("device", "validation.mediapipe_cpu_only")

    def resolved(self) -> PoseBackendSettings:
        """``auto`` replaced by the backend and device it picks on this machine."""
        if self.backend != "auto":
            return self
        import torch  # only to ask for CUDA; the torch backend needs it anyway

        if torch.cuda.is_available():
            return PoseBackendSettings("torch", "cuda", self.half, self.batch_size)
        return PoseBackendSettings("mediapipe", "cpu", False, self.batch_size)


def make_pose_estimator(
    backend: PoseBackendSettings | None = None, settings: BlazePoseSettings | None = None
) -> PoseEstimator:
    """A pose estimator of the chosen backend with MediaPipe ``solutions.pose`` settings.

    Examples
    --------
    >>> est = make_pose_estimator(PoseBackendSettings("mediapipe"))
    >>> isinstance(est, PoseEstimator)
    True
    """
    choice = (backend or PoseBackendSettings()).resolved()
    s = settings or BlazePoseSettings()
    if choice.backend == "mediapipe":
        return BlazePoseEstimator(s)
    if s.model_complexity != 1:
        raise ValidationError("model_complexity", "validation.torch_full_model_only")
    from rehab.vision.blazepose_torch.estimator import TorchBlazePose, TorchPoseSettings

    return TorchBlazePose(
        TorchPoseSettings(
            device=choice.device,
            half=choice.half,
            static_image_mode=s.static_image_mode,
            smooth_landmarks=s.smooth_landmarks,
            min_detection_confidence=s.min_detection_confidence,
            min_tracking_confidence=s.min_tracking_confidence,
            batch_size=choice.batch_size,
        )
    )
