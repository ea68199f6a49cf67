"""Migrations from every earlier schema version, and refusal of newer files."""

from __future__ import annotations

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


# One seeding function per earlier version: it writes rows in THAT version's schema and
# returns the row counts the migrated database must still hold. Add one per migration.
SEEDS: dict[int, Callable[[Database], dict[str, int]]] = {0: _seed_v0}


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
