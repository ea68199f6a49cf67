"""The console's research export page (researchers, admins) and print-report action
(therapists, admins): who sees what, and both write real files through the store."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from rehab.store import Actor, NewUser, Role, Store, User
from rehab.ui.console.main_window import PAGE_PERMISSIONS, PAGES
from rehab.ui.console.progress import QtPatientProgress
from rehab.ui.console.research_export import QtResearchExport
from rehab.ui.i18n import Language, Translator
from rehab.ui.models.export import ResearchExportModel
from rehab.ui.models.progress import PatientProgressModel
from tests.export.conftest import RECORDED

PASSWORD = "export-page-pass"


@pytest.fixture
def tr() -> Translator:
    return Translator(Language.EN)


@pytest.fixture
def centre(tmp_path: Path) -> Iterator[tuple[Store, dict[Role, User]]]:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(RECORDED, data / "rehab.db")
    with Store.open(data) as opened:
        store = opened.as_system()  # seeding the test centre
        users = {Role.THERAPIST: store.users.by_username("demo"),
                 Role.RESEARCHER: store.users.add(NewUser("rsch", "연구자", Role.RESEARCHER,
                                                          PASSWORD)),
                 Role.ADMIN: store.users.add(NewUser("boss", "관리자", Role.ADMIN, PASSWORD))}
        yield store, users


@pytest.mark.parametrize(("role", "visible"), [
    (Role.RESEARCHER, ["patients", "export", "settings"]),  # patients: de-identified list
    (Role.THERAPIST, [p for p in PAGES if p not in {"export", "users"}]),
    (Role.ADMIN, list(PAGES)),
])
def test_who_sees_which_page(centre, role: Role, visible: list[str]) -> None:
    _, users = centre
    actor = Actor(users[role].id, users[role].username, role)
    assert [p for p in PAGES if not PAGE_PERMISSIONS[p]
            or any(actor.holds(n) for n in PAGE_PERMISSIONS[p])] == visible


def test_a_researcher_exports_from_the_page(qtbot, centre, tr, tmp_path: Path) -> None:
    store, users = centre
    page = QtResearchExport(ResearchExportModel(store.as_user(users[Role.RESEARCHER].id)), tr)
    qtbot.addWidget(page)
    page.format.setCurrentIndex(page.format.findData("parquet"))
    page.folder.setText(str(tmp_path / "out"))
    page.run_button.click()
    assert str(tmp_path / "out") in page.status.text(), page.status.text()
    assert list((tmp_path / "out").glob("reps/subject=*/session=01/part-0.parquet"))
    page.run_button.click()  # the folder is full now: refused on the page, in one line
    assert "not an empty folder" in page.status.text()


def test_a_therapist_cannot_export_from_the_page(qtbot, centre, tr, tmp_path: Path) -> None:
    store, users = centre
    page = QtResearchExport(ResearchExportModel(store.as_user(users[Role.THERAPIST].id)), tr)
    qtbot.addWidget(page)
    page.folder.setText(str(tmp_path / "out"))
    page.run_button.click()
    assert "therapist" in page.status.text() and not (tmp_path / "out").exists()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_a_therapist_prints_the_report_from_the_progress_page(qtbot, centre, tr,
                                                              tmp_path: Path) -> None:
    store, users = centre
    as_therapist = store.as_user(users[Role.THERAPIST].id)
    model = PatientProgressModel(as_therapist)
    view = QtPatientProgress(model, tr)
    qtbot.addWidget(view)
    view.set_user(users[Role.RESEARCHER])
    assert view.print_button.isHidden()
    view.set_user(users[Role.THERAPIST])
    assert not view.print_button.isHidden()
    model.load(as_therapist.patients.search("")[0].id)
    out = view.print_report(str(tmp_path / "report.pdf"))
    assert out is not None and out.read_bytes().startswith(b"%PDF")
    assert str(tmp_path / "report.pdf") in view.report_status.text()
