"""Does the form-quality model say the same thing from BlazePose and from Kinect?

KERAAL's sample has the same recordings seen by both sensors (one healthy subject, three
low-back-pain exercises that are not UI-PRMD movements). Each recording is cut into
2-second windows every 0.5 s, the BlazePose stream aligned to the Kinect one by the lag
that best correlates one angle; each window goes through the same features and every
movement head of the shipped model. Reported per exercise: the Pearson correlation of
the two sensors' probabilities over windows and heads, their mean absolute difference,
and how often they fall on the same side of 0.5.

Run: ``python benchmarks/quality_cross_sensor.py [--model MANIFEST]`` (default: the shipped
``app/rehab/quality/models/form_quality_v1.json``)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from rehab.datasets.agreement import best_lag
from rehab.datasets.keraal import load_keraal_blazepose, load_keraal_kinect
from rehab.quality.features import rep_features
from rehab.quality.live import DEFAULT_MANIFEST
from rehab.quality.weights import QualityModel, load_model
from rehab.vision.angles import compute_angles
from rehab.vision.skeleton import SkeletonSeries

KERAAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "keraal_sample"
ALIGN_ON = {"CTK": "shoulder_flexion_right", "ELK": "shoulder_abduction_left",
            "RTK": "shoulder_abduction_right"}


def _window(s: SkeletonSeries, lo: int, hi: int) -> SkeletonSeries:
    return SkeletonSeries(s.t_s[lo:hi], s.xyz_m[lo:hi], s.visibility[lo:hi], s.source)


def _probabilities(model: QualityModel, series: SkeletonSeries, starts: list[int],
                   n: int) -> np.ndarray:
    feats = [rep_features(_window(series, a, a + n)) for a in starts]
    pos = np.stack([f.positions for f in feats])
    ang = np.stack([f.angles for f in feats])
    return np.stack([model.probabilities(pos, ang, np.full(len(feats), m))
                     for m in range(10)], axis=1)  # (windows, heads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MANIFEST)
    args = parser.parse_args()
    model = load_model(args.model)
    print("| exercise | windows | Pearson r | mean abs diff | same side of 0.5 |")
    print("|---|---|---|---|---|")
    for exercise, angle in ALIGN_ON.items():
        kinect = load_keraal_kinect(KERAAL / f"G3-Kinect-{exercise}-P1T1-Unknown-C-0.txt")
        bp = load_keraal_blazepose(KERAAL / f"G3-BP-{exercise}-P1T1-Unknown-C-0.json")
        lag = best_lag(compute_angles(kinect).deg[angle], compute_angles(bp).deg[angle],
                       max_lag=30)
        rate = 1.0 / float(np.median(np.diff(kinect.t_s)))
        n, step = int(2 * rate), int(0.5 * rate)
        usable = min(len(kinect), len(bp) - lag) - max(0, -lag)
        starts = list(range(max(0, -lag), max(0, -lag) + usable - n, step))
        pk = _probabilities(model, kinect, starts, n)
        pb = _probabilities(model, bp, [a + lag for a in starts], n)
        r = float(np.corrcoef(pk.ravel(), pb.ravel())[0, 1])
        same = float(((pk >= 0.5) == (pb >= 0.5)).mean())
        print(f"| {exercise} | {len(starts)} | {r:.2f} | {np.abs(pk - pb).mean():.2f} | "
              f"{same:.2f} |")


if __name__ == "__main__":
    main()
