"""Roles in the store: every public operation x every role, allowed or refused (audited)."""

from __future__ import annotations

import datetime as dt
import inspect
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rehab.store import (
    Cause,
    EventKind,
    NewAssessment,
    NewEvent,
    NewPatient,
    NewSet,
    NewUser,
    PatientDisplay,
    PermissionDeniedError,
    Role,
    SessionOutcome,
    Severity,
    Sex,
    Side,
    Store,
    StreamRecorder,
)
from rehab.store.access import OPERATIONS
from rehab.store.assessments import AssessmentRepo
from rehab.store.exports import ExportRepo, ExportSubject
from rehab.store.patients import PatientRepo
from rehab.store.programs import ExerciseRepo, ProgramRepo
from rehab.store.sessions import SessionRepo
from rehab.store.streams import StreamRepo
from rehab.store.users import UserRepo
from tests.store.helpers import EXERCISES, item, rep

PASSWORDS = {"boss": "admin passphrase", "kim": "therapist passphrase",
             "res1": "researcher passphrase"}


@dataclass(frozen=True)
class World:
    """Ids of the seeded centre."""

    users: dict[str, int]
    patient_id: int
    code: str
    program_id: int
    item_id: int
    session_id: int
    set_id: int


def _seed(data_dir: Path) -> World:
    with Store.open(data_dir) as nobody:
        system = nobody.as_system()
        boss = system.users.create_first_admin(
            NewUser("boss", "Boss", Role.ADMIN, PASSWORDS["boss"]))
        admin = nobody.as_user(boss.id)
        users = {"boss": boss.id}
        for name, role in (("kim", Role.THERAPIST), ("res1", Role.RESEARCHER)):
            users[name] = admin.users.add(NewUser(name, name, role, PASSWORDS[name])).id
        store = nobody.as_user(users["kim"])
        system.exercises.upsert(EXERCISES)
        p = store.patients.add(NewPatient("김영희", 1948, Sex.FEMALE, Side.LEFT, "뇌졸중"))
        program = store.programs.create(p.id, "Upper limb", [item()])
        session = store.sessions.start(p.id, program_id=program.id)
        set_id = store.sessions.add_set(session.id, NewSet("shoulder_flexion", 0, 5, 120, 0.0))
        store.sessions.add_rep(set_id, rep(0))
        recorder = StreamRecorder(store.streams, session.id)
        recorder.declare("angles", ("elbow_deg",))
        recorder.extend("angles", np.array([0.0, 0.5]), np.array([[10.0], [20.0]]))
        recorder.close()
        store.assessments.add(p.id, NewAssessment("pain_nrs", 3, "2026-03-02"))
        return World(users, p.id, p.code, program.id, program.items[0].id, session.id, set_id)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, World]:
    folder = tmp_path_factory.mktemp("template")
    return folder, _seed(folder)


@pytest.fixture
def world(template: tuple[Path, World], tmp_path: Path) -> Iterator[tuple[Store, World]]:
    """A copy of the seeded centre per test (the session stays running: no recovery)."""
    folder, seeded = template
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    shutil.copy(folder / "rehab.db", data / "rehab.db")
    with Store.open(data, recover=False) as store:
        yield store, seeded


def _new_user(name: str) -> NewUser:
    return NewUser(name, name, Role.THERAPIST, "a fresh passphrase")


def _record_stream(s: Store, w: World) -> None:
    recorder = StreamRecorder(s.streams, w.session_id)
    recorder.declare("robot", ("q0_rad",))
    recorder.append("robot", 1.0, [0.1])
    recorder.close()


Call = Callable[[Store, World], Any]
A, T, R = "admin", "therapist", "researcher"

