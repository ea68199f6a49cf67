"""Opening, migrating, checking and backing up the database file."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from rehab.errors import StoreError
from rehab.paths import ensure_data_dir
from rehab.store import audit
from rehab.store.files import create_private_file, loose_modes
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
        The database file; its folder is created when missing (see
        :func:`rehab.paths.ensure_data_dir`).
    migrate
        Apply pending migrations. With ``False`` an outdated database is opened as is.

    Returns
    -------
    sqlite_utils.Database
        The open database; the caller closes it (``db.conn.close()``).

    Raises
    ------
    StoreError
        The data folder is a file, cannot be created or is not writable; the file is
        read-only, is not a database, is newer than this app, or cannot be opened.
    """
    ensure_data_dir(path.parent)
    try:
        # An empty file is a new database to SQLite; made first, it is private (0600) and
        # SQLite gives its WAL and shared-memory files the same mode.
        # When it cannot be made (a read-only folder), SQLite's own attempt below fails
        # and _open_error says why; a file SQLite still manages to create is flagged by
        # `rehab db check` (loose_modes).
        with contextlib.suppress(OSError):
            create_private_file(path)
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise _open_error(path, exc) from exc
    try:
        audit.register(conn)
        db = Database(conn)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
        db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
        if migrate:
            apply_migrations(db, path)
        else:
            _refuse_newer(schema_version(db), path)
    except sqlite3.Error as exc:
        conn.close()
        raise _open_error(path, exc) from exc
    except StoreError:
        conn.close()
        raise
    return db


_NOT_A_DATABASE = {sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT}
_CANNOT_WRITE = {sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM,
                 sqlite3.SQLITE_IOERR}


def _open_error(path: Path, exc: sqlite3.Error) -> StoreError:
    """Say why SQLite could not open ``path``, in the user's terms.

    SQLite only says "unable to open database file"; the cause (a read-only folder for
    the WAL files, a read-only file) is found by trying the same write ourselves, which
    also holds for root, whom permission bits do not stop.

    Returns
    -------
    StoreError
        The error to raise: not a database, an unwritable folder or file, or SQLite's
        own message.
    """
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF  # primary result code
    if code in _NOT_A_DATABASE:
        return StoreError(f"{path} is not a usable SQLite database: {exc}")
    if code in _CANNOT_WRITE:
        folder_error = _write_error(path.parent)
        if folder_error is not None:
            return StoreError(
                f"data folder {path.parent} is not writable ({folder_error}); the database "
                "keeps its journal next to it: make the folder writable or choose another "
                "with --data-dir or $REHAB_DATA_DIR")
        file_error = _write_error(path, folder=False)
        if file_error is not None:
            return StoreError(f"database {path} is read-only ({file_error}); make it "
                              "writable or work on a copy (`rehab db backup`)")
    return StoreError(f"cannot open database {path}: {exc}")


def _write_error(path: Path, *, folder: bool = True) -> str | None:
    """Try to write in folder ``path`` (or to open file ``path`` for writing); say why not.

    Returns
    -------
    str or None
        The OS's reason, or None when the write works (or the file does not exist).
    """
    try:
        if folder:
            with tempfile.TemporaryFile(dir=path):
                pass
        elif path.exists():
            with path.open("r+b"):
                pass
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def schema_version(db: Database) -> int:
    """Return the schema version recorded in the file (0 for a new file).

    Parameters
    ----------
    db
        An open database.

    Returns
    -------
    int
        ``PRAGMA user_version``: 0 for a new file, else the last migration applied.
    """
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

    Parameters
    ----------
    db
        An open database, not inside a transaction.
    path
        The database file, for messages and the log.
    target
        The schema version to reach, 1 to :data:`~rehab.store.schema.SCHEMA_VERSION`
        (the default); a file at or past it gets no migration.

    Returns
    -------
    list of int
        The versions applied, in order; empty when the file was already at ``target``.

    Raises
    ------
    StoreError
        The file's version is newer than this app's, a migration would leave rows
        pointing at missing parents, or a migration script ends mid-statement.
    sqlite3.Error
        A migration statement failed (that migration is rolled back).
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
    """Split a migration script into complete statements (triggers kept whole).

    Returns
    -------
    list of str
        The statements, stripped; ``--`` comment lines dropped.

    Raises
    ------
    StoreError
        The script ends inside a statement.
    """
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


_MALFORMED = "database disk image is malformed"


