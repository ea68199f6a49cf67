"""Sessions, their sets, reps and events; crash recovery of sessions left running."""

from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
from collections.abc import Sequence

from rehab.errors import NotFoundError, StoreError, ValidationError
from rehab.messages import Message
from rehab.store._context import StoreContext
from rehab.store.access import Permission, requires
from rehab.store.locks import SessionLock, lock_path
from rehab.store.models import (
    MAX_REFERENCE_REPS,
    OPEN_STATUSES,
    PERSON_CAUSES,
    Cause,
    Deduction,
    Event,
    EventKind,
    FormReference,
    NewEvent,
    NewRep,
    NewSet,
    Rep,
    Session,
    SessionOutcome,
    SessionStatus,
    SetRecord,
    Severity,
    Side,
)

log = logging.getLogger(__name__)

_SESSION_COLUMNS = ("id, patient_id, program_id, therapist_id, started_at, ended_at, status, "
                    "pain_before, pain_after, borg_rpe, notes, end_cause, robot_used")
_REP_COLUMNS = ("rep_index, t_start_s, t_peak_s, t_end_s, rom_deg, peak_velocity_deg_s, "
                "form_score, deductions, flags, assistance, uncertain, frame_coverage, "
                "max_gap_s, model_probability, side, model_reference, id, set_id, session_id")


def _session(row: tuple) -> Session:
    values = list(row)
    values[6] = SessionStatus(values[6])
    values[11] = None if values[11] is None else Cause(values[11])
    values[12] = None if values[12] is None else bool(values[12])
    return Session(*values)


def _rep(row: tuple) -> Rep:
    deductions = tuple(Deduction(**d) for d in json.loads(row[7]))
    reference = None if row[15] is None else bool(row[15])
    return Rep(*row[:7], deductions, tuple(json.loads(row[8])), row[9], bool(row[10]),
               *row[11:15], reference, *row[16:])


def _status_for(cause: Cause) -> SessionStatus:
    """How a session that ended for ``cause`` is stored.

    Parameters
    ----------
    cause
        Why the session ended.

    Returns
    -------
    SessionStatus
        ``completed`` for :attr:`Cause.COMPLETED`, ``stopped`` for a person's cause
        (:data:`PERSON_CAUSES`), ``aborted`` otherwise.
    """
    if cause is Cause.COMPLETED:
        return SessionStatus.COMPLETED
    return SessionStatus.STOPPED if cause in PERSON_CAUSES else SessionStatus.ABORTED


