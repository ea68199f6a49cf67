"""``rehab analyze`` with the torch pose backend against the MediaPipe backend, end to end.

Every video of ../shared/data/videos/ (skipped when absent) through the command's own
posing and scoring, once per backend. The rep counts agree. The ROM of each rep should
agree within 1 degree, but does not yet: on the demo video rep 2 peaks at 160.6 degrees
with torch (one CPU thread; 162.8 with two) against 167.9 with MediaPipe. The landmark
model's crop sensitivity (see tests/vision/test_blazepose_torch_tracking.py) moves the
wrists by up to ~1e-2 of the image on the frames of fast arm motion, so the ROM at the
peak differs even between torch runs that only sum in another order. MediaPipe moves as
much on its own: with the lowest bit of 1 % of the pixel values flipped, an invisible
change, its rep 2 reads 162.5 instead of 167.9 (benchmarks/pose_backend_spread.py and
benchmarks/RESULTS.md), so 1 degree is below the reference's own reproducibility on
this rep; rep 1 agrees within 0.2 degrees.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rehab.cli.analyze import pose_video, score_skeleton
from rehab.exercises.library import load_library
from rehab.vision.pose import PoseBackendSettings

VIDEOS = Path(__file__).resolve().parents[2] / "../shared/data/videos"
pytestmark = [pytest.mark.slow, pytest.mark.needs_data]

EXERCISE = "shoulder_abduction_bilateral"


def _videos():
    if not VIDEOS.is_dir():
        pytest.skip(f"shared data not found: {VIDEOS.resolve()} (see ../shared/data/README.md)")
    return sorted(VIDEOS.glob("*.mp4"))


@pytest.fixture(scope="module")
def reps() -> dict[str, dict[str, list[float]]]:
    """Per backend, per video: the counted reps' ROM (degrees)."""
    exercise = load_library()[EXERCISE]
    out: dict[str, dict[str, list[float]]] = {}
    for backend, batch in (("mediapipe", 0), ("torch", 0), ("torch batched", 8)):
        for video in _videos():
            pose = PoseBackendSettings(backend.split()[0])
            posed = pose_video(video, progress=False, backend=pose, batch=batch)
            _, result = score_skeleton(posed.skeleton, exercise, None, "en")
            roms = [r.metrics.rom_deg for r in result.reps if r.counted]
            out.setdefault(backend, {})[video.name] = roms
    return out


def test_same_rep_counts(reps) -> None:
    """Also batched (static-image mode, 8 frames per call): measured 147.2 and 160.7 deg."""
    for video, roms in reps["mediapipe"].items():
        assert len(reps["torch"][video]) == len(roms), video
        assert len(reps["torch batched"][video]) == len(roms), video


@pytest.mark.xfail(reason="rep 2 of the demo video: 160.6 vs 167.9 deg (see the docstring)",
                   strict=False)
def test_rom_within_one_degree(reps) -> None:
    for video, roms in reps["mediapipe"].items():
        for got, want in zip(reps["torch"][video], roms, strict=True):
            assert got == pytest.approx(want, abs=1.0), video
