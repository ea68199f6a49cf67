"""The store: one SQLite file in the data folder, and its repositories."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from sqlite_utils import Database

from rehab.paths import database_path
from rehab.store import connection
from rehab.store._context import StoreContext, WallClock, utc_now
from rehab.store.assessments import AssessmentRepo
from rehab.store.exports import ExportRepo
from rehab.store.models import User
from rehab.store.patients import PatientRepo
from rehab.store.programs import ExerciseRepo, ProgramRepo
from rehab.store.progress import SessionProgress, patient_progress
from rehab.store.sessions import SessionRepo
from rehab.store.streams import StreamRepo
from rehab.store.users import UserRepo


class Store:
    """An open database with its repositories, used from one thread.

    Opening migrates the schema and marks sessions whose process died as interrupted.

    Parameters
    ----------
    data_dir
        The data folder; the database is ``data_dir/rehab.db``.
    actor_id
        The logged-in user, recorded in the audit log for every write.
    wall_clock
        Source of aware UTC datetimes for ``*_at`` columns (injected in tests).
    recover
        Mark dead sessions interrupted on open (the app does; read-only tools need not).

    Examples
    --------
    >>> with Store.open(tmp_path) as store:                         # doctest: +SKIP
    ...     store.patients.search("김")
    """

    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx
        self.users = UserRepo(ctx)
        self.patients = PatientRepo(ctx)
        self.exercises = ExerciseRepo(ctx)
        self.programs = ProgramRepo(ctx)
        self.sessions = SessionRepo(ctx)
        self.streams = StreamRepo(ctx)
        self.assessments = AssessmentRepo(ctx)
        self.exports = ExportRepo(ctx)
        self.interrupted_on_open: list[int] = []

    @classmethod
    def open(cls, data_dir: Path, *, actor_id: int | None = None,
             wall_clock: WallClock = utc_now, recover: bool = True) -> Store:
        """Open (creating and migrating when needed) the store in ``data_dir``."""
        db = connection.connect(database_path(data_dir))
        store = cls(StoreContext(db, data_dir, actor_id, wall_clock))
        if recover:
            store.interrupted_on_open = store.sessions.recover_interrupted()
        return store

    def as_user(self, actor_id: int | None) -> Store:
        """The same connection, writing on behalf of another user."""
        ctx = self._ctx
        other = Store(StoreContext(ctx.db, ctx.data_dir, actor_id, ctx.wall_clock))
        other.sessions = self.sessions  # session locks belong to the connection's owner
        return other

    @property
    def actor_id(self) -> int | None:
        """The user this store acts for (see :meth:`as_user`), or None."""
        return self._ctx.actor_id

    def acting_user(self) -> User | None:
        """The user this store acts for, read from the users table, or None."""
        return None if self._ctx.actor_id is None else self.users.get(self._ctx.actor_id)

    def audit_read(self, action: str, entity: str, entity_id: object, **detail: Any) -> None:
        """Record a read of patient data (an export, a printed report) in the audit log.

        Parameters
        ----------
        action
            What was done (``export``, ``report``).
        entity
            What was read (``export``, ``patient``).
        entity_id
            Its id (the export's uid, the patient's id).
        detail
            JSON-serialisable facts (format, counts, identified or not); never patient
            names or free text.
        """
        with self._ctx.db.atomic():
            self._ctx.audit(action, entity, entity_id, **detail)

    @property
    def path(self) -> Path:
        return database_path(self._ctx.data_dir)

    @property
    def data_dir(self) -> Path:
        return self._ctx.data_dir

    @property
    def db(self) -> Database:
        """The sqlite-utils database, for read-only queries and tools."""
        return self._ctx.db

    def progress(self, patient_id: int) -> list[SessionProgress]:
        """Per-session progress of a patient (see :class:`SessionProgress`)."""
        return patient_progress(self._ctx, patient_id)

    def audit_log(self, *, limit: int = 100) -> list[tuple]:
        """The newest audit entries, newest first."""
        return self._ctx.db.execute(
            "SELECT id, at, actor_id, action, entity, entity_id, detail FROM audit_log "
            "ORDER BY id DESC LIMIT ?", (limit,)).fetchall()

    def check(self) -> connection.CheckReport:
        return connection.check(self._ctx.db)

    def backup(self, target: Path) -> None:
        connection.backup(self._ctx.db, target)

    def close(self) -> None:
        self.sessions.release_all()
        self._ctx.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
