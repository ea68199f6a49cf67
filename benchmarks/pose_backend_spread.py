"""How far MediaPipe moves from itself, as the yardstick for the torch port's video mode.

The torch BlazePose agrees with MediaPipe to float noise when both see the same crop
(tests/vision/test_blazepose_torch_tracking.py, teacher-forced), but free-running video
mode feeds each frame's landmarks into the next frame's crop, so float noise grows on
hard frames. This script measures the same growth in MediaPipe alone: MediaPipe on the
demo video against MediaPipe on the same frames with an imperceptible change (one grey
level added to every pixel; or the lowest bit of 1 % of the pixel values flipped, seeded
per frame), beside torch against MediaPipe on the untouched frames.

1. Landmarks, video mode, smoothing off on every side (MediaPipe's own graph,
   tests/vision/mediapipe_graph.py), frames 0-159: median and 99th percentile of the
   normalised x, y difference.
2. End to end, ``rehab analyze``'s posing and scoring (shoulder_abduction_bilateral, the
   demo's exercise): the ROM of each counted rep.

Run: ``python benchmarks/pose_backend_spread.py`` (about 2 minutes on 2 cores).
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VIDEO = ROOT / "app/rehab/media/sports2d_demo.mp4"
N_FRAMES = 160


def perturb(image: np.ndarray, index: int, mode: str | None) -> np.ndarray:
    """The frame unchanged, one grey level brighter, or 1 % of its values' low bit flipped."""
    if mode is None:
        return image
    if mode == "plus1":
        return np.clip(image.astype(np.int16) + 1, 0, 255).astype(np.uint8)
    rng = np.random.default_rng(index)
    return np.ascontiguousarray(image ^ (rng.random(image.shape) < 0.01).astype(np.uint8))


MODES = {None: "as recorded", "plus1": "+1 grey level", "lsb": "1 % low bits flipped"}


def landmark_spread() -> None:
    import cv2

    from rehab.vision.blazepose_torch.estimator import TorchBlazePose, TorchPoseSettings
    from tests.vision import mediapipe_graph as mpg

    cap = cv2.VideoCapture(str(VIDEO))
    frames = []
    while len(frames) < N_FRAMES:
        ok, bgr = cap.read()
        if not ok:
            raise SystemExit(f"{VIDEO}: fewer than {N_FRAMES} frames")
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    cap.release()

    def mp_landmarks(mode):
        runs = mpg.run_graph([perturb(f, i, mode) for i, f in enumerate(frames)], smooth=False)
        return [mpg.landmarks(m["lm"])[:, :2] if "lm" in m else None for m in runs]

    est = TorchBlazePose(TorchPoseSettings(smooth_landmarks=False))
    torch_lm = []
    for f in frames:
        pose = est.process(f)
        torch_lm.append(None if pose is None else pose.landmarks[:, :2])
    est.close()
    reference = mp_landmarks(None)

    def row(label, other):
        d = np.concatenate([np.abs(a - b).ravel() for a, b in zip(reference, other, strict=True)
                            if a is not None and b is not None])
        print(f"| {label} | {np.median(d):.1e} | {np.percentile(d, 99):.1e} | {d.max():.1e} |")

    print(f"Demo video frames 0-{N_FRAMES - 1}, video mode, smoothing off; against MediaPipe "
          "on the frames as recorded")
    print("| landmarks of | median dxy | p99 dxy | max dxy |")
    print("|---|---|---|---|")
    for mode in ("plus1", "lsb"):
        row(f"MediaPipe, {MODES[mode]}", mp_landmarks(mode))
    row("torch, as recorded", torch_lm)
    print()


def rom_spread() -> None:
    import rehab.vision.capture as capture
    from rehab.cli.analyze import pose_video, score_skeleton
    from rehab.exercises.library import load_library
    from rehab.vision.pose import PoseBackendSettings

    exercise = load_library()["shoulder_abduction_bilateral"]
    plain_read = capture.VideoFileSource.read
    state: dict[str, str | None] = {"mode": None}

    def read(self):
        frame = plain_read(self)
        if frame is None or state["mode"] is None:
            return frame
        return dataclasses.replace(
            frame, image_rgb=perturb(frame.image_rgb, frame.index, state["mode"])
        )

    capture.VideoFileSource.read = read
    print("Demo video end to end (rehab analyze's posing and scoring): ROM of each counted rep")
    print("| backend | frames | ROM deg |")
    print("|---|---|---|")
    try:
        for backend in ("mediapipe", "torch"):
            for mode, label in MODES.items():
                state["mode"] = mode
                posed = pose_video(VIDEO, progress=False, backend=PoseBackendSettings(backend))
                _, result = score_skeleton(posed.skeleton, exercise, None, "en")
                roms = ", ".join(f"{r.metrics.rom_deg:.1f}" for r in result.reps if r.counted)
                print(f"| {backend} | {label} | {roms} |", flush=True)
    finally:
        capture.VideoFileSource.read = plain_read


if __name__ == "__main__":
    landmark_spread()
    rom_spread()
