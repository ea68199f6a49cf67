"""`rehab export` and `rehab report` log in, refuse with one line, and write their files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from rehab.cli import cli
from tests.export.conftest import PASSWORD, Centre, centre  # noqa: F401 (fixture)


def _run(args: list[str], password: str = PASSWORD):
    return CliRunner().invoke(cli, args, env={"REHAB_PASSWORD": password})


def test_a_researcher_exports_csv_from_the_command_line(centre: Centre,  # noqa: F811
                                                        tmp_path: Path) -> None:
    out = tmp_path / "export"
    result = _run(["export", "csv", "--out", str(out), "--user", "rsch", "--data-dir",
                   str(centre.data_dir), "--patients", centre.old_code, "--dates",
                   "relative"])
    assert result.exit_code == 0, result.output
    assert "Exported 1 sessions of 1 subjects" in result.output
    assert len(list(out.glob("reps/subject=*/session=01/part-0.csv"))) == 1


@pytest.mark.parametrize(("user", "password", "message"), [
    ("demo", "demo-therapist", "Error: user 'demo' (therapist): may not "
                               "store.authorise_export (needs exports.deidentified)"),
    ("rsch", "wrong password", "Error: username: cannot log 'rsch' in: wrong name or "
                               "password, or the account is locked for a while"),
])
def test_refusals_are_one_line(centre: Centre, tmp_path: Path, user: str,  # noqa: F811
                               password: str, message: str) -> None:
    result = _run(["export", "bids", "--out", str(tmp_path / "x"), "--user", user,
                   "--data-dir", str(centre.data_dir)], password)
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == message
    assert not (tmp_path / "x").exists()


def test_an_unknown_patient_code_is_one_line(centre: Centre, tmp_path: Path) -> None:  # noqa: F811
    result = _run(["export", "parquet", "--out", str(tmp_path / "x"), "--user", "rsch",
                   "--data-dir", str(centre.data_dir), "--patients", "P-NOTHER"])
    assert result.exit_code == 1
    assert result.output.strip().endswith("Error: no patient with code P-NOTHER")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_a_therapist_prints_a_report(centre: Centre, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "report.pdf"
    result = _run(["report", centre.demo_code.lower(), "--out", str(out), "--user", "demo",
                   "--data-dir", str(centre.data_dir), "--lang", "en"], "demo-therapist")
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF") and "pages" in result.output
