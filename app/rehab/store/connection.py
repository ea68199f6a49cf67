"""Opening, migrating, checking and backing up the database file."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from rehab.errors import StoreError
from rehab.store.schema import MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
"""How long a writer waits for another writer's lock before failing."""


def connect(path: Path, *, migrate: bool = True) -> Database:
    """Open (creating when missing) the database at ``path`` with the house pragmas.

    WAL journal, foreign keys on, a busy timeout, ``synchronous=NORMAL``: in WAL mode a
    commit survives a crash or kill of the app; only a power loss can drop the last
    commits, never corrupt the file.

    Parameters
    ----------
    path
        The database file; its folder is created when missing.
    migrate
        Apply pending migrations. With ``False`` an outdated database is opened as is.

    Raises
    ------
    StoreError
        The file is not a database, is newer than this app, or cannot be opened.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from exc
    try:
        db = Database(conn)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
        db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
        if migrate:
            apply_migrations(db, path)
        else:
            _refuse_newer(schema_version(db), path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"{path} is not a usable SQLite database: {exc}") from exc
    except StoreError:
        conn.close()
        raise
    return db


def schema_version(db: Database) -> int:
    """Return the schema version recorded in the file (0 for a new file)."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def _refuse_newer(version: int, path: Path) -> None:
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} has schema version {version}, newer than this app's {SCHEMA_VERSION}; "
            "update the app instead of opening it with an old one"
        )


def apply_migrations(db: Database, path: Path, *, target: int = SCHEMA_VERSION) -> list[int]:
    """Bring the database to schema version ``target``; return the versions applied.

    Each migration and its version bump commit together, so a crash mid-way leaves the
    file at the last complete version.
    """
    current = schema_version(db)
    _refuse_newer(current, path)
    applied = []
    # SQLite's procedure for rebuilding a table that others reference: foreign keys off
    # (a pragma that only takes effect outside a transaction), rebuild, then check every
    # reference before the commit, so a migration can never leave a dangling row.
    fk_on = bool(db.execute("PRAGMA foreign_keys").fetchone()[0])
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        for version in range(current + 1, target + 1):
            log.info("migrating %s to schema version %d", path, version)
            # executescript would commit on its own; run statement by statement inside
            # one explicit transaction instead, so the version bump is atomic with the DDL.
            with db.atomic():
                for statement in _split_sql(MIGRATIONS[version - 1]):
                    db.execute(statement)
                broken = db.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise StoreError(f"migration to version {version} of {path} would leave "
                                     f"{len(broken)} rows pointing at missing parents")
                db.execute(f"PRAGMA user_version = {version}")
            applied.append(version)
    finally:
        if fk_on:
            db.execute("PRAGMA foreign_keys = ON")
    return applied


def _split_sql(script: str) -> list[str]:
    """Split a migration script into complete statements (triggers kept whole)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise StoreError(f"incomplete SQL statement in migration: {buffer.strip()[:60]}")
    return statements


@dataclass(frozen=True)
class CheckReport:
    """What ``rehab db check`` found.

    Attributes
    ----------
    integrity
        ``PRAGMA integrity_check`` messages; ``("ok",)`` when sound.
    foreign_key_violations
        Rows that point at missing parents.
    schema_version
        Version in the file.
    expected_version
        Version this app writes.
    """

    integrity: tuple[str, ...]
    foreign_key_violations: int
    schema_version: int
    expected_version: int

    @property
    def ok(self) -> bool:
        """True when the file is sound and at this app's schema version."""
        return (
            self.integrity == ("ok",)
            and self.foreign_key_violations == 0
            and self.schema_version == self.expected_version
        )


def check(db: Database) -> CheckReport:
    """Run the integrity and foreign key checks and read the schema version."""
    integrity = tuple(row[0] for row in db.execute("PRAGMA integrity_check").fetchall())
    violations = len(db.execute("PRAGMA foreign_key_check").fetchall())
    return CheckReport(integrity, violations, schema_version(db), SCHEMA_VERSION)


def backup(db: Database, target: Path) -> None:
    """Copy the database to ``target`` with SQLite's online backup API.

    Safe while other connections write: the copy is a consistent snapshot.

    Raises
    ------
    StoreError
        ``target`` exists already or cannot be written.
    """
    if target.exists():
        raise StoreError(f"backup target {target} exists already; choose a new file name")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(str(target)) as dest:
            db.conn.backup(dest, pages=1024)
        dest.close()
    except (OSError, sqlite3.Error) as exc:
        target.unlink(missing_ok=True)
        raise StoreError(f"cannot write backup {target}: {exc}") from exc
