"""The console shows an uncertain rep (too few camera frames) as such: ≈, grey, and why."""

from __future__ import annotations

import pytest

from rehab.session.events import RepScored
from rehab.store import Deduction, NewRep, NewSet, Store
from rehab.ui.console.after_session import QtAfterSession
from rehab.ui.console.live import QtLiveSession
from rehab.ui.i18n import Language, Translator
from rehab.ui.models.live import LiveSessionModel
from rehab.ui.models.outcome import AfterSessionModel, RepSummary
from tests.ui.test_models import FakeControl

GREY = (112, 112, 112)  # Role.TEXT_INACTIVE: #707070, 4.95:1 on white (WCAG AA)


def _session(store: Store, centre, reps: list[tuple[float, float, bool]]) -> int:
    """One session with one set of ``(rom_deg, score, uncertain)`` reps; return its id."""
    program = centre.program
    item = program.items[0]
    session = store.sessions.start(program.patient_id, program_id=program.id)
    set_id = store.sessions.add_set(session.id, NewSet(
        item.exercise_id, 0, item.reps, item.target_rom_deg, 0.0, program_item_id=item.id))
    for i, (rom, score, uncertain) in enumerate(reps):
        t = 3.0 * i
        store.sessions.add_rep(set_id, NewRep(
            i, t, t + 1.0, t + 2.0, rom, 90.0, score,
            deductions=(Deduction("rom_low", 100 - score, "ROM 80% of target"),),
            uncertain=uncertain, frame_coverage=0.4 if uncertain else 1.0,
            max_gap_s=0.3 if uncertain else 0.033))
    return session.id


def test_summary_takes_rom_and_score_from_measured_reps_only(demo_store) -> None:
    store, centre = demo_store
    sid = _session(store, centre, [(110, 80, False), (62, 40, True), (118, 90, False)])
    summary = RepSummary.of(store.sessions.reps(sid))
    assert summary == RepSummary(3, pytest.approx(85), 118, 1)
    only = _session(store, centre, [(99, 50, True)])
    assert RepSummary.of(store.sessions.reps(only)) == RepSummary(1, None, None, 1)
    assert RepSummary.of([]) == RepSummary(0, None, None, 0)


@pytest.mark.parametrize(("language", "label", "summary"), [
    ("ko", "불확실 (카메라 프레임 부족)", "반복 3회 · 평균 점수 85 · 최대 범위 118°\n"
                                   "반복 3회 (불확실 1회: 카메라 프레임 부족, 점수·범위에서 제외)"),
    ("en", "uncertain (camera missed frames)",
     "3 reps · mean score 85 · max ROM 118°\n"
     "3 reps (1 uncertain: the camera missed frames; left out of score and ROM)"),
])
def test_after_session_marks_uncertain_reps(qtbot, demo_store, language: str, label: str,
                                            summary: str) -> None:
    store, centre = demo_store
    _session(store, centre, [(110, 80, False), (62, 40, True), (118, 90, False)])
    model = AfterSessionModel(store)
    view = QtAfterSession(model, Translator(Language(language)))
    qtbot.addWidget(view)
    model.load_latest(centre.patient.id)
    assert view.summary.text() == summary
    assert [view.reps.item(1, c).text() for c in (2, 3)] == ["≈62", "≈40"]
    assert view.reps.item(1, 4).text().startswith(label + "; ")
    assert view.reps.item(1, 2).foreground().color().getRgb()[:3] == GREY
    assert [view.reps.item(0, c).text() for c in (2, 3)] == ["110", "80"]
    assert label not in view.reps.item(0, 4).text()


def test_after_session_with_only_uncertain_reps_measures_nothing(qtbot, demo_store) -> None:
    store, centre = demo_store
    _session(store, centre, [(62, 40, True), (99, 55, True)])
    model = AfterSessionModel(store)
    view = QtAfterSession(model, Translator(Language.EN))
    qtbot.addWidget(view)
    model.load_latest(centre.patient.id)
    assert view.summary.text() == ("2 reps · all uncertain (the camera missed frames): "
                                   "no score or ROM measured.")


def test_live_rep_list_marks_an_uncertain_rep(qtbot) -> None:
    model = LiveSessionModel()
    model.attach(FakeControl())
    view = QtLiveSession(model, Translator(Language.KO))
    qtbot.addWidget(view)
    model.ingest(RepScored(1.0, 0, 0, 1, 150.0, 92.0, (), (), "잘하셨어요!"))
    model.ingest(RepScored(2.0, 0, 1, 2, 62.0, 40.0,
                           (Deduction("rom_low", 30, "가동 범위 62°"),), ("rom_low",),
                           "카메라가 이번 동작을 일부 놓쳤어요. 그대로 계속하세요.",
                           uncertain=True))
    table = view.reps_table
    assert [table.item(0, c).text() for c in (2, 3, 4)] == ["150", "92", "✓"]
    assert [table.item(1, c).text() for c in (2, 3)] == ["≈62", "≈40"]
    assert table.item(1, 4).text() == "불확실 (카메라 프레임 부족); −30 가동 범위 62°"
    assert table.item(1, 3).foreground().color().getRgb()[:3] == GREY
    assert "카메라가 이번 동작을 일부 놓쳤어요" in view.cue.text()
