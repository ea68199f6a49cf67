"""Per-rep cost of the learned model's opinion in a live session (issue 14: < 5 ms on CPU).

For one incorrect UI-PRMD rep of subject s03 per exercise with a model head (the same reps
as tests/quality/test_shipped.py), the session's pose rows are handed to
:func:`rehab.quality.live.rep_probability` as the runner does after each rep: features,
network and (for the bilateral exercise) both arms. Best, median and 95th percentile of
``--rounds`` calls each, with the model loaded and warmed up first; beside them the frame
period at 30 fps, the budget a rep's opinion must stay well inside; and the median with
the subject's first three correct reps as the patient's reference (the model that compares
with one, ``form_quality_ref_v1``).

Run: ``python benchmarks/bench_quality.py [--rounds 50]`` (needs ../shared/data).
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rehab.datasets.ui_prmd import find_episodes, load_episode  # noqa: E402
from rehab.quality.features import BILATERAL_EXERCISE_MOVEMENT, EXERCISE_MOVEMENT  # noqa: E402
from rehab.quality.live import reference_from_reps, rep_probability  # noqa: E402
from tests.quality.pose_rows import pose_rows  # noqa: E402
from tests.vision.vision_data import UI_PRMD  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    if not (UI_PRMD / "kinect").is_dir():
        raise SystemExit(f"UI-PRMD not found at {UI_PRMD} (see ../shared/data/README.md)")
    cases = {**EXERCISE_MOVEMENT, **BILATERAL_EXERCISE_MOVEMENT}
    print(f"rep_probability, {args.rounds} calls per rep, one CPU thread (the live setting)")
    print("| exercise | frames | best ms | median ms | p95 ms | p95 / frame period (33.3 ms) "
          "| median ms with a reference |")
    print("|---|---|---|---|---|---|---|")
    for exercise_id, movement in sorted(cases.items()):
        episode = find_episodes(UI_PRMD, movement, subject=3, correct=False)[0]
        kinect = load_episode(episode, t0_s=10.0)
        rows = pose_rows(kinect.xyz_m, kinect.t_s)
        t0, t1 = float(kinect.t_s[0]), float(kinect.t_s[-1])
        correct = [load_episode(e, t0_s=10.0) for e in
                   find_episodes(UI_PRMD, movement, subject=3, correct=True)[:3]]
        reference = reference_from_reps(
            [(pose_rows(k.xyz_m, k.t_s), float(k.t_s[0]), float(k.t_s[-1])) for k in correct],
            exercise_id)
        call = functools.partial(rep_probability, rows, t0, t1, exercise_id)
        ms = _timed(args.rounds, call)
        ms_ref = _timed(args.rounds, functools.partial(call, reference=reference))
        p95 = float(np.percentile(ms, 95))
        print(f"| {exercise_id} | {len(rows)} | {min(ms):.2f} | {np.median(ms):.2f} | "
              f"{p95:.2f} | {p95 / (1e3 / 30):.2f} | {np.median(ms_ref):.2f} |")


def _timed(rounds: int, call) -> list[float]:
    """Milliseconds of ``rounds`` calls, after one call that loads and warms up."""
    call()
    ms = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        ms.append(1e3 * (time.perf_counter() - start))
    return ms


if __name__ == "__main__":
    main()
