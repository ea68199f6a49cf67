"""Exercise analysis benchmarks: the per-frame cost of the live analysis stage.

Run: ``.venv/bin/python benchmarks/bench_exercises.py [--minutes 5]``

The live budget (issue 4) is 60 ms p95 from capture to score for one frame, most of which
MediaPipe takes; the analysis stage must stay a small fraction of one 33 ms frame.

1. ``Analyzer.push`` with one sample of joint angles (the analysis stage alone): p50, p95
   and max per sample, and separately the samples that end a rep (they also measure the
   rep: filtering, SPARC, compensations, scoring).
2. ``Analyzer.push_skeleton`` with one canonical skeleton frame (adds vision's
   ``compute_angles`` on one frame): p50, p95.
3. Offline ``analyze`` of a whole angle series: samples per second.

Synthetic shoulder abduction, one rep every 4 s with a compensation now and then, at
30 Hz. Each measurement is repeated and the best run kept (shared, noisy machine).
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from rehab.datasets.synthetic import PoseAngles, skeleton_series
from rehab.exercises.analysis import Analyzer, analyze
from rehab.exercises.library import load_library
from rehab.vision.angles import ANGLE_NAMES, AngleSeries

RATE_HZ = 30.0


def _angles(minutes: float) -> AngleSeries:
    t = np.arange(0, minutes * 60, 1 / RATE_HZ)
    arm = 10 + 65 * (1 - np.cos(2 * np.pi * t / 4.0))
    lean = np.where((t % 12) > 9, 18.0, 2.0)  # a trunk lean in every third rep
    deg = {n: np.zeros_like(t) for n in ANGLE_NAMES}
    deg["shoulder_abduction_right"] = arm
    deg["trunk_lean_lateral"] = lean
    conf = {n: np.full_like(t, 0.9) for n in ANGLE_NAMES}
    return AngleSeries(t_s=t, deg=deg, confidence=conf)


def _percentiles(samples_s: list[float]) -> str:
    us = np.asarray(samples_s) * 1e6
    p50, p95 = np.percentile(us, 50), np.percentile(us, 95)
    return f"p50 {p50:7.1f} us  p95 {p95:7.1f} us  max {us.max():8.1f} us"


def bench_push(angles: AngleSeries, repeats: int) -> tuple[list[float], list[float]]:
    ex = load_library()["shoulder_abduction"]
    best: tuple[list[float], list[float]] | None = None
    rows = [
        (float(t), {n: float(angles.deg[n][i]) for n in angles.deg},
         {n: float(angles.confidence[n][i]) for n in angles.confidence})
        for i, t in enumerate(angles.t_s)
    ]  # fmt: skip
    for _ in range(repeats):
        analyzer = Analyzer(ex, side="right")
        plain, ending = [], []
        for t, deg, conf in rows:
            t0 = time.perf_counter()
            events = analyzer.push(t, deg, conf)
            dt = time.perf_counter() - t0
            (ending if events else plain).append(dt)
        if best is None or np.median(plain) < np.median(best[0]):
            best = (plain, ending)
    assert best is not None
    return best


def bench_push_skeleton(seconds: float, repeats: int) -> list[float]:
    t = np.arange(0, seconds, 1 / RATE_HZ)
    arm = 10 + 65 * (1 - np.cos(2 * np.pi * t / 4.0))
    sk = skeleton_series([PoseAngles(shoulder_abduction_right_deg=float(a)) for a in arm])
    frames = [
        type(sk)(sk.t_s[i : i + 1], sk.xyz_m[i : i + 1], sk.visibility[i : i + 1], sk.source)
        for i in range(len(t))
    ]
    ex = load_library()["shoulder_abduction"]
    best: list[float] | None = None
    for _ in range(repeats):
        analyzer = Analyzer(ex, side="right")
        times = []
        for f in frames:
            t0 = time.perf_counter()
            analyzer.push_skeleton(f)
            times.append(time.perf_counter() - t0)
        if best is None or np.median(times) < np.median(best):
            best = times
    assert best is not None
    return best


def bench_offline(angles: AngleSeries, repeats: int) -> tuple[float, int]:
    ex = load_library()["shoulder_abduction"]
    best = np.inf
    count = 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = analyze(angles, ex, side="right")
        best = min(best, time.perf_counter() - t0)
        count = result.count
    return len(angles) / best, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="length of the angle series")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    angles = _angles(args.minutes)
    print(
        f"machine: {platform.machine()} {platform.processor() or ''}, "
        f"python {platform.python_version()}"
    )
    print(
        f"series: {len(angles)} samples ({args.minutes:g} min at {RATE_HZ:g} Hz), "
        f"best of {args.repeats}"
    )
    plain, ending = bench_push(angles, args.repeats)
    print(f"Analyzer.push, plain sample      : {_percentiles(plain)}  (n={len(plain)})")
    print(f"Analyzer.push, sample ending a rep: {_percentiles(ending)}  (n={len(ending)})")
    skel = bench_push_skeleton(60.0, args.repeats)
    print(f"Analyzer.push_skeleton (1 frame)  : {_percentiles(skel)}  (n={len(skel)})")
    rate, count = bench_offline(angles, args.repeats)
    print(f"analyze() offline: {rate:,.0f} samples/s ({count} reps counted)")


if __name__ == "__main__":
    main()
