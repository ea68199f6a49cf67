"""After a session: pain, Borg RPE, notes and a summary of the reps, saved to the store."""

from __future__ import annotations

from dataclasses import dataclass

from rehab.errors import ValidationError
from rehab.exercises.library import ExerciseLibrary
from rehab.store import Cause, FormReference, Rep, Session, SessionOutcome, Store
from rehab.store.models import OPEN_STATUSES
from rehab.ui.models.observable import Emitter


@dataclass(frozen=True)
class RepSummary:
    """What the therapist reads before writing the outcome.

    Attributes
    ----------
    reps
        Counted reps, uncertain ones included.
    mean_score, max_rom_deg
        Over the measured reps only (None when there are none): an uncertain rep, seen
        through too few camera frames, has no exact score or range.
    uncertain
        Reps counted but not measured.
    """

    reps: int
    mean_score: float | None
    max_rom_deg: float | None
    uncertain: int = 0

    @classmethod
    def of(cls, reps: list[Rep]) -> RepSummary:
        measured = [r for r in reps if not r.uncertain]
        uncertain = len(reps) - len(measured)
        if not measured:
            return cls(len(reps), None, None, uncertain)
        return cls(len(reps), sum(r.form_score for r in measured) / len(measured),
                   max(r.rom_deg for r in measured), uncertain)


class AfterSessionModel:
    """One finished (or stopped) session and the therapist's outcome for it."""

    def __init__(self, store: Store, library: ExerciseLibrary | None = None) -> None:
        self.store, self.library = store, library
        self.session: Session | None = None
        self.sessions: list[Session] = []  # the patient's sessions, newest first
        self.reps: list[Rep] = []
        self.rep_exercise: dict[int, str] = {}  # rep id -> its set's exercise id
        self.summary = RepSummary(0, None, None)
        self.changed = Emitter()
        self.saved = Emitter()  # (Session)

    def load(self, session_id: int | None) -> None:
        """Show one session (none for ``None``), with its patient's sessions to choose from."""
        session = None if session_id is None else self.store.sessions.get(session_id)
        self._show(session, [] if session is None else self._newest_first(session.patient_id))

    def load_latest(self, patient_id: int | None) -> None:
        """Show the patient's latest session (none when they have none)."""
        sessions = [] if patient_id is None else self._newest_first(patient_id)
        self._show(sessions[0] if sessions else None, sessions)

    def _newest_first(self, patient_id: int) -> list[Session]:
        return self.store.sessions.for_patient(patient_id)[::-1]

    def _show(self, session: Session | None, sessions: list[Session]) -> None:
        self.session, self.sessions = session, sessions
        self.reps = [] if session is None else self.store.sessions.reps(session.id)
        exercise_of_set = {} if session is None else {
            s.id: s.exercise_id for s in self.store.sessions.sets(session.id)}
        self.rep_exercise = {r.id: exercise_of_set[r.set_id] for r in self.reps}
        self.summary = RepSummary.of(self.reps)
        self.changed.emit()

    def choose(self, index: int) -> None:
        """Show the patient's ``index``-th session, newest first (to correct its outcome or
        take reference reps from it)."""
        self.load(self.sessions[index].id)

    def save(self, outcome: SessionOutcome, *, aborted: bool = False) -> Session:
        """Close the session with ``outcome`` (or correct the outcome of a closed one).

        Raises
        ------
        ValidationError
            No session loaded.
        """
        if self.session is None:
            raise ValidationError("session_id", "console.no_session_to_record")
        if self.session.status in OPEN_STATUSES:
            cause = Cause.THERAPIST if aborted else Cause.COMPLETED
            self.session = self.store.sessions.finish(self.session.id, outcome, cause=cause)
        else:
            self.session = self.store.sessions.record_outcome(self.session.id, outcome)
        self.saved.emit(self.session)
        self.load(self.session.id)  # the session list shows its new status too
        return self.session

    def exercise_name(self, exercise_id: str, language: str) -> str:
        """The exercise's name in ``language`` (its id without the library, or when the
        library lacks it)."""
        return exercise_id if self.library is None else self.library.name(exercise_id,
                                                                          language)

    def set_reference(self, rep_ids: list[int]) -> FormReference:
        """Make the chosen reps of this session the patient's reference for their exercise:
        the learned model compares the patient's later reps of it with them.

        Raises
        ------
        ValidationError
            No session loaded, no rep chosen, an uncertain rep chosen, reps of more than
            one exercise, or what the store refuses
            (:meth:`~rehab.store.sessions.SessionRepo.set_form_reference`).
        """
        if self.session is None:
            raise ValidationError("session_id", "console.no_session_to_record")
        if not rep_ids:
            raise ValidationError("rep_ids", "console.reference_select")
        if any(r.uncertain for r in self.reps if r.id in rep_ids):
            raise ValidationError("rep_ids", "console.reference_uncertain")
        exercises = {self.rep_exercise[i] for i in rep_ids}
        if len(exercises) != 1:
            raise ValidationError("rep_ids", "console.reference_one_exercise")
        return self.store.sessions.set_form_reference(self.session.patient_id,
                                                      exercises.pop(), rep_ids)
