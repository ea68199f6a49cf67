"""After a session the therapist picks reps done correctly and keeps them as the patient's
reference: the learned model compares the patient's later reps with them."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QItemSelectionModel

from rehab.exercises.library import load_library
from rehab.store import NewRep, NewSet, Store
from rehab.ui.console.after_session import QtAfterSession
from rehab.ui.i18n import Language, Translator
from rehab.ui.models.outcome import AfterSessionModel


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


@pytest.mark.parametrize(("language", "saved", "one_exercise", "select"), [
    ("en", "the 2 selected reps are now this patient's reference",
     "must all be of one exercise", "select the reps"),
    ("ko", "선택한 2회를 이 환자의 기준 동작으로 저장했습니다", "한 운동의 반복이어야",
     "표에서 선택하세요")])
def test_selected_reps_become_the_patients_reference(qtbot, demo_store, language: str,
                                                     saved: str, one_exercise: str,
                                                     select: str) -> None:
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
    exercise = centre.program.items[0].exercise_id
    name = load_library()[exercise].names.get(language)
    assert view.reference_status.text().startswith(name)
    ref = store.sessions.form_references(centre.patient.id)[exercise]
    assert ref.session_id == sid and ref.rep_ids == tuple(r.id for r in model.reps[:2])
