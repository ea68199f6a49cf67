"""``rehab eval ui-prmd`` prints and writes the model's figures beside the rule score's;
``rehab model train --help`` loads no torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rehab.cli import cli
from rehab.cli.eval import parse_subjects
from rehab.errors import ValidationError
from rehab.quality.live import DEFAULT_MANIFEST
from tests.vision.vision_data import UI_PRMD, need


@pytest.mark.parametrize(("text", "subjects"), [
    ("1-7", (1, 2, 3, 4, 5, 6, 7)), ("3", (3,)), ("1,3,5", (1, 3, 5)), ("6-7,1", (1, 6, 7)),
])
def test_subjects_are_parsed(text: str, subjects: tuple[int, ...]) -> None:
    assert parse_subjects(text) == subjects


@pytest.mark.parametrize("text", ["", "a-b", "0-3", "9-11", "1;2"])
def test_bad_subjects_are_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="subjects"):
        parse_subjects(text)


@pytest.mark.needs_data
def test_eval_ui_prmd_gives_each_movement_the_models_figures(tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    holdout = DEFAULT_MANIFEST.with_name("form_quality_v1_holdout_s07.json")
    result = CliRunner().invoke(cli, ["eval", "ui-prmd", str(need(UI_PRMD)), "--subjects",
                                      "7", "--model", str(holdout), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "model acc" in result.output and "model AUC" in result.output
    assert "in-sample" not in result.output  # s07 was held out of this model
    movements = json.loads(out.read_text())
    card = {f["movement"]: f for f in json.loads(holdout.read_text())["figures"]}
    assert movements and all(m["movement"] in card for m in movements)
    for entry in movements:
        assert set(entry) >= {"movement", "exercise", "subjects", "auc", "model"}
        assert entry["model"]["accuracy"] == pytest.approx(card[entry["movement"]]["accuracy"],
                                                           abs=0.026)
        assert entry["model"]["in_sample"] is False
    squat = movements[0]
    assert squat["exercise"] == "squat"
    assert [(s["subject"], s["counted"], s["expected"]) for s in squat["subjects"]] == [
        ("s07", 10, 10)]
    assert 0.0 <= squat["auc"] <= 1.0


@pytest.mark.needs_data
def test_eval_ui_prmd_without_the_model(tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    result = CliRunner().invoke(cli, ["eval", "ui-prmd", str(need(UI_PRMD)), "--subjects",
                                      "7", "--no-model", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert all(entry["model"] is None for entry in json.loads(out.read_text()))


def test_cli_help_loads_no_torch() -> None:
    code = ("import sys; from rehab.cli import cli; "
            "assert 'torch' not in sys.modules, 'torch loaded'")
    subprocess.run([sys.executable, "-c", code], check=True)
