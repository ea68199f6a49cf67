"""The exercise catalogue as the store knows it, and prescribed programs."""

from __future__ import annotations

from collections.abc import Sequence

from rehab.errors import NotFoundError, ValidationError
from rehab.store._context import StoreContext
from rehab.store.access import Permission, requires
from rehab.store.models import ExerciseRecord, NewProgramItem, Program, ProgramItem, RobotMode, Side


class ExerciseRepo:
    """Exercise ids and versions from the library, so prescriptions can refer to them.

    Parameters
    ----------
    ctx
        The open store's shared state: database, clock and the acting user whose
        permissions every operation checks.
    """

    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx

    @requires("exercises", Permission.SETTINGS_MANAGE)
    def upsert(self, records: Sequence[ExerciseRecord]) -> None:
        """Insert or refresh library entries (one transaction).

        Parameters
        ----------
        records
            The library entries; an existing ``(id, version)`` gets its names and primary
            angle refreshed, a new one is inserted. Empty is allowed (nothing happens).

        Raises
        ------
        PermissionDeniedError
            The store's acting user lacks ``settings.manage`` (the refusal is audited).
        """
        with self._ctx.db.atomic():
            self._ctx.db.conn.executemany(
                "INSERT INTO exercises (id, version, name_en, name_ko, primary_angle) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id, version) DO UPDATE SET "
                "name_en=excluded.name_en, name_ko=excluded.name_ko, "
                "primary_angle=excluded.primary_angle",
                [(r.id, r.version, r.name_en, r.name_ko, r.primary_angle) for r in records],
            )

    @requires("exercises", Permission.CATALOGUE_READ)
    def list(self) -> list[ExerciseRecord]:
        """Every exercise version the store knows.

        Returns
        -------
        list of ExerciseRecord
            Ordered by id, then version.

        Raises
        ------
        PermissionDeniedError
            The store's acting user lacks ``catalogue.read`` (the refusal is audited).
        """
        rows = self._ctx.db.execute(
            "SELECT id, version, name_en, name_ko, primary_angle FROM exercises "
            "ORDER BY id, version")
        return [ExerciseRecord(*r) for r in rows]

    @requires("exercises", Permission.CATALOGUE_READ)
    def require(self, exercise_id: str, version: int) -> None:
        """Raise :class:`ValidationError` for ``exercise_id`` unless the library has it.

        Parameters
        ----------
        exercise_id
            The library's exercise id.
        version
            The exercise's version (an integer, as registered).

        Raises
        ------
        ValidationError
            On ``exercise_id`` (``store.unknown_exercise``) when the store has no such
            id and version.
        PermissionDeniedError
            The store's acting user lacks ``catalogue.read`` (the refusal is audited).
        """
        row = self._ctx.db.execute("SELECT 1 FROM exercises WHERE id=? AND version=?",
                                   (exercise_id, version)).fetchone()
        if row is None:
            raise ValidationError("exercise_id", "store.unknown_exercise",
                                  exercise_id=exercise_id, version=version)


_ITEM_COLUMNS = ("exercise_id, sets, reps, target_rom_deg, tempo_s, robot_mode, assistance, "
                 "safe_rom_min_deg, safe_rom_max_deg, side, rest_s, exercise_version, id, "
                 "program_id, position")


def _item(row: tuple) -> ProgramItem:
    values = list(row)
    values[5], values[9] = RobotMode(values[5]), Side(values[9])
    return ProgramItem(*values)


