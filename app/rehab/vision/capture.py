"""Frame sources: a camera (OpenCV device index), a video file, or frames in memory.

Every source hands out :class:`Frame` values with a capture timestamp and raises
:class:`~rehab.errors.CaptureError` saying what failed and where (the device index or the
file path) when it cannot open or read: a missing, unsupported or corrupt file, or a
camera that is not there or stops delivering. Reads run with a time limit so that a stuck
driver or decoder becomes an error, never a hang.

Examples
--------
>>> import numpy as np
>>> src = ArraySource([np.zeros((4, 6, 3), np.uint8)] * 2, fps=30.0)
>>> [f.index for f in src]
[0, 1]
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from rehab.errors import CaptureError, ValidationError

__all__ = [
    "VIDEO_SUFFIXES",
    "ArraySource",
    "CameraSource",
    "Frame",
    "FrameSource",
    "VideoFileSource",
    "open_source",
]

logger = logging.getLogger(__name__)

#: File types the video reader accepts (OpenCV's FFmpeg backend decodes them).
VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg"})

Clock = Callable[[], float]


@dataclass(frozen=True)
class Frame:
    """One captured image.

    Parameters
    ----------
    image_rgb
        ``(H, W, 3)`` uint8, RGB channel order.
    t_s
        Media time in seconds: frame index / fps for a file, time since the first frame
        for a camera. Use it for angular velocities and rep timing.
    captured_at_s
        The source clock's reading (monotonic seconds) when the frame was read; the start
        of the per-frame latency measurement.
    index
        0-based frame number from this source.
    """

    image_rgb: np.ndarray
    t_s: float
    captured_at_s: float
    index: int

    @property
    def size_px(self) -> tuple[int, int]:
        """``(width, height)`` in pixels."""
        return int(self.image_rgb.shape[1]), int(self.image_rgb.shape[0])


@runtime_checkable
class FrameSource(Protocol):
    """Something that hands out frames until it ends; a port the pipeline depends on."""

    name: str
    fps: float

    def read(self) -> Frame | None:
        """Return the next frame, or ``None`` at the end of the stream.

        Raises
        ------
        CaptureError
            The source failed (not: the stream ended).
        """
        ...

    def close(self) -> None:
        """Release the device or file; safe to call twice."""
        ...


class _SourceBase:
    """Iteration and context management shared by the sources."""

    name: str = "source"
    fps: float = 0.0

    def read(self) -> Frame | None:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __iter__(self) -> Iterator[Frame]:
        while (frame := self.read()) is not None:
            yield frame

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _CvSource(_SourceBase):
    """An OpenCV ``VideoCapture`` driven from one helper thread, with time limits.

    OpenCV calls cannot be interrupted, so each runs in a worker thread and the caller
    waits at most ``timeout_s``; a call that overruns leaves the source broken and raises.
    """

    def __init__(self, target: int | str, name: str, timeout_s: float, clock: Clock) -> None:
        if timeout_s <= 0:
            raise ValidationError("timeout_s", "validation.positive", value=timeout_s)
        self.name = name
        self._timeout_s = timeout_s
        self._clock = clock
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"capture-{name}")
        self._lock = threading.Lock()
        self._cap = None
        self._broken = False
        self._index = 0
        self._t0_s: float | None = None
        self._cap = self._call(lambda: self._open(target), "open")

    @staticmethod
    def _open(target: int | str):
        import cv2  # the adapter's own dependency, imported where used

        cap = cv2.VideoCapture(target)
        if not cap.isOpened():
            cap.release()
            return None
        return cap

    def _call(self, fn, what: str):
        if self._broken:
            raise CaptureError(f"{self.name}: source is broken after an earlier failure")
        future = self._pool.submit(fn)
        try:
            return future.result(timeout=self._timeout_s)
        except FutureTimeout as exc:
            self._broken = True
            raise CaptureError(
                f"{self.name}: {what} did not finish within {self._timeout_s:.1f} s"
            ) from exc

    def _grab(self) -> tuple[bool, np.ndarray | None]:
        ok, bgr = self._cap.read()
        return bool(ok), bgr

    def _next_image(self) -> np.ndarray | None:
        """The next RGB image, or None when the capture reports no more frames."""
        import cv2

        with self._lock:
            if self._cap is None:
                raise CaptureError(f"{self.name}: read after close")
            ok, bgr = self._call(self._grab, "reading a frame")
        if not ok or bgr is None:
            return None
        if bgr.ndim == 2:
            return cv2.cvtColor(bgr, cv2.COLOR_GRAY2RGB)
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    def close(self) -> None:
        with self._lock:
            cap, self._cap = self._cap, None
        if cap is not None and not self._broken:
            try:
                self._pool.submit(cap.release).result(timeout=self._timeout_s)
            except FutureTimeout:
                # Releasing is best effort at shutdown; say so rather than hang or raise.
                self._broken = True
                logger.warning(
                    "%s: release did not finish within %.1f s", self.name, self._timeout_s
                )
        # A broken source may still have a call stuck in the worker; do not wait for it.
        self._pool.shutdown(wait=not self._broken, cancel_futures=True)


class VideoFileSource(_CvSource):
    """Frames of a video file, timestamped by frame index and the file's frame rate.

    Parameters
    ----------
    path
        The video file (one of :data:`VIDEO_SUFFIXES`).
    timeout_s
        Longest wait for opening or decoding one frame.
    clock
        Monotonic clock for ``Frame.captured_at_s``; injectable for tests.

    Raises
    ------
    CaptureError
        The file is missing, is not a video type we read, cannot be opened, or has no
        decodable first frame (corrupt). Also from :meth:`read` if decoding fails midway
        or a frame overruns ``timeout_s``.
    """

    def __init__(
        self, path: str | Path, *, timeout_s: float = 10.0, clock: Clock = time.monotonic
    ) -> None:
        p = Path(path)
        if not p.exists():
            raise CaptureError(f"video file not found: {p}")
        if not p.is_file():
            raise CaptureError(f"not a file: {p}")
        if p.suffix.lower() not in VIDEO_SUFFIXES:
            raise CaptureError(
                f"unsupported video file type {p.suffix or '(none)'!r}: {p}; "
                f"expected one of {', '.join(sorted(VIDEO_SUFFIXES))}"
            )
        super().__init__(str(p), str(p), timeout_s, clock)
        if self._cap is None:
            self.close()
            raise CaptureError(f"cannot open video file (corrupt or unknown codec): {p}")
        import cv2

        fps = float(self._cap.get(cv2.CAP_PROP_FPS))
        self.fps = fps if np.isfinite(fps) and fps > 0 else 30.0
        self.frame_count = int(max(self._cap.get(cv2.CAP_PROP_FRAME_COUNT), 0))
        self.path = p
        # Decode the first frame now, so a file with no decodable frame fails at open,
        # not as a silent empty stream later.
        first = self._next_image()
        if first is None:
            self.close()
            raise CaptureError(f"video file has no decodable frame (corrupt?): {p}")
        self._pending: np.ndarray | None = first

    def read(self) -> Frame | None:
        """Return the next frame, or ``None`` at the end of the file."""
        if self._pending is not None:
            image, self._pending = self._pending, None
        else:
            image = self._next_image()
        if image is None:
            if self.frame_count and self._index < self.frame_count - 1:
                # Container frame counts can be a little off; a large shortfall is not.
                logger.warning(
                    "%s: stream ended at frame %d of %d declared", self.name, self._index,
                    self.frame_count,
                )  # fmt: skip
            return None
        frame = Frame(image, self._index / self.fps, self._clock(), self._index)
        self._index += 1
        return frame


class CameraSource(_CvSource):
    """Frames of a live camera, timestamped by the clock when each is read.

    Parameters
    ----------
    index
        OpenCV device index (``0`` is the first camera).
    timeout_s
        Longest wait for opening the device or for one frame; an unplugged camera
        becomes a :class:`CaptureError` after at most this long.
    clock
        Monotonic clock for timestamps.

    Raises
    ------
    CaptureError
        No camera at ``index``, or it stops delivering frames.
    """

    def __init__(self, index: int, *, timeout_s: float = 5.0, clock: Clock = time.monotonic):
        if index < 0:
            raise ValidationError("index", "validation.at_least", lo=0, value=index)
        super().__init__(index, f"camera {index}", timeout_s, clock)
        if self._cap is None:
            self.close()
            raise CaptureError(f"camera {index}: cannot open (not connected or in use)")
        import cv2

        fps = float(self._cap.get(cv2.CAP_PROP_FPS))
        self.fps = fps if np.isfinite(fps) and fps > 0 else 30.0

    def read(self) -> Frame:
        """Return the next frame; a camera never ends, so no frame is an error."""
        image = self._next_image()
        now = self._clock()
        if image is None:
            raise CaptureError(f"{self.name}: stopped delivering frames (unplugged?)")
        if self._t0_s is None:
            self._t0_s = now
        frame = Frame(image, now - self._t0_s, now, self._index)
        self._index += 1
        return frame


class ArraySource(_SourceBase):
    """Frames from images in memory: the stand-in for a camera in tests and benchmarks.

    Parameters
    ----------
    images
        RGB uint8 images, all the same size.
    fps
        Frame rate for the media timestamps.
    clock
        Clock for ``captured_at_s``.
    realtime
        If true, :meth:`read` paces frames at ``fps`` like a camera would (using
        ``sleep``), so a slow consumer sees frames pile up and be dropped.
    sleep
        Injected sleep, for ``realtime`` pacing.
    """

    def __init__(
        self,
        images: Sequence[np.ndarray],
        fps: float = 30.0,
        *,
        clock: Clock = time.monotonic,
        realtime: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        name: str = "memory",
    ) -> None:
        if fps <= 0:
            raise ValidationError("fps", "validation.positive", value=fps)
        self.name = name
        self.fps = float(fps)
        self._images = images
        self._clock = clock
        self._realtime = realtime
        self._sleep = sleep
        self._index = 0
        self._start_s: float | None = None

    def read(self) -> Frame | None:
        if self._index >= len(self._images):
            return None
        now = self._clock()
        if self._realtime:
            if self._start_s is None:
                self._start_s = now
            due = self._start_s + self._index / self.fps
            if due > now:
                self._sleep(due - now)
                now = self._clock()
        frame = Frame(self._images[self._index], self._index / self.fps, now, self._index)
        self._index += 1
        return frame

    def close(self) -> None:
        self._index = len(self._images)


def open_source(
    spec: str | int | Path, *, timeout_s: float = 10.0
) -> VideoFileSource | CameraSource:
    """Open a camera (an integer or a string of digits) or a video file (anything else).

    Examples
    --------
    >>> open_source("/no/such/video.mp4")
    Traceback (most recent call last):
    ...
    rehab.errors.CaptureError: video file not found: /no/such/video.mp4
    """
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
        return CameraSource(int(spec), timeout_s=timeout_s)
    return VideoFileSource(spec, timeout_s=timeout_s)
