"""Replay a real recording's joint angles through the Analyzer with seeded frame drops.

Shared by the uncertain-rep tests and ``benchmarks/bench_frame_drops.py``. The demo video
is posed once with MediaPipe (as ``rehab analyze`` does), then its per-frame angles are
played ``loops`` times back to back, as the headless demo loops the video, keeping each
frame with probability ``1 - drop_fraction``: what a live session's analysis sees when
the pipeline drops stale frames under load.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rehab.exercises.analysis import Analyzer, Rep
from rehab.exercises.library import ExerciseDef
from rehab.vision.angles import AngleSeries

DEMO_VIDEO = Path(__file__).resolve().parents[2] / "../shared/data/videos/sports2d_demo.mp4"
DEMO_EXERCISE = "shoulder_abduction_bilateral"
"""The man on the box does jumping jacks: two reps per pass of the video."""


@dataclass(frozen=True)
class PosedAngles:
    """The demo video's joint angles, one sample per frame, and its frame rate."""

    angles: AngleSeries
    fps: float


def pose_demo(video: Path = DEMO_VIDEO) -> PosedAngles:
    """Pose every frame of ``video`` with MediaPipe and compute its joint angles (slow)."""
    from rehab.cli.analyze import pose_video
    from rehab.vision.angles import compute_angles
    from rehab.vision.filters import smooth_skeleton

    posed = pose_video(video, 1, progress=False)
    return PosedAngles(compute_angles(smooth_skeleton(posed.skeleton)), posed.fps)


def keep_mask(n_frames: int, drop_fraction: float, seed: int) -> np.ndarray:
    """Which of ``n_frames`` survive independent random drops (seeded, reproducible)."""
    if drop_fraction == 0:
        return np.ones(n_frames, dtype=bool)
    return np.random.default_rng(seed).random(n_frames) >= drop_fraction


def replay(
    posed: PosedAngles,
    exercise: ExerciseDef,
    *,
    loops: int = 5,
    drop_fraction: float = 0.0,
    seed: int = 0,
    sample_interval_s: float | None = None,
) -> list[Rep]:
    """The counted reps of the video played ``loops`` times with frames dropped.

    ``sample_interval_s`` None passes the video's own interval (as a session that knows
    its camera's rate does); 0 lets the Analyzer estimate it from the frames it gets.
    """
    a = posed.angles
    t = np.asarray(a.t_s, dtype=float)
    period_s = t[-1] - t[0] + 1.0 / posed.fps
    interval = 1.0 / posed.fps if sample_interval_s is None else sample_interval_s
    analyzer = Analyzer(exercise, None, "en", sample_interval_s=interval)
    names = [n for n in analyzer.needed_angles if n in a.deg]
    keep = keep_mask(loops * t.size, drop_fraction, seed)
    events = []
    for loop in range(loops):
        for i in np.flatnonzero(keep[loop * t.size:(loop + 1) * t.size]):
            events += analyzer.push(
                loop * period_s + float(t[i]),
                {n: float(a.deg[n][i]) for n in names},
                {n: float(a.confidence[n][i]) for n in names},
            )
    events += analyzer.flush()
    return [e.rep for e in events if e.rep.counted]


def nearest(rep: Rep, reference: list[Rep]) -> Rep:
    """The reference rep whose peak is nearest ``rep``'s (the same movement)."""
    return min(reference, key=lambda r: abs(r.metrics.peak_t_s - rep.metrics.peak_t_s))
