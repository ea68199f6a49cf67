"""``rehab analyze --2d`` and the automatic choice of angle source, on the real demo video.

The demo video (app/rehab/media/sports2d_demo.mp4): a man on a box does two jumping jacks
facing the camera, arms overhead at about 0.8 s and 2.0 s (watched frame by frame, see
tests/exercises/test_cli_analyze.py). From the front, 2D angles read shoulder abduction
in the image plane, so --2d must count the same two reps as the 3D default. MediaPipe's
world landmarks of this clip pass the world check (rigid segments vary about 10 %, depth
jitters about 1.6 cm at every other frame), so the default stays 3D; with the world
depth jittered as a poor estimate would be, the default falls back to 2D and says why.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from rehab.cli import cli
from rehab.exercises.library import load_library
from rehab.messages import render
from rehab.vision.skeleton import SkeletonSeries

VIDEO = Path(__file__).resolve().parents[2] / "app/rehab/media/sports2d_demo.mp4"
EXERCISE = "shoulder_abduction_bilateral"
HANGUL = re.compile("[\uac00-\ud7a3]")


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, dict[str, Any]]]:
    """The command run once with --2d and once with the default, every other frame."""
    if not VIDEO.is_file():
        pytest.skip(f"demo video not found at {VIDEO}")
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for name, extra in (("2d", ["--2d"]), ("auto", [])):
        path = tmp_path_factory.mktemp("analyze_2d") / "results.json"
        code, stdout, stderr = _run(
            "analyze", str(VIDEO), "--exercise", EXERCISE, "--out", str(path),
            "--language", "en", "--every", "2", "--no-progress", *extra,
        )  # fmt: skip
        assert code == 0, stderr
        out[name] = (stdout, json.loads(path.read_text("utf-8")))
    return out


@pytest.fixture(scope="module")
def posed():
    """The demo video's poses, every other frame, found once for this module."""
    if not VIDEO.is_file():
        pytest.skip(f"demo video not found at {VIDEO}")
    from rehab.cli.analyze import pose_video

    return pose_video(VIDEO, every=2, progress=False)


@pytest.mark.slow
@pytest.mark.parametrize("source", ["2d", "auto"])
def test_2d_and_the_default_count_the_jumping_jacks(runs, source: str) -> None:
    """Tolerances as for the 3D count: the count exactly, peaks within 0.3 s, a full
    overhead swing (2D reads 133 and 141 deg: the arms come up a little in front of the
    frontal plane, which the image flattens)."""
    _, doc = runs[source]
    reps = [r for r in doc["reps"] if r["counted"]]
    assert doc["count"] == len(reps) == 2
    for rep, peak_s in zip(reps, (0.8, 2.0), strict=True):
        assert rep["metrics"]["peak_t_s"] == pytest.approx(peak_s, abs=0.3)
        assert rep["metrics"]["rom_deg"] >= 120.0
        assert rep["view"] == "frontal"
        assert rep["assessable"] == {"uneven_arms": True, "trunk_lean": True}


@pytest.mark.slow
def test_2d_json_and_output_say_the_source_and_why(runs) -> None:
    stdout, doc = runs["2d"]
    assert doc["angles_source"] == "2d"
    assert doc["angles_note"] == render("analyze.angles.image_asked", "en")
    assert doc["angles_warning"] is None  # 2D reads shoulder abduction from the front
    # The recording's view, over the frames where the jumper is seen (he leaves side-on).
    assert doc["view"] == "frontal"
    assert f"angles: 2d ({doc['angles_note']})" in stdout
    # The world check is made and reported even when --2d chose.
    assert 0.05 <= doc["world_segment_cv"] <= 0.15
    assert 0.0 < doc["world_depth_jitter_m"] <= 0.025
    json.dumps(doc, allow_nan=False)
    # In the counted reps (frontal) the 2D series holds the frontal-plane angles only.
    t = np.array(doc["angles"]["t_s"])
    deg = doc["angles"]["deg"]
    for rep in (r for r in doc["reps"] if r["counted"]):
        during = (t >= rep["metrics"]["start_t_s"]) & (t <= rep["metrics"]["end_t_s"])
        for name in ("shoulder_flexion_left", "hip_flexion_right", "trunk_lean_sagittal"):
            assert all(v is None for v, d in zip(deg[name], during, strict=True) if d), name
        abduction = [v for v, d in zip(deg["shoulder_abduction_left"], during, strict=True) if d]
        assert sum(v is not None for v in abduction) >= 0.9 * len(abduction)


@pytest.mark.slow
def test_the_default_keeps_3d_for_a_reliable_world_and_says_why(runs) -> None:
    stdout, doc = runs["auto"]
    assert doc["angles_source"] == "3d"
    cv, jitter_m = doc["world_segment_cv"], doc["world_depth_jitter_m"]
    assert 0.05 <= cv <= 0.15 and 0.0 < jitter_m <= 0.025
    assert doc["angles_note"].startswith("3D angles from the world landmarks: rigid body "
                                         f"segments vary {100 * cv:.1f}% in length")
    assert f"angles: 3d ({doc['angles_note']})" in stdout
    # The same reps as with --2d, at the same times.
    reps_2d = [r for r in runs["2d"][1]["reps"] if r["counted"]]
    reps_3d = [r for r in doc["reps"] if r["counted"]]
    for a, b in zip(reps_2d, reps_3d, strict=True):
        assert a["metrics"]["peak_t_s"] == pytest.approx(b["metrics"]["peak_t_s"], abs=0.15)


@pytest.mark.slow
def test_the_default_falls_back_to_2d_when_world_depth_jitters(posed) -> None:
    """The demo's world skeleton with 3 cm of depth jitter per joint and frame: the check
    fails on depth, the default takes the image's 2D angles, counts the two reps and
    notes why, in English and Korean."""
    from rehab.cli.analyze import score_posed

    sk = posed.skeleton
    rng = np.random.default_rng(7)
    xyz = np.array(sk.xyz_m, dtype=float)
    xyz[..., 2] += rng.normal(0.0, 0.03, size=xyz[..., 2].shape)
    jittered = type(posed)(
        SkeletonSeries(sk.t_s, xyz, sk.visibility, sk.source),
        posed.frames_read, posed.frames_with_patient, posed.fps, posed.image_xy_px,
    )
    exercise = load_library()[EXERCISE]
    scored = score_posed(jittered, exercise, None, "en")
    assert scored.choice.source == "2d"
    assert scored.choice.world.failed == ("depth_jitter",)
    assert scored.choice.world.depth_jitter_m > 0.03
    assert scored.result.count == 2
    note_en, note_ko = scored.choice.note.text("en"), scored.choice.note.text("ko")
    assert note_en.startswith("2D angles from the image instead of 3D")
    assert HANGUL.search(note_ko) and "2D" in note_ko
    # The untouched poses keep 3D, with the same count.
    plain = score_posed(posed, exercise, None, "en")
    assert plain.choice.source == "3d" and plain.result.count == 2


def test_2d_with_3d_is_a_usage_error() -> None:
    """Refused before any video is read (exit code 2, click's usage errors)."""
    result = CliRunner().invoke(
        cli, ["analyze", str(VIDEO), "--exercise", EXERCISE, "--2d", "--3d", "--no-progress"]
    )
    assert result.exit_code == 2
    assert "Error: --2d and --3d exclude each other" in result.stderr
    assert result.stdout == ""
