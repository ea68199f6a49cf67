"""Migrations from every earlier schema version, and refusal of newer files."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlite_utils import Database

from rehab.errors import StoreError
from rehab.store import SCHEMA_VERSION, PatientDisplay, Store
from rehab.store.audit import chain_hash, verify_chain
from rehab.store.connection import apply_migrations, connect, schema_version


def _seed_v0(db: Database) -> dict[str, int]:
    """Version 0 is an empty file: nothing to carry over."""
    return {}


def _seed_v1(db: Database) -> dict[str, int]:
    """Version 1: a patient with a finished and an open session, sets, reps and events."""
    now = "2026-03-02T09:00:00+00:00"
    db.execute("INSERT INTO users VALUES (1, 'kim', 'Kim', 'therapist', 'x', 1, ?)", (now,))
    db.execute("INSERT INTO patients VALUES (1, 'P-AAAAAA', '김영희', 1950, 'female', '', "
               "'left', '', 1, ?)", (now,))
    db.execute("INSERT INTO exercises VALUES ('elbow_flexion', 1, 'Elbow', '팔꿈치', 'elbow')")
    db.execute("INSERT INTO programs VALUES (1, 1, 'p', 1, ?, 1)", (now,))
    for session_id, status in ((1, "completed"), (2, "running")):
        db.execute("INSERT INTO sessions (id, patient_id, program_id, therapist_id, "
                   "started_at, status, notes) VALUES (?, 1, 1, 1, ?, ?, 'typed')",
                   (session_id, now, status))
        db.execute("INSERT INTO sets (id, session_id, set_index, exercise_id, side, "
                   "reps_target, target_rom_deg, t_start_s) VALUES (?, ?, 0, 'elbow_flexion',"
                   " 'left', 5, 120, 0)", (session_id, session_id))
        for rep_index, rom in enumerate((100.0, 110.0)):
            db.execute("INSERT INTO reps (session_id, set_id, rep_index, t_start_s, "
                       "t_peak_s, t_end_s, rom_deg, peak_velocity_deg_s, duration_s, "
                       "form_score) VALUES (?, ?, ?, 0, 1, 2, ?, 90, 2, 80)",
                       (session_id, session_id, rep_index, rom))
        db.execute("INSERT INTO events (session_id, at, kind, severity, source, message) "
                   "VALUES (?, ?, 'note', 'info', 'scoring', 'x')", (session_id, now))
    db.conn.commit()
    # the open session is marked interrupted on open, with one more event
    return {"sessions": 2, "sets": 2, "reps": 4, "events": 3}


def _seed_v2(db: Database) -> dict[str, int]:
    """Version 2: a patient with a stopped session (cause, robot_used) and a pain score."""
    now = "2026-04-01T09:00:00+00:00"
    db.execute("INSERT INTO patients VALUES (1, 'P-CCCCCC', '박철수', 1944, 'male', '', "
               "'right', '', 1, ?)", (now,))
    db.execute("INSERT INTO sessions (id, patient_id, started_at, ended_at, status, "
               "pain_before, end_cause, robot_used) VALUES (1, 1, ?, ?, 'stopped', 3, "
               "'patient', 0)", (now, now))
    db.execute("INSERT INTO events (session_id, at, kind, severity, source, message, cause) "
               "VALUES (1, ?, 'state', 'info', 'session', 'paused', 'patient')", (now,))
    db.conn.commit()
    return {"patients": 1, "sessions": 1, "events": 1, "patient_display": 0}


def _scrypt_hash(password: str) -> str:
    """A password hash as schema versions before 4 stored it."""
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${2**14}$8$1${salt.hex()}${digest.hex()}"


def _seed_v3(db: Database) -> dict[str, int]:
    """Version 3: a therapist with a scrypt hash, audit rows with no chain, and a patient
    with their screen settings."""
    now = "2026-03-02T09:00:00+00:00"
    db.execute("INSERT INTO users VALUES (1, 'kim', 'Kim', 'therapist', ?, 1, ?)",
               (_scrypt_hash("correct horse"), now))
    for n, action in enumerate(("create", "login", "update"), start=1):
        db.execute("INSERT INTO audit_log (id, at, actor_id, action, entity, entity_id) "
                   "VALUES (?, ?, 1, ?, 'user', '1')", (n, now, action))
    db.execute("INSERT INTO patients VALUES (1, 'P-DDDDDD', '이영자', 1952, 'female', '', "
               "'left', '', 1, ?)", (now,))
    db.execute("INSERT INTO patient_display VALUES (1, 1, 0, ?)", (now,))
    db.conn.commit()
    return {"users": 1, "audit_log": 3, "patients": 1, "patient_display": 1}


# One seeding function per earlier version: it writes rows in THAT version's schema and
# returns the row counts the migrated database must still hold. Add one per migration.
def _seed_v4(db: Database) -> dict[str, int]:
    """Version 4: an argon2 user, a chained audit row and a patient with a closed session."""
    now = "2026-05-04T09:00:00+00:00"
    db.execute("INSERT INTO users (id, username, display_name, role, password_hash, active, "
               "created_at) VALUES (1, 'res1', 'Res', 'researcher', '$argon2id$x', 1, ?)",
               (now,))
    db.execute("INSERT INTO audit_log (id, at, actor_id, action, entity, entity_id, row_hash) "
               "VALUES (1, ?, 1, 'login', 'user', '1', ?)",
               (now, chain_hash(None, 1, now, 1, "login", "user", "1", "{}")))
    db.execute("INSERT INTO patients VALUES (1, 'P-EEEEEE', '최민수', 1960, 'male', '', "
               "'right', '', 1, ?)", (now,))
    db.execute("INSERT INTO sessions (id, patient_id, started_at, ended_at, status) "
               "VALUES (1, 1, ?, ?, 'completed')", (now, now))
    db.conn.commit()
    return {"users": 1, "audit_log": 1, "patients": 1, "sessions": 1, "exports": 0,
            "export_subjects": 0}


def _seed_v5(db: Database) -> dict[str, int]:
    """Version 5: a patient's completed session with a set and reps (no model opinion
    column yet), and an export with its subject label."""
    now = "2026-06-05T09:00:00+00:00"
    db.execute("INSERT INTO patients VALUES (1, 'P-FFFFFF', '정수진', 1958, 'female', '', "
               "'left', '', 1, ?)", (now,))
    db.execute("INSERT INTO exercises VALUES ('elbow_flexion', 1, 'Elbow', '팔꿈치', 'elbow')")
    db.execute("INSERT INTO sessions (id, patient_id, started_at, ended_at, status) "
               "VALUES (1, 1, ?, ?, 'completed')", (now, now))
    db.execute("INSERT INTO sets (id, session_id, set_index, exercise_id, side, "
               "reps_target, target_rom_deg, t_start_s) VALUES (1, 1, 0, 'elbow_flexion',"
               " 'left', 5, 120, 0)")
    for rep_index in range(3):
        db.execute("INSERT INTO reps (session_id, set_id, rep_index, t_start_s, "
                   "t_peak_s, t_end_s, rom_deg, peak_velocity_deg_s, duration_s, "
                   "form_score) VALUES (1, 1, ?, 0, 1, 2, 100, 90, 2, 80)", (rep_index,))
    db.execute("INSERT INTO exports (id, uid, format, identified, dates, created_at) "
               "VALUES (1, 'e1', 'csv', 0, 'shift', ?)", (now,))
    db.execute("INSERT INTO export_subjects VALUES (1, 1, 'sub-01', 12)")
    db.conn.commit()
    return {"patients": 1, "sessions": 1, "sets": 1, "reps": 3, "exports": 1,
            "export_subjects": 1}


def _seed_v6(db: Database) -> dict[str, int]:
    """Version 6: a completed session's reps with the model's opinion (no side column
    yet): they keep no side after the migration."""
    now = "2026-07-01T09:00:00+00:00"
    db.execute("INSERT INTO patients VALUES (1, 'P-GGGGGG', '한미숙', 1952, 'female', '', "
               "'right', '', 1, ?)", (now,))
    db.execute("INSERT INTO exercises VALUES ('forward_lunge', 1, 'Lunge', '런지', 'lunge')")
    db.execute("INSERT INTO sessions (id, patient_id, started_at, ended_at, status) "
               "VALUES (1, 1, ?, ?, 'completed')", (now, now))
    db.execute("INSERT INTO sets (id, session_id, set_index, exercise_id, side, "
               "reps_target, target_rom_deg, t_start_s) VALUES (1, 1, 0, 'forward_lunge',"
               " 'both', 4, 90, 0)")
    for rep_index in range(2):
        db.execute("INSERT INTO reps (session_id, set_id, rep_index, t_start_s, "
                   "t_peak_s, t_end_s, rom_deg, peak_velocity_deg_s, duration_s, "
                   "form_score, model_probability) VALUES (1, 1, ?, 0, 1, 2, 80, 90, 2, 75, "
                   "0.8)", (rep_index,))
    db.conn.commit()
    return {"patients": 1, "sessions": 1, "sets": 1, "reps": 2}


def _seed_v7(db: Database) -> dict[str, int]:
    """Version 7: reps with a side and the model's opinion (no model_reference column, no
    form_references table yet): their probability came from the reference-free model, but
    the record never said so, so the column stays NULL."""
    now = "2026-12-01T09:00:00+00:00"
    db.execute("INSERT INTO patients VALUES (1, 'P-HHHHHH', '오영자', 1950, 'female', '', "
               "'left', '', 1, ?)", (now,))
    db.execute("INSERT INTO exercises VALUES ('squat', 1, 'Squat', '스쿼트', 'knee')")
    db.execute("INSERT INTO sessions (id, patient_id, started_at, ended_at, status) "
               "VALUES (1, 1, ?, ?, 'completed')", (now, now))
    db.execute("INSERT INTO sets (id, session_id, set_index, exercise_id, side, "
               "reps_target, target_rom_deg, t_start_s) VALUES (1, 1, 0, 'squat',"
               " 'both', 3, 90, 0)")
    for rep_index in range(3):
        db.execute("INSERT INTO reps (session_id, set_id, rep_index, t_start_s, "
                   "t_peak_s, t_end_s, rom_deg, peak_velocity_deg_s, duration_s, "
                   "form_score, model_probability, side) VALUES (1, 1, ?, 0, 1, 2, 80, 90, 2,"
                   " 75, 0.9, NULL)", (rep_index,))
    db.conn.commit()
    return {"patients": 1, "sessions": 1, "sets": 1, "reps": 3}


SEEDS: dict[int, Callable[[Database], dict[str, int]]] = {
    0: _seed_v0, 1: _seed_v1, 2: _seed_v2, 3: _seed_v3, 4: _seed_v4, 5: _seed_v5,
    6: _seed_v6, 7: _seed_v7}


def test_v4_chains_old_audit_rows_and_upgrades_scrypt_on_login(tmp_path: Path) -> None:
    path = tmp_path / "data" / "rehab.db"
    old = connect(path, migrate=False)
    apply_migrations(old, path, target=3)
    _seed_v3(old)
    old.close()
    with Store.open(tmp_path / "data").as_system() as store:
        chain = verify_chain(store.db)
        assert chain.ok and chain.rows == 3
        assert store.db.execute("SELECT COUNT(*) FROM audit_log WHERE row_hash IS NULL"
                                ).fetchone()[0] == 0
        assert store.patients.display(1) == PatientDisplay(high_contrast=True)
        assert store.users.authenticate("kim", "correct horse") is not None
        stored = store.db.execute("SELECT password_hash FROM users").fetchone()[0]
        assert stored.startswith("$argon2id$")
        assert '"rehashed": true' in store.audit_log(limit=1)[0][6]
        assert store.users.authenticate("kim", "correct horse") is not None


def test_v6_keeps_reps_without_a_model_opinion(tmp_path: Path) -> None:
    path = tmp_path / "data" / "rehab.db"
    old = connect(path, migrate=False)
    apply_migrations(old, path, target=5)
    _seed_v5(old)
    old.close()
    with Store.open(tmp_path / "data", recover=False).as_system() as store:
        reps = store.db.execute("SELECT model_probability FROM reps").fetchall()
        assert reps == [(None,)] * 3
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            store.db.execute("UPDATE reps SET model_probability = 1.5 WHERE id = 1")


def test_v8_leaves_old_opinions_unattributed_and_takes_references(tmp_path: Path) -> None:
    path = tmp_path / "data" / "rehab.db"
    old = connect(path, migrate=False)
    apply_migrations(old, path, target=7)
    _seed_v7(old)
    old.close()
    with Store.open(tmp_path / "data", recover=False).as_system() as store:
        reps = store.sessions.reps(1)
        assert [(r.model_probability, r.model_reference) for r in reps] == [(0.9, None)] * 3
        assert store.sessions.form_references(1) == {}
        ref = store.sessions.set_form_reference(1, "squat", [r.id for r in reps[:2]])
        assert store.sessions.form_references(1) == {"squat": ref}
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            store.db.execute("UPDATE reps SET model_reference = 2 WHERE id = 1")


def test_v2_keeps_sessions_and_set_totals(tmp_path: Path) -> None:
    path = tmp_path / "data" / "rehab.db"
    old = connect(path, migrate=False)
    apply_migrations(old, path, target=1)
    _seed_v1(old)
    old.close()
    with Store.open(tmp_path / "data", recover=False).as_system() as store:
        first = store.sessions.get(1)
        assert first.status == "completed" and first.notes == "typed"
        assert first.end_cause is None and first.robot_used is None
        row = store.db.execute("SELECT reps_done, measured_n, max_rom_deg, score_sum "
                               "FROM sets WHERE id = 1").fetchone()
        assert row == (2, 2, 110.0, 160.0)
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_v3_patients_read_with_default_display(tmp_path: Path) -> None:
    path = tmp_path / "data" / "rehab.db"
    old = connect(path, migrate=False)
    apply_migrations(old, path, target=2)
    _seed_v2(old)
    old.close()
    with Store.open(tmp_path / "data", recover=False).as_system() as store:
        assert store.patients.display(1) == PatientDisplay()
        assert store.sessions.get(1).pain_before == 3
        assert store.sessions.get(1).end_cause == "patient"


def test_every_earlier_version_has_a_seed() -> None:
    assert sorted(SEEDS) == list(range(SCHEMA_VERSION))


@pytest.mark.parametrize("from_version", range(SCHEMA_VERSION))
def test_migrates_from_every_earlier_version(tmp_path: Path, from_version: int) -> None:
    path = tmp_path / "data" / "rehab.db"
    old = connect(path, migrate=False)
    apply_migrations(old, path, target=from_version)
    assert schema_version(old) == from_version
    expected = SEEDS[from_version](old)
    old.close()
    with Store.open(tmp_path / "data").as_system() as store:
        report = store.check()
        assert report.ok, report
        for table, count in expected.items():
            assert store.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == count


def test_migration_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "rehab.db"
    db = connect(path)
    assert apply_migrations(db, path) == []
    assert schema_version(db) == SCHEMA_VERSION


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data" / "rehab.db"
    db = connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer than this app"):
        Store.open(tmp_path / "data").as_system()


def test_not_a_database_is_refused_clearly(tmp_path: Path) -> None:
    (tmp_path / "rehab.db").write_bytes(b"this is a photo, not a database" * 100)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        Store.open(tmp_path).as_system()
