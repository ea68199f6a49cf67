"""Capture -> pose pipeline: stale frames dropped, latency exposed, errors surfaced, clean stop."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest
from skimage import data

from rehab.errors import CaptureError
from rehab.vision.capture import ArraySource, Frame
from rehab.vision.pipeline import PipelineSettings, PosePipeline
from rehab.vision.pose import PoseFrame
from rehab.vision.tracking import TrackedPose, TrackStatus, UntrackedPoser


class SlowPoser:
    """Takes ``work_s`` per frame (like a model on a slow CPU); fails at ``fail_at``."""

    def __init__(self, work_s: float = 0.0, fail_at: int | None = None) -> None:
        self.work_s = work_s
        self.fail_at = fail_at
        self.seen: list[int] = []

    def pose_of(self, frame: Frame) -> TrackedPose:
        if frame.index == self.fail_at:
            raise RuntimeError(f"model crashed on frame {frame.index}")
        if self.work_s:
            time.sleep(self.work_s)  # stands for inference time in a real thread
        self.seen.append(frame.index)
        return TrackedPose(PoseFrame.no_person(frame.t_s, frame.size_px), TrackStatus.NO_PERSON)


def _images(n: int) -> list[np.ndarray]:
    return [np.zeros((48, 64, 3), np.uint8)] * n


def test_offline_processes_every_frame_in_order() -> None:
    poser = SlowPoser()
    settings = PipelineSettings(drop_stale=False, frame_queue_size=2, result_queue_size=2)
    with PosePipeline(ArraySource(_images(50)), poser, settings) as p:
        indices = [r.frame_index for r in p.results()]
        stats = p.stats()
    assert indices == list(range(50))
    assert stats.frames_processed == 50 and stats.frames_dropped == 0


def test_live_drops_stale_frames_instead_of_lagging() -> None:
    # Camera at 100 fps, pose at ~25 fps: without dropping, the last frame would wait
    # ~1.2 s; with a one-frame queue its wait is bounded by about two inference times.
    poser = SlowPoser(work_s=0.04)
    src = ArraySource(_images(60), fps=100.0, realtime=True)
    with PosePipeline(src, poser, PipelineSettings(drop_stale=True)) as p:
        results = list(p.results())
        stats = p.stats()
    assert stats.frames_captured == 60
    assert stats.frames_dropped > 20
    assert stats.frames_processed + stats.frames_dropped == 60
    assert len(results) == stats.frames_processed - stats.results_dropped
    assert stats.latency_p95_s < 0.15
    assert max(r.latency_s for r in results) < 0.2
    assert results[-1].frame_index >= 55  # the newest frames are the ones processed


def test_worker_error_reaches_the_consumer() -> None:
    poser = SlowPoser(fail_at=3)
    p = PosePipeline(ArraySource(_images(100)), poser, PipelineSettings(drop_stale=False))
    p.start()
    with pytest.raises(RuntimeError, match="crashed on frame 3"):
        list(p.results())
    p.stop()
    assert not any(t.is_alive() for t in p._threads)
    with pytest.raises(RuntimeError):
        p.raise_if_failed()


class BrokenCamera:
    name = "camera 0"
    fps = 30.0

    def __init__(self) -> None:
        self.n = 0
        self.closed = False

    def read(self) -> Frame:
        self.n += 1
        if self.n > 5:
            raise CaptureError("camera 0: stopped delivering frames (unplugged?)")
        return Frame(np.zeros((8, 8, 3), np.uint8), self.n / 30, time.monotonic(), self.n - 1)

    def close(self) -> None:
        self.closed = True


def test_unplugged_camera_error_reaches_the_consumer() -> None:
    cam = BrokenCamera()
    pipeline = PosePipeline(cam, SlowPoser(), PipelineSettings(drop_stale=False))
    with pytest.raises(CaptureError, match="unplugged"), pipeline as p:
        list(p.results())
    assert cam.closed


def test_stop_mid_stream_is_clean() -> None:
    src = ArraySource(_images(10_000), fps=200.0, realtime=True)
    p = PosePipeline(src, SlowPoser(work_s=0.01)).start()
    got = [p.get(timeout_s=2.0) for _ in range(5)]
    assert all(r is not None for r in got)
    t0 = time.monotonic()
    p.stop()
    assert time.monotonic() - t0 < 1.0
    assert not any(t.is_alive() for t in p._threads)
    assert src.read() is None  # the pipeline closed its source
    assert threading.active_count() < 50


@pytest.mark.slow
def test_real_blazepose_in_the_pipeline_reports_latency(blazepose_video) -> None:
    img = cv2.resize(data.astronaut(), (640, 480))
    blazepose_video.reset()
    blazepose_video.estimate(img, 0.0)  # the model is built on first use: not timed here
    # A 10 fps "camera": latency is then inference time, not time spent waiting in line.
    src = ArraySource([img] * 12, fps=10.0, realtime=True)
    with PosePipeline(src, UntrackedPoser(blazepose_video)) as p:
        results = list(p.results())
        stats = p.stats()
    assert len(results) == stats.frames_processed >= 6
    assert all(not r.pose.missing for r in results)
    assert results[0].pose.image_size_px == (640, 480)
    assert 0.0 < stats.latency_p50_s <= stats.latency_p95_s < 1.0
    assert stats.processed_fps > 1.0
