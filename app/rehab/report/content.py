"""What a progress report says, gathered through the store as the logged-in therapist.

Pure (no Qt): the PDF module only lays this out. The role check and the audit happen
here, once, before anything identifying is read.
"""

from __future__ import annotations

from dataclasses import dataclass

from rehab.analytics import ExerciseProgress, exercise_progress
from rehab.export.access import require_report
from rehab.store import Assessment, Patient, Program, Session, Store, User


@dataclass(frozen=True)
class ReportContent:
    """Everything the report shows about one patient (identified)."""

    patient: Patient
    author: User
    programs: tuple[Program, ...]
    exercise_names: dict[str, tuple[str, str]]
    progress: dict[str, ExerciseProgress]
    sessions: tuple[Session, ...]
    assessments: tuple[Assessment, ...]


def gather_report(store: Store, code: str, *, language: str) -> ReportContent:
    """Check the role, audit the read, and read one patient's report content.

    Parameters
    ----------
    store
        Opened ``as_user`` the logged-in user (a therapist or an admin).
    code
        The patient's code (``P-XXXXXX``).
    language
        ``ko`` or ``en`` (recorded in the audit).

    Raises
    ------
    PermissionDeniedError
        The user's role may not read identified reports (researchers).
    NotFoundError
        No patient has this code.
    """
    author = require_report(store)
    patient = store.patients.by_code(code)
    store.audit_read("report", "patient", patient.id, identified=True, language=language)
    names = {e.id: (e.name_ko, e.name_en) for e in store.exercises.list()}
    return ReportContent(
        patient=patient, author=author,
        programs=tuple(store.programs.for_patient(patient.id)),
        exercise_names=names,
        progress=exercise_progress(store.progress(patient.id)),
        sessions=tuple(store.sessions.for_patient(patient.id)),
        assessments=tuple(store.assessments.for_patient(patient.id)))
