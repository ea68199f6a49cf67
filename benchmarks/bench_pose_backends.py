"""CPU benchmark: MediaPipe vs the torch BlazePose, live (batch 1, tracking) and offline.

In one run, on the same frames of the Sports2D demo video (full 1768x994 frames):

1. live: video mode (tracking, smoothing on), one frame per call, MediaPipe then torch;
2. offline: static-image mode (detector on every frame): MediaPipe frame by frame, torch
   with :meth:`TorchBlazePose.process_batch` at each batch size given.

Rounds alternate between the backends so that load drifts on a shared machine hit both.

Torch runs with each number of CPU threads given (``--threads``; the backend's default
is 1, see ``TorchPoseSettings.cpu_threads``).

Run: ``python benchmarks/bench_pose_backends.py [--frames 24] [--rounds 2] [--batches 1 8]
[--threads 1 2]``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np

from rehab.vision.blazepose_torch.estimator import TorchBlazePose, TorchPoseSettings
from rehab.vision.pose import BlazePoseEstimator, BlazePoseSettings

VIDEO = Path(__file__).resolve().parents[1] / "../shared/data/videos/sports2d_demo.mp4"


def load_frames(n: int, start: int = 0) -> list[np.ndarray]:
    """``n`` consecutive RGB frames of the demo video from frame ``start``."""
    cap = cv2.VideoCapture(str(VIDEO))
    frames = []
    index = 0
    while len(frames) < n:
        ok, bgr = cap.read()
        if not ok:
            break
        if index >= start:
            frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        index += 1
    cap.release()
    return frames


def each(method, *extra):
    """Run ``method(frame, *extra)`` on every frame."""
    return lambda fs: [method(f, *extra) for f in fs]


def fps_of(run, frames: list[np.ndarray]) -> float:
    t0 = time.perf_counter()
    run(frames)
    return len(frames) / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    frames = load_frames(args.frames, start=20)
    results: dict[str, float] = {}

    def best(key: str, value: float) -> None:
        results[key] = max(results.get(key, 0.0), value)

    for _ in range(args.rounds):
        mp_live = BlazePoseEstimator(BlazePoseSettings())
        mp_live.estimate(frames[0], 0.0)  # build the graph outside the timing
        mp_live.reset()
        best("mediapipe live", fps_of(each(mp_live.estimate, 0.0), frames))
        mp_live.close()
        for n in args.threads:
            t_live = TorchBlazePose(TorchPoseSettings(cpu_threads=n))
            t_live.process(frames[0])
            t_live.reset()
            best(f"torch live, {n} thread(s)", fps_of(each(t_live.process), frames))
            t_live.close()
        mp_photo = BlazePoseEstimator(BlazePoseSettings(static_image_mode=True))
        mp_photo.estimate(frames[0], 0.0)
        best("mediapipe offline", fps_of(each(mp_photo.estimate, 0.0), frames))
        mp_photo.close()
        for n in args.threads:
            for b in args.batches:
                t_photo = TorchBlazePose(
                    TorchPoseSettings(static_image_mode=True, batch_size=b, cpu_threads=n)
                )
                t_photo.process_batch(frames[:b])
                key = f"torch offline, batch {b}, {n} thread(s)"
                best(key, fps_of(t_photo.process_batch, frames))
                t_photo.close()
    for key, value in results.items():
        print(f"{key:28s} {value:7.1f} fps")


if __name__ == "__main__":
    main()