# Every public store operation, how to call it, and who may: written out by hand, not
# derived from the permission table it checks.
TABLE: dict[str, tuple[Call, set[str]]] = {
    "users.create_first_admin": (lambda s, w: s.users.create_first_admin(
        NewUser("boss2", "B", Role.ADMIN, "another admin passphrase")), {A, T, R}),
    "users.add": (lambda s, w: s.users.add(_new_user("lee")), {A}),
    "users.get": (lambda s, w: s.users.get(w.users["kim"]), {A}),
    "users.by_username": (lambda s, w: s.users.by_username("kim"), {A}),
    "users.list": (lambda s, w: s.users.list(), {A}),
    "users.set_password": (lambda s, w: s.users.set_password(w.users["kim"],
                                                            "a changed passphrase"), {A}),
    "users.set_role": (lambda s, w: s.users.set_role(w.users["kim"], Role.RESEARCHER), {A}),
    "users.set_active": (lambda s, w: s.users.set_active(w.users["res1"], False), {A}),
    "users.unlock": (lambda s, w: s.users.unlock(w.users["kim"]), {A}),
    "users.locked_until": (lambda s, w: s.users.locked_until(w.users["kim"]), {A}),
    "users.authenticate": (lambda s, w: s.users.authenticate("kim", PASSWORDS["kim"]),
                           {A, T, R}),
    "patients.add": (lambda s, w: s.patients.add(NewPatient(
        "이철수", 1950, Sex.MALE, Side.RIGHT)), {A, T}),
    "patients.get": (lambda s, w: s.patients.get(w.patient_id), {A, T}),
    "patients.by_code": (lambda s, w: s.patients.by_code(w.code), {A, T}),
    "patients.search": (lambda s, w: s.patients.search(""), {A, T}),
    "patients.update": (lambda s, w: s.patients.update(w.patient_id, NewPatient(
        "김영희", 1948, Sex.FEMALE, Side.BOTH)), {A, T}),
    "patients.set_active": (lambda s, w: s.patients.set_active(w.patient_id, False), {A, T}),
    "patients.pseudonymous": (lambda s, w: s.patients.pseudonymous(), {A, T, R}),
    "patients.id_of_code": (lambda s, w: s.patients.id_of_code(w.code), {A, T, R}),
    "patients.age_on": (lambda s, w: s.patients.age_on(w.patient_id, dt.date(2026, 3, 2)),
                        {A, T, R}),
    "patients.display": (lambda s, w: s.patients.display(w.patient_id), {A, T}),
    "patients.set_display": (lambda s, w: s.patients.set_display(
        w.patient_id, PatientDisplay(high_contrast=True)), {A, T}),
    "exercises.upsert": (lambda s, w: s.exercises.upsert(EXERCISES), {A}),
    "exercises.list": (lambda s, w: s.exercises.list(), {A, T, R}),
    "exercises.require": (lambda s, w: s.exercises.require("shoulder_flexion", 1), {A, T, R}),
    "programs.create": (lambda s, w: s.programs.create(w.patient_id, "P2", [item()]),
                        {A, T}),
    "programs.replace_items": (lambda s, w: s.programs.replace_items(
        w.program_id, [item(reps=8)]), {A, T}),
    "programs.get": (lambda s, w: s.programs.get(w.program_id), {A, T}),
    "programs.item": (lambda s, w: s.programs.item(w.item_id), {A, T}),
    "programs.for_patient": (lambda s, w: s.programs.for_patient(w.patient_id), {A, T}),
    "sessions.start": (lambda s, w: s.sessions.start(w.patient_id), {A, T}),
    "sessions.get": (lambda s, w: s.sessions.get(w.session_id), {A, T}),
    "sessions.for_patient": (lambda s, w: s.sessions.for_patient(w.patient_id), {A, T, R}),
    "sessions.sets": (lambda s, w: s.sessions.sets(w.session_id), {A, T, R}),
    "sessions.set_paused": (lambda s, w: s.sessions.set_paused(
        w.session_id, True, cause=Cause.THERAPIST), {A, T}),
    "sessions.finish": (lambda s, w: s.sessions.finish(w.session_id, SessionOutcome()),
                        {A, T}),
    "sessions.record_outcome": (lambda s, w: s.sessions.record_outcome(
        w.session_id, SessionOutcome(pain_after=2)), {A, T}),
    "sessions.record_pain": (lambda s, w: s.sessions.record_pain(w.session_id, before=4),
                             {A, T}),
    "sessions.add_set": (lambda s, w: s.sessions.add_set(
        w.session_id, NewSet("shoulder_flexion", 1, 5, 120, 10.0)), {A, T}),
    "sessions.end_set": (lambda s, w: s.sessions.end_set(w.set_id, 5.0), {A, T}),
    "sessions.set_robot_command": (lambda s, w: s.sessions.set_robot_command(w.set_id, 7),
                                   {A, T}),
    "sessions.robot_command": (lambda s, w: s.sessions.robot_command(w.set_id), {A, T}),
    "sessions.add_rep": (lambda s, w: s.sessions.add_rep(w.set_id, rep(1)), {A, T}),
    "sessions.reps": (lambda s, w: s.sessions.reps(w.session_id), {A, T, R}),
    "sessions.add_event": (lambda s, w: s.sessions.add_event(w.session_id, NewEvent(
        EventKind.NOTE, Severity.INFO, "test", "note")), {A, T}),
    "sessions.events": (lambda s, w: s.sessions.events(w.session_id), {A, T, R}),
    "sessions.recover_interrupted": (lambda s, w: s.sessions.recover_interrupted(), {A, T}),
    "sessions.set_form_reference": (lambda s, w: s.sessions.set_form_reference(
        w.patient_id, "shoulder_flexion", [s.as_system().sessions.reps(w.session_id)[0].id]),
        {A, T}),
    "sessions.form_references": (lambda s, w: s.sessions.form_references(w.patient_id),
                                 {A, T}),
    "streams.insert_chunks": (_record_stream, {A, T}),
    "streams.streams": (lambda s, w: s.streams.streams(w.session_id), {A, T, R}),
    "streams.read": (lambda s, w: s.streams.read(w.session_id, "angles"), {A, T, R}),
    "streams.iter_chunks": (lambda s, w: list(s.streams.iter_chunks(w.session_id, "angles")),
                            {A, T, R}),
    "assessments.add": (lambda s, w: s.assessments.add(w.patient_id, NewAssessment(
        "pain_nrs", 2, "2026-03-03")), {A, T}),
    "assessments.for_patient": (lambda s, w: s.assessments.for_patient(w.patient_id),
                                {A, T, R}),
    "store.progress": (lambda s, w: s.progress(w.patient_id), {A, T, R}),
    "store.audit_log": (lambda s, w: s.audit_log(), {A}),
    "store.record_listing": (lambda s, w: s.record_listing("patients", 1), {A, T, R}),
    # Research exports (researchers, admins) and identified reports (therapists, admins);
    # the reads under an export are the de-identified ones above.
    "store.authorise_export": (lambda s, w: s.authorise_export(), {A, R}),
    "store.authorise_report": (lambda s, w: s.authorise_report(), {A, T}),
    "store.audit_read": (lambda s, w: s.audit_read("export", "export", "x", format="csv"),
                         {A, T, R}),
    "exports.begin": (lambda s, w: s.exports.begin("csv", identified=False, dates="shift"),
                      {A, R}),
    "exports.add_subjects": (lambda s, w: s.exports.add_subjects(
        s.as_system().exports.begin("csv", identified=False, dates="shift")[0],
        [ExportSubject(w.patient_id, "abcdefgh", -40000)]), {A, R}),
    "exports.subjects": (lambda s, w: s.exports.subjects(1), {A, R}),
    "store.check": (lambda s, w: s.check(), {A}),
    "store.backup": (lambda s, w: s.backup(s.data_dir / "copy.db"), {A}),
}
ROLE_USER = {A: "boss", T: "kim", R: "res1"}


