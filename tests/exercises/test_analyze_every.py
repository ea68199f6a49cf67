"""``rehab analyze --every N``: the offline analysis at every sampling rate the help allows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from rehab.cli import cli
from rehab.cli.analyze import analyze as analyze_command
from rehab.cli.analyze import score_skeleton
from rehab.exercises.library import load_library
from rehab.vision.filters import MAX_CUTOFF_NYQUIST_FRACTION, offline_cutoff_hz
from rehab.vision.skeleton import SkeletonSeries
from rehab.vision.synthetic import PoseAngles, skeleton_series
from tests.exercises.signals import RepSpec, rep_signal

VIDEO = Path(__file__).resolve().parents[2] / "app/rehab/media/sports2d_demo.mp4"
FPS = 30000 / 1001  # the NTSC rate of most cameras, as in the demo video
_EVERY = next(p for p in analyze_command.params if p.name == "every").type
EVERY_N = range(_EVERY.min, _EVERY.max + 1)


def test_every_n_tested_is_what_the_help_allows() -> None:
    assert (EVERY_N.start, EVERY_N.stop - 1) == (1, 30)


@pytest.mark.parametrize(("cutoff_hz", "fs_hz", "used_hz"), [
    (6.0, 30.0, 6.0),  # every frame: as configured
    (6.0, 15.0, 6.0),  # 6 Hz is exactly 0.8 x Nyquist at 15 Hz
    (6.0, 10.0, 4.0),  # --every 3: clamped to 0.8 x 5 Hz
    (6.0, 1.0, 0.4),  # --every 30
    (2.0, 1.0, 0.4),
])  # fmt: skip
def test_cutoff_is_clamped_below_nyquist(cutoff_hz: float, fs_hz: float, used_hz: float) -> None:
    assert offline_cutoff_hz(cutoff_hz, fs_hz) == pytest.approx(used_hz)
    assert offline_cutoff_hz(cutoff_hz, fs_hz) <= MAX_CUTOFF_NYQUIST_FRACTION * fs_hz / 2


@pytest.fixture(scope="module")
def slow_abductions() -> tuple[SkeletonSeries, list[tuple[float, float, float]]]:
    """Five 120-degree right shoulder abductions of 10 s each, with 5 mm landmark noise."""
    spec = RepSpec(120, up_s=2.5, hold_s=1.0, down_s=2.5, rest_s=3.0)
    _, arm, truth = rep_signal([spec] * 5, fs_hz=FPS, lead_s=3.0)
    skeleton = skeleton_series([PoseAngles(shoulder_abduction_right_deg=float(a)) for a in arm],
                               rate_hz=FPS)
    noise = np.random.default_rng(0).normal(0.0, 0.005, skeleton.xyz_m.shape)
    return SkeletonSeries(skeleton.t_s, skeleton.xyz_m + noise, skeleton.visibility,
                          "synthetic"), truth


@pytest.mark.parametrize("every", EVERY_N)
def test_every_n_counts_the_same_reps(slow_abductions, every: int) -> None:
    """Every N-th frame, as ``pose_video`` keeps them, through the command's own analysis.

    Tolerances: the count exactly, nothing partial; peaks within 0.6 s of the middle of
    the 1 s hold (flat, so noise puts the maximum anywhere in it) plus one sample
    interval; the ROM within 20 deg of 120 (peaks fall between coarse samples and the
    segmenter's 3-sample median trims them).
    """
    skeleton, truth = slow_abductions
    kept = SkeletonSeries(skeleton.t_s[::every], skeleton.xyz_m[::every],
                          skeleton.visibility[::every], skeleton.source)
    exercise = load_library()["shoulder_abduction"]
    angles, result = score_skeleton(kept, exercise, "right", "en")
    assert len(angles.t_s) == len(kept)
    assert result.count == len(result.reps) == 5
    interval_s = every / FPS
    for rep, (_, peak_s, _) in zip(result.reps, truth, strict=True):
        assert rep.metrics.peak_t_s == pytest.approx(peak_s, abs=0.6 + interval_s)
        assert rep.metrics.rom_deg == pytest.approx(120, abs=20)


@pytest.mark.slow
@pytest.mark.needs_data
def test_demo_video_every_third_frame(tmp_path: Path) -> None:
    """The demo video at 10 Hz (29.97 fps / 3): the same two jumping jacks as at every
    frame (arms overhead at about 0.8 s and 2.0 s; see test_cli_analyze.py). Tolerances:
    the count exactly; peak times within 0.3 s plus one sample interval (0.1 s); a full
    overhead swing."""
    if not VIDEO.is_file():
        pytest.skip(f"demo video not found at {VIDEO}")
    out = tmp_path / "results.json"
    result = CliRunner().invoke(cli, [
        "analyze", str(VIDEO), "--exercise", "shoulder_abduction_bilateral", "--every", "3",
        "--out", str(out), "--language", "en", "--no-progress",
    ])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    doc = json.loads(out.read_text("utf-8"))
    assert doc["every"] == 3 and doc["frames_analysed"] == 77 == len(doc["angles"]["t_s"])
    reps = [r for r in doc["reps"] if r["counted"]]
    assert doc["count"] == len(reps) == 2
    assert "2 reps of shoulder_abduction_bilateral" in result.stdout
    for rep, peak_s in zip(reps, (0.8, 2.0), strict=True):
        assert rep["metrics"]["peak_t_s"] == pytest.approx(peak_s, abs=0.4)
        assert rep["metrics"]["rom_deg"] >= 120.0
        assert 0.4 <= rep["metrics"]["duration_s"] <= 2.0
