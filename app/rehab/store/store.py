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

    Opening (:meth:`open`) migrates the schema and marks sessions whose process died as
    interrupted.

    Parameters
    ----------
    ctx
        The open database, data folder, clock and acting user the repositories share.
    locks
        The session locks held by this process, shared by every store on the same
        connection (:meth:`as_user`); None for none yet.

    Attributes
    ----------
    interrupted_on_open
        Ids of the sessions :meth:`open` marked interrupted (empty without ``recover``).

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
        """Open (creating and migrating when needed) the store in ``data_dir``.

        Parameters
        ----------
        data_dir
            The data folder; the database is ``data_dir/rehab.db``.
        actor_id
            The logged-in user: every operation is checked against their role's
            permissions (:mod:`rehab.store.access`) and audited under them. None: nobody,
            who may only log in (:meth:`as_user` hands the store to a user once they have).
        wall_clock
            Source of aware UTC datetimes for ``*_at`` columns (injected in tests).
        recover
            Mark dead sessions interrupted on open, as the system actor (the app does;
            read-only tools need not).

        Returns
        -------
        Store
            The open store, acting for ``actor_id``.

        Raises
        ------
        StoreError
            The database cannot be opened or migrated (see
            :func:`~rehab.store.connection.connect`).
        NotFoundError
            No user has the id ``actor_id``.
        """
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

        Parameters
        ----------
        actor_id
            The user's id, or None for nobody (who may only log in).

        Returns
        -------
        Store
            A new store on the same connection and session locks, acting for the user
            (a deactivated user holds no permission).

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
        """The same connection, acting as the system: for maintenance commands only.

        That is ``rehab db init``, seeding the demo centre, registering the exercise
        library; never a screen or a login. Audited as the system.

        Returns
        -------
        Store
            A new store on the same connection and session locks, holding every
            permission.
        """
        return self._acting(SYSTEM)

    def _acting(self, actor: Actor) -> Store:
        ctx = self._ctx
        other = Store(StoreContext(ctx.db, ctx.data_dir, ctx.wall_clock, actor),
                      self.sessions._locks)
        other.interrupted_on_open = self.interrupted_on_open
        return other

    @property
    def actor(self) -> Actor:
        """On whose behalf this store acts.

        Returns
        -------
        Actor
            The acting user, :data:`~rehab.store.access.NOBODY` or
            :data:`~rehab.store.access.SYSTEM`.
        """
        return self._ctx.actor

    @requires("store", Permission.EXPORT_DEIDENTIFIED)
    def authorise_export(self) -> Actor:
        """The entry check of a de-identified research export (researchers, admins).

        Call it before anything is read or counted.

        Returns
        -------
        Actor
            The acting user.

        Raises
        ------
        PermissionDeniedError
            The store's acting user lacks ``exports.deidentified`` (the refusal is audited).
        """
        return self._ctx.actor

    @requires("store", Permission.REPORTS_IDENTIFIED)
    def authorise_report(self) -> User:
        """The entry check of an identified progress report (therapists, admins).

        Call it before anything identifying is read.

        Returns
        -------
        User
            The acting user's record (the report's author).

        Raises
        ------
        PermissionDeniedError
            The store's acting user lacks ``reports.identified`` (the refusal is audited).
        NotFoundError
            The acting user has no record (the system actor).
        """
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

        Raises
        ------
        PermissionDeniedError
            The store's acting user lacks both ``exports.deidentified`` and
            ``reports.identified`` (the refusal is audited).
        """
        with self._ctx.db.atomic():
            self._ctx.audit(action, entity, entity_id, **detail)

    @property
    def path(self) -> Path:
        """The database file.

        Returns
        -------
        pathlib.Path
            ``data_dir/rehab.db`` (see :func:`rehab.paths.database_path`).
        """
        return database_path(self._ctx.data_dir)

    @property
    def data_dir(self) -> Path:
        """The data folder the store was opened in.

        Returns
        -------
        pathlib.Path
            The folder holding the database, locks and recordings.
        """
        return self._ctx.data_dir

    @property
    def db(self) -> Database:
        """The sqlite-utils database, for read-only queries and tools.

        Returns
        -------
        sqlite_utils.Database
            The store's one connection (use from the store's thread); no permission is
            checked on it.
        """
        return self._ctx.db

    @requires("store", Permission.REPORTS_IDENTIFIED, Permission.RESEARCH_READ)
    def progress(self, patient_id: int) -> list[SessionProgress]:
        """Per-session progress of a patient (see :class:`SessionProgress`); audited.

        Parameters
        ----------
        patient_id
            The patient's record id.

        Returns
        -------
        list of SessionProgress
            One row per session and exercise (see
            :func:`~rehab.store.progress.patient_progress`).

        Raises
        ------
        ValidationError
            No patient with ``patient_id`` (field ``patient_id``).
        PermissionDeniedError
            The store's acting user lacks both ``reports.identified`` and
            ``research.read`` (the refusal is audited).
        """
        rows = patient_progress(self._ctx, patient_id)
        with self._ctx.db.atomic():
            self._ctx.audit("view", "progress", patient_id)
        return rows

    @requires("store", Permission.PATIENTS_READ, Permission.RESEARCH_READ)
    def record_listing(self, entity: str, count: int) -> None:
        """Audit that a listing or export of ``entity`` was shown or written.

        The CLI's lists and the exports call this.

        Parameters
        ----------
        entity
            What was listed (``patient``, ``session``, ...).
        count
            How many rows were shown or written (>= 0).

        Raises
        ------
        PermissionDeniedError
            The store's acting user lacks both ``patients.read`` and ``research.read``
            (the refusal is audited).
        """
        with self._ctx.db.atomic():
            self._ctx.audit("list", entity, "", count=count)

    @requires("store", Permission.AUDIT_READ)
    def audit_log(self, *, limit: int = 100) -> list[tuple]:
        """The newest audit entries, newest first.

        Parameters
        ----------
        limit
            The most entries to return (> 0; a negative limit returns every entry).

        Returns
        -------
        list of tuple
            ``(id, at, actor_id, action, entity, entity_id, detail)`` rows, ``detail``
            as stored (JSON text), by descending id.

        Raises
        ------
        PermissionDeniedError
            The store's acting user lacks ``audit.read`` (the refusal is audited).
        """
        return self._ctx.db.execute(
            "SELECT id, at, actor_id, action, entity, entity_id, detail FROM audit_log "
            "ORDER BY id DESC LIMIT ?", (limit,)).fetchall()

    @requires("store", Permission.SETTINGS_MANAGE)
    def check(self) -> connection.CheckReport:
        """Check the database file (``rehab db check``).

        Returns
        -------
        CheckReport
            See :func:`~rehab.store.connection.check`.

        Raises
        ------
        PermissionDeniedError
            The store's acting user lacks ``settings.manage`` (the refusal is audited).
        """
        return connection.check(self._ctx.db)

    @requires("store", Permission.SETTINGS_MANAGE)
    def backup(self, target: Path) -> None:
        """Copy the database to a new file (``rehab db backup``).

        Parameters
        ----------
        target
            The new backup file; must not exist (see
            :func:`~rehab.store.connection.backup`).

        Raises
        ------
        StoreError
            ``target`` exists already or cannot be written, or the source cannot be read.
        PermissionDeniedError
            The store's acting user lacks ``settings.manage`` (the refusal is audited).
        """
        connection.backup(self._ctx.db, target)

    def close(self) -> None:
        """Release this store's session locks and close the database connection.

        Every store made from it with :meth:`as_user` or :meth:`as_system` shares the
        connection and is closed with it.
        """
        self.sessions.release_all()
        self._ctx.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
