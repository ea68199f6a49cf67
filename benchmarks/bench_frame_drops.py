"""Replay the demo video's joint angles with seeded frame drops: counts, flags, ROM error.

Run: ``.venv/bin/python benchmarks/bench_frame_drops.py [--seeds 10] [--loops 5]``

The demo video (jumping jacks, two reps per pass) is posed once with MediaPipe, then its
per-frame angles are played ``--loops`` times back to back (as the headless demo loops
the video) through the live :class:`~rehab.exercises.analysis.Analyzer`, each frame kept
with probability ``1 - drop``. Two drop patterns: independent frames (``random``), and
bursts with a mean length of 4 frames (``burst``: a pipeline that stalls, as with busy
loops beside it). For each drop fraction it prints, summed over the seeds: reps counted
against the reps of the no-drop run, runs whose count was exact, reps flagged
uncertain, and the largest ROM error of the unflagged reps (and, for comparison, of the
flagged ones) against the same rep without drops. The Analyzer is told the video's
frame rate (``given``) or left to estimate it (``estimated``).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

# The replay helpers are shared with the tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rehab.exercises.analysis import Analyzer, Rep
from rehab.exercises.library import load_library
from tests.exercises.frame_drops import (
    DEMO_EXERCISE,
    PosedAngles,
    keep_mask,
    nearest,
    pose_demo,
)

DROPS = (0.0, 0.2, 0.4, 0.6)
BURST_MEAN_FRAMES = 4.0


def burst_mask(n_frames: int, drop_fraction: float, seed: int) -> np.ndarray:
    """Kept frames when drops come in runs (geometric lengths, mean 4 frames)."""
    keep = np.ones(n_frames, dtype=bool)
    if drop_fraction == 0:
        return keep
    rng = np.random.default_rng(seed)
    mean_kept = BURST_MEAN_FRAMES * (1 - drop_fraction) / drop_fraction
    i, kept = 0, bool(rng.random() >= drop_fraction)
    while i < n_frames:
        run = int(rng.geometric(1 / (mean_kept if kept else BURST_MEAN_FRAMES)))
        keep[i:i + run] = kept
        i, kept = i + run, not kept
    return keep


def run(posed: PosedAngles, keep: np.ndarray, loops: int, interval_s: float) -> list[Rep]:
    """Counted reps of the looped video with only the ``keep`` frames pushed."""
    a = posed.angles
    t = np.asarray(a.t_s, dtype=float)
    period_s = t[-1] - t[0] + 1 / posed.fps
    analyzer = Analyzer(load_library()[DEMO_EXERCISE], None, "en",
                        sample_interval_s=interval_s)
    names = [n for n in analyzer.needed_angles if n in a.deg]
    events = []
    for k in np.flatnonzero(keep):
        loop, i = divmod(int(k), t.size)
        events += analyzer.push(loop * period_s + float(t[i]),
                                {n: float(a.deg[n][i]) for n in names},
                                {n: float(a.confidence[n][i]) for n in names})
    events += analyzer.flush()
    return [e.rep for e in events if e.rep.counted]


def _row(posed: PosedAngles, reference: list[Rep], pattern: str, drop: float,
         seeds: int, loops: int, interval_s: float) -> str:
    mask = keep_mask if pattern == "random" else burst_mask
    counted = exact = flagged = 0
    coverage: list[float] = []
    err_ok, err_flagged = 0.0, 0.0
    for seed in range(seeds):
        reps = run(posed, mask(loops * posed.angles.t_s.size, drop, seed), loops, interval_s)
        counted += len(reps)
        exact += len(reps) == len(reference)
        for rep in reps:
            err = abs(rep.metrics.rom_deg - nearest(rep, reference).metrics.rom_deg)
            coverage.append(rep.sampling.frame_coverage)
            if rep.uncertain:
                flagged += 1
                err_flagged = max(err_flagged, err)
            else:
                err_ok = max(err_ok, err)
    mode = "given" if interval_s else "estimated"
    flagged_err = f"{err_flagged:.1f}" if flagged else "-"
    return (f"| {pattern} | {100 * drop:.0f} % | {mode} | {seeds} | {counted} / "
            f"{seeds * len(reference)} | {exact} / {seeds} | {flagged} | "
            f"{np.median(coverage):.2f} | {err_ok:.1f} | {flagged_err} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="Seeds per drop fraction.")
    parser.add_argument("--loops", type=int, default=5, help="Passes of the video.")
    args = parser.parse_args()
    start = time.perf_counter()
    posed = pose_demo()
    print(f"posed {posed.angles.t_s.size} frames at {posed.fps:g} fps in "
          f"{time.perf_counter() - start:.1f} s; {platform.machine()}, "
          f"Python {platform.python_version()}")
    reference = run(posed, np.ones(args.loops * posed.angles.t_s.size, dtype=bool),
                    args.loops, 1 / posed.fps)
    print(f"no drops: {len(reference)} reps, ROM "
          + ", ".join(f"{r.metrics.rom_deg:.0f}" for r in reference[:2]) + " deg per pass")
    print("| drops | drop | rate | seeds | reps counted / expected | exact counts | flagged "
          "| median coverage | max ROM err unflagged (deg) | max ROM err flagged (deg) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for pattern in ("random", "burst"):
        for drop in DROPS:
            for interval_s in (1 / posed.fps, 0.0):
                if drop == 0 and (pattern == "burst" or not interval_s):
                    continue
                print(_row(posed, reference, pattern, drop, args.seeds, args.loops,
                           interval_s), flush=True)
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
