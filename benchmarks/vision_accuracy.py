"""Accuracy figures of the vision stage on real data (not timed).

1. Keeping the patient on the Sports2D demo video, every frame: the patient tracker
   against the bare estimator on the whole frame (ground truth as in
   tests/vision/test_tracking.py).
2. KERAAL cross-sensor agreement, BlazePose vs Kinect v2, per exercise and angle, in 3D
   (BlazePose normalised landmarks) and with the 2D frontal fallback, after time alignment.

Run: ``python benchmarks/vision_accuracy.py [--plot benchmarks/figures/keraal_agreement.png]``
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rehab.datasets.agreement import angle_agreement, best_lag
from rehab.datasets.keraal import (
    load_keraal_blazepose,
    load_keraal_blazepose_image,
    load_keraal_kinect,
)
from rehab.vision.angles import compute_angles, compute_angles_2d
from rehab.vision.capture import VideoFileSource
from rehab.vision.pose import BlazePoseEstimator
from rehab.vision.skeleton import N_JOINTS, blazepose_to_canonical_points
from rehab.vision.tracking import PatientRegion, PatientTracker, UntrackedPoser
from tests.vision.test_tracking import _score
from tests.vision.vision_data import KERAAL, VIDEO

ANGLES = (
    "shoulder_flexion_left", "shoulder_flexion_right", "shoulder_abduction_left",
    "shoulder_abduction_right", "elbow_flexion_left", "elbow_flexion_right",
    "trunk_lean_lateral", "trunk_lean_sagittal", "shoulder_elevation_left",
    "hip_flexion_left", "knee_flexion_left",
)  # fmt: skip
ALIGN = {"CTK": "shoulder_flexion_right", "ELK": "shoulder_abduction_left",
         "RTK": "shoulder_abduction_right"}  # fmt: skip


def tracking() -> None:
    with VideoFileSource(VIDEO) as src:
        frames = list(src)
    with BlazePoseEstimator() as est:
        region = PatientRegion.around_poses([est.estimate(f.image_rgb, f.t_s) for f in frames[:15]])
        est.reset()
        tracker = PatientTracker(est, region)
        tracked = {f.index: tracker.pose_of(f) for f in frames}
        est.reset()
        naive = UntrackedPoser(est)
        whole = {f.index: naive.pose_of(f) for f in frames}
    print(f"Sports2D, all 230 frames; patient region {region}")
    print("| poser | lost or swapped (scored frames) | lost | swapped |")
    print("|---|---|---|---|")
    for name, res in (("patient tracker", tracked), ("whole frame, no tracker", whole)):
        fraction, lost, swapped = _score(res)
        print(f"| {name} | {fraction:.3f} | {lost} | {swapped} |")
    print()


def keraal() -> None:
    print("| exercise | angle | path | lag (frames) | RMSE deg | bias deg | r | n |")
    print("|---|---|---|---|---|---|---|---|")
    for ex, align in ALIGN.items():
        kin = compute_angles(load_keraal_kinect(KERAAL / f"G3-Kinect-{ex}-P1T1-Unknown-C-0.txt"))
        bp_path = KERAAL / f"G3-BP-{ex}-P1T1-Unknown-C-0.json"
        bp3 = compute_angles(load_keraal_blazepose(bp_path))
        xy, t_s = load_keraal_blazepose_image(bp_path)
        bp2 = compute_angles_2d(
            blazepose_to_canonical_points(xy), np.ones((len(xy), N_JOINTS)), t_s, "frontal"
        )
        for label, bp in (("3D", bp3), ("2D frontal", bp2)):
            lag = best_lag(kin.deg[align], bp.deg[align], max_lag=30)
            for r in angle_agreement(kin, bp, ANGLES, lag=lag):
                if r.n == 0:
                    continue
                print(f"| {ex} | {r.name} | {label} | {lag} | {r.rmse_deg:.1f} | "
                      f"{r.bias_deg:+.1f} | {r.pearson_r:.2f} | {r.n} |")  # fmt: skip


PLOTTED = {
    "CTK": ("shoulder_flexion_right", "3D"),
    "ELK": ("shoulder_abduction_left", "2D"),
    "ELK ": ("trunk_lean_lateral", "2D"),
    "RTK": ("shoulder_abduction_right", "3D"),
}


def plot(path: Path) -> None:
    """Traces of the main angle of each exercise, Kinect vs BlazePose, after alignment."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(PLOTTED), figsize=(4 * len(PLOTTED), 3))
    for ax, (key, (name, how)) in zip(axes, PLOTTED.items(), strict=True):
        ex = key.strip()
        kin = compute_angles(load_keraal_kinect(KERAAL / f"G3-Kinect-{ex}-P1T1-Unknown-C-0.txt"))
        bp_path = KERAAL / f"G3-BP-{ex}-P1T1-Unknown-C-0.json"
        if how == "3D":
            bp = compute_angles(load_keraal_blazepose(bp_path))
        else:
            xy, t_s = load_keraal_blazepose_image(bp_path)
            pts = blazepose_to_canonical_points(xy)
            bp = compute_angles_2d(pts, np.ones((len(xy), N_JOINTS)), t_s, "frontal")
        lag = best_lag(kin.deg[ALIGN[ex]], bp.deg[ALIGN[ex]], max_lag=30)
        ax.plot(kin.t_s, kin.deg[name], label="Kinect v2")
        ax.plot(bp.t_s - lag / 30.0, bp.deg[name], label=f"BlazePose ({how})")
        ax.set_title(f"KERAAL {ex}: {name}", fontsize=9)
        ax.set_xlabel("t (s)")
        ax.set_ylabel("deg")
        ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    print(f"figure written to {path}")


if __name__ == "__main__":
    tracking()
    keraal()
    if len(sys.argv) == 3 and sys.argv[1] == "--plot":
        plot(Path(sys.argv[2]))
