"""Image -> model input, as MediaPipe's ImageToTensorCalculator (OpenCV path) does it.

The rotated ROI's corners (``cv2.boxPoints``) are mapped onto the tensor's corners with a
perspective transform and the image is resampled bilinearly: with OpenCV on the CPU
(bit-for-bit MediaPipe's own code path), or with ``grid_sample`` on a torch device for
batches (sub-pixel interpolation differences only).
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as nnf

__all__ = ["crop_cv2", "crop_torch", "roi_matrix"]


def roi_matrix(
    cx: float, cy: float, w: float, h: float, rotation_rad: float, size: int
) -> np.ndarray:
    """The 3x3 transform from image pixels to a ``size`` x ``size`` tensor's pixels."""
    src = cv2.boxPoints(((cx, cy), (w, h), rotation_rad * 180.0 / np.pi)).astype(np.float32)
    dst = np.array([[0, size], [0, 0], [size, 0], [size, size]], dtype=np.float32)
    return cv2.getPerspectiveTransform(src, dst)


def crop_cv2(image: np.ndarray, matrix: np.ndarray, size: int, *, zero_border: bool) -> np.ndarray:
    """``(size, size, 3)`` uint8 crop with OpenCV (MediaPipe's CPU path)."""
    border = cv2.BORDER_CONSTANT if zero_border else cv2.BORDER_REPLICATE
    return cv2.warpPerspective(
        image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=border, borderValue=0
    )


def crop_torch(
    images: torch.Tensor, matrices: np.ndarray, size: int, *, zero_border: bool
) -> torch.Tensor:
    """Batched crop on the images' device.

    Parameters
    ----------
    images
        ``(B, 3, H, W)`` float tensor of pixel values 0..255.
    matrices
        ``(B, 3, 3)`` image -> tensor transforms (:func:`roi_matrix`).
    """
    b, _, h, w = images.shape
    inv = torch.as_tensor(np.linalg.inv(matrices), dtype=torch.float32, device=images.device)
    j, i = torch.meshgrid(
        torch.arange(size, device=images.device, dtype=torch.float32),
        torch.arange(size, device=images.device, dtype=torch.float32),
        indexing="xy",
    )
    pts = torch.stack([j, i, torch.ones_like(j)], -1).reshape(1, -1, 3)  # (1, S*S, 3)
    src = pts @ inv.transpose(1, 2)  # (B, S*S, 3)
    xy = src[..., :2] / src[..., 2:]
    grid = torch.stack([xy[..., 0] / (w - 1) * 2 - 1, xy[..., 1] / (h - 1) * 2 - 1], -1)
    grid = grid.reshape(b, size, size, 2).to(images.dtype)
    mode = "zeros" if zero_border else "border"
    return nnf.grid_sample(images, grid, mode="bilinear", padding_mode=mode, align_corners=True)
