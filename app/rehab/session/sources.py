"""Frame-source adapters for sessions: a video played like a camera, looped, with its end known.

A live session expects frames at the camera's pace, stamped when they arrive. A video
file decodes as fast as the CPU allows, so :class:`PacedSource` releases each frame at
its media time (on an injected clock and sleep), and :class:`LoopingSource` starts the
file again when it ends, carrying media time on, so a short demo video can drive a
session of any length.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from rehab.vision.capture import CameraSource, Frame, FrameSource, VideoFileSource


def source_opener(spec: str | int | Path) -> Callable[[], FrameSource]:
    """How a session opens its camera: an index (``0``, ``"0"``) opens that camera; a
    path plays that video like a camera, looped. Errors surface when it is called.

    Examples
    --------
    >>> source_opener("/no/such.mp4")()
    Traceback (most recent call last):
    ...
    rehab.errors.CaptureError: video file not found: /no/such.mp4
    """
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        index = int(spec)
        return lambda: CameraSource(index)
    path = Path(spec)
    return lambda: PacedSource(LoopingSource(lambda: VideoFileSource(path)))


class LoopingSource:
    """Plays the sources ``open_source()`` returns one after another, without end.

    Parameters
    ----------
    open_source
        Opens the video again (raising :class:`~rehab.errors.CaptureError` if it can't).
    max_loops
        Stop after this many plays (None: never).
    """

    def __init__(self, open_source: Callable[[], FrameSource], *,
                 max_loops: int | None = None) -> None:
        self._open = open_source
        self._source = open_source()
        self._loops, self._max_loops = 1, max_loops
        self._t_offset_s = self._index_offset = 0
        self._last: Frame | None = None

    def read(self) -> Frame | None:
        frame = self._source.read()
        if frame is None:
            if self._max_loops is not None and self._loops >= self._max_loops:
                return None
            if self._last is None:
                return None  # an empty source would loop forever
            self._source.close()
            self._source = self._open()
            self._loops += 1
            period_s = self._last.t_s - self._t_offset_s + _frame_period(self._source)
            self._t_offset_s += period_s
            self._index_offset = self._last.index + 1
            frame = self._source.read()
            if frame is None:
                return None
        frame = replace(frame, t_s=frame.t_s + self._t_offset_s,
                        index=frame.index + self._index_offset)
        self._last = frame
        return frame

    def close(self) -> None:
        self._source.close()


def _frame_period(source: FrameSource) -> float:
    fps = getattr(source, "fps", 30.0)
    return 1.0 / fps


class PacedSource:
    """Releases frames at their media time, as a camera would deliver them.

    ``captured_at_s`` is the clock's reading at release, so latency is measured from
    the moment a camera would have produced the frame.
    """

    def __init__(self, source: FrameSource, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._source, self._clock, self._sleep = source, clock, sleep
        self._start_s: float | None = None
        self._first_t_s = 0.0

    def read(self) -> Frame | None:
        frame = self._source.read()
        if frame is None:
            return None
        if self._start_s is None:
            self._start_s, self._first_t_s = self._clock(), frame.t_s
        due = self._start_s + frame.t_s - self._first_t_s
        now = self._clock()
        if due > now:
            self._sleep(due - now)
            now = self._clock()
        return replace(frame, captured_at_s=now)

    def close(self) -> None:
        self._source.close()


class EndAwareSource:
    """Remembers whether its source has ended, so an end is not mistaken for a stall."""

    def __init__(self, source: FrameSource) -> None:
        self._source = source
        self.ended = False

    def read(self) -> Frame | None:
        frame = self._source.read()
        if frame is None:
            self.ended = True
        return frame

    def close(self) -> None:
        self._source.close()
