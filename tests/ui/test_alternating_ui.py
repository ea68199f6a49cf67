"""The console names the limb of each rep of an alternating set (marching, curls), live and
after the session."""

from __future__ import annotations

import pytest

from rehab.session.events import RepScored
from rehab.store import NewRep, NewSet, Store
from rehab.ui.console.after_session import QtAfterSession
from rehab.ui.console.live import QtLiveSession
from rehab.ui.i18n import Language, Translator
from rehab.ui.models.live import LiveSessionModel
from rehab.ui.models.outcome import AfterSessionModel
from tests.ui.test_models import FakeControl


def _session(store: Store, centre, sets: list[list[str | None]]) -> int:
    """One session with one set per list of rep sides; return its id."""
    program = centre.program
    item = program.items[0]
    session = store.sessions.start(program.patient_id, program_id=program.id)
    for set_index, sides in enumerate(sets):
        set_id = store.sessions.add_set(session.id, NewSet(
            item.exercise_id, set_index, item.reps, item.target_rom_deg, 30.0 * set_index,
            program_item_id=item.id))
        for i, side in enumerate(sides):
            t = 30.0 * set_index + 3.0 * i
            store.sessions.add_rep(set_id, NewRep(i, t, t + 1.0, t + 2.0, 80.0, 90.0, 90.0,
                                                  side=side))
    return session.id


@pytest.mark.parametrize(("language", "left", "right"), [("ko", "왼쪽", "오른쪽"),
                                                         ("en", "Left", "Right")])
def test_after_session_names_the_limb_of_alternating_reps(qtbot, demo_store, language: str,
                                                          left: str, right: str) -> None:
    store, centre = demo_store
    sid = _session(store, centre, [["left", "right", "left"], ["right", "right"]])
    assert [r.side for r in store.sessions.reps(sid)] == ["left", "right", "left",
                                                          "right", "right"]
    model = AfterSessionModel(store)
    view = QtAfterSession(model, Translator(Language(language)))
    qtbot.addWidget(view)
    model.load_latest(centre.patient.id)
    assert [view.reps.item(row, 1).text() for row in range(5)] == [
        f"1 {left}", f"2 {right}", f"3 {left}", "1", "2"]  # the second set: one side


def test_live_rep_list_names_the_limb_of_an_alternating_rep(qtbot) -> None:
    model = LiveSessionModel()
    model.attach(FakeControl())
    view = QtLiveSession(model, Translator(Language.KO))
    qtbot.addWidget(view)
    model.ingest(RepScored(1.0, 0, 0, 0, 70.0, 92.0, (), (), "", side="left"))
    model.ingest(RepScored(1.1, 0, 0, -1, 42.0, 0.0, (), (), "", partial=True, side="right"))
    model.ingest(RepScored(2.0, 0, 0, 1, 68.0, 90.0, (), (), "", side="right"))
    model.ingest(RepScored(3.0, 0, 1, 0, 120.0, 90.0, (), (), ""))  # a one-sided set
    table = view.reps_table
    assert [table.item(r, 1).text() for r in range(4)] == ["1 왼쪽", "0 오른쪽", "2 오른쪽", "1"]