@dataclass(frozen=True)
class CheckReport:
    """What ``rehab db check`` found.

    Attributes
    ----------
    integrity
        ``PRAGMA integrity_check`` messages, one problem each; ``("ok",)`` when sound.
    foreign_key_violations
        Rows that point at missing parents; ``None`` when not checked (a corrupt file).
    schema_version
        Version in the file.
    expected_version
        Version this app writes.
    """

    integrity: tuple[str, ...]
    foreign_key_violations: int | None
    schema_version: int
    expected_version: int
    audit: audit.ChainReport | None = None
    loose_modes: tuple[str, ...] = ()

    @property
    def corrupt(self) -> bool:
        """True when the integrity check found damaged pages.

        Returns
        -------
        bool
            True unless :attr:`integrity` is ``("ok",)``.
        """
        return self.integrity != ("ok",)

    @property
    def ok(self) -> bool:
        """True when the file is sound, at this app's schema version and its audit holds.

        Sound: no integrity problem, no foreign key violation. The audit chain must hold
        and the audit log's append-only triggers be there, when the audit was checked.
        Loose file modes only warn.

        Returns
        -------
        bool
            True when all of the above hold.
        """
        return (
            not self.corrupt
            and self.foreign_key_violations == 0
            and self.schema_version == self.expected_version
            and (self.audit is None or self.audit.ok)
        )


def describe_corruption(path: Path, problems: tuple[str, ...]) -> str:
    """One line naming ``path``, how many integrity problems, and the first of them.

    Parameters
    ----------
    path
        The database file.
    problems
        The integrity problems (:func:`integrity_problems`), at least one.

    Returns
    -------
    str
        ``"<path> is corrupt: <n> problem(s), first: <first problem>"``.

    Raises
    ------
    IndexError
        ``problems`` is empty.

    Examples
    --------
    >>> describe_corruption(Path("sessions/rehab.db"), ("On tree page 4 cell 0: bad",))
    'sessions/rehab.db is corrupt: 1 problem, first: On tree page 4 cell 0: bad'
    """
    count = len(problems)
    return f"{path} is corrupt: {count} problem{'s' if count != 1 else ''}, first: {problems[0]}"


def integrity_problems(db: Database) -> tuple[str, ...]:
    """Run ``PRAGMA integrity_check``; return its problems, one line each, or ``("ok",)``.

    SQLite groups several problems in one row under a ``*** in database main ***``
    heading and may end with a generic "malformed" row; both are unpacked and dropped
    here. Damage that stops the check itself is reported as its one problem.

    Parameters
    ----------
    db
        An open database.

    Returns
    -------
    tuple of str
        The problems, one line each; ``("ok",)`` when the file is sound.
    """
    try:
        rows = db.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return (str(exc),)
    lines = [line.strip() for (message,) in rows for line in str(message).splitlines()]
    problems = [line for line in lines
                if line and line != "ok" and not line.startswith("*** in database")]
    specific = [line for line in problems if line != _MALFORMED]
    return tuple(specific or problems) or ("ok",)


def check(db: Database) -> CheckReport:
    """Run the integrity and foreign key checks and read the schema version.

    The foreign key check runs only on a sound file: on a corrupt one it would fail or
    mislead. So does the audit chain check, from schema version 4 (chained audit rows).

    Parameters
    ----------
    db
        An open database.

    Returns
    -------
    CheckReport
        The findings, with the loose file modes of the database's folder.
    """
    integrity = integrity_problems(db)
    violations, chain = None, None
    if integrity == ("ok",):
        violations = len(db.execute("PRAGMA foreign_key_check").fetchall())
        if schema_version(db) >= _CHAINED_VERSION:
            chain = audit.verify_chain(db)
    folder = Path(db.execute("PRAGMA database_list").fetchone()[2]).parent
    return CheckReport(integrity, violations, schema_version(db), SCHEMA_VERSION, chain,
                       loose_modes(folder))


_CHAINED_VERSION = 4
"""The schema version from which audit rows carry their chain hash."""


def backup(db: Database, target: Path) -> None:
    """Copy the database to ``target`` with SQLite's online backup API.

    Safe while other connections write: the copy is a consistent snapshot. The copy is
    page by page, so damaged pages are copied as they are (which keeps them for a later
    recovery); check the source first (:func:`integrity_problems`) when a sound copy is
    what is wanted.

    Parameters
    ----------
    db
        The open source database.
    target
        The new backup file; must not exist. Its folder is created when missing; the
        file is made private (0600).

    Raises
    ------
    StoreError
        ``target`` exists already or cannot be written, or the source cannot be read.
    """
    if target.exists():
        raise StoreError(f"backup target {target} exists already; choose a new file name")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        create_private_file(target)
        with sqlite3.connect(str(target)) as dest:
            db.conn.backup(dest, pages=1024)
        dest.close()
    except (OSError, sqlite3.Error) as exc:
        target.unlink(missing_ok=True)
        raise StoreError(f"cannot write backup {target}: {exc}") from exc
