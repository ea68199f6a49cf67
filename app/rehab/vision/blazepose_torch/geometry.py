"""BlazePose's pre- and post-processing maths, as in MediaPipe 0.10.21's pose graphs.

Every constant is the one in the wheel's ``pose_landmark_cpu`` graph (expanded with its
subgraphs ``PoseDetectionCpu``, ``PoseDetectionToRoi``, ``PoseLandmarkByRoiCpu``,
``PoseLandmarksToRoi``). Rectangles are MediaPipe ``NormalizedRect`` values:
``(x_center, y_center, width, height, rotation_rad)`` with centre and size as fractions of
the image width and height. Pure numpy: no torch, no OpenCV.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "DETECTOR_SIZE",
    "LANDMARK_SIZE",
    "Detection",
    "Rect",
    "decode_detections",
    "letterbox_padding",
    "project_landmarks",
    "refine_with_heatmap",
    "roi_from_keypoints",
    "rotate_world",
    "ssd_anchors",
    "weighted_nms",
]

DETECTOR_SIZE = 224
LANDMARK_SIZE = 256
# SsdAnchorsCalculator
_STRIDES = (8, 16, 32, 32, 32)
# TensorsToDetectionsCalculator: 4 box values (x, y, w, h: reverse_output_order) + 4 keypoints
_NUM_KEYPOINTS = 4
_SCORE_CLIP = 100.0
# NonMaxSuppressionCalculator
_NMS_IOU = 0.3
# AlignmentPointsRectsCalculator + RectTransformationCalculator (detection and landmarks)
_TARGET_ANGLE_RAD = np.pi / 2
_ROI_SCALE = 1.25
# RefineLandmarksFromHeatmapCalculator. The graph's options say kernel_size: 7, but
# MediaPipe 0.10.21 refines with a 9x9 window (its default): measured on the wheel's own
# graph, a 9x9 window reproduces its refined landmarks to 2e-7, a 7x7 one is 3e-3 off.
_HEATMAP_KERNEL = 9
_HEATMAP_MIN_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Rect:
    """A rotated rectangle in normalised image coordinates (MediaPipe ``NormalizedRect``)."""

    x_center: float
    y_center: float
    width: float
    height: float
    rotation_rad: float = 0.0

    def to_pixels(self, image_size_px: tuple[int, int]) -> tuple[float, float, float, float]:
        """``(cx, cy, w, h)`` in pixels."""
        w, h = image_size_px
        return self.x_center * w, self.y_center * h, self.width * w, self.height * h


@dataclass(frozen=True)
class Detection:
    """One person detection: score, box ``(xmin, ymin, w, h)`` and 4 keypoints ``(4, 2)``."""

    score: float
    box: np.ndarray
    keypoints: np.ndarray


def ssd_anchors() -> np.ndarray:
    """The 2254 anchor centres ``(N, 2)`` (x, y), fixed size 1, in the order of the model.

    Layers sharing a stride are merged, with two anchors per layer per cell (aspect ratio
    1 and the interpolated scale), as SsdAnchorsCalculator does.
    """
    centres = []
    layer = 0
    while layer < len(_STRIDES):
        last = layer
        while last < len(_STRIDES) and _STRIDES[last] == _STRIDES[layer]:
            last += 1
        per_cell = 2 * (last - layer)
        n = int(np.ceil(DETECTOR_SIZE / _STRIDES[layer]))
        ys, xs = np.meshgrid((np.arange(n) + 0.5) / n, (np.arange(n) + 0.5) / n, indexing="ij")
        cell = np.stack([xs.ravel(), ys.ravel()], axis=1)
        centres.append(np.repeat(cell, per_cell, axis=0))
        layer = last
    return np.concatenate(centres)


def decode_detections(
    raw_boxes: np.ndarray, raw_scores: np.ndarray, anchors: np.ndarray, min_score: float
) -> list[Detection]:
    """Decode one image's detector outputs (``(N, 12)``, ``(N,)``) above ``min_score``.

    Coordinates are normalised to the 224x224 (letterboxed) detector input.
    """
    scores = 1.0 / (
        1.0 + np.exp(-np.clip(raw_scores.astype(np.float64), -_SCORE_CLIP, _SCORE_CLIP))
    )
    keep = np.flatnonzero(scores >= min_score)
    out = []
    for i in keep:
        r = raw_boxes[i] / DETECTOR_SIZE
        ax, ay = anchors[i]
        xc, yc, w, h = r[0] + ax, r[1] + ay, r[2], r[3]
        kps = r[4 : 4 + 2 * _NUM_KEYPOINTS].reshape(-1, 2) + anchors[i]
        out.append(Detection(float(scores[i]), np.array([xc - w / 2, yc - h / 2, w, h]), kps))
    return out


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    iy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if ix <= 0 or iy <= 0:
        return 0.0
    inter = ix * iy
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def weighted_nms(detections: list[Detection]) -> list[Detection]:
    """MediaPipe's weighted non-maximum suppression (IoU > 0.3 merges, score-weighted).

    The merged detection keeps the best score; its box and keypoints are the score-weighted
    means of the overlapping detections (itself included).
    """
    remaining = sorted(detections, key=lambda d: -d.score)
    out = []
    while remaining:
        top = remaining[0]
        close = [d for d in remaining if _iou(top.box, d.box) > _NMS_IOU]
        remaining = [d for d in remaining if _iou(top.box, d.box) <= _NMS_IOU]
        weights = np.array([d.score for d in close])
        box = np.sum([d.box * s for d, s in zip(close, weights, strict=True)], 0) / weights.sum()
        kps = np.sum([d.keypoints * s for d, s in zip(close, weights, strict=True)], 0)
        out.append(Detection(top.score, box, kps / weights.sum()))
    return out


def letterbox_padding(image_size_px: tuple[int, int]) -> tuple[float, float]:
    """``(horizontal, vertical)`` padding fractions of fitting an image into a square."""
    w, h = image_size_px
    if h <= w:
        return 0.0, (1.0 - h / w) / 2.0
    return (1.0 - w / h) / 2.0, 0.0


def remove_letterbox(points: np.ndarray, padding: tuple[float, float]) -> np.ndarray:
    """Map normalised ``(..., 2)`` points of the letterboxed square back to the image."""
    px, py = padding
    return (points - np.array([px, py])) / np.array([1 - 2 * px, 1 - 2 * py])


def _normalize_radians(angle: float) -> float:
    return angle - 2 * np.pi * np.floor((angle + np.pi) / (2 * np.pi))


def roi_from_keypoints(
    centre: np.ndarray, scale_point: np.ndarray, image_size_px: tuple[int, int], *, expand: bool
) -> Rect:
    """The rotated square around a body from its centre and scale/rotation keypoint.

    ``expand`` applies RectTransformationCalculator (square on the long side, x1.25), as
    for the ROI the landmark model sees; without it this is the smoothing filters' object
    scale ROI.
    """
    w, h = image_size_px
    x0, y0 = centre[0] * w, centre[1] * h
    x1, y1 = scale_point[0] * w, scale_point[1] * h
    box_px = 2.0 * np.hypot(x1 - x0, y1 - y0)
    rotation = _normalize_radians(_TARGET_ANGLE_RAD - np.arctan2(-(y1 - y0), x1 - x0))
    width, height = box_px / w, box_px / h
    if expand:
        long_px = max(width * w, height * h)
        width, height = long_px / w * _ROI_SCALE, long_px / h * _ROI_SCALE
    return Rect(x0 / w, y0 / h, width, height, float(rotation))


def refine_with_heatmap(xy: np.ndarray, heatmap: np.ndarray) -> np.ndarray:
    """RefineLandmarksFromHeatmapCalculator: confidence-weighted mean over a 9x9 window.

    As MediaPipe does it, quirks included: the window's centre cell truncates toward zero
    (a point just left of or above the crop still refines from cell 0), and a point below
    the heatmap is not skipped (MediaPipe tests the column against the height), so its
    window is cut at the bottom edge (or empty, then the point is kept).

    Parameters
    ----------
    xy
        ``(K, 2)`` landmark positions normalised to the model's crop.
    heatmap
        ``(K, 64, 64)`` raw heatmap logits (channel per landmark).
    """
    k_count, hm_h, hm_w = heatmap.shape
    out = xy.copy()
    off = (_HEATMAP_KERNEL - 1) // 2
    conf = 1.0 / (1.0 + np.exp(-heatmap.astype(np.float64)))
    for k in range(k_count):
        col, row = int(xy[k, 0] * hm_w), int(xy[k, 1] * hm_h)  # C++ float -> int
        if col < 0 or col >= hm_w or row < 0 or col >= hm_h:
            continue
        r0, r1 = max(0, row - off), min(hm_h, row + off + 1)
        c0, c1 = max(0, col - off), min(hm_w, col + off + 1)
        window = conf[k, r0:r1, c0:c1]
        if window.size == 0:
            continue
        total = window.sum()
        if window.max() >= _HEATMAP_MIN_CONFIDENCE and total > 0:
            out[k, 0] = (window.sum(axis=0) @ np.arange(c0, c1)) / hm_w / total
            out[k, 1] = (window.sum(axis=1) @ np.arange(r0, r1)) / hm_h / total
    return out


def project_landmarks(xyz: np.ndarray, roi: Rect) -> np.ndarray:
    """LandmarkProjectionCalculator: crop-normalised ``(K, 3)`` -> image-normalised."""
    c, s = np.cos(roi.rotation_rad), np.sin(roi.rotation_rad)
    u, v = xyz[:, 0] - 0.5, xyz[:, 1] - 0.5
    x = (c * u - s * v) * roi.width + roi.x_center
    y = (s * u + c * v) * roi.height + roi.y_center
    return np.stack([x, y, xyz[:, 2] * roi.width], axis=1)


def rotate_world(xyz: np.ndarray, roi: Rect) -> np.ndarray:
    """WorldLandmarkProjectionCalculator: rotate world ``(K, 3)`` x, y by the ROI angle."""
    c, s = np.cos(roi.rotation_rad), np.sin(roi.rotation_rad)
    x = c * xyz[:, 0] - s * xyz[:, 1]
    y = s * xyz[:, 0] + c * xyz[:, 1]
    return np.stack([x, y, xyz[:, 2]], axis=1)
