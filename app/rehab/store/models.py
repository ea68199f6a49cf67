"""Typed records the store takes and returns.

``New*`` records are what a caller hands in: they validate themselves where they are
built, so a bad value is refused with the field's name before anything is written.
The other records are rows read back, with their database ids.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

from rehab.errors import ValidationError

MAX_ROM_DEG = 180.0


class Role(enum.StrEnum):
    """What a user may do: admins manage users, therapists treat, researchers export."""

    ADMIN = "admin"
    THERAPIST = "therapist"
    RESEARCHER = "researcher"


class Sex(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Side(enum.StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"
    NONE = "none"


class RobotMode(enum.StrEnum):
    """The robot's role in an exercise; ``none`` for camera-only exercises."""

    PASSIVE = "passive"
    ACTIVE_ASSISTED = "active_assisted"
    ACTIVE = "active"
    RESISTIVE = "resistive"
    NONE = "none"


class SessionStatus(enum.StrEnum):
    """Where a session stands; a closed one says how it ended.

    ``completed``: every set was done. ``stopped``: a person ended it early (the
    therapist, or the patient's STOP). ``aborted``: a fault, a signal or an error ended it
    (its :class:`Cause` says which). ``interrupted``: the app died while it ran and the
    next start found it open.
    """

    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    STOPPED = "stopped"
    ABORTED = "aborted"
    INTERRUPTED = "interrupted"


class Cause(enum.StrEnum):
    """Why a session paused, resumed or ended: a closed set, stored with each such event.

    The screens and the exports translate these codes; nothing parses free text.
    """

    COMPLETED = "completed"
    THERAPIST = "therapist"
    PATIENT = "patient"
    CAMERA_LOST = "camera_lost"
    APP_STALLED = "app_stalled"
    ROBOT_LINK_LOST = "robot_link_lost"
    ROBOT_WATCHDOG = "robot_watchdog"
    ROBOT_FAULT = "robot_fault"
    ROBOT_SAFE_STOP = "robot_safe_stop"
    ROBOT_REFUSED = "robot_refused"
    ESTOP = "estop"
    SIGNAL = "signal"
    ERROR = "error"
    APP_DIED = "app_died"


PERSON_CAUSES = (Cause.THERAPIST, Cause.PATIENT)
"""Causes under which an early end is ``stopped`` rather than ``aborted``."""


OPEN_STATUSES = (SessionStatus.RUNNING, SessionStatus.PAUSED)


class EventKind(enum.StrEnum):
    ALERT = "alert"
    FAULT = "fault"
    ESTOP = "estop"
    NOTE = "note"
    STATE = "state"