class ProgramRepo:
    """Programs: a named, ordered list of prescriptions for one patient.

    Parameters
    ----------
    ctx
        The open store's shared state: database, clock and the acting user whose
        permissions every operation checks.
    """

    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx
        self._exercises = ExerciseRepo(ctx)

    @requires("programs", Permission.PROGRAMS_WRITE)
    def create(self, patient_id: int, name: str, items: Sequence[NewProgramItem]) -> Program:
        """Create a program with its items in one transaction.

        Parameters
        ----------
        patient_id
            The patient's id; must exist.
        name
            The program's name; not empty or blank (stored stripped).
        items
            The prescriptions, at least one, kept in this order (``position`` 0, 1, ...);
            each item's exercise id and version must be in the library.

        Returns
        -------
        Program
            The new program, active, with its items, as :meth:`get` reads it.

        Raises
        ------
        ValidationError
            No such patient, an empty name or item list, or an exercise the library
            does not have.
        PermissionDeniedError
            The store's acting user lacks ``programs.write`` (the refusal is audited).
        """
        if not name.strip():
            raise ValidationError("name", "validation.not_empty")
        if not items:
            raise ValidationError("items", "store.program_needs_item")
        self._ctx.require_row("patients", patient_id, "patient_id")
        db = self._ctx.db
        with db.atomic():
            cursor = db.execute(
                "INSERT INTO programs (patient_id, name, created_by, created_at) VALUES (?,?,?,?)",
                (patient_id, name.strip(), self._ctx.actor_id, self._ctx.now_iso()),
            )
            program_id = cursor.lastrowid
            self._insert_items(program_id, items)
            self._ctx.audit("create", "program", program_id, patient_id=patient_id,
                            items=len(items))
        return self.get(program_id)

    @requires("programs", Permission.PROGRAMS_WRITE)
    def replace_items(self, program_id: int, items: Sequence[NewProgramItem]) -> Program:
        """Replace a program's prescriptions (sessions keep their own copy in ``sets``).

        The old items are deleted; sets recorded against them are detached
        (``program_item_id`` set to NULL), not deleted. One transaction.

        Parameters
        ----------
        program_id
            The program's id.
        items
            The new prescriptions, at least one, kept in this order; each item's exercise
            id and version must be in the library.

        Returns
        -------
        Program
            The program with its new items.

        Raises
        ------
        ValidationError
            An empty item list (``store.program_needs_item``) or an exercise the library
            does not have.
        NotFoundError
            No program with ``program_id``.
        PermissionDeniedError
            The store's acting user lacks ``programs.write`` (the refusal is audited).
        """
        if not items:
            raise ValidationError("items", "store.program_needs_item")
        self.get(program_id)
        db = self._ctx.db
        with db.atomic():
            # Items that sessions already refer to are detached, not deleted, so history
            # keeps pointing at what was prescribed then.
            db.execute("UPDATE sets SET program_item_id = NULL WHERE program_item_id IN "
                       "(SELECT id FROM program_items WHERE program_id = ?)", (program_id,))
            db.execute("DELETE FROM program_items WHERE program_id = ?", (program_id,))
            self._insert_items(program_id, items)
            self._ctx.audit("update", "program", program_id, items=len(items))
        return self.get(program_id)

    def _insert_items(self, program_id: int, items: Sequence[NewProgramItem]) -> None:
        for position, item in enumerate(items):
            self._exercises.require(item.exercise_id, item.exercise_version)
            self._ctx.db.execute(
                "INSERT INTO program_items (program_id, position, exercise_id, exercise_version,"
                " side, sets, reps, target_rom_deg, tempo_s, rest_s, robot_mode, assistance, "
                "safe_rom_min_deg, safe_rom_max_deg) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (program_id, position, item.exercise_id, item.exercise_version, str(item.side),
                 item.sets, item.reps, item.target_rom_deg, item.tempo_s, item.rest_s,
                 str(item.robot_mode), item.assistance, item.safe_rom_min_deg,
                 item.safe_rom_max_deg),
            )

    @requires("programs", Permission.PROGRAMS_READ)
    def get(self, program_id: int) -> Program:
        """One program with its items.

        Parameters
        ----------
        program_id
            The program's id.

        Returns
        -------
        Program
            The program (active or not) with its items in prescription order.

        Raises
        ------
        NotFoundError
            No program with ``program_id``.
        PermissionDeniedError
            The store's acting user lacks ``programs.read`` (the refusal is audited).
        """
        db = self._ctx.db
        row = db.execute("SELECT id, patient_id, name, created_at, active FROM programs "
                         "WHERE id = ?", (program_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no program with id {program_id}")
        items = tuple(_item(r) for r in db.execute(
            f"SELECT {_ITEM_COLUMNS} FROM program_items WHERE program_id = ? ORDER BY position",
            (program_id,)))
        return Program(row[0], row[1], row[2], row[3], bool(row[4]), items)

    @requires("programs", Permission.PROGRAMS_READ)
    def item(self, item_id: int) -> ProgramItem:
        """One prescription (program item) by its id.

        Parameters
        ----------
        item_id
            The program item's id.

        Returns
        -------
        ProgramItem
            The item, with its program id and position.

        Raises
        ------
        NotFoundError
            No program item with ``item_id``.
        PermissionDeniedError
            The store's acting user lacks ``programs.read`` (the refusal is audited).
        """
        row = self._ctx.db.execute(f"SELECT {_ITEM_COLUMNS} FROM program_items WHERE id = ?",
                                   (item_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no program item with id {item_id}")
        return _item(row)

    @requires("programs", Permission.PROGRAMS_READ)
    def for_patient(self, patient_id: int, *, include_inactive: bool = False) -> list[Program]:
        """A patient's programs.

        Parameters
        ----------
        patient_id
            The patient's id; an unknown id gives an empty list.
        include_inactive
            Also return programs no longer active (default: active ones only).

        Returns
        -------
        list of Program
            The programs with their items, oldest (lowest id) first.

        Raises
        ------
        PermissionDeniedError
            The store's acting user lacks ``programs.read`` (the refusal is audited).
        """
        ids = self._ctx.db.execute(
            "SELECT id FROM programs WHERE patient_id = ? AND (active = 1 OR ?) ORDER BY id",
            (patient_id, int(include_inactive)))
        return [self.get(r[0]) for r in ids.fetchall()]
