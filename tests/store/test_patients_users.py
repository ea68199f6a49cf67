"""Patients and users: codes, Korean names, search, edits, deactivation, audit, logins."""

from __future__ import annotations

import re
import sqlite3

import pytest

from rehab.errors import NotFoundError, ValidationError
from rehab.store import NewPatient, NewUser, PatientDisplay, Role, Sex, Side, Store
from tests.conftest import FakeWallClock
from tests.store.helpers import patient, therapist


def test_patient_gets_unique_pseudonymous_code(fresh_store: Store) -> None:
    codes = {patient(fresh_store, f"환자 {i}").code for i in range(50)}
    assert len(codes) == 50
    assert all(re.fullmatch(r"P-[34679ACDEFGHJKMNPQRTUVWXY]{6}", c) for c in codes)


def test_korean_names_round_trip_and_search(fresh_store: Store) -> None:
    kim = patient(fresh_store, "김영희")
    patient(fresh_store, "이철수")
    patient(fresh_store, "Jane Doe")
    assert [p.name for p in fresh_store.patients.search("영희")] == ["김영희"]
    assert fresh_store.patients.search("jane")[0].name == "Jane Doe"  # any case
    assert fresh_store.patients.search(kim.code.lower())[0].id == kim.id
    assert fresh_store.patients.by_code(kim.code).name == "김영희"
    assert len(fresh_store.patients.search("")) == 3


def test_update_keeps_code_and_is_audited(fresh_store: Store) -> None:
    before = patient(fresh_store)
    after = fresh_store.patients.update(before.id, NewPatient(
        "박민수", 1950, Sex.MALE, Side.RIGHT, "stroke", notes="now right side"))
    assert after.code == before.code
    assert after.affected_side is Side.RIGHT
    entry = fresh_store.audit_log(limit=1)[0]
    assert entry[3:6] == ("update", "patient", str(before.id))
    assert '"affected_side"' in entry[6] and '"notes"' in entry[6]


def test_deactivated_patient_hidden_but_kept(fresh_store: Store) -> None:
    p = patient(fresh_store)
    fresh_store.patients.set_active(p.id, False)
    assert fresh_store.patients.search("") == []
    assert fresh_store.patients.search("", include_inactive=True)[0].id == p.id
    assert fresh_store.patients.get(p.id).active is False


def test_unknown_patient_is_not_found(fresh_store: Store) -> None:
    with pytest.raises(NotFoundError, match="no patient with id 99"):
        fresh_store.patients.get(99)


def test_login_checks_password_and_audits_both_outcomes(
        fresh_store: Store, wall_clock: FakeWallClock) -> None:
    user = therapist(fresh_store)
    assert fresh_store.users.authenticate("kim", "wrong password") is None
    wall_clock.advance(seconds=1)  # the back-off after one failure
    assert fresh_store.users.authenticate("kim", "correct horse") == user
    assert fresh_store.users.authenticate("nobody", "correct horse") is None
    actions = [row[3] for row in reversed(fresh_store.audit_log(limit=3))]
    assert actions == ["login_failed", "login", "login_failed"]
    stored = fresh_store.db.execute("SELECT password_hash FROM users").fetchone()[0]
    assert "correct horse" not in stored and stored.startswith("$argon2id$")


def test_duplicate_username_names_the_field(fresh_store: Store) -> None:
    therapist(fresh_store)
    with pytest.raises(ValidationError) as info:
        fresh_store.users.add(NewUser("kim", "Other", Role.ADMIN, "long enough"))
    assert info.value.field == "username"


def test_audit_log_is_append_only(fresh_store: Store) -> None:
    patient(fresh_store)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        fresh_store.db.execute("UPDATE audit_log SET action = 'forged'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        fresh_store.db.execute("DELETE FROM audit_log")
    assert fresh_store.audit_log()[0][3] == "create"


def test_writes_are_attributed_to_the_acting_user(fresh_store: Store) -> None:
    user = therapist(fresh_store)
    p = patient(fresh_store.as_user(user.id))
    entry = fresh_store.audit_log(limit=1)[0]
    assert entry[2] == user.id and entry[5] == str(p.id)


def test_display_settings_default_then_stored_and_audited(fresh_store: Store) -> None:
    p = patient(fresh_store)
    assert fresh_store.patients.display(p.id) == PatientDisplay(False, False)
    fresh_store.patients.set_display(p.id, PatientDisplay(high_contrast=True, large_text=True))
    fresh_store.patients.set_display(p.id, PatientDisplay(high_contrast=False, large_text=True))
    assert fresh_store.patients.display(p.id) == PatientDisplay(False, True)
    entry = fresh_store.audit_log(limit=1)[0]
    assert tuple(entry[3:6]) == ("update", "patient_display", str(p.id))
    with pytest.raises(NotFoundError):
        fresh_store.patients.display(p.id + 99)
