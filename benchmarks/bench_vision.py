"""Benchmark of the capture -> pose pipeline on 640x480 frames (CPU).

Measures, in one run and on the same frames (the Sports2D demo video, cropped to 4:3
around the patient and resized to 640x480):

1. MediaPipe BlazePose ``process()`` alone (model_complexity=1, video mode): time per frame.
2. The full pipeline, offline (capture thread -> bounded queue -> pose thread, no drops):
   time per frame, and its overhead as a ratio to (1).
3. The full pipeline live, fed by a camera stand-in that delivers frames at 30 fps in
   real time: processed fps, dropped frames, capture-to-pose latency p50 / p95.
4. The patient tracker (crop to the patient region) in place of the bare estimator, live.

Rounds of (1) and (2) alternate so that the machine's load drifts affect both alike.

Run: ``python benchmarks/bench_vision.py [--frames 150] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from rehab.vision.capture import ArraySource, VideoFileSource
from rehab.vision.pipeline import PipelineSettings, PosePipeline
from rehab.vision.pose import BlazePoseEstimator
from rehab.vision.tracking import PatientRegion, PatientTracker, UntrackedPoser

VIDEO = Path(__file__).resolve().parents[1] / "../shared/data/videos/sports2d_demo.mp4"


def load_frames(n: int) -> list[np.ndarray]:
    """``n`` RGB frames of the demo video, cropped to 4:3 and resized to 640x480."""
    frames = []
    with VideoFileSource(VIDEO) as src:
        for f in src:
            h = f.image_rgb.shape[0]
            crop = f.image_rgb[:, : h * 4 // 3]  # the patient stands in the left part
            frames.append(np.ascontiguousarray(cv2.resize(crop, (640, 480))))
            if len(frames) == n:
                break
    return frames


def time_process_alone(frames: list[np.ndarray]) -> float:
    """Wall time per frame of ``process()`` on every frame, after one warm-up call."""
    import mediapipe as mp

    with mp.solutions.pose.Pose(model_complexity=1, static_image_mode=False) as pose:
        pose.process(frames[0])
        pose.reset()
        t0 = time.perf_counter()
        for img in frames:
            pose.process(img)
        return (time.perf_counter() - t0) / len(frames)


def time_pipeline_offline(frames: list[np.ndarray]) -> tuple[float, float]:
    """Wall time per frame of the pipeline processing every frame (no drops), and the
    time per frame spent inside MediaPipe's ``process()`` during that same run."""
    with BlazePoseEstimator() as est:
        est.estimate(frames[0], 0.0)  # build + warm-up outside the timing, as in (1)
        est.reset()
        # Time the graph's process() calls from inside the run (bench-only instrumentation).
        graph = est._pose
        inner = graph.process
        spent = [0.0]

        def timed_process(image: np.ndarray):
            t = time.perf_counter()
            try:
                return inner(image)
            finally:
                spent[0] += time.perf_counter() - t

        graph.process = timed_process
        settings = PipelineSettings(drop_stale=False, frame_queue_size=2)
        t0 = time.perf_counter()
        with PosePipeline(ArraySource(frames), UntrackedPoser(est), settings) as p:
            n = sum(1 for _ in p.results())
        return (time.perf_counter() - t0) / n, spent[0] / n


def run_live(frames: list[np.ndarray], poser_factory, fps: float = 30.0) -> dict:
    """The pipeline fed at ``fps`` in real time; returns its stats and a check count."""
    with BlazePoseEstimator() as est:
        est.estimate(frames[0], 0.0)
        est.reset()
        poser = poser_factory(est)
        src = ArraySource(frames, fps=fps, realtime=True)
        t0 = time.perf_counter()
        with PosePipeline(src, poser, PipelineSettings(drop_stale=True)) as p:
            results = list(p.results())
            wall = time.perf_counter() - t0
            stats = p.stats()
    lat = np.array([r.latency_s for r in results])
    return {
        "processed": stats.frames_processed,
        "captured": stats.frames_captured,
        "dropped": stats.frames_dropped,
        "fps": stats.frames_processed / wall,
        "p50_ms": 1000 * float(np.percentile(lat, 50)),
        "p95_ms": 1000 * float(np.percentile(lat, 95)),
        "with_person": sum(not r.pose.missing for r in results),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=150, help="frames per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of (1), (2)")
    args = parser.parse_args()
    if not VIDEO.exists():
        print(f"demo video not found: {VIDEO}", file=sys.stderr)
        return 1
    frames = load_frames(args.frames)
    load_before = os.getloadavg()[0]
    alone, offline, inside = [], [], []
    for _ in range(args.rounds):
        alone.append(time_process_alone(frames))
        per_frame, in_process = time_pipeline_offline(frames)
        offline.append(per_frame)
        inside.append(in_process)
    alone_s, offline_s = statistics.median(alone), statistics.median(offline)
    in_run_ratio = statistics.median(o / i for o, i in zip(offline, inside, strict=True))
    live = run_live(frames, UntrackedPoser)
    with BlazePoseEstimator() as est:
        calib = [est.estimate(f, i / 30) for i, f in enumerate(frames[:8])]
        calib_region = PatientRegion.around_poses(calib)
    tracked = run_live(frames, lambda est: PatientTracker(est, calib_region))

    print(f"# bench_vision: {len(frames)} frames 640x480, {args.rounds} rounds")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"load average (1 min) before / after: {load_before:.1f} / {os.getloadavg()[0]:.1f}")
    print()
    print("| measurement | value |")
    print("|---|---|")
    print(f"| MediaPipe process() alone, per frame | {1000 * alone_s:.1f} ms "
          f"({1 / alone_s:.1f} fps) |")  # fmt: skip
    print(f"| pipeline offline (2 threads, no drops), per frame | {1000 * offline_s:.1f} ms "
          f"({1 / offline_s:.1f} fps) |")  # fmt: skip
    print(f"| overhead ratio pipeline / process() (median of rounds) | {offline_s / alone_s:.3f} "
          f"({1000 * (offline_s - alone_s):+.1f} ms per frame) |")  # fmt: skip
    ratios = ", ".join(f"{o / a:.3f}" for o, a in zip(offline, alone, strict=True))
    print(f"| per-round ratios | {ratios} |")
    print(f"| overhead ratio inside one run: pipeline wall / time in process() | "
          f"{in_run_ratio:.3f} (median of rounds) |")  # fmt: skip
    for name, r in (("live 30 fps camera, whole frame", live),
                    ("live 30 fps camera, patient tracker", tracked)):  # fmt: skip
        print(f"| {name}: processed fps | {r['fps']:.1f} ({r['processed']} of {r['captured']}, "
              f"{r['dropped']} dropped as stale) |")  # fmt: skip
        print(f"| {name}: latency p50 / p95 | {r['p50_ms']:.1f} / {r['p95_ms']:.1f} ms |")
        print(f"| {name}: frames with a person | {r['with_person']} of {r['processed']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
