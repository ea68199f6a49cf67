"""The streaming reader behind every export: what is selected, read through the store.

Everything is read through the store's repositories (never raw SQL), so the store's
permission checks apply to every read, and only through de-identified reads: patients
by pseudonymous code (``patients.pseudonymous``, ``patients.id_of_code``, the age on a
day), never their records, which a researcher may not open; streams come one stored
chunk (about a second) at a time, so an export's memory is bounded whatever the size of
the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from rehab.errors import NotFoundError, ValidationError
from rehab.export.deid import MAX_AGE, Subject, parse_date
from rehab.store import (
    OPEN_STATUSES,
    Assessment,
    Event,
    PseudonymousPatient,
    Rep,
    Session,
    SetRecord,
    Store,
    StreamData,
)
from rehab.store.exports import ExportSubject


@dataclass(frozen=True)
class ExportSelection:
    """Which patients and sessions an export holds.

    Parameters
    ----------
    patient_codes
        Patient codes (``P-XXXXXX``); empty for every patient.
    since, until
        Inclusive range of session dates (UTC calendar days); None for open-ended.

    Raises
    ------
    ValidationError
        ``since`` is after ``until``.
    """

    patient_codes: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise ValidationError("since", "validation.since_after_until",
                                  since=str(self.since), until=str(self.until))

    def takes(self, day: dt.date) -> bool:
        """True when a session on ``day`` is inside the range."""
        return (self.since is None or day >= self.since) and (
            self.until is None or day <= self.until)


@dataclass(frozen=True)
class ExportedSession:
    """One session in an export: its subject, its 1-based number per subject, its record."""

    subject: Subject
    number: int
    session: Session

    @property
    def label(self) -> str:
        """The session label (``01``, ``02``, ...): an order, not a database id."""
        return f"{self.number:02d}"


@dataclass(frozen=True)
class ChosenPatient:
    """A selected patient as an export knows one: the record id (never written out) and
    the de-identified facts."""

    id: int
    patient: PseudonymousPatient


Chosen = list[tuple[ChosenPatient, list[Session]]]
"""Selected patients, each with its selected sessions, oldest first."""


def select_sessions(store: Store, selection: ExportSelection) -> Chosen:
    """The selected patients (by code, or all) with their closed sessions in the range.

    Raises
    ------
    NotFoundError
        A code given in the selection matches no patient.
    """
    every = {p.code: p for p in store.patients.pseudonymous(include_inactive=True)}
    codes = ([c.strip().upper() for c in selection.patient_codes]
             if selection.patient_codes else list(every))
    patients = []
    for code in codes:
        if code not in every:
            raise NotFoundError(f"no patient with code {code}")
        patients.append(ChosenPatient(store.patients.id_of_code(code), every[code]))
    chosen = []
    for patient in sorted(patients, key=lambda p: p.id):
        sessions = [s for s in store.sessions.for_patient(patient.id)
                    if s.status not in OPEN_STATUSES
                    and selection.takes(parse_date(s.started_at))]
        if sessions:
            chosen.append((patient, sessions))
    if not chosen:
        raise NotFoundError("no closed session matches the selection; nothing to export")
    return chosen


class ExportDataset:
    """The de-identified view of a selection, read lazily through the store.

    Parameters
    ----------
    store
        Opened as the exporting user.
    chosen
        :func:`select_sessions`'s result.
    subjects
        The drawn labels and shifts, one per chosen patient.
    selection
        The selection (its date range also filters assessments).
    """

    def __init__(self, store: Store, chosen: Chosen,
                 subjects: list[ExportSubject], selection: ExportSelection) -> None:
        self._store, self._selection = store, selection
        by_patient = {s.patient_id: s for s in subjects}
        self.subjects: list[Subject] = []
        self.sessions: list[ExportedSession] = []
        self._patient_of: dict[str, int] = {}
        for patient, sessions in chosen:
            drawn = by_patient[patient.id]
            first = parse_date(sessions[0].started_at)
            age = min(store.patients.age_on(patient.id, first), MAX_AGE)
            subject = Subject(drawn.subject_label, age,
                              str(patient.patient.sex), str(patient.patient.affected_side),
                              drawn.date_shift_days,
                              first + dt.timedelta(days=drawn.date_shift_days))
            self.subjects.append(subject)
            self._patient_of[subject.label] = patient.id
            self.sessions.extend(ExportedSession(subject, n, s)
                                 for n, s in enumerate(sessions, start=1))

    def sessions_of(self, subject: Subject) -> list[ExportedSession]:
        return [s for s in self.sessions if s.subject.label == subject.label]

    def sets(self, item: ExportedSession) -> list[SetRecord]:
        return self._store.sessions.sets(item.session.id)

    def reps(self, item: ExportedSession) -> list[Rep]:
        return self._store.sessions.reps(item.session.id)

    def events(self, item: ExportedSession) -> list[Event]:
        """The session's events (exports keep their kind, severity, cause code and time;
        never their message, which is free text)."""
        return self._store.sessions.events(item.session.id)

    def assessments(self, subject: Subject) -> list[Assessment]:
        """The subject's assessments in the selected date range."""
        rows = self._store.assessments.for_patient(self._patient_of[subject.label])
        return [a for a in rows if self._selection.takes(parse_date(a.assessed_on))]

    def streams(self, item: ExportedSession) -> list[str]:
        return self._store.streams.streams(item.session.id)

    def chunks(self, item: ExportedSession, stream: str) -> Iterator[StreamData]:
        """One stored chunk at a time (see :meth:`StreamRepo.iter_chunks`)."""
        return self._store.streams.iter_chunks(item.session.id, stream)

    def stream_columns(self, item: ExportedSession, stream: str) -> tuple[str, ...] | None:
        """The columns of a stream of the session, None when it has none."""
        for chunk in self.chunks(item, stream):
            return chunk.columns
        return None