class Severity(enum.StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


def _require(ok: bool, name: str, message: str) -> None:
    if not ok:
        raise ValidationError(name, message)


def _finite(value: float, name: str) -> None:
    _require(isinstance(value, int | float) and math.isfinite(value), name,
             f"must be a finite number, got {value!r}")


def _in_range(value: float, lo: float, hi: float, name: str, unit: str = "") -> None:
    _finite(value, name)
    _require(lo <= value <= hi, name, f"must be between {lo:g} and {hi:g}{unit}, got {value:g}")


def _text(value: str, name: str, *, max_len: int = 200, allow_empty: bool = False) -> None:
    _require(isinstance(value, str), name, "must be text")
    _require(allow_empty or bool(value.strip()), name, "must not be empty")
    _require(len(value) <= max_len, name, f"must be at most {max_len} characters")


def _enum(value: object, kind: type[enum.Enum], name: str) -> None:
    allowed = ", ".join(m.value for m in kind)
    _require(value in {m.value for m in kind}, name, f"must be one of {allowed}, got {value!r}")


def _optional_int(value: int | None, lo: int, hi: int, name: str) -> None:
    if value is not None:
        _require(isinstance(value, int) and not isinstance(value, bool), name, "must be whole")
        _in_range(value, lo, hi, name)


@dataclass(frozen=True)
class NewUser:
    username: str
    display_name: str
    role: Role
    password: str

    def __post_init__(self) -> None:
        _text(self.username, "username", max_len=64)
        _require(self.username == self.username.strip() and " " not in self.username,
                 "username", "must not contain spaces")
        _text(self.display_name, "display_name")
        _enum(self.role, Role, "role")
        _require(len(self.password) >= 8, "password", "must have at least 8 characters")


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    created_at: str


@dataclass(frozen=True)
class NewPatient:
    """A patient as registered; ``birth_year`` not a birth date, to hold less than needed.

    Parameters
    ----------
    name
        Full name as the centre writes it (Korean names welcome).
    birth_year
        1900 to the current year.
    affected_side
        The side the exercises mostly target.
    """

    name: str
    birth_year: int
    sex: Sex
    affected_side: Side
    diagnosis: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        _text(self.name, "name")
        _require(isinstance(self.birth_year, int) and not isinstance(self.birth_year, bool),
                 "birth_year", "must be a whole year")
        _in_range(self.birth_year, 1900, 2100, "birth_year")
        _enum(self.sex, Sex, "sex")
        _enum(self.affected_side, Side, "affected_side")
        _text(self.diagnosis, "diagnosis", max_len=500, allow_empty=True)
        _text(self.notes, "notes", max_len=5000, allow_empty=True)


@dataclass(frozen=True)
class Patient:
    id: int
    code: str
    name: str
    birth_year: int
    sex: Sex
    affected_side: Side
    diagnosis: str
    notes: str
    active: bool
    created_at: str


@dataclass(frozen=True)
class ExerciseRecord:
    """An exercise of the library as the store knows it (the definition lives in YAML)."""

    id: str
    version: int
    name_en: str
    name_ko: str
    primary_angle: str

    def __post_init__(self) -> None:
        _text(self.id, "exercise_id", max_len=64)
        _require(self.version >= 1, "exercise_version", "must be 1 or more")
        _text(self.name_en, "name_en")
        _text(self.name_ko, "name_ko")
        _text(self.primary_angle, "primary_angle")


@dataclass(frozen=True)
class NewProgramItem:
    """One prescribed exercise of a program.

    Parameters
    ----------
    target_rom_deg
        The excursion to reach, 0-180 deg, inside the safe limits.
    safe_rom_min_deg, safe_rom_max_deg
        The per-patient safe range the robot must keep the joint in, 0-180 deg.
    tempo_s
        Seconds for one way of the movement, 0.5-20.
    assistance
        Robot assistance level, 0 (none) to 1 (full guidance).
    """

    exercise_id: str
    sets: int
    reps: int
    target_rom_deg: float
    tempo_s: float
    robot_mode: RobotMode
    assistance: float
    safe_rom_min_deg: float
    safe_rom_max_deg: float
    side: Side = Side.BOTH
    rest_s: float = 60.0
    exercise_version: int = 1

    def __post_init__(self) -> None:
        _text(self.exercise_id, "exercise_id", max_len=64)
        for name in ("sets", "reps"):
            value = getattr(self, name)
            _require(isinstance(value, int) and not isinstance(value, bool) and value > 0,
                     name, f"must be a whole number above 0, got {value!r}")
        _require(self.sets <= 20, "sets", f"must be at most 20, got {self.sets}")
        _require(self.reps <= 200, "reps", f"must be at most 200, got {self.reps}")
        _in_range(self.target_rom_deg, 0, MAX_ROM_DEG, "target_rom_deg", " deg")
        _in_range(self.safe_rom_min_deg, 0, MAX_ROM_DEG, "safe_rom_min_deg", " deg")
        _in_range(self.safe_rom_max_deg, 0, MAX_ROM_DEG, "safe_rom_max_deg", " deg")
        _require(self.safe_rom_min_deg < self.safe_rom_max_deg, "safe_rom_max_deg",
                 "must be above safe_rom_min_deg")
        _require(self.target_rom_deg <= self.safe_rom_max_deg - self.safe_rom_min_deg,
                 "target_rom_deg", "must fit inside the safe range of motion "
                 f"({self.safe_rom_min_deg:g}-{self.safe_rom_max_deg:g} deg)")
        _in_range(self.tempo_s, 0.5, 20, "tempo_s", " s")
        _in_range(self.rest_s, 0, 600, "rest_s", " s")
        _enum(self.robot_mode, RobotMode, "robot_mode")
        _in_range(self.assistance, 0, 1, "assistance")
        _require(self.side in {Side.LEFT, Side.RIGHT, Side.BOTH}, "side",
                 "must be left, right or both")


@dataclass(frozen=True)
class ProgramItem(NewProgramItem):
    id: int = 0
    program_id: int = 0
    position: int = 0


@dataclass(frozen=True)
class Program:
    id: int
    patient_id: int
    name: str
    created_at: str
    active: bool
    items: tuple[ProgramItem, ...]


@dataclass(frozen=True)
class Session:
    id: int
    patient_id: int
    program_id: int | None
    therapist_id: int | None
    started_at: str
    ended_at: str | None
    status: SessionStatus
    pain_before: int | None
    pain_after: int | None
    borg_rpe: int | None
    notes: str
    end_cause: Cause | None = None
    robot_used: bool | None = None


@dataclass(frozen=True)
class SessionOutcome:
    """What the therapist records after a session (pain NRS 0-10, Borg RPE 6-20)."""

    pain_after: int | None = None
    borg_rpe: int | None = None
    notes: str = ""

    def __post_init__(self) -> None:
        _optional_int(self.pain_after, 0, 10, "pain_after")
        _optional_int(self.borg_rpe, 6, 20, "borg_rpe")
        _text(self.notes, "notes", max_len=5000, allow_empty=True)


@dataclass(frozen=True)
class NewSet:
    exercise_id: str
    set_index: int
    reps_target: int
    target_rom_deg: float
    t_start_s: float
    side: Side = Side.BOTH
    program_item_id: int | None = None

    def __post_init__(self) -> None:
        _text(self.exercise_id, "exercise_id", max_len=64)
        _require(self.set_index >= 0, "set_index", "must be 0 or more")
        _require(isinstance(self.reps_target, int) and self.reps_target > 0, "reps_target",
                 f"must be a whole number above 0, got {self.reps_target!r}")
        _in_range(self.target_rom_deg, 0, MAX_ROM_DEG, "target_rom_deg", " deg")
        _finite(self.t_start_s, "t_start_s")


@dataclass(frozen=True)
class Deduction:
    """One explained part of a form score: what, how many points, why."""

    code: str
    points: float
    message: str


@dataclass(frozen=True)
class NewRep:
    """One repetition as the scorer measured it; times on the session clock."""

    rep_index: int
    t_start_s: float
    t_peak_s: float
    t_end_s: float
    rom_deg: float
    peak_velocity_deg_s: float
    form_score: float
    deductions: tuple[Deduction, ...] = ()
    flags: tuple[str, ...] = ()
    assistance: float | None = None
    uncertain: bool = False
    frame_coverage: float | None = None
    max_gap_s: float | None = None
    model_probability: float | None = None
    duration_s: float = field(init=False)

    def __post_init__(self) -> None:
        _require(self.rep_index >= 0, "rep_index", "must be 0 or more")
        for name in ("t_start_s", "t_peak_s", "t_end_s", "peak_velocity_deg_s"):
            _finite(getattr(self, name), name)
        _require(self.t_start_s <= self.t_peak_s <= self.t_end_s, "t_peak_s",
                 "must lie between t_start_s and t_end_s")
        _in_range(self.rom_deg, 0, 360, "rom_deg", " deg")
        _in_range(self.form_score, 0, 100, "form_score")
        if self.assistance is not None:
            _in_range(self.assistance, 0, 1, "assistance")
        if self.frame_coverage is not None:
            _in_range(self.frame_coverage, 0, 1, "frame_coverage")
        if self.max_gap_s is not None:
            _in_range(self.max_gap_s, 0, math.inf, "max_gap_s", " s")
        if self.model_probability is not None:
            _in_range(self.model_probability, 0, 1, "model_probability")
        object.__setattr__(self, "duration_s", self.t_end_s - self.t_start_s)


@dataclass(frozen=True)
class Rep(NewRep):
    id: int = 0
    set_id: int = 0
    session_id: int = 0


INSTRUMENT_RANGES: dict[str, tuple[float, float]] = {
    "fugl_meyer_ue": (0, 66),
    "box_and_block": (0, 150),
    "timed_up_and_go_s": (0, 600),
    "pain_nrs": (0, 10),
}
"""Clinical instruments and their valid score ranges (FMA-UE motor 0-66, BBT blocks/min,
TUG seconds, pain numeric rating scale 0-10)."""


@dataclass(frozen=True)
class NewAssessment:
    instrument: str
    score: float
    assessed_on: str
    notes: str = ""

    def __post_init__(self) -> None:
        names = ", ".join(INSTRUMENT_RANGES)
        _require(self.instrument in INSTRUMENT_RANGES, "instrument", f"must be one of {names}")
        lo, hi = INSTRUMENT_RANGES[self.instrument]
        _in_range(self.score, lo, hi, "score")
        _require(_is_iso_date(self.assessed_on), "assessed_on", "must be a date YYYY-MM-DD")


def _is_iso_date(text: str) -> bool:
    import datetime as dt

    try:
        dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        return False
    return len(text) == 10


@dataclass(frozen=True)
class Assessment(NewAssessment):
    id: int = 0
    patient_id: int = 0
    assessor_id: int | None = None


@dataclass(frozen=True)
class NewEvent:
    kind: EventKind
    severity: Severity
    source: str
    message: str
    t_s: float | None = None
    cause: Cause | None = None

    def __post_init__(self) -> None:
        _enum(self.kind, EventKind, "kind")
        if self.cause is not None:
            _enum(self.cause, Cause, "cause")
        _enum(self.severity, Severity, "severity")
        _text(self.source, "source", max_len=64)
        _text(self.message, "message", max_len=2000)


@dataclass(frozen=True)
class Event(NewEvent):
    id: int = 0
    session_id: int | None = None
    at: str = ""
