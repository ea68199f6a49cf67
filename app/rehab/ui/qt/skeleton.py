"""Paint a camera frame with its BlazePose skeleton into a QImage."""

from __future__ import annotations

import cv2
import numpy as np
from PyQt6.QtCore import QPointF, QSize, Qt
from PyQt6.QtGui import QColor, QImage, QPainter, QPen

from rehab.session.events import FrameUpdate
from rehab.ui.qt.style import Role, qcolor

# BlazePose's 33-landmark topology (as in mediapipe.solutions.pose.POSE_CONNECTIONS, written
# out so the console need not import MediaPipe).
POSE_CONNECTIONS: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10),
    (11, 12), (11, 23), (12, 24), (23, 24),
    (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19),
    (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20),
    (23, 25), (25, 27), (27, 29), (27, 31), (29, 31),
    (24, 26), (26, 28), (28, 30), (28, 32), (30, 32),
)
MIN_VISIBILITY = 0.5


def _bgr_to_qimage(image_bgr: np.ndarray, size: QSize | None, grow: bool = False) -> QImage:
    """The frame as a QImage owning its pixels, scaled down (or up, with ``grow``) to fit
    ``size`` when given.

    Scaling first makes the skeleton cheap to draw at display size. Bilinear in OpenCV
    costs about 1 ms for a 1768x994 frame, where Qt's smooth scaling and OpenCV's area
    interpolation cost 7-9 ms (benchmarks/RESULTS_console.md); at a 2:1 reduction the
    difference does not show.
    """
    image = np.ascontiguousarray(image_bgr)
    h, w = image.shape[:2]
    if size is not None and size.width() > 0 and size.height() > 0 and (
            grow or size.width() < w or size.height() < h):
        scale = min(size.width() / w, size.height() / h)
        new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
        image = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
        h, w = new_h, new_w
    # copy(): the numpy buffer may go away; the QImage must own its pixels
    return QImage(image.data, w, h, image.strides[0], QImage.Format.Format_BGR888).copy()


def _colour(a: int, b: int) -> QColor:
    if a > 10 and b > 10 and a % 2 == b % 2:  # the person's left: odd landmark indices
        return qcolor(Role.SKELETON_LEFT if a % 2 == 1 else Role.SKELETON_RIGHT)
    return qcolor(Role.SKELETON_CENTRE)


def render_frame(frame: FrameUpdate, size: QSize | None = None, *,
                 grow: bool = False) -> QImage:
    """The frame's image with the skeleton drawn on it (only confidently seen landmarks).

    Parameters
    ----------
    frame
        A frame with its image.
    size
        Fit the picture into this size (keeping the aspect ratio); full size when None.
    grow
        Also scale a smaller picture up to fit ``size`` (the patient's screen).
    """
    if frame.image_bgr is None:
        raise ValueError("render_frame needs a frame with its image")
    image = _bgr_to_qimage(frame.image_bgr, size, grow)
    if frame.landmarks_px is None:
        return image
    scale = image.width() / frame.image_bgr.shape[1]
    points = np.asarray(frame.landmarks_px, dtype=float) * scale
    visible = (np.asarray(frame.visibility) >= MIN_VISIBILITY) if frame.visibility is not None \
        else np.ones(len(points), bool)
    visible &= np.isfinite(points).all(axis=1)
    width = max(2.0, image.width() / 200)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for a, b in POSE_CONNECTIONS:
        if visible[a] and visible[b]:
            painter.setPen(QPen(_colour(a, b), width, cap=Qt.PenCapStyle.RoundCap))
            painter.drawLine(QPointF(*points[a]), QPointF(*points[b]))
    painter.setPen(QPen(qcolor(Role.JOINT_OUTLINE), 1))
    painter.setBrush(qcolor(Role.JOINT_FILL))
    for i in np.flatnonzero(visible[11:]) + 11:  # body joints only; the face is cluttered
        painter.drawEllipse(QPointF(*points[i]), width * 1.2, width * 1.2)
    painter.end()
    return image