class SessionRepo:
    """Runs of a program: started, paused, finished; and what they recorded.

    The repo holds a :class:`SessionLock` for each session it started, so other processes
    can tell a live session from one whose process died.
    """

    def __init__(self, ctx: StoreContext,
                 locks: dict[int, SessionLock] | None = None) -> None:
        self._ctx = ctx
        # Shared by every user's view of one connection (``Store.as_user``): the locks
        # belong to the connection's process, whoever acts on it.
        self._locks: dict[int, SessionLock] = {} if locks is None else locks

    @requires("sessions", Permission.SESSIONS_WRITE)
    def start(self, patient_id: int, *, program_id: int | None = None,
              therapist_id: int | None = None, pain_before: int | None = None,
              robot_used: bool | None = None) -> Session:
        """Open a running session for a patient.

        ``robot_used`` records whether the session drives the robot (False for a
        camera-only session), so its record says so. The repo holds the session's lock
        until the session finishes or :meth:`release_all` runs.

        Parameters
        ----------
        patient_id
            The patient's id.
        program_id
            The program run, one of the patient's own; None for none.
        therapist_id
            The therapist's user id, or None.
        pain_before
            Pain before the first set, 0-10 (NRS), or None.
        robot_used
            Whether the session drives the robot; None leaves it unrecorded.

        Returns
        -------
        Session
            The new session, ``running``.

        Raises
        ------
        ValidationError
            Unknown patient, program or therapist, a program of another patient, or a pain
            score outside 0-10.
        StoreError
            Another process holds the new session's lock.
        PermissionDeniedError
            The store's acting user lacks ``sessions.write``, or ``sessions.read`` to read
            the session back (the refusal is audited).
        """
        ctx = self._ctx
        ctx.require_row("patients", patient_id, "patient_id")
        if program_id is not None:
            ctx.require_row("programs", program_id, "program_id")
            owner = ctx.db.execute("SELECT patient_id FROM programs WHERE id=?",
                                   (program_id,)).fetchone()[0]
            if owner != patient_id:
                raise ValidationError("program_id", "store.program_of_other_patient",
                                      program_id=program_id)
        if therapist_id is not None:
            ctx.require_row("users", therapist_id, "therapist_id")
        if pain_before is not None and not 0 <= pain_before <= 10:
            raise ValidationError("pain_before", "validation.range", lo=0, hi=10,
                                  value=pain_before)
        with ctx.db.atomic():
            cursor = ctx.db.execute(
                "INSERT INTO sessions (patient_id, program_id, therapist_id, started_at, status,"
                " pain_before, robot_used) VALUES (?, ?, ?, ?, 'running', ?, ?)",
                (patient_id, program_id, therapist_id, ctx.now_iso(), pain_before,
                 None if robot_used is None else int(robot_used)),
            )
            session_id = cursor.lastrowid
            lock = SessionLock(lock_path(ctx.data_dir, session_id))
            if not lock.try_acquire():
                raise StoreError(f"session {session_id} is locked by another process")
            self._locks[session_id] = lock
            ctx.audit("start", "session", session_id, patient_id=patient_id)
        return self.get(session_id)

    @requires("sessions", Permission.SESSIONS_READ)
    def get(self, session_id: int) -> Session:
        """One session by id.

        Parameters
        ----------
        session_id
            The session's id.

        Returns
        -------
        Session
            The session as stored.

        Raises
        ------
        NotFoundError
            No session with ``session_id``.
        PermissionDeniedError
            The store's acting user lacks ``sessions.read`` (the refusal is audited).
        """
        row = self._ctx.db.execute(f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?",
                                   (session_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no session with id {session_id}")
        return _session(row)

    @requires("sessions", Permission.SESSIONS_READ, Permission.EXPORT_DEIDENTIFIED)
    def for_patient(self, patient_id: int) -> list[Session]:
        """A patient's sessions by start time.

        For a user who may only read de-identified data (a researcher exporting), the
        free-text notes come back empty.

        Parameters
        ----------
        patient_id
            The patient's id; an unknown id gives an empty list.

        Returns
        -------
        list of Session
            Ordered by start time, then id.

        Raises
        ------
        PermissionDeniedError
            The store's acting user holds neither ``sessions.read`` nor
            ``exports.deidentified`` (the refusal is audited).
        """
        rows = self._ctx.db.execute(
            f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE patient_id = ? "
            "ORDER BY started_at, id", (patient_id,))
        sessions = [_session(r) for r in rows]
        if self._ctx.actor.holds(Permission.SESSIONS_READ):
            return sessions
        return [dataclasses.replace(session, notes="") for session in sessions]

    @requires("sessions", Permission.SESSIONS_WRITE)
    def set_paused(self, session_id: int, paused: bool, *, cause: Cause,
                   reason: str = "", t_s: float | None = None) -> Session:
        """Pause or resume a running session; a state event keeps the cause and reason.

        Parameters
        ----------
        session_id
            The session's id; it must be open (``running`` or ``paused``).
        paused
            True to pause, False to resume; a session already so is returned unchanged,
            with no event.
        cause
            Who or what paused (or resumed) it.
        reason
            The detail a person reads (the robot's own reason, say); may be empty.
        t_s
            Session clock time of the change (s), or None.

        Returns
        -------
        Session
            The session after the change.

        Raises
        ------
        NotFoundError
            No session with ``session_id``.
        ValidationError
            The session is not open.
        PermissionDeniedError
            The store's acting user lacks ``sessions.write``, or ``sessions.read`` to read
            the session back (the refusal is audited).
        """
        session = self._require_open(session_id)
        status = SessionStatus.PAUSED if paused else SessionStatus.RUNNING
        if session.status == status:
            return session
        with self._ctx.db.atomic():
            self._ctx.db.execute("UPDATE sessions SET status=? WHERE id=?",
                                 (str(status), session_id))
            self._insert_event(session_id, NewEvent(
                EventKind.STATE, Severity.INFO, "session",
                f"{'paused' if paused else 'resumed'}{': ' + reason if reason else ''}",
                t_s, cause))
        return self.get(session_id)

    @requires("sessions", Permission.SESSIONS_WRITE)
    def finish(self, session_id: int, outcome: SessionOutcome, *,
               cause: Cause = Cause.COMPLETED, reason: str = "",
               t_s: float | None = None) -> Session:
        """Close a session, with its cause and the therapist's outcome.

        The status follows from the cause: ``completed``; ``stopped`` when a person
        ended it (:data:`PERSON_CAUSES`); ``aborted`` for any fault, signal or error.
        An end event keeps the cause and ``reason``; ``outcome.notes`` holds only what a
        person typed.

        Parameters
        ----------
        session_id
            The session's id; it must be open (``running`` or ``paused``).
        outcome
            Pain after, Borg RPE and notes to store; its ``pain_before``, when not None,
            replaces the stored one.
        cause
            Why it ended; any :class:`Cause` but ``app_died``.
        reason
            The detail a person reads, kept in the end event; may be empty.
        t_s
            Session clock time of the end (s), or None.

        Returns
        -------
        Session
            The closed session.

        Raises
        ------
        NotFoundError
            No session with ``session_id``.
        ValidationError
            The session is not open, or ``cause`` is not a :class:`Cause` or is
            ``app_died``.
        PermissionDeniedError
            The store's acting user lacks ``sessions.write``, or ``sessions.read`` to read
            the session back (the refusal is audited).
        """
        if cause not in set(Cause) or cause is Cause.APP_DIED:
            raise ValidationError("cause", "store.not_a_final_cause", cause=repr(cause))
        cause = Cause(cause)
        status = _status_for(cause)
        self._require_open(session_id)
        with self._ctx.db.atomic():
            self._ctx.db.execute(
                "UPDATE sessions SET status=?, ended_at=?, pain_after=?, borg_rpe=?, notes=?, "
                "end_cause=?, pain_before=COALESCE(?, pain_before) WHERE id=?",
                (str(status), self._ctx.now_iso(), outcome.pain_after, outcome.borg_rpe,
                 outcome.notes, str(cause), outcome.pain_before, session_id),
            )
            self._insert_event(session_id, NewEvent(
                EventKind.STATE, Severity.INFO if status is SessionStatus.COMPLETED
                else Severity.WARNING, "session",
                f"{status}{': ' + reason if reason else ''}", t_s, cause))
            self._ctx.audit("finish", "session", session_id, status=str(status),
                            cause=str(cause))
        self._release(session_id)
        return self.get(session_id)

    @requires("sessions", Permission.SESSIONS_WRITE)
    def record_outcome(self, session_id: int, outcome: SessionOutcome) -> Session:
        """Record or correct pain, RPE and notes of a closed session.

        The session's status is not checked: an open one is updated the same way.

        Parameters
        ----------
        session_id
            The session's id.
        outcome
            Pain after, Borg RPE and notes, written as given (None clears them); its
            ``pain_before``, when not None, replaces the stored one.

        Returns
        -------
        Session
            The session after the update.

        Raises
        ------
        NotFoundError
            No session with ``session_id``.
        PermissionDeniedError
            The store's acting user lacks ``sessions.write``, or ``sessions.read`` to read
            the session back (the refusal is audited).
        """
        self.get(session_id)
        with self._ctx.db.atomic():
            self._ctx.db.execute("UPDATE sessions SET pain_after=?, borg_rpe=?, notes=?, "
                                 "pain_before=COALESCE(?, pain_before) WHERE id=?",
                                 (outcome.pain_after, outcome.borg_rpe, outcome.notes,
                                  outcome.pain_before, session_id))
            self._ctx.audit("update", "session", session_id,
                            fields=["pain_after", "borg_rpe", "notes", "pain_before"])
        return self.get(session_id)

    @requires("sessions", Permission.SESSIONS_WRITE)
    def record_pain(self, session_id: int, *, before: int | None = None,
                    after: int | None = None) -> Session:
        """The patient's own pain answer (NRS 0-10), open or closed session alike.

        Only the answers given are written: the one before the first set, the one at the
        end, or both.

        Parameters
        ----------
        session_id
            The session's id.
        before
            Pain before the first set, a whole number 0-10, or None to leave it.
        after
            Pain at the end, a whole number 0-10, or None to leave it.

        Returns
        -------
        Session
            The session after the update (unchanged when neither answer is given).

        Raises
        ------
        NotFoundError
            No session with ``session_id``.
        ValidationError
            A score that is not a whole number or is outside 0-10.
        PermissionDeniedError
            The store's acting user lacks ``sessions.write``, or ``sessions.read`` to read
            the session back (the refusal is audited).
        """
        self.get(session_id)
        answers = {"pain_before": before, "pain_after": after}
        for field, value in answers.items():
            if value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValidationError(field, "validation.whole")
            if not 0 <= value <= 10:
                raise ValidationError(field, "validation.range", lo=0, hi=10, value=value)
        given = {k: v for k, v in answers.items() if v is not None}
        if not given:
            return self.get(session_id)
        with self._ctx.db.atomic():
            self._ctx.db.execute(
                f"UPDATE sessions SET {', '.join(f'{k}=?' for k in given)} WHERE id=?",
                (*given.values(), session_id))
            self._ctx.audit("update", "session", session_id, fields=sorted(given),
                            by="patient")
        return self.get(session_id)

    @requires("sessions", Permission.SESSIONS_WRITE)
    def add_set(self, session_id: int, new: NewSet) -> int:
        """Open a set in an open session.

        Parameters
        ----------
        session_id
            The session's id; it must be open (``running`` or ``paused``).
        new
            The set; its ``set_index`` must be new in the session.

        Returns
        -------
        int
            The new set's id.

        Raises
        ------
        NotFoundError
            No session with ``session_id``.
        ValidationError
            The session is not open, the program item is unknown, or the session already
            has a set with ``new.set_index``.
        PermissionDeniedError
            The store's acting user lacks ``sessions.write``, or ``sessions.read`` to read
            the session back (the refusal is audited).
        """
        self._require_open(session_id)
        if new.program_item_id is not None:
            self._ctx.require_row("program_items", new.program_item_id, "program_item_id")
        try:
            with self._ctx.db.atomic():
                cursor = self._ctx.db.execute(
                    "INSERT INTO sets (session_id, program_item_id, set_index, exercise_id, "
                    "side, reps_target, target_rom_deg, t_start_s) VALUES (?,?,?,?,?,?,?,?)",
                    (session_id, new.program_item_id, new.set_index, new.exercise_id,
                     str(new.side), new.reps_target, new.target_rom_deg, new.t_start_s))
        except sqlite3.IntegrityError as exc:
            raise ValidationError("set_index", "store.set_exists",
                                  set_index=new.set_index) from exc
        return cursor.lastrowid

    @requires("sessions", Permission.SESSIONS_READ, Permission.EXPORT_DEIDENTIFIED)
    def sets(self, session_id: int) -> list[SetRecord]:
        """The sets of a session in the order they were done.

        Parameters
        ----------
        session_id
            The session's id; an unknown id gives an empty list.

        Returns
        -------
        list of SetRecord
            Ordered by start time, then id.

        Raises
        ------
        PermissionDeniedError
            The store's acting user holds neither ``sessions.read`` nor
            ``exports.deidentified`` (the refusal is audited).
        """
        rows = self._ctx.db.execute(
            "SELECT id, session_id, program_item_id, set_index, exercise_id, side, "
            "reps_target, target_rom_deg, t_start_s, t_end_s, reps_done, measured_n, "
            "max_rom_deg FROM sets WHERE session_id = ? ORDER BY t_start_s, id", (session_id,))
        return [SetRecord(*r[:5], Side(r[5]), *r[6:]) for r in rows]

    @requires("sessions", Permission.SESSIONS_WRITE)
    def end_set(self, set_id: int, t_end_s: float) -> None:
        """Record when a set ended; an unknown ``set_id`` changes nothing.

        Parameters
        ----------
        set_id
            The set's id.
        t_end_s
            End on the session clock (s).

        Raises
        ------
        PermissionDeniedError
            The store's acting user lacks ``sessions.write`` (the refusal is audited).
        """
        self._ctx.db.execute("UPDATE sets SET t_end_s=? WHERE id=?", (t_end_s, set_id))

    @requires("sessions", Permission.SESSIONS_WRITE)
    def set_robot_command(self, set_id: int, command_seq: int | None) -> None:
        """Record that the robot accepted exercise command ``command_seq`` for this set.

        An unknown ``set_id`` changes nothing.

        Parameters
        ----------
        set_id
            The set's id.
        command_seq
            The command's sequence number; None when the robot is not running it, for
            example after a refusal.

        Raises
        ------
        PermissionDeniedError
            The store's acting user lacks ``sessions.write`` (the refusal is audited).
        """
        with self._ctx.db.atomic():
            self._ctx.db.execute("UPDATE sets SET robot_command_seq=? WHERE id=?",
                                 (command_seq, set_id))

    @requires("sessions", Permission.SESSIONS_READ)
    def robot_command(self, set_id: int) -> int | None:
        """The accepted robot command of a set.

        Parameters
        ----------
        set_id
            The set's id.

        Returns
        -------
        int or None
            The command's sequence number, or None when the robot did not run it.

        Raises
        ------
        NotFoundError
            No set with ``set_id``.
        PermissionDeniedError
            The store's acting user lacks ``sessions.read`` (the refusal is audited).
        """
        row = self._ctx.db.execute("SELECT robot_command_seq FROM sets WHERE id=?",
                                   (set_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no set with id {set_id}")
        return row[0]

    @requires("sessions", Permission.SESSIONS_WRITE)
    def add_rep(self, set_id: int, rep: NewRep) -> Rep:
        """Record one repetition, committed at once so a crash cannot lose it.

        The session's status is not checked.

        Parameters
        ----------
        set_id
            The set's id.
        rep
            The repetition; its ``rep_index`` must be new in the set.

        Returns
        -------
        Rep
            The stored repetition, with its ids.

        Raises
        ------
        ValidationError
            No set with ``set_id``, or the set already has a rep with ``rep.rep_index``.
        PermissionDeniedError
            The store's acting user lacks ``sessions.write`` (the refusal is audited).
        """
        row = self._ctx.db.execute("SELECT session_id FROM sets WHERE id=?",
                                   (set_id,)).fetchone()
        if row is None:
            raise ValidationError("set_id", "store.not_found", record=Message("record.set"),
                                  row_id=set_id)
        deductions = json.dumps([dataclasses.asdict(d) for d in rep.deductions],
                                ensure_ascii=False)
        try:
            with self._ctx.db.atomic():
                cursor = self._ctx.db.execute(
                    "INSERT INTO reps (session_id, set_id, rep_index, t_start_s, t_peak_s, "
                    "t_end_s, rom_deg, peak_velocity_deg_s, duration_s, form_score, deductions,"
                    " flags, assistance, uncertain, frame_coverage, max_gap_s, "
                    "model_probability, side, model_reference) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (row[0], set_id, rep.rep_index, rep.t_start_s, rep.t_peak_s, rep.t_end_s,
                     rep.rom_deg, rep.peak_velocity_deg_s, rep.duration_s, rep.form_score,
                     deductions, json.dumps(list(rep.flags), ensure_ascii=False),
                     rep.assistance, int(rep.uncertain), rep.frame_coverage, rep.max_gap_s,
                     rep.model_probability, rep.side,
                     None if rep.model_reference is None else int(rep.model_reference)))
        except sqlite3.IntegrityError as exc:
            raise ValidationError("rep_index", "store.rep_exists",
                                  rep_index=rep.rep_index) from exc
        return self._rep(cursor.lastrowid)

    def _rep(self, rep_id: int) -> Rep:
        row = self._ctx.db.execute(f"SELECT {_REP_COLUMNS} FROM reps WHERE id=?",
                                   (rep_id,)).fetchone()
        return _rep(row)

    @requires("sessions", Permission.SESSIONS_READ, Permission.RESEARCH_READ)
    def reps(self, session_id: int) -> list[Rep]:
        """The repetitions of a session.

        Parameters
        ----------
        session_id
            The session's id; an unknown id gives an empty list.

        Returns
        -------
        list of Rep
            Ordered by start time, then id.

        Raises
        ------
        PermissionDeniedError
            The store's acting user holds neither ``sessions.read`` nor ``research.read``
            (the refusal is audited).
        """
        rows = self._ctx.db.execute(f"SELECT {_REP_COLUMNS} FROM reps WHERE session_id=? "
                                    "ORDER BY t_start_s, id", (session_id,))
        return [_rep(r) for r in rows]

    @requires("sessions", Permission.SESSIONS_WRITE)
    def set_form_reference(self, patient_id: int, exercise_id: str,
                           rep_ids: Sequence[int]) -> FormReference:
        """Mark reps of one of the patient's sessions as their reference for an exercise.

        The learned model then compares each later rep of that exercise with these
        (their mean); a new reference replaces the old one. Audited.

        Parameters
        ----------
        patient_id
            The patient.
        exercise_id
            The exercise the reps are of.
        rep_ids
            1 to :data:`~rehab.store.models.MAX_REFERENCE_REPS` stored reps of one session
            of this patient, all of sets of ``exercise_id``.

        Returns
        -------
        FormReference
            What was stored.

        Raises
        ------
        ValidationError
            Too few or too many reps, a rep that does not exist, is not of this exercise,
            is not this patient's, is uncertain (seen through too few camera frames to be
            measured), or is of another session than the first rep.
        PermissionDeniedError
            The store's acting user lacks ``sessions.write`` (the refusal is audited).
        """
        ids = tuple(int(i) for i in rep_ids)
        if not 1 <= len(set(ids)) == len(ids) <= MAX_REFERENCE_REPS:
            raise ValidationError("rep_ids", "store.reference_rep_count",
                                  most=MAX_REFERENCE_REPS, count=len(ids))
        sessions = set()
        for rep_id in ids:
            row = self._ctx.db.execute(
                "SELECT r.session_id, s.exercise_id, x.patient_id, r.uncertain FROM reps r "
                "JOIN sets s ON s.id = r.set_id JOIN sessions x ON x.id = r.session_id "
                "WHERE r.id = ?", (rep_id,)).fetchone()
            if row is None or row[1] != exercise_id or row[2] != patient_id:
                raise ValidationError("rep_ids", "store.reference_rep_mismatch",
                                      rep_id=rep_id, exercise=exercise_id)
            if row[3]:  # seen through too few frames: not a shape to compare others with
                raise ValidationError("rep_ids", "store.reference_rep_uncertain",
                                      rep_id=rep_id)
            sessions.add(row[0])
        if len(sessions) != 1:
            raise ValidationError("rep_ids", "store.reference_one_session")
        session_id = sessions.pop()
        at = self._ctx.now_iso()
        with self._ctx.db.atomic():
            self._ctx.db.execute(
                "INSERT OR REPLACE INTO form_references (patient_id, exercise_id, session_id,"
                " rep_ids, set_by, set_at) VALUES (?,?,?,?,?,?)",
                (patient_id, exercise_id, session_id, json.dumps(list(ids)),
                 self._ctx.actor_id, at))
            self._ctx.audit("set", "form_reference", f"{patient_id}:{exercise_id}",
                            session_id=session_id, rep_ids=list(ids))
        return FormReference(patient_id, exercise_id, session_id, ids, self._ctx.actor_id, at)

    @requires("sessions", Permission.SESSIONS_READ)
    def form_references(self, patient_id: int) -> dict[str, FormReference]:
        """The patient's reference reps, per exercise id.

        Returns
        -------
        dict of str to FormReference
            Empty when none is set.

        Raises
        ------
        PermissionDeniedError
            The store's acting user lacks ``sessions.read`` (the refusal is audited).
        """
        rows = self._ctx.db.execute(
            "SELECT patient_id, exercise_id, session_id, rep_ids, set_by, set_at "
            "FROM form_references WHERE patient_id = ? ORDER BY exercise_id", (patient_id,))
        return {r[1]: FormReference(r[0], r[1], r[2], tuple(json.loads(r[3])), r[4], r[5])
                for r in rows}

    @requires("sessions", Permission.SESSIONS_WRITE)
    def add_event(self, session_id: int | None, event: NewEvent) -> Event:
        """Record an alert, fault, e-stop, note or state change (committed at once).

        Parameters
        ----------
        session_id
            The session's id, or None for an event outside any session.
        event
            The event.

        Returns
        -------
        Event
            The stored event, with its id and time.

        Raises
        ------
        ValidationError
            No session with ``session_id``.
        PermissionDeniedError
            The store's acting user lacks ``sessions.write``, or to read the event back
            both ``sessions.read`` and ``exports.deidentified`` (the refusal is audited).
        """
        if session_id is not None:
            self._ctx.require_row("sessions", session_id, "session_id")
        with self._ctx.db.atomic():
            event_id = self._insert_event(session_id, event)
        return self.events(session_id, event_id=event_id)[0]

    def _insert_event(self, session_id: int | None, event: NewEvent) -> int:
        cursor = self._ctx.db.execute(
            "INSERT INTO events (session_id, at, t_s, kind, severity, source, message, cause) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (session_id, self._ctx.now_iso(), event.t_s, str(event.kind), str(event.severity),
             event.source, event.message, None if event.cause is None else str(event.cause)))
        return cursor.lastrowid

    @requires("sessions", Permission.SESSIONS_READ, Permission.EXPORT_DEIDENTIFIED)
    def events(self, session_id: int | None, *, event_id: int | None = None) -> list[Event]:
        """The events of a session, or those outside any session.

        Parameters
        ----------
        session_id
            The session's id, or None for the events outside any session.
        event_id
            Only the event with this id (if it belongs there); None for all.

        Returns
        -------
        list of Event
            In the order recorded; empty when none match.

        Raises
        ------
        PermissionDeniedError
            The store's acting user holds neither ``sessions.read`` nor
            ``exports.deidentified`` (the refusal is audited).
        """
        rows = self._ctx.db.execute(
            "SELECT kind, severity, source, message, t_s, cause, id, session_id, at FROM events "
            "WHERE session_id IS ? AND (? IS NULL OR id = ?) ORDER BY id",
            (session_id, event_id, event_id))
        return [Event(EventKind(r[0]), Severity(r[1]), r[2], r[3], r[4],
                      None if r[5] is None else Cause(r[5]), *r[6:]) for r in rows]

    @requires("sessions", Permission.SESSIONS_WRITE)
    def recover_interrupted(self) -> list[int]:
        """Mark sessions whose process died as ``interrupted``; return their ids.

        A session still running in another live process keeps its status (its lock is
        held). Everything the dead process committed stays as it was.

        Returns
        -------
        list of int
            The ids of the sessions now marked ``interrupted``, in id order.

        Raises
        ------
        PermissionDeniedError
            The store's acting user lacks ``sessions.write`` (the refusal is audited).
        """
        open_ids = [r[0] for r in self._ctx.db.execute(
            "SELECT id FROM sessions WHERE status IN (?, ?) ORDER BY id",
            tuple(str(s) for s in OPEN_STATUSES))]
        recovered = []
        for session_id in open_ids:
            if session_id in self._locks:
                continue  # ours, alive
            lock = SessionLock(lock_path(self._ctx.data_dir, session_id))
            if not lock.try_acquire():
                continue  # alive in another process
            try:
                self._mark_interrupted(session_id)
            finally:
                lock.release()
            recovered.append(session_id)
        return recovered

    def _mark_interrupted(self, session_id: int) -> None:
        db = self._ctx.db
        with db.atomic():
            db.execute("UPDATE sessions SET status='interrupted', ended_at=?, end_cause=? "
                       "WHERE id=?", (self._ctx.now_iso(), str(Cause.APP_DIED), session_id))
            self._insert_event(session_id, NewEvent(
                EventKind.ALERT, Severity.WARNING, "store",
                "session was interrupted (the app stopped while it ran); "
                "everything recorded before that is kept", cause=Cause.APP_DIED))
            self._ctx.audit("interrupted", "session", session_id)
        log.warning("session %d was interrupted and is now marked so", session_id)

    def _require_open(self, session_id: int) -> Session:
        session = self.get(session_id)
        if session.status not in OPEN_STATUSES:
            raise ValidationError("session_id", "store.session_not_running",
                                  session_id=session_id, status=Message(f"status.{session.status}"))
        return session

    def _release(self, session_id: int) -> None:
        lock = self._locks.pop(session_id, None)
        if lock is not None:
            lock.release()

    def release_all(self) -> None:
        """Drop every lock this repo holds (on close)."""
        for session_id in list(self._locks):
            self._release(session_id)
