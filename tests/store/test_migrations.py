"""Migrations from every earlier schema version, and refusal of newer files."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlite_utils import Database

from rehab.errors import StoreError
from rehab.store import SCHEMA_VERSION, Store
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


# One seeding function per earlier version: it writes rows in THAT version's schema and
# returns the row counts the migrated database must still hold. Add one per migration.
# Versions 3 and 4 are placeholders on this branch (see schema.py) and so is their seed:
# the v1 rows name their columns, so they insert as they are into versions 2 to 4.
SEEDS: dict[int, Callable[[Database], dict[str, int]]] = {
    0: _seed_v0, 1: _seed_v1, 2: _seed_v1, 3: _seed_v1, 4: _seed_v1}


def test_v5_keeps_reps_without_a_model_opinion(tmp_path: Path) -> None:
    path = tmp_path / "data" / "rehab.db"
    old = connect(path, migrate=False)
    apply_migrations(old, path, target=4)
    _seed_v1(old)
    old.close()
    with Store.open(tmp_path / "data", recover=False) as store:
        reps = store.db.execute("SELECT model_probability FROM reps").fetchall()
        assert reps == [(None,)] * 4
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            store.db.execute("UPDATE reps SET model_probability = 1.5 WHERE id = 1")


def test_v2_keeps_sessions_and_set_totals(tmp_path: Path) -> None:
    path = tmp_path / "data" / "rehab.db"
    old = connect(path, migrate=False)
    apply_migrations(old, path, target=1)
    _seed_v1(old)
    old.close()
    with Store.open(tmp_path / "data", recover=False) as store:
        first = store.sessions.get(1)
        assert first.status == "completed" and first.notes == "typed"
        assert first.end_cause is None and first.robot_used is None
        row = store.db.execute("SELECT reps_done, measured_n, max_rom_deg, score_sum "
                               "FROM sets WHERE id = 1").fetchone()
        assert row == (2, 2, 110.0, 160.0)
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


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
    with Store.open(tmp_path / "data") as store:
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
        Store.open(tmp_path / "data")


def test_not_a_database_is_refused_clearly(tmp_path: Path) -> None:
    (tmp_path / "rehab.db").write_bytes(b"this is a photo, not a database" * 100)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        Store.open(tmp_path)