def _public_operations() -> set[str]:
    """Every public method of the store and its repositories, as ``scope.method``."""
    scopes = {"users": UserRepo, "patients": PatientRepo, "exercises": ExerciseRepo,
              "programs": ProgramRepo, "sessions": SessionRepo, "streams": StreamRepo,
              "assessments": AssessmentRepo, "exports": ExportRepo, "store": Store}
    found = set()
    for scope, cls in scopes.items():
        for name, _member in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("_") or name in {"close", "open", "as_user", "as_system",
                                                "release_all", "actor"}:
                continue
            found.add(f"{scope}.{name}")
    return found


def test_the_table_covers_every_public_operation() -> None:
    assert set(TABLE) == _public_operations()
    checked = {op for op in TABLE if op not in
               {"users.create_first_admin", "users.authenticate"}}
    assert checked == set(OPERATIONS)


@pytest.mark.parametrize("role", [A, T, R])
@pytest.mark.parametrize("operation", sorted(TABLE))
def test_operation_by_role(world: tuple[Store, World], operation: str, role: str) -> None:
    store, w = world
    acting = store.as_user(w.users[ROLE_USER[role]])
    call, allowed = TABLE[operation]
    if role in allowed:
        try:
            call(acting, w)
        except PermissionDeniedError as exc:  # pragma: no cover - the failure message
            pytest.fail(f"{role} was refused {operation}: {exc}")
        except ValueError:
            # create_first_admin: allowed to anyone, refused here because an admin exists
            assert operation == "users.create_first_admin"
        return
    with pytest.raises(PermissionDeniedError) as info:
        call(acting, w)
    message = str(info.value)
    assert ROLE_USER[role] in message and role in message and operation in message
    last = store.as_system().audit_log(limit=1)[0]
    assert last[2] == w.users[ROLE_USER[role]]
    assert last[3:6] == ("denied", "operation", operation)


