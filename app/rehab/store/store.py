"""The store: one SQLite file in the data folder, and its repositories."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from sqlite_utils import Database

from rehab.errors import NotFoundError
from rehab.paths import database_path
from rehab.store import connection
from rehab.store._context import StoreContext, WallClock, utc_now
from rehab.store.access import NOBODY, SYSTEM, Actor, Permission, requires
from rehab.store.assessments import AssessmentRepo
from rehab.store.exports import ExportRepo
from rehab.store.locks import SessionLock
from rehab.store.models import Role, User
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
        The logged-in user: every operation is checked against their role's permissions
        (:mod:`rehab.store.access`) and audited under them. None: nobody, who may only
        log in (:meth:`as_user` hands the store to a user once they have).
    wall_clock
        Source of aware UTC datetimes for ``*_at`` columns (injected in tests).
    recover
        Mark dead sessions interrupted on open (the app does; read-only tools need not).

    Examples
    --------
    >>> with Store.open(tmp_path) as store:                         # doctest: +SKIP
    ...     store.patients.search("김")
    """

    def __init__(self, ctx: StoreContext,
                 locks: dict[int, SessionLock] | None = None) -> None:
        self._ctx = ctx
        self.users = UserRepo(ctx)
        self.patients = PatientRepo(ctx)
        self.exercises = ExerciseRepo(ctx)
        self.programs = ProgramRepo(ctx)
        self.sessions = SessionRepo(ctx, locks)
        self.streams = StreamRepo(ctx)
        self.assessments = AssessmentRepo(ctx)
        self.exports = ExportRepo(ctx)
        self.interrupted_on_open: list[int] = []

    @classmethod
    def open(cls, data_dir: Path, *, actor_id: int | None = None,
             wall_clock: WallClock = utc_now, recover: bool = True) -> Store:
        """Open (creating and migrating when needed) the store in ``data_dir``."""
        db = connection.connect(database_path(data_dir))
        store = cls(StoreContext(db, data_dir, wall_clock))
        if actor_id is not None:
            store = store.as_user(actor_id)
        if recover:  # maintenance: the system actor marks what a dead process left
            store.interrupted_on_open = store._acting(SYSTEM).sessions.recover_interrupted()
        return store

    def as_user(self, actor_id: int | None) -> Store:
        """The same connection, acting for user ``actor_id`` (None: nobody).

        The user's role is read now: a role change or deactivation applies from the next
        ``as_user`` (the console calls it at each login). Only hand a store to a user who
        has logged in (:meth:`UserRepo.authenticate`).

        Raises
        ------
        NotFoundError
            No user has this id.
        """
        if actor_id is None:
            return self._acting(NOBODY)
        row = self._ctx.db.execute("SELECT username, role, active FROM users WHERE id = ?",
                                   (actor_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no user with id {actor_id}")
        return self._acting(Actor(actor_id, row[0], Role(row[1]), bool(row[2])))

    def as_system(self) -> Store:
        """The same connection, acting as the system: for maintenance commands only
        (``rehab db init``, seeding the demo centre, registering the exercise library),
        never for a screen or a login. Audited as the system."""
        return self._acting(SYSTEM)

    def _acting(self, actor: Actor) -> Store:
        ctx = self._ctx
        other = Store(StoreContext(ctx.db, ctx.data_dir, ctx.wall_clock, actor),
                      self.sessions._locks)
        other.interrupted_on_open = self.interrupted_on_open
        return other

    @property
    def actor(self) -> Actor:
        """On whose behalf this store acts."""
        return self._ctx.actor

    @requires("store", Permission.EXPORT_DEIDENTIFIED)
    def authorise_export(self) -> Actor:
        """The entry check of a de-identified research export (researchers, admins):
        the acting user, or :class:`PermissionDeniedError` (audited) before anything is
        read or counted."""
        return self._ctx.actor

    @requires("store", Permission.REPORTS_IDENTIFIED)
    def authorise_report(self) -> User:
        """The entry check of an identified progress report (therapists, admins): the
        acting user's record (the report's author), or :class:`PermissionDeniedError`
        (audited) before anything identifying is read."""
        return self.users._get(self._ctx.actor.user_id)

    @requires("store", Permission.EXPORT_DEIDENTIFIED, Permission.REPORTS_IDENTIFIED)
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

        Only for the acting user who may export de-identified data or print identified
        reports (:data:`~rehab.store.access.ROLE_PERMISSIONS`): the entry points of both
        check the same permission first.
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

    @requires("store", Permission.REPORTS_IDENTIFIED, Permission.RESEARCH_READ)
    def progress(self, patient_id: int) -> list[SessionProgress]:
        """Per-session progress of a patient (see :class:`SessionProgress`); audited."""
        rows = patient_progress(self._ctx, patient_id)
        with self._ctx.db.atomic():
            self._ctx.audit("view", "progress", patient_id)
        return rows

    @requires("store", Permission.PATIENTS_READ, Permission.RESEARCH_READ)
    def record_listing(self, entity: str, count: int) -> None:
        """Audit that a listing or export of ``entity`` (``count`` rows) was shown or
        written: the CLI's lists and the exports call this."""
        with self._ctx.db.atomic():
            self._ctx.audit("list", entity, "", count=count)

    @requires("store", Permission.AUDIT_READ)
    def audit_log(self, *, limit: int = 100) -> list[tuple]:
        """The newest audit entries, newest first."""
        return self._ctx.db.execute(
            "SELECT id, at, actor_id, action, entity, entity_id, detail FROM audit_log "
            "ORDER BY id DESC LIMIT ?", (limit,)).fetchall()

    @requires("store", Permission.SETTINGS_MANAGE)
    def check(self) -> connection.CheckReport:
        return connection.check(self._ctx.db)

    @requires("store", Permission.SETTINGS_MANAGE)
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
