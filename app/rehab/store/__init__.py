"""The SQLite store: patients, programs, sessions, reps, streams, assessments, audit.

Public surface: :class:`Store` and the records in :mod:`rehab.store.models`.
"""

from rehab.store.connection import CheckReport
from rehab.store.models import (
    OPEN_STATUSES,
    Assessment,
    Cause,
    Deduction,
    Event,
    EventKind,
    ExerciseRecord,
    NewAssessment,
    NewEvent,
    NewPatient,
    NewProgramItem,
    NewRep,
    NewSet,
    NewUser,
    Patient,
    Program,
    ProgramItem,
    Rep,
    RobotMode,
    Role,
    Session,
    SessionOutcome,
    SessionStatus,
    SetRecord,
    Severity,
    Sex,
    Side,
    User,
)
from rehab.store.progress import SessionProgress
from rehab.store.schema import SCHEMA_VERSION
from rehab.store.store import Store
from rehab.store.streams import StreamData, StreamRecorder

__all__ = [
    "OPEN_STATUSES",
    "SCHEMA_VERSION",
    "Assessment",
    "Cause",
    "CheckReport",
    "Deduction",
    "Event",
    "EventKind",
    "ExerciseRecord",
    "NewAssessment",
    "NewEvent",
    "NewPatient",
    "NewProgramItem",
    "NewRep",
    "NewSet",
    "NewUser",
    "Patient",
    "Program",
    "ProgramItem",
    "Rep",
    "RobotMode",
    "Role",
    "Session",
    "SessionOutcome",
    "SessionProgress",
    "SessionStatus",
    "SetRecord",
    "Severity",
    "Sex",
    "Side",
    "Store",
    "StreamData",
    "StreamRecorder",
    "User",
]
