"""Capture -> pose in worker threads, without lag.

Two threads: the **capture** thread reads frames from a :class:`FrameSource` into a
bounded queue; the **pose** thread takes frames from it and runs a
:class:`~rehab.vision.tracking.FramePoser` (the patient tracker, or the bare estimator).
Live, the frame queue holds only the newest frame(s): when pose estimation is slower than
the camera, the oldest waiting frame is dropped (and counted), so the patient always sees
feedback on what they are doing now, never a growing backlog. Offline
(``drop_stale=False``), capture waits instead and every frame is processed.

Each result carries its latency, from the moment the frame was read
(``Frame.captured_at_s``) to the end of pose estimation, on the same monotonic clock;
:meth:`PosePipeline.stats` summarises latency, throughput and drops. A failure in a
worker stops the pipeline and is raised again, unchanged, in the consumer's thread by
:meth:`PosePipeline.results` / :meth:`PosePipeline.raise_if_failed`: errors are never
swallowed by a thread.

Examples
--------
>>> import numpy as np
>>> from rehab.vision.capture import ArraySource
>>> from rehab.vision.pose import PoseFrame
>>> from rehab.vision.tracking import TrackedPose, TrackStatus
>>> class Nobody:
...     def pose_of(self, frame):
...         return TrackedPose(PoseFrame.no_person(frame.t_s, frame.size_px), TrackStatus.NO_PERSON)
>>> frames = [np.zeros((4, 4, 3), np.uint8)] * 3
>>> with PosePipeline(ArraySource(frames), Nobody(), PipelineSettings(drop_stale=False)) as p:
...     [r.frame_index for r in p.results()]
[0, 1, 2]
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from rehab.errors import RehabError, ValidationError
from rehab.vision.capture import Frame, FrameSource
from rehab.vision.pose import PoseFrame
from rehab.vision.tracking import FramePoser, TrackStatus

__all__ = ["PipelineSettings", "PipelineStats", "PosePipeline", "PoseResult"]

logger = logging.getLogger(__name__)

_END = object()  # end-of-stream marker in the queues


@dataclass(frozen=True)
class PipelineSettings:
    """Settings of :class:`PosePipeline`.

    Parameters
    ----------
    frame_queue_size
        Frames that may wait for the pose thread (1 = only the newest).
    result_queue_size
        Results that may wait for the consumer; when full, the oldest is dropped (live)
        or the pose thread waits (offline).
    drop_stale
        True for live use (drop the oldest waiting frame/result); False for offline
        analysis (wait, process every frame).
    latency_window
        Number of recent latencies kept for :meth:`PosePipeline.stats`.
    join_timeout_s
        Longest wait for each thread in :meth:`PosePipeline.stop`.
    keep_images
        Attach the frame's image to each result (for display); off to save memory.
    """

    frame_queue_size: int = 1
    result_queue_size: int = 4
    drop_stale: bool = True
    latency_window: int = 1000
    join_timeout_s: float = 5.0
    keep_images: bool = False

    def __post_init__(self) -> None:
        if self.frame_queue_size < 1 or self.result_queue_size < 1:
            raise ValidationError("frame_queue_size", "validation.at_least", lo=1,
                                  value=self.frame_queue_size)
        if self.latency_window < 1:
            raise ValidationError("latency_window", "validation.at_least", lo=1,
                                  value=self.latency_window)
        if self.join_timeout_s <= 0:
            raise ValidationError("join_timeout_s", "validation.positive",
                                  value=self.join_timeout_s)


@dataclass(frozen=True)
class PoseResult:
    """The pose stage's output for one frame.

    Parameters
    ----------
    frame_index, t_s
        The frame's number and media time.
    pose
        The patient's pose in full-image pixels (missing if none).
    status
        The tracker's decision.
    captured_at_s, done_at_s
        Clock readings when the frame was read and when its pose was ready.
    image_rgb
        The frame's image if ``keep_images``, else None.
    """

    frame_index: int
    t_s: float
    pose: PoseFrame
    status: TrackStatus
    captured_at_s: float
    done_at_s: float
    image_rgb: np.ndarray | None = None

    @property
    def latency_s(self) -> float:
        """Capture-to-pose latency in seconds."""
        return self.done_at_s - self.captured_at_s


@dataclass(frozen=True)
class PipelineStats:
    """Counters and latency summary of a pipeline run (latencies over the recent window)."""

    frames_captured: int
    frames_processed: int
    frames_dropped: int
    results_dropped: int
    latency_p50_s: float
    latency_p95_s: float
    processed_fps: float


class PosePipeline:
    """Run capture and pose estimation in two threads.

    The pipeline closes the source when it stops; the poser (and its estimator) belong
    to the caller.

    Parameters
    ----------
    source
        Where frames come from.
    poser
        The pose stage (:class:`~rehab.vision.tracking.PatientTracker` or
        :class:`~rehab.vision.tracking.UntrackedPoser`).
    settings
        Queue sizes and drop policy.
    clock
        Monotonic clock, the same one the source stamps ``captured_at_s`` with.
    """

    def __init__(
        self,
        source: FrameSource,
        poser: FramePoser,
        settings: PipelineSettings | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings or PipelineSettings()
        self._source = source
        self._poser = poser
        self._clock = clock
        self._frames: queue.Queue = queue.Queue(maxsize=self.settings.frame_queue_size)
        self._results: queue.Queue = queue.Queue(maxsize=self.settings.result_queue_size)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._error: BaseException | None = None
        self._latencies: deque[float] = deque(maxlen=self.settings.latency_window)
        self._captured = self._processed = self._dropped = self._results_dropped = 0
        self._first_done_s: float | None = None
        self._last_done_s: float | None = None
        self._threads: list[threading.Thread] = []
        self._started = False

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> PosePipeline:
        """Start the capture and pose threads (once)."""
        if self._started:
            raise RehabError("pipeline already started")
        self._started = True
        self._threads = [
            threading.Thread(target=self._capture_loop, name="pipeline-capture", daemon=True),
            threading.Thread(target=self._pose_loop, name="pipeline-pose", daemon=True),
        ]
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        """Stop both threads, wait for them, and close the source.

        Raises
        ------
        RehabError
            A thread did not finish within ``join_timeout_s`` (it is left as a daemon).
        """
        self._stop.set()
        stuck = []
        for t in self._threads:
            t.join(self.settings.join_timeout_s)
            if t.is_alive():
                stuck.append(t.name)
        self._source.close()
        if stuck:
            raise RehabError(f"pipeline threads did not stop: {', '.join(stuck)}")

    def __enter__(self) -> PosePipeline:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- consumer side -------------------------------------------------------------------
    def raise_if_failed(self) -> None:
        """Raise the first error a worker thread met, if any."""
        with self._lock:
            error = self._error
        if error is not None:
            raise error

    def get(self, timeout_s: float | None = None) -> PoseResult | None:
        """The next result; None at the end of the stream or after ``timeout_s``.

        Raises
        ------
        Exception
            Whatever a worker thread raised (the pipeline has then stopped).
        """
        item = self._next(timeout_s)
        return None if item is _END else item

    def _next(self, timeout_s: float | None) -> object:
        """A result, ``_END``, or None on timeout; raises a worker's error."""
        try:
            item = self._results.get(timeout=timeout_s)
        except queue.Empty:
            self.raise_if_failed()
            return None
        if item is _END:
            # Nothing follows the end marker, so there is room to put it back for later calls.
            self._results.put_nowait(_END)
            self.raise_if_failed()
        return item

    def results(self) -> Iterator[PoseResult]:
        """Iterate over results until the stream ends; worker errors are raised here."""
        while True:
            item = self._next(timeout_s=0.5)
            if item is _END:
                return
            if item is not None:
                yield item

    def stats(self) -> PipelineStats:
        """Counters and latency percentiles so far."""
        with self._lock:
            lat = np.array(self._latencies) if self._latencies else np.array([np.nan])
            span = (
                (self._last_done_s - self._first_done_s)
                if self._first_done_s is not None and self._last_done_s is not None
                else 0.0
            )
            fps = (self._processed - 1) / span if span > 0 else float("nan")
            return PipelineStats(
                frames_captured=self._captured,
                frames_processed=self._processed,
                frames_dropped=self._dropped,
                results_dropped=self._results_dropped,
                latency_p50_s=float(np.percentile(lat, 50)),
                latency_p95_s=float(np.percentile(lat, 95)),
                processed_fps=fps,
            )

    # -- workers -------------------------------------------------------------------------
    def _fail(self, exc: BaseException, where: str) -> None:
        logger.error("pipeline %s thread failed: %s", where, exc)
        with self._lock:
            if self._error is None:
                self._error = exc
        self._stop.set()

    def _offer(self, q: queue.Queue, item: object, *, drop: bool) -> bool:
        """Put ``item``; when full, drop the oldest (live) or wait (offline).

        Returns True if an older item was dropped.
        """
        if not drop:
            while not self._stop.is_set():
                try:
                    q.put(item, timeout=0.1)
                    return False
                except queue.Full:
                    continue
            return False
        dropped = False
        while True:
            try:
                q.put_nowait(item)
                return dropped
            except queue.Full:
                try:
                    q.get_nowait()
                    dropped = True
                except queue.Empty:
                    continue

    def _capture_loop(self) -> None:
        try:
            while not self._stop.is_set():
                frame = self._source.read()
                if frame is None:
                    break
                with self._lock:
                    self._captured += 1
                if self._offer(self._frames, frame, drop=self.settings.drop_stale):
                    with self._lock:
                        self._dropped += 1
        except Exception as exc:  # noqa: BLE001 - handed to the consumer, not swallowed
            self._fail(exc, "capture")
        finally:
            self._put_end(self._frames)

    def _pose_loop(self) -> None:
        try:
            while True:
                try:
                    item = self._frames.get(timeout=0.1)
                except queue.Empty:
                    if self._stop.is_set():
                        break
                    continue
                if item is _END or self._stop.is_set():
                    break
                self._results_put(self._process(item))
        except Exception as exc:  # noqa: BLE001 - handed to the consumer, not swallowed
            self._fail(exc, "pose")
        finally:
            self._put_end(self._results)

    def _process(self, frame: Frame) -> PoseResult:
        tracked = self._poser.pose_of(frame)
        done = self._clock()
        with self._lock:
            self._processed += 1
            self._latencies.append(done - frame.captured_at_s)
            if self._first_done_s is None:
                self._first_done_s = done
            self._last_done_s = done
        return PoseResult(
            frame_index=frame.index,
            t_s=frame.t_s,
            pose=tracked.pose,
            status=tracked.status,
            captured_at_s=frame.captured_at_s,
            done_at_s=done,
            image_rgb=frame.image_rgb if self.settings.keep_images else None,
        )

    def _results_put(self, result: PoseResult) -> None:
        if self._offer(self._results, result, drop=self.settings.drop_stale):
            with self._lock:
                self._results_dropped += 1

    def _put_end(self, q: queue.Queue) -> None:
        # The end marker queues behind the last items (the consumer keeps taking them);
        # only when stopping may it push out a stale item to get through at once.
        while not self._stop.is_set():
            try:
                q.put(_END, timeout=0.1)
                return
            except queue.Full:
                continue
        while True:
            try:
                q.put_nowait(_END)
                return
            except queue.Full:
                try:
                    q.get_nowait()
                except queue.Empty:
                    continue
