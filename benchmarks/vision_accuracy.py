"""Accuracy figures of the vision stage on real data (not timed).

1. Keeping the patient on the Sports2D demo video, every frame: the patient tracker
   against the bare estimator on the whole frame (ground truth as in
   tests/vision/test_tracking.py).
2. KERAAL cross-sensor agreement, BlazePose vs Kinect v2, per exercise and angle, in 3D
   (BlazePose normalised landmarks) and with the 2D frontal fallback, after time alignment.

3. UI-PRMD (s01-s07): reps counted vs expected per movement and subject, and the AUC of
   the form score for correct vs incorrect reps, leave one subject out
   (:mod:`rehab.evaluation.ui_prmd`, the same as ``rehab eval ui-prmd``).
4. A patient framed at the waist: the demo video cropped above the jumper's hips (as in
   tests/vision/test_waist_crop.py), frames with the patient and reps counted.
5. Seated (``seated``): UI-PRMD m07/m10 as seated_shoulder_abduction/flexion, the
   subjects cut at the waist and seated (tests/exercises/test_seated_ui_prmd.py).
6. Clip edges (``clip``): the same arm sets starting half way up the first rep, and
   ending at the last rep's peak (tests/exercises/test_segmentation.py).
7. Views (``views``): UI-PRMD squats (m01) turned side-on and 45 deg, far side degraded,
   in 3D and in 2D; reps counted and how often knee valgus was deducted or assessed.
8. Alternating (``alternating``): marching from alternated hurdle steps, fast marching,
   seated marching, curls, forward lunges, and a far limb dragged along side-on
   (tests/exercises/test_alternating.py).

Run: ``python benchmarks/vision_accuracy.py [--only ui-prmd,waist,seated,clip,views,alternating]
[--plot benchmarks/figures/keraal_agreement.png]``
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


def ui_prmd() -> None:
    """Counts and AUC on UI-PRMD s01-s07 for every movement the library covers."""
    from rehab.evaluation.ui_prmd import evaluate

    root = Path(__file__).resolve().parents[1] / "../shared/data/ui_prmd"
    print("\nUI-PRMD s01-s07: counted/expected per subject, AUC correct vs incorrect (LOSO)")
    print("| movement | exercise | " + " | ".join(f"s{i:02d}" for i in range(1, 8))
          + " | AUC |")
    print("|---" * 10 + "|")
    for m in evaluate(root):
        cells = " | ".join(f"{s.counted}/{s.expected} ({s.auc:.2f})" for s in m.subjects)
        print(f"| m{m.movement:02d} | {m.exercise} | {cells} | {m.auc:.2f} |")


def waist_crop() -> None:
    """The demo video cropped at the jumper's waist: tracked frames and reps."""
    import tempfile

    import cv2

    from rehab.cli.analyze import pose_video, score_skeleton
    from rehab.exercises.library import load_library

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "waist.mp4"
        writer = None
        with VideoFileSource(VIDEO) as source:
            for frame in source:
                img = np.ascontiguousarray(frame.image_rgb[0:240, 322:983])
                if writer is None:
                    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"),
                                             source.fps, (img.shape[1], img.shape[0]))
                writer.write(cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
        writer.release()
        posed = pose_video(path, every=1, progress=False)
    _, result = score_skeleton(posed.skeleton, load_library()["shoulder_abduction_bilateral"],
                               None, "en")
    on_box = posed.skeleton.t_s < 2.6
    arm = compute_angles(posed.skeleton).deg["shoulder_abduction_left"]
    print("\nDemo video cropped at the waist (rows 0-239, cols 322-982), every frame")
    print(f"frames with the patient: {posed.frames_with_patient}/{posed.frames_read}; "
          f"on the box (t < 2.6 s) with shoulder abduction measured: "
          f"{np.isfinite(arm)[on_box].mean():.2f}; "
          f"reps counted: {result.count} (2 jumping jacks)")


SUBJECTS = range(1, 8)


def _row(label: str, counts: list[int], expected: int, extra: str = "") -> None:
    cells = " | ".join(str(c) for c in counts)
    exact = sum(c == expected for c in counts)
    print(f"| {label} | {cells} | {exact}/{len(counts)} |{extra}")


def _header(first: str, extra: str = "") -> None:
    print(f"| {first} | " + " | ".join(f"s{i:02d}" for i in SUBJECTS) + f" | exact |{extra}")
    print("|---" * (len(SUBJECTS) + 2 + (1 if extra else 0)) + "|")


def seated() -> None:
    """UI-PRMD arm sets as seated exercises, cut at the waist and seated."""
    from rehab.exercises.analysis import analyze
    from rehab.exercises.library import load_library
    from tests.exercises.test_seated_ui_prmd import cut_at_waist
    from tests.exercises.test_seated_ui_prmd import seated as seat
    from tests.exercises.test_ui_prmd import _side
    from tests.exercises.ui_prmd_sets import concatenated_set

    lib = load_library()
    print("\nSeated patients: UI-PRMD arm sets, reps counted of 10 (s01-s07)")
    _header("set")
    for movement, ex in ((7, "seated_shoulder_abduction"), (10, "seated_shoulder_flexion")):
        for label, frame in (("cut at the waist", cut_at_waist), ("seated", seat)):
            counts = [
                analyze(compute_angles(frame(concatenated_set(movement, s, True))), lib[ex],
                        side=_side(movement, s), language="en").count
                for s in SUBJECTS
            ]
            _row(f"m{movement:02d} {ex}, {label}", counts, 10)


def clip_edges() -> None:
    """Arm sets cut half way up their first rep, and at their last rep's peak."""
    from rehab.exercises.segmentation import segment_reps
    from tests.exercises.test_segmentation import _ui_prmd_set

    print("\nClip edges: UI-PRMD arm sets cut by the recording (reps counted)")
    _header("set")
    for movement, ex in ((7, "shoulder_abduction"), (10, "shoulder_scaption")):
        start, end = [], []
        for s in SUBJECTS:
            t, a, c, th = _ui_prmd_set(movement, s, ex)
            full = segment_reps(t, a, c, th)
            first, last = full[0], [r for r in full if r.counted][-1]
            keep = t >= first.start_t_s + 0.5 * (first.peak_t_s - first.start_t_s)
            start.append(sum(r.counted for r in segment_reps(t[keep], a[keep], c[keep], th)))
            keep = t <= last.peak_t_s
            end.append(sum(r.counted for r in segment_reps(t[keep], a[keep], c[keep], th)))
        _row(f"m{movement:02d} starting half way up rep 1 (expect 10)", start, 10)
        _row(f"m{movement:02d} ending at rep 10's peak (expect 9 + a partial)", end, 9)


def views() -> None:
    """Squats seen side-on and obliquely, 3D and 2D: counts and knee valgus."""
    from rehab.exercises.analysis import analyze
    from rehab.exercises.library import load_library
    from rehab.vision.angles import USABLE_2D_ANGLES, compute_angles_2d_by_frame
    from rehab.vision.view import body_yaw_deg, camera_views_2d, classify_views
    from tests.exercises.test_view_oblique_ui_prmd import _concatenated, turned

    squat = load_library()["squat"]
    print("\nViews: UI-PRMD squats (m01, correct) turned about the vertical, far side "
          "degraded; reps counted of 10")
    _header("view, angles", " knee valgus deducted / assessed (reps) |")
    for yaw in (0.0, 45.0, 90.0):
        for source in ("3D", "2D"):
            counts, deducted, assessed = [], 0, 0
            for s in SUBJECTS:
                series = turned(_concatenated(1, s, True), yaw)
                v = classify_views(body_yaw_deg(series))
                if source == "3D":
                    result = analyze(compute_angles(series), squat, None, "en", views=v)
                else:
                    p = np.asarray(series.xyz_m, dtype=float)
                    image = np.stack([640 + 500 * p[..., 0], 360 - 500 * p[..., 1]], axis=-1)
                    v2 = camera_views_2d(v, image, series.visibility)
                    angles = compute_angles_2d_by_frame(image, series.visibility,
                                                        series.t_s, v2)
                    result = analyze(angles, squat, None, "en", views=v,
                                     measurable=USABLE_2D_ANGLES)
                counts.append(result.count)
                for rep in result.reps:
                    assessed += "knee_valgus" in rep.assessed
                    deducted += any(c.rule_id == "knee_valgus" for c in rep.compensations)
            _row(f"{yaw:.0f} deg ({result.view}), {source}", counts, 10,
                 f" {deducted} / {assessed} |")


def alternating() -> None:
    """Alternating exercises built from real UI-PRMD movements (counts of 10)."""
    from tests.exercises import alternation_data as data
    from tests.exercises.test_alternating import _analyze, _parts

    print("\nAlternating exercises from UI-PRMD (one side per rep); reps counted of 10")
    _header("sequence")
    cases = {
        "marching: hurdle steps, alternated": lambda s: _analyze(
            data.alternate(_parts(2, s)), "marching"),
        "marching, fast (next knee up during the last's return)": lambda s: _analyze(
            data.overlapped(_parts(2, s), rate_hz=2 * data.RATE_HZ), "marching"),
        "seated marching": lambda s: _analyze(
            data.seated(data.alternate(_parts(2, s)), lift_scale=0.4), "seated_marching"),
        "alternating curls": lambda s: _analyze(
            data.arms_from_knees(data.alternate(_parts(2, s))), "alternating_elbow_flexion"),
        "forward lunges, alternated": lambda s: _analyze(
            data.alternate(_parts(3, s)), "forward_lunge"),
        "side-on, far leg dragged along at 0.6x (vis 0.7)": lambda s: _analyze(
            data.turned_side_on(data.with_follower(
                data.alternate(_parts(2, s)), "left", "leg", 0.6, 0.7)),
            "marching", views=True),
    }
    for label, run in cases.items():
        _row(label, [run(s).count for s in SUBJECTS], 10)


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
    args = sys.argv[1:]
    only = args[args.index("--only") + 1].split(",") if "--only" in args else None
    sections = {"tracking": tracking, "keraal": keraal, "ui-prmd": ui_prmd, "waist": waist_crop,
                "seated": seated, "clip": clip_edges, "views": views,
                "alternating": alternating}
    for name, run in sections.items():
        if only is None or name in only:
            run()
    if "--plot" in args:
        plot(Path(args[args.index("--plot") + 1]))
