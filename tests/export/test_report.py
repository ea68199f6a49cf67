"""The therapist's PDF progress report: roles, audit, embedded Korean font, text."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from rehab.report.pdf import write_report
from rehab.store import PermissionDeniedError, Store
from tests.export.conftest import Centre

pytestmark = pytest.mark.skipif(shutil.which("pdffonts") is None,
                                reason="poppler-utils (pdffonts, pdftotext) not installed")


def _report(centre: Centre, user: str, out: Path, language: str = "ko") -> int:
    with Store.open(centre.data_dir).as_system() as store:
        return write_report(store.as_user(getattr(centre, f"{user}_id")), centre.demo_code,
                            out, language=language)


def test_a_therapists_report_embeds_the_korean_font_and_is_audited(centre: Centre,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    pages = _report(centre, "therapist", out)
    assert pages >= 2
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # emb column
    assert any("NotoSansCJKkr" in line for line in fonts)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("재활 경과 보고서", "김영희", "환자 김영희 님: 어깨 통증 호소",
                     "Fugl-Meyer 상지 운동", "통증과 운동 자각도", "치료사 메모"):
        assert expected in text, expected
    with Store.open(centre.data_dir).as_system() as store:
        patient = store.patients.by_code(centre.demo_code)
        (entry,) = [e for e in store.audit_log() if e[3] == "report"]
    assert entry[2] == centre.therapist_id and entry[4:6] == ("patient", str(patient.id))
    assert json.loads(entry[6]) == {"identified": True, "language": "ko"}


def test_the_english_report_is_english(centre: Centre, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    _report(centre, "admin", out, "en")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Rehabilitation progress report" in text and "Pain and exertion" in text


def test_a_researcher_gets_no_identified_report(centre: Centre, tmp_path: Path) -> None:
    with pytest.raises(PermissionDeniedError, match=r"\(researcher\): may not "
                                                    r"store.authorise_report"):
        _report(centre, "researcher", tmp_path / "report.pdf")
    assert list(tmp_path.glob("*.pdf")) == [] and list(tmp_path.glob(".*partial")) == []
