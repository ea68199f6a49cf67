"""BlazePose in torch as a :class:`~rehab.vision.pose.PoseEstimator`, live or batched.

:class:`TorchBlazePose` follows MediaPipe 0.10.21's ``PoseLandmarkCpu`` graph: detect the
person (224x224 letterboxed detector, SSD anchors, weighted NMS), crop the rotated ROI
from the detector's hip-centre and scale keypoints, run the full landmark model on the
256x256 crop, refine landmarks with the heatmap, and project them back to the image.
In video mode the next frame's ROI comes from the (one-euro smoothed) auxiliary
landmarks, and the detector runs again only when the pose flag falls below
``min_tracking_confidence``. :meth:`TorchBlazePose.estimate_batch` runs the static-image
path on many frames at once (offline re-analysis).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from rehab.errors import RehabError, ValidationError
from rehab.vision.blazepose_torch import geometry as geo
from rehab.vision.blazepose_torch.crop import crop_cv2, crop_torch, roi_matrix
from rehab.vision.blazepose_torch.smoothing import LowPass, OneEuro
from rehab.vision.blazepose_torch.weights import load_graph
from rehab.vision.pose import N_LANDMARKS, PoseFrame, in_picture_visibility

__all__ = ["RawPose", "TorchBlazePose", "TorchPoseSettings"]

logger = logging.getLogger(__name__)

_N_MODEL_LANDMARKS = 39  # 33 body + 2 auxiliary (ROI) + 4 unused
_AUX = slice(33, 35)
_FRAME_STEP_NS = 33_333_000  # MediaPipe's Python solution stamps frames 33333 us apart


@dataclass(frozen=True)
class TorchPoseSettings:
    """Settings of :class:`TorchBlazePose` (MediaPipe ``solutions.pose`` semantics).

    Parameters
    ----------
    device
        "cpu" or "cuda" (or "cuda:N").
    half
        Run the networks in float16 (CUDA only).
    static_image_mode, smooth_landmarks, min_detection_confidence, min_tracking_confidence
        As :class:`~rehab.vision.pose.BlazePoseSettings`.
    batch_size
        Frames per network call in :meth:`TorchBlazePose.estimate_batch`.
    cpu_threads
        Torch's intra-op threads on the CPU (process-wide, set when the networks load).
        One by default: torch's OpenMP workers busy-wait, and next to a video decoding
        thread on a loaded 2-core machine two workers made ``rehab analyze`` 6x slower
        (135 s against 22 s on the demo video; benchmarks/RESULTS.md).
    """

    device: str = "cpu"
    half: bool = False
    static_image_mode: bool = False
    smooth_landmarks: bool = True
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    batch_size: int = 16
    cpu_threads: int = 1

    def __post_init__(self) -> None:
        if not (self.device == "cpu" or self.device.startswith("cuda")):
            raise ValidationError("device", "validation.pose_device", value=self.device)
        if self.half and self.device == "cpu":
            raise ValidationError("half", "validation.half_needs_cuda")
        for name in ("min_detection_confidence", "min_tracking_confidence"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValidationError(name, "validation.range", lo=0, hi=1, value=value)
        if self.batch_size < 1:
            raise ValidationError("batch_size", "validation.at_least", lo=1, value=self.batch_size)
        if self.cpu_threads < 1:
            raise ValidationError("cpu_threads", "validation.at_least", lo=1,
                                  value=self.cpu_threads)


@dataclass(frozen=True)
class RawPose:
    """BlazePose's outputs for one image, in MediaPipe's conventions.

    Attributes
    ----------
    landmarks
        ``(33, 5)``: normalised x, y, z, visibility, presence.
    world_m
        ``(33, 3)`` world landmarks in metres.
    aux
        ``(2, 3)`` auxiliary landmarks (normalised x, y, z) that give the next ROI.
    roi
        The rectangle the landmark model saw.
    pose_score
        The pose flag (0..1).
    """

    landmarks: np.ndarray
    world_m: np.ndarray
    aux: np.ndarray
    roi: geo.Rect
    pose_score: float


class _Filters:
    """The video-mode filters of PoseLandmarkFiltering (all reset when the pose is lost)."""

    def __init__(self) -> None:
        self.aux = OneEuro(0.01, 10.0, 1.0)
        self.landmarks = OneEuro(0.05, 80.0, 1.0)
        self.world = OneEuro(0.1, 40.0, 1.0)
        self.visibility = LowPass(0.1)


class TorchBlazePose:
    """MediaPipe BlazePose (full model) re-implemented in torch.

    The networks are loaded from the mediapipe wheel on first use. Calls are serialised
    by a lock (the tracking state is per video).

    Parameters
    ----------
    settings
        Device, mode and thresholds; default: CPU, video mode, smoothing on.

    Examples
    --------
    >>> import numpy as np
    >>> with TorchBlazePose() as est:  # doctest: +SKIP
    ...     est.estimate(np.zeros((480, 640, 3), np.uint8), 0.0).missing
    True
    """

    def __init__(self, settings: TorchPoseSettings | None = None) -> None:
        self.settings = settings or TorchPoseSettings()
        self._device = torch.device(self.settings.device)
        self._dtype = torch.float16 if self.settings.half else torch.float32
        self._nets: tuple[torch.nn.Module, torch.nn.Module] | None = None
        self._anchors = geo.ssd_anchors()
        self._lock = threading.Lock()
        self._closed = False
        self._prev_roi: geo.Rect | None = None
        self._filters = _Filters()
        self._frame_no = 0

    # -- model -------------------------------------------------------------------------
    def _networks(self) -> tuple[torch.nn.Module, torch.nn.Module]:
        if self._closed:
            raise RehabError("pose estimator used after close()")
        if self._nets is None:
            if self._device.type == "cuda" and not torch.cuda.is_available():
                raise RehabError("the torch pose backend was asked for CUDA, but none is available")
            if self._device.type == "cpu":
                torch.set_num_threads(self.settings.cpu_threads)
            nets = tuple(
                load_graph(n).to(self._device, self._dtype) for n in ("detector", "landmark_full")
            )
            self._nets = nets  # type: ignore[assignment]
        return self._nets  # type: ignore[return-value]

    def _to_device(self, batch: np.ndarray) -> torch.Tensor:
        """``(B, H, W, 3)`` uint8 -> ``(B, 3, H, W)`` on the device, pixel values 0..255."""
        t = torch.from_numpy(np.ascontiguousarray(batch)).to(self._device)
        return t.permute(0, 3, 1, 2).to(self._dtype)

    def _inputs(self, images: Sequence[np.ndarray], mats: np.ndarray, size: int, zero: bool):
        """Crops of each image (pixel values 0..255) as a ``(B, 3, size, size)`` tensor."""
        if self._device.type == "cpu":
            crops = [
                crop_cv2(im, m, size, zero_border=zero) for im, m in zip(images, mats, strict=True)
            ]
            return self._to_device(np.stack(crops))
        if all(im.shape == images[0].shape for im in images):
            return crop_torch(self._to_device(np.stack(images)), mats, size, zero_border=zero)
        return torch.cat(
            [
                crop_torch(self._to_device(im[None]), m[None], size, zero_border=zero)
                for im, m in zip(images, mats, strict=True)
            ]
        )

    # -- stages ------------------------------------------------------------------------
    @torch.no_grad()
    def _detect(self, images: Sequence[np.ndarray]) -> list[geo.Rect | None]:
        """Person ROIs (or None) for a batch of images, by the detector."""
        detector, _ = self._networks()
        size = geo.DETECTOR_SIZE
        mats, pads = [], []
        for im in images:
            h, w = im.shape[:2]
            side = max(w, h)  # letterbox: the ROI is the image padded to a square
            mats.append(roi_matrix(w / 2, h / 2, side, side, 0.0, size))
            pads.append(geo.letterbox_padding((w, h)))
        x = self._inputs(images, np.array(mats), size, True) * (2.0 / 255.0) - 1.0
        boxes, scores = (o.float().cpu().numpy() for o in detector(x))
        rois: list[geo.Rect | None] = []
        for i, im in enumerate(images):
            dets = geo.decode_detections(
                boxes[i], scores[i, :, 0], self._anchors, self.settings.min_detection_confidence
            )
            if not dets:
                rois.append(None)
                continue
            kps = geo.remove_letterbox(geo.weighted_nms(dets)[0].keypoints, pads[i])
            rois.append(
                geo.roi_from_keypoints(kps[0], kps[1], (im.shape[1], im.shape[0]), expand=True)
            )
        return rois

    @torch.no_grad()
    def _landmarks(
        self, images: Sequence[np.ndarray], rois: Sequence[geo.Rect]
    ) -> list[RawPose | None]:
        """Landmarks (or None when the pose flag is low) inside each image's ROI."""
        _, net = self._networks()
        size = geo.LANDMARK_SIZE
        mats = np.array(
            [
                roi_matrix(*r.to_pixels((im.shape[1], im.shape[0])), r.rotation_rad, size)
                for im, r in zip(images, rois, strict=True)
            ]
        )
        x = self._inputs(images, mats, size, False) * (1.0 / 255.0)
        raw, flag, _seg, heatmap, world = (o.float().cpu().numpy() for o in net(x))
        out: list[RawPose | None] = []
        for i, roi in enumerate(rois):
            if flag[i, 0] < self.settings.min_tracking_confidence:
                out.append(None)
                continue
            lm = raw[i].reshape(_N_MODEL_LANDMARKS, 5).astype(np.float64)
            xyz = lm[:, :3] / size
            xyz[:, :2] = geo.refine_with_heatmap(xyz[:, :2], heatmap[i])
            img_xyz = geo.project_landmarks(xyz, roi)
            vis_pres = 1.0 / (1.0 + np.exp(-lm[:, 3:5]))
            w3 = world[i].reshape(_N_MODEL_LANDMARKS, 3).astype(np.float64)
            out.append(
                RawPose(
                    landmarks=np.concatenate([img_xyz, vis_pres], axis=1)[:N_LANDMARKS],
                    world_m=geo.rotate_world(w3, roi)[:N_LANDMARKS],
                    aux=img_xyz[_AUX],
                    roi=roi,
                    pose_score=float(flag[i, 0]),
                )
            )
        return out

    # -- public ------------------------------------------------------------------------
    def process(self, image_rgb: np.ndarray) -> RawPose | None:
        """One image through the graph (video mode tracks across calls); None if nobody."""
        img = _checked(image_rgb)
        with self._lock:
            self._networks()
            if self.settings.static_image_mode:
                roi = self._detect([img])[0]
                return None if roi is None else self._landmarks([img], [roi])[0]
            return self._track(img)

    def _track(self, img: np.ndarray) -> RawPose | None:
        t_ns = self._frame_no * _FRAME_STEP_NS
        self._frame_no += 1
        roi = self._prev_roi or self._detect([img])[0]
        pose = None if roi is None else self._landmarks([img], [roi])[0]
        if pose is None:
            self._prev_roi = None
            self._filters = _Filters()
            return None
        size = (img.shape[1], img.shape[0])
        pose = self._smoothed(pose, t_ns, size)
        self._prev_roi = geo.roi_from_keypoints(pose.aux[0], pose.aux[1], size, expand=True)
        return pose

    def _smoothed(self, pose: RawPose, t_ns: int, size: tuple[int, int]) -> RawPose:
        """PoseLandmarkFiltering: aux always; landmarks and world when smoothing is on."""
        scale_px = np.array([size[0], size[1], size[0]], dtype=float)
        obj = geo.roi_from_keypoints(pose.aux[0], pose.aux[1], size, expand=False)
        obj_scale = (obj.width * size[0] + obj.height * size[1]) / 2.0
        f = self._filters
        aux = f.aux.apply(t_ns, pose.aux * scale_px, 1.0 / obj_scale) / scale_px
        lm, world = pose.landmarks.copy(), pose.world_m
        if self.settings.smooth_landmarks:
            lm[:, 3] = f.visibility.apply(lm[:, 3])
            lm[:, :3] = f.landmarks.apply(t_ns, lm[:, :3] * scale_px, 1.0 / obj_scale) / scale_px
            world = f.world.apply(t_ns, world, 1.0)
        return RawPose(lm, world, aux, pose.roi, pose.pose_score)

    def estimate(self, image_rgb: np.ndarray, t_s: float) -> PoseFrame:
        """The pose in ``image_rgb`` (``(H, W, 3)`` uint8 RGB) at ``t_s`` seconds.

        Raises
        ------
        ValidationError
            The image is not an RGB uint8 array.
        RehabError
            The estimator was closed, or CUDA was asked for and is absent.
        """
        img = _checked(image_rgb)
        return _to_frame(self.process(img), t_s, (img.shape[1], img.shape[0]))

    def process_batch(self, images: Sequence[np.ndarray]) -> list[RawPose | None]:
        """Many unrelated images (static-image mode), ``batch_size`` per network call."""
        imgs = [_checked(im) for im in images]
        out: list[RawPose | None] = []
        with self._lock:
            self._networks()
            for start in range(0, len(imgs), self.settings.batch_size):
                chunk = imgs[start : start + self.settings.batch_size]
                rois = self._detect(chunk)
                found = [i for i, r in enumerate(rois) if r is not None]
                poses = (
                    self._landmarks([chunk[i] for i in found], [rois[i] for i in found])
                    if found
                    else []
                )
                by_index = dict(zip(found, poses, strict=True))
                out.extend(by_index.get(i) for i in range(len(chunk)))
        return out

    def estimate_batch(self, images: Sequence[np.ndarray], t_s: Sequence[float]) -> list[PoseFrame]:
        """:meth:`process_batch` as :class:`~rehab.vision.pose.PoseFrame` values."""
        if len(images) != len(t_s):
            raise ValidationError("t_s", "validation.one_time_per_image", images=len(images),
                                  times=len(t_s))
        poses = self.process_batch(images)
        return [
            _to_frame(p, t, (im.shape[1], im.shape[0]))
            for p, t, im in zip(poses, t_s, images, strict=True)
        ]

    def reset(self) -> None:
        """Forget the tracked ROI and the filters (the next image is unrelated)."""
        with self._lock:
            self._prev_roi = None
            self._filters = _Filters()
            self._frame_no = 0

    def close(self) -> None:
        """Free the networks; later calls raise."""
        with self._lock:
            self._closed = True
            self._nets = None

    def __enter__(self) -> TorchBlazePose:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _checked(image_rgb: np.ndarray) -> np.ndarray:
    img = np.asarray(image_rgb)
    if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
        raise ValidationError("image_rgb", "validation.shape", expected="(H, W, 3) uint8",
                              got=f"{img.shape} {img.dtype}")
    return img


def _to_frame(pose: RawPose | None, t_s: float, size: tuple[int, int]) -> PoseFrame:
    if pose is None:
        return PoseFrame.no_person(t_s, size)
    xy = pose.landmarks[:, :2] * np.array(size, dtype=float)
    # As the MediaPipe backend: landmarks outside the picture (or not present) are unseen.
    vis = in_picture_visibility(xy, pose.landmarks[:, 3], size, pose.landmarks[:, 4])
    return PoseFrame(t_s, xy, pose.world_m.copy(), vis, size, missing=False)
