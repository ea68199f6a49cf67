"""After a session the therapist picks reps done correctly and keeps them as the patient's
reference: the learned model compares the patient's later reps with them."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QItemSelectionModel, Qt

from rehab.exercises.library import load_library
from rehab.store import NewRep, NewSet, SessionOutcome, Store
from rehab.ui.console.after_session import QtAfterSession
from rehab.ui.i18n import Language, Translator
from rehab.ui.models.outcome import AfterSessionModel
from rehab.ui.qt.style import Role, qcolor


def _session(store: Store, centre) -> int:
    """Two sets: two reps of the program's exercise, then one rep of another."""
    program, item = centre.program, centre.program.items[0]
    session = store.sessions.start(program.patient_id, program_id=program.id)
    first = store.sessions.add_set(session.id, NewSet(item.exercise_id, 0, item.reps,
                                                      item.target_rom_deg, 0.0,
                                                      program_item_id=item.id))
    other = store.sessions.add_set(session.id, NewSet("squat", 1, 5, 90.0, 30.0))
    for set_id, n, t0 in ((first, 2, 0.0), (other, 1, 30.0)):
        for i in range(n):
            t = t0 + 3.0 * i
            store.sessions.add_rep(set_id, NewRep(i, t, t + 1.0, t + 2.0, 80.0, 90.0, 90.0))
    return session.id


def _select(view: QtAfterSession, rows: list[int]) -> None:
    view.reps.clearSelection()
    flags = (QItemSelectionModel.SelectionFlag.Select
             | QItemSelectionModel.SelectionFlag.Rows)
    for row in rows:
        view.reps.selectionModel().select(view.reps.model().index(row, 0), flags)


@pytest.mark.parametrize(("language", "saved", "one_exercise", "select", "uncertain"), [
    ("en", "the 2 selected reps are now this patient's reference",
     "must all be of one exercise", "select the reps", "cannot be a reference"),
    ("ko", "선택한 2회를 이 환자의 기준 동작으로 저장했습니다", "한 운동의 반복이어야",
     "표에서 선택하세요", "기준 동작이 될 수 없습니다")])
def test_selected_reps_become_the_patients_reference(qtbot, demo_store, language: str,
                                                     saved: str, one_exercise: str,
                                                     select: str, uncertain: str) -> None:
    store, centre = demo_store
    sid = _session(store, centre)
    model = AfterSessionModel(store, load_library())
    view = QtAfterSession(model, Translator(Language(language)))
    qtbot.addWidget(view)
    model.load_latest(centre.patient.id)
    assert model.session.id == sid and view.reference_button.isEnabled()
    view.set_reference()  # nothing selected
    assert select in view.reference_status.text()
    _select(view, [0, 2])  # reps of two exercises
    view.set_reference()
    assert one_exercise in view.reference_status.text()
    assert store.sessions.form_references(centre.patient.id) == {}
    _select(view, [0, 1])
    view.set_reference()
    assert saved in view.reference_status.text()
    saved_ref = store.sessions.form_references(centre.patient.id)
    unsure = store.sessions.add_rep(model.reps[0].set_id, NewRep(
        2, 10.0, 11.0, 12.0, 80.0, 90.0, 90.0, uncertain=True))
    model.load(sid)
    _select(view, [0, 2])  # the new rep is its set's third row
    assert model.reps[2].id == unsure.id
    view.set_reference()
    assert uncertain in view.reference_status.text()
    assert store.sessions.form_references(centre.patient.id) == saved_ref  # kept
    _select(view, [0, 1])
    view.set_reference()
    exercise = centre.program.items[0].exercise_id
    name = load_library()[exercise].names.get(language)
    assert view.reference_status.text().startswith(name)
    ref = store.sessions.form_references(centre.patient.id)[exercise]
    assert ref.session_id == sid and ref.rep_ids == tuple(r.id for r in model.reps[:2])


@pytest.mark.parametrize("language", ["en", "ko"])
def test_an_earlier_session_can_be_chosen_and_its_reps_kept_as_reference(
        qtbot, demo_store, language: str) -> None:
    """The page opens on the latest session; the therapist picks an earlier one from the
    list, sees its reps and keeps them as the reference (or corrects its outcome)."""
    store, centre = demo_store
    earlier = _session(store, centre)
    store.sessions.finish(earlier, SessionOutcome(pain_after=2))
    later = store.sessions.start(centre.program.patient_id)
    model = AfterSessionModel(store, load_library())
    view = QtAfterSession(model, Translator(Language(language)))
    qtbot.addWidget(view)
    model.load_latest(centre.patient.id)
    assert model.session.id == later.id and view.reps.rowCount() == 0
    assert view.session_label.isHidden() and not view.session_choice.isHidden()
    items = [view.session_choice.itemText(i) for i in range(view.session_choice.count())]
    assert len(items) == 2 and f"#{later.id}" in items[0] and f"#{earlier}" in items[1]
    assert view.session_choice.currentIndex() == 0
    qtbot.keyClick(view.session_choice, Qt.Key.Key_Down)  # the user picks the earlier one
    assert model.session.id == earlier and view.session_choice.currentIndex() == 1
    assert view.reps.rowCount() == 3 and view.pain.editor.value() == 2
    _select(view, [0, 1])
    view.set_reference()
    exercise = centre.program.items[0].exercise_id
    assert store.sessions.form_references(centre.patient.id)[exercise].session_id == earlier
    view.pain.editor.setValue(3)  # a corrected outcome goes to the session on show
    view.save()
    assert store.sessions.get(earlier).pain_after == 3
    assert store.sessions.get(later.id).pain_after is None
    assert model.session.id == earlier and view.session_choice.currentIndex() == 1


@pytest.mark.parametrize(("language", "texts"), [
    ("en", ("model vs own reference: likely correct, 0.93", "model: likely incorrect, 0.10",
            "model and rule score disagree")),
    ("ko", ("모델(본인 기준 동작 대비)", "0.10", "모델과 규칙 점수가 크게 다름"))])
def test_the_reps_table_shows_the_models_opinion_as_the_live_page_did(
        qtbot, demo_store, language: str, texts: tuple[str, str, str]) -> None:
    """Stored opinions read back beside the deductions (a disagreement flagged in the
    warning colour); a rep without one says nothing of the model."""
    store, centre = demo_store
    session = store.sessions.start(centre.program.patient_id)
    set_id = store.sessions.add_set(session.id, NewSet("squat", 0, 3, 90.0, 30.0))
    for i, (p, ref) in enumerate(((0.93, True), (0.10, False), (None, None))):
        store.sessions.add_rep(set_id, NewRep(i, 3.0 * i, 3.0 * i + 1, 3.0 * i + 2, 80.0,
                                              90.0, 90.0, model_probability=p,
                                              model_reference=ref))
    model = AfterSessionModel(store, load_library())
    view = QtAfterSession(model, Translator(Language(language)))
    qtbot.addWidget(view)
    model.load_latest(centre.patient.id)
    cells = [view.reps.item(row, 4) for row in range(3)]
    assert cells[0].text().startswith("✓ · ") and texts[0] in cells[0].text()
    assert texts[1] in cells[1].text() and texts[2] in cells[1].text()
    assert texts[2] not in cells[0].text() and cells[2].text() == "✓"
    assert cells[1].foreground().color() == qcolor(Role.ALERT_WARNING)
    assert cells[0].foreground().color() != qcolor(Role.ALERT_WARNING)
