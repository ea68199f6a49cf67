"""CUDA benchmark of the torch BlazePose (one short run; no GPU was lent when written).

On one device, with frames of the Sports2D demo video:

1. parity on the GPU: the static-image results of fp32 and fp16 on CUDA against the CPU
   torch backend (max normalised x, y difference; presence of a person identical);
2. live latency: video mode (tracking), batch 1, fp32 and fp16: median and p95 ms/frame;
3. offline throughput: networks only (detector + landmark model on pre-cropped batches)
   and the full ``process_batch`` path, at each batch size, fp32 and fp16: frames/s.

Run: ``python benchmarks/bench_pose_gpu.py [--frames 64] [--batches 1 16 64 256 512]``
(about two minutes on an H200). Goal: >= 1,000 fps batched, live latency < 10 ms.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from bench_pose_backends import load_frames

from rehab.vision.blazepose_torch.estimator import TorchBlazePose, TorchPoseSettings


def parity(frames: list[np.ndarray], half: bool) -> str:
    cpu = TorchBlazePose(TorchPoseSettings(static_image_mode=True)).process_batch(frames)
    gpu = TorchBlazePose(
        TorchPoseSettings(device="cuda", half=half, static_image_mode=True)
    ).process_batch(frames)
    same = all((a is None) == (b is None) for a, b in zip(cpu, gpu, strict=True))
    d = [
        np.abs(a.landmarks[:, :2] - b.landmarks[:, :2]).ravel()
        for a, b in zip(cpu, gpu, strict=True)
        if a is not None and b is not None
    ]
    d = np.concatenate(d) if d else np.array([np.nan])
    return f"same frames with a person: {same}; xy median {np.median(d):.2e} max {d.max():.2e}"


def live(frames: list[np.ndarray], half: bool) -> str:
    est = TorchBlazePose(TorchPoseSettings(device="cuda", half=half))
    est.process(frames[0])
    est.reset()
    times = []
    for f in frames:
        t0 = time.perf_counter()
        est.process(f)
        times.append(time.perf_counter() - t0)
    ms = 1e3 * np.array(times)
    return f"median {np.median(ms):.2f} ms, p95 {np.percentile(ms, 95):.2f} ms"


def networks(batch: int, half: bool) -> float:
    est = TorchBlazePose(TorchPoseSettings(device="cuda", half=half))
    det, lm = est._networks()
    dtype = torch.float16 if half else torch.float32
    x224 = torch.rand(batch, 3, 224, 224, device="cuda", dtype=dtype)
    x256 = torch.rand(batch, 3, 256, 256, device="cuda", dtype=dtype)
    with torch.no_grad():
        for _ in range(3):
            det(x224), lm(x256)
        torch.cuda.synchronize()
        n = max(3, 2048 // batch)
        t0 = time.perf_counter()
        for _ in range(n):
            det(x224), lm(x256)
        torch.cuda.synchronize()
    return n * batch / (time.perf_counter() - t0)


def full(frames: list[np.ndarray], batch: int, half: bool) -> float:
    est = TorchBlazePose(
        TorchPoseSettings(device="cuda", half=half, static_image_mode=True, batch_size=batch)
    )
    est.process_batch(frames[:batch])
    reps = max(1, batch // len(frames))
    work = frames * reps
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    est.process_batch(work)
    torch.cuda.synchronize()
    return len(work) / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--frames", type=int, default=64)
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 16, 64, 256, 512])
    args = ap.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device")
    print(torch.cuda.get_device_name(0), torch.__version__)
    frames = load_frames(args.frames, start=20)
    for half in (False, True):
        tag = "fp16" if half else "fp32"
        print(f"[{tag}] parity vs CPU: {parity(frames[:16], half)}")
        print(f"[{tag}] live (tracking, batch 1): {live(frames, half)}")
        for b in args.batches:
            print(
                f"[{tag}] batch {b:4d}: networks {networks(b, half):8.0f} fps, "
                f"full process_batch {full(frames, b, half):7.0f} fps"
            )


if __name__ == "__main__":
    main()
