"""After a session: pain, Borg RPE, notes and a summary of the reps, saved to the store."""

from __future__ import annotations

from dataclasses import dataclass

from rehab.errors import ValidationError
from rehab.store import Cause, Rep, Session, SessionOutcome, Store
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

    def __init__(self, store: Store) -> None:
        self.store = store
        self.session: Session | None = None
        self.reps: list[Rep] = []
        self.summary = RepSummary(0, None, None)
        self.changed = Emitter()
        self.saved = Emitter()  # (Session)

    def load(self, session_id: int | None) -> None:
        self.session = None if session_id is None else self.store.sessions.get(session_id)
        self.reps = [] if session_id is None else self.store.sessions.reps(session_id)
        self.summary = RepSummary.of(self.reps)
        self.changed.emit()

    def load_latest(self, patient_id: int | None) -> None:
        """Show the patient's latest session (none when they have none)."""
        sessions = [] if patient_id is None else self.store.sessions.for_patient(patient_id)
        self.load(sessions[-1].id if sessions else None)

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
        self.changed.emit()
        return self.session