def test_nobody_may_only_log_in(world: tuple[Store, World]) -> None:
    store, _w = world
    with pytest.raises(PermissionDeniedError, match="nobody is logged in"):
        store.patients.search("")
    assert store.users.authenticate("kim", PASSWORDS["kim"]) is not None


def test_deactivated_user_holds_nothing(world: tuple[Store, World]) -> None:
    store, w = world
    store.as_user(w.users["boss"]).users.set_active(w.users["kim"], False)
    with pytest.raises(PermissionDeniedError, match="deactivated"):
        store.as_user(w.users["kim"]).patients.search("")


def test_researcher_sees_codes_and_age_bands_only(world: tuple[Store, World]) -> None:
    store, w = world
    researcher = store.as_user(w.users["res1"])
    [seen] = researcher.patients.pseudonymous()
    assert seen.code == w.code and seen.age_band.endswith("-79")
    assert not {"name", "birth_year", "diagnosis", "notes"} & set(vars(seen))
    [row] = researcher.progress(researcher.patients.id_of_code(w.code))
    assert row.reps_done == 1 and row.max_rom_deg == 100.0


def test_a_researcher_reads_no_free_text(world: tuple[Store, World]) -> None:
    """The session and assessment reads an export uses hand a researcher no notes."""
    store, w = world
    therapist = store.as_user(w.users["kim"])
    therapist.assessments.add(w.patient_id, NewAssessment("fugl_meyer_ue", 31, "2026-03-01",
                                                          "어깨 통증 호소"))
    researcher = store.as_user(w.users["res1"])
    assert {a.notes for a in researcher.assessments.for_patient(w.patient_id)} == {""}
    assert "어깨 통증 호소" in {a.notes for a in therapist.assessments.for_patient(w.patient_id)}
    assert all(s.notes == "" for s in researcher.sessions.for_patient(w.patient_id))


def test_reading_a_record_is_audited(world: tuple[Store, World]) -> None:
    store, w = world
    therapist = store.as_user(w.users["kim"])
    therapist.patients.get(w.patient_id)
    therapist.progress(w.patient_id)
    rows = store.as_system().audit_log(limit=2)
    assert [r[2:6] for r in rows] == [
        (w.users["kim"], "view", "progress", str(w.patient_id)),
        (w.users["kim"], "view", "patient", str(w.patient_id))]
    assert "김영희" not in str(rows)


def test_last_admin_cannot_be_demoted(world: tuple[Store, World]) -> None:
    store, w = world
    admin = store.as_user(w.users["boss"])
    with pytest.raises(ValueError, match="last active admin"):
        admin.users.set_role(w.users["boss"], Role.THERAPIST)
    with pytest.raises(ValueError, match="last active admin"):
        admin.users.set_active(w.users["boss"], False)
