"""``rehab exercises list`` and ``rehab analyze`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from rehab.cli import cli
from rehab.exercises.library import load_library

VIDEO = Path(__file__).resolve().parents[2] / "../shared/data/videos/sports2d_demo.mp4"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_exercises_list_one_id_per_line_then_names() -> None:
    code, out, _ = _run("exercises", "list")
    assert code == 0
    lines = out.strip().splitlines()
    lib = load_library()
    assert [line.split("\t")[0] for line in lines] == list(lib)
    for line in lines:
        exercise_id, en, ko = line.split("\t")
        assert en == lib[exercise_id].names.en and ko == lib[exercise_id].names.ko


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{missing}", "--exercise", "squat"], "Error: video file not found"),
        (["{corrupt}", "--exercise", "squat"], "Error: cannot open video file"),
        (["{corrupt}", "--exercise", "jogging"], "Error: unknown exercise 'jogging'; known:"),
        (["{corrupt}", "--exercise", "squat", "--side", "left"], "Error: side: exercise 'squat'"),
    ],
)
def test_analyze_errors_are_one_clear_line(tmp_path: Path, args: list[str], message: str) -> None:
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(bytes(range(256)) * 40)
    paths = {"missing": str(tmp_path / "none.mp4"), "corrupt": str(corrupt)}
    code, out, err = _run("analyze", *[a.format(**paths) for a in args], "--no-progress")
    assert code == 1
    assert out == ""
    assert err.startswith(message) and err.count("\n") == 1, err


@pytest.fixture(scope="module")
def jumping_jacks(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, dict[str, Any]]:
    """The demo video scored once per session as bilateral shoulder abduction."""
    if not VIDEO.is_file():
        pytest.skip(f"demo video not found at {VIDEO}")
    out = tmp_path_factory.mktemp("analyze") / "results.json"
    code, stdout, stderr = _run(
        "analyze", str(VIDEO), "--exercise", "shoulder_abduction_bilateral",
        "--out", str(out), "--language", "en", "--every", "2",
    )  # fmt: skip
    assert code == 0, stderr
    return stdout, stderr, json.loads(out.read_text("utf-8"))


@pytest.mark.slow
@pytest.mark.needs_data
def test_demo_video_counts_the_jumping_jacks(jumping_jacks) -> None:
    """Watched frame by frame: the man on the box does two jumping jacks, arms overhead
    at about frames 20-28 (0.7-0.9 s) and 56-64 (1.9-2.1 s), then climbs down and leaves.
    Tolerance: the count exactly; peak times within 0.3 s; a full overhead swing."""
    _, _, doc = jumping_jacks
    reps = [r for r in doc["reps"] if r["counted"]]
    assert doc["count"] == len(reps) == 2
    for rep, peak_s in zip(reps, (0.8, 2.0), strict=True):
        assert rep["metrics"]["peak_t_s"] == pytest.approx(peak_s, abs=0.3)
        assert rep["metrics"]["rom_deg"] >= 120.0
        assert 0.4 <= rep["metrics"]["duration_s"] <= 2.0
        assert 0 <= rep["score"] <= 100
        assert isinstance(rep["deductions"], list) and isinstance(rep["flags"], list)
        assert rep["cue"]


@pytest.mark.slow
@pytest.mark.needs_data
def test_demo_video_outputs_table_json_and_progress(jumping_jacks) -> None:
    stdout, stderr, doc = jumping_jacks
    lines = stdout.splitlines()
    assert lines[0].split()[:3] == ["#", "status", "side"]
    assert sum(" counted " in line for line in lines) == 2
    assert "2 reps of shoulder_abduction_bilateral" in stdout
    assert "pose" in stderr  # the progress bar's label
    # Every other frame of 230 is analysed; the angle series has one sample per frame.
    assert doc["frames_analysed"] == 115 == len(doc["angles"]["t_s"])
    assert set(doc["angles"]["deg"]) >= {"shoulder_abduction_left", "shoulder_abduction_right"}
    # The jumper is seen until he climbs off the box (~frame 160 of 230) and nobody else
    # is taken for him afterwards.
    assert 0.55 <= doc["frames_with_patient"] / doc["frames_analysed"] <= 0.9
    json.dumps(doc, allow_nan=False)  # strict JSON: unknown values are null


def test_batch_needs_the_torch_backend() -> None:
    demo = Path(__file__).resolve().parents[2] / "app/rehab/media/sports2d_demo.mp4"
    result = CliRunner().invoke(
        cli, ["analyze", str(demo), "--exercise", "squat", "--batch", "4", "--no-progress"]
    )
    assert result.exit_code != 0
    assert "--batch needs the torch pose backend" in result.output
