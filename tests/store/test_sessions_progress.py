"""Sessions, sets, reps, events, outcomes, assessments and the progress query."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rehab.errors import ValidationError
from rehab.store import (
    Cause,
    Deduction,
    EventKind,
    NewAssessment,
    NewEvent,
    NewRep,
    NewSet,
    SessionOutcome,
    SessionStatus,
    Severity,
    Store,
)
from tests.conftest import FakeWallClock
from tests.store.helpers import item, patient, program, rep, therapist


def _run_session(store: Store, patient_id: int, program_id: int, roms: list[float],
                 scores: list[float], reps_target: int = 10) -> int:
    session = store.sessions.start(patient_id, program_id=program_id, pain_before=3)
    set_id = store.sessions.add_set(session.id, NewSet("shoulder_flexion", 0, reps_target,
                                                       120, 0.0))
    for i, (rom, score) in enumerate(zip(roms, scores, strict=True)):
        store.sessions.add_rep(set_id, rep(i, rom, score))
    store.sessions.end_set(set_id, 3.0 * len(roms))
    store.sessions.finish(session.id, SessionOutcome(pain_after=2, borg_rpe=13, notes="좋음"))
    return session.id


def test_rep_round_trips_with_deductions(fresh_store: Store) -> None:
    p = patient(fresh_store)
    prog = program(fresh_store, p.id)
    session = fresh_store.sessions.start(p.id, program_id=prog.id)
    set_id = fresh_store.sessions.add_set(
        session.id, NewSet("shoulder_flexion", 0, 10, 120, 0.0, program_item_id=prog.items[0].id))
    new = NewRep(0, 1.0, 2.0, 3.5, 104.5, 88.0, 72.5,
                 (Deduction("rom_low", 15.0, "ROM 104 of 120 deg"),
                  Deduction("trunk_lean", 12.5, "몸통을 곧게 세우세요")),
                 ("trunk_lean",), assistance=0.4, model_probability=0.93, side="left",
                 model_reference=True)
    stored = fresh_store.sessions.add_rep(set_id, new)
    assert stored.model_reference is True
    assert stored.duration_s == pytest.approx(2.5)
    assert stored.model_probability == pytest.approx(0.93)
    assert stored.side == "left"
    assert fresh_store.sessions.reps(session.id) == [stored]
    assert stored.deductions[1].message == "몸통을 곧게 세우세요"
    with pytest.raises(ValidationError) as info:
        fresh_store.sessions.add_rep(set_id, new)
    assert info.value.field == "rep_index"


def test_session_lifecycle_and_events(fresh_store: Store, wall_clock: FakeWallClock) -> None:
    p = patient(fresh_store)
    session = fresh_store.sessions.start(p.id)
    assert session.status is SessionStatus.RUNNING and session.ended_at is None
    fresh_store.sessions.set_paused(session.id, True, cause=Cause.CAMERA_LOST,
                                  reason="camera lost")
    fresh_store.sessions.add_event(session.id, NewEvent(
        EventKind.ESTOP, Severity.ERROR, "console", "E-STOP pressed", t_s=12.5))
    fresh_store.sessions.set_paused(session.id, False, cause=Cause.THERAPIST)
    wall_clock.advance(minutes=20)
    done = fresh_store.sessions.finish(session.id, SessionOutcome(pain_after=4, borg_rpe=12))
    assert done.status is SessionStatus.COMPLETED
    assert done.ended_at.startswith("2026-03-02T09:20")
    events = fresh_store.sessions.events(session.id)
    assert [e.kind for e in events] == [EventKind.STATE, EventKind.ESTOP, EventKind.STATE,
                                        EventKind.STATE]
    assert [e.cause for e in events] == [Cause.CAMERA_LOST, None, Cause.THERAPIST,
                                         Cause.COMPLETED]
    assert done.end_cause is Cause.COMPLETED
    assert events[0].message == "paused: camera lost" and events[1].t_s == 12.5
    with pytest.raises(ValidationError, match="completed, not running"):
        fresh_store.sessions.add_set(session.id, NewSet("shoulder_flexion", 0, 5, 90, 0.0))


def test_program_of_another_patient_refused(fresh_store: Store) -> None:
    a, b = patient(fresh_store, "가"), patient(fresh_store, "나")
    prog = program(fresh_store, a.id)
    with pytest.raises(ValidationError) as info:
        fresh_store.sessions.start(b.id, program_id=prog.id)
    assert info.value.field == "program_id"


def test_progress_per_session(fresh_store: Store, wall_clock: FakeWallClock) -> None:
    p = patient(fresh_store)
    prog = program(fresh_store, p.id)
    first = _run_session(fresh_store, p.id, prog.id, [80, 90, 85], [60, 70, 80])
    wall_clock.advance(days=2)
    second = _run_session(fresh_store, p.id, prog.id, [100, 110, 95, 105], [90, 80, 70, 80])
    wall_clock.advance(days=2)
    third = fresh_store.sessions.start(p.id, program_id=prog.id)  # no rep yet
    fresh_store.sessions.add_set(third.id, NewSet("shoulder_flexion", 0, 8, 120, 0.0))
    rows = fresh_store.progress(p.id)
    assert [r.session_id for r in rows] == [first, second, third.id]
    assert (rows[0].max_rom_deg, rows[0].mean_form_score, rows[0].reps_done,
            rows[0].reps_prescribed) == (90, pytest.approx(70), 3, 10)
    assert (rows[1].max_rom_deg, rows[1].mean_form_score, rows[1].reps_done) == (
        110, pytest.approx(80), 4)
    assert rows[1].target_rom_deg == 120 and rows[1].mean_assistance == pytest.approx(0.5)
    assert (rows[2].max_rom_deg, rows[2].reps_done, rows[2].reps_prescribed) == (None, 0, 8)


def test_prescribed_reps_count_each_set_once(fresh_store: Store) -> None:
    p = patient(fresh_store)
    prog = program(fresh_store, p.id)
    session = fresh_store.sessions.start(p.id, program_id=prog.id)
    for set_index in range(2):
        set_id = fresh_store.sessions.add_set(
            session.id, NewSet("shoulder_flexion", set_index, 5, 120, 20.0 * set_index))
        for i in range(5):
            fresh_store.sessions.add_rep(set_id, rep(i, t0=20.0 * set_index))
    (row,) = fresh_store.progress(p.id)
    assert (row.reps_done, row.reps_prescribed) == (10, 10)


def test_replacing_program_items_keeps_history(fresh_store: Store) -> None:
    p = patient(fresh_store)
    prog = program(fresh_store, p.id)
    _run_session(fresh_store, p.id, prog.id, [90], [80])
    edited = fresh_store.programs.replace_items(prog.id, [item(reps=12), item(
        exercise_id="elbow_flexion", target_rom_deg=100, safe_rom_min_deg=10,
        safe_rom_max_deg=140)])
    assert [i.reps for i in edited.items] == [12, 10]
    assert fresh_store.progress(p.id)[0].reps_done == 1


def test_assessments_by_instrument(fresh_store: Store) -> None:
    user = therapist(fresh_store)
    store = fresh_store.as_user(user.id)
    p = patient(store)
    store.assessments.add(p.id, NewAssessment("fugl_meyer_ue", 31, "2026-03-01"))
    store.assessments.add(p.id, NewAssessment("timed_up_and_go_s", 18.4, "2026-03-01"))
    store.assessments.add(p.id, NewAssessment("fugl_meyer_ue", 36, "2026-03-29", "개선"))
    fma = store.assessments.for_patient(p.id, instrument="fugl_meyer_ue")
    assert [a.score for a in fma] == [31, 36]
    assert fma[1].notes == "개선" and fma[1].assessor_id == user.id
    assert len(store.assessments.for_patient(p.id)) == 3


@given(ops=st.lists(st.one_of(
    st.tuples(st.just("add"), st.integers(0, 1), st.floats(0, 180), st.floats(0, 100),
              st.one_of(st.none(), st.floats(0, 1)), st.booleans()),
    st.tuples(st.just("delete"), st.integers(0, 1000)),
    st.tuples(st.just("rescore"), st.integers(0, 1000), st.floats(0, 100))), max_size=40))
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_set_totals_always_match_the_reps(fresh_store: Store, ops: list[tuple]) -> None:
    """The trigger-kept per-set totals equal a direct aggregation after any edits."""
    db = fresh_store.db
    p = patient(fresh_store, f"p{len(fresh_store.patients.search('', include_inactive=True))}")
    session = fresh_store.sessions.start(p.id)
    set_ids = [fresh_store.sessions.add_set(session.id, NewSet("shoulder_flexion", i, 10, 120,
                                                               0.0)) for i in range(2)]
    next_index = [0, 0]
    for op in ops:
        if op[0] == "add":
            _, which, rom, score, assistance, uncertain = op
            fresh_store.sessions.add_rep(set_ids[which], NewRep(
                next_index[which], 0, 0, 0, rom, 0, score, assistance=assistance,
                uncertain=uncertain))
            next_index[which] += 1
        ids = [r[0] for r in db.execute("SELECT id FROM reps WHERE session_id=? ORDER BY id",
                                         (session.id,))]
        if op[0] == "delete" and ids:
            db.execute("DELETE FROM reps WHERE id=?", (ids[op[1] % len(ids)],))
        if op[0] == "rescore" and ids:
            db.execute("UPDATE reps SET form_score=? WHERE id=?", (op[2], ids[op[1] % len(ids)]))
    for set_id in set_ids:
        # Uncertain reps count as done, but ROM, score and assistance come only from
        # measured ones (so trends never see an inexact value).
        kept = db.execute("SELECT reps_done, max_rom_deg, score_sum, assistance_sum, "
                          "assistance_n, measured_n FROM sets WHERE id=?", (set_id,)).fetchone()
        direct = db.execute(
            "SELECT COUNT(*), MAX(rom_deg) FILTER (WHERE NOT uncertain), "
            "COALESCE(SUM(form_score) FILTER (WHERE NOT uncertain), 0), "
            "COALESCE(SUM(assistance) FILTER (WHERE NOT uncertain), 0), "
            "COUNT(assistance) FILTER (WHERE NOT uncertain), "
            "COUNT(*) FILTER (WHERE NOT uncertain) FROM reps WHERE set_id=?",
            (set_id,)).fetchone()
        assert kept[0] == direct[0] and kept[1] == direct[1] and kept[4] == direct[4]
        assert kept[5] == direct[5]
        assert kept[2] == pytest.approx(direct[2]) and kept[3] == pytest.approx(direct[3])


def test_uncertain_reps_are_counted_but_not_measured(fresh_store: Store) -> None:
    p = patient(fresh_store)
    prog = program(fresh_store, p.id)
    session = fresh_store.sessions.start(p.id, program_id=prog.id, robot_used=False)
    set_id = fresh_store.sessions.add_set(session.id, NewSet("shoulder_flexion", 0, 3, 120, 0))
    fresh_store.sessions.add_rep(set_id, rep(0, rom_deg=110, score=80))
    sparse = NewRep(1, 3.0, 4.0, 5.0, 62.0, 90.0, 40.0, uncertain=True, frame_coverage=0.35,
                    max_gap_s=0.9)
    fresh_store.sessions.add_rep(set_id, sparse)
    (row,) = fresh_store.progress(p.id)
    assert (row.reps_done, row.max_rom_deg, row.mean_form_score) == (2, 110, 80)
    stored = fresh_store.sessions.reps(session.id)[1]
    assert stored.uncertain and stored.frame_coverage == 0.35 and stored.max_gap_s == 0.9
    assert fresh_store.sessions.get(session.id).robot_used is False


def test_patient_pain_answers_survive_the_runner_finishing(fresh_store: Store) -> None:
    p = patient(fresh_store)
    session = fresh_store.sessions.start(p.id)
    fresh_store.sessions.record_pain(session.id, before=4)
    assert fresh_store.sessions.get(session.id).pain_before == 4
    fresh_store.sessions.finish(session.id, SessionOutcome(), cause=Cause.PATIENT)
    fresh_store.sessions.record_pain(session.id, after=6)
    done = fresh_store.sessions.get(session.id)
    assert (done.pain_before, done.pain_after, done.status) == (4, 6, "stopped")
    fresh_store.sessions.record_outcome(session.id, SessionOutcome(pain_after=5, pain_before=3))
    assert fresh_store.sessions.get(session.id).pain_before == 3
    with pytest.raises(ValidationError):
        fresh_store.sessions.record_pain(session.id, before=11)


def test_a_patients_reference_reps_are_set_checked_replaced_and_audited(
        fresh_store: Store) -> None:
    p, other = patient(fresh_store), patient(fresh_store, "김영희")
    ids = {}
    for who in (p, other):
        for n in range(2):
            session = fresh_store.sessions.start(who.id)
            squat = fresh_store.sessions.add_set(session.id, NewSet("squat", 0, 5, 90, 0.0))
            curl = fresh_store.sessions.add_set(session.id,
                                                NewSet("elbow_flexion", 1, 5, 120, 30.0))
            ids[who.id, n] = ([fresh_store.sessions.add_rep(squat, rep(i)).id for i in range(4)],
                              fresh_store.sessions.add_rep(curl, rep(0)).id)
            fresh_store.sessions.finish(session.id, SessionOutcome())
    squats, curl = ids[p.id, 0]
    session = fresh_store.sessions.for_patient(p.id)[0]
    unsure = fresh_store.sessions.add_rep(fresh_store.sessions.sets(session.id)[0].id,
                                          replace(rep(4), uncertain=True)).id
    ref = fresh_store.sessions.set_form_reference(p.id, "squat", squats[:3])
    assert ref.rep_ids == tuple(squats[:3]) and ref.exercise_id == "squat"
    assert fresh_store.sessions.form_references(p.id) == {"squat": ref}
    assert fresh_store.sessions.form_references(other.id) == {}
    assert '"rep_ids"' in fresh_store.audit_log(limit=1)[0][6]
    refused = {
        "a rep of another exercise": [squats[0], curl],
        "another patient's rep": [squats[0], ids[other.id, 0][0][0]],
        "reps of two sessions": [squats[0], ids[p.id, 1][0][0]],
        "a rep that does not exist": [squats[0], 99_999],
        "no rep": [],
        "the same rep twice": [squats[0], squats[0]],
        "ten reps": list(range(1, 11)),
        "a rep seen through too few frames": [squats[0], unsure],
    }
    for why, rep_ids in refused.items():
        with pytest.raises(ValidationError) as info:
            fresh_store.sessions.set_form_reference(p.id, "squat", rep_ids)
        assert info.value.field == "rep_ids", why
        if rep_ids[-1:] == [unsure]:
            assert info.value.message_id == "store.reference_rep_uncertain"
    assert fresh_store.sessions.form_references(p.id) == {"squat": ref}  # kept
    later = fresh_store.sessions.set_form_reference(p.id, "squat", ids[p.id, 1][0][1:])
    assert fresh_store.sessions.form_references(p.id)["squat"] == later  # replaced


def test_a_model_reference_needs_a_model_probability() -> None:
    with pytest.raises(ValidationError) as info:
        NewRep(0, 0.0, 1.0, 2.0, 90.0, 10.0, 80.0, model_reference=False)
    assert info.value.field == "model_reference"
