"""Typed records the store takes and returns.

``New*`` records are what a caller hands in: they validate themselves where they are
built, so a bad value is refused with the field's name before anything is written.
The other records are rows read back, with their database ids.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

from rehab import prescription
from rehab.errors import ValidationError
from rehab.prescription import MAX_ROM_DEG
from rehab.store.passwords import MIN_PASSWORD_LENGTH


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


def _require(ok: bool, name: str, message_id: str, **params: object) -> None:
    if not ok:
        raise ValidationError(name, message_id, **params)


def _finite(value: float, name: str) -> None:
    _require(isinstance(value, int | float) and math.isfinite(value), name,
             "validation.finite", value=repr(value))


def _in_range(value: float, lo: float, hi: float, name: str, unit: str = "") -> None:
    _finite(value, name)
    _require(lo <= value <= hi, name, f"validation.range{unit}", lo=lo, hi=hi, value=value)


def _text(value: str, name: str, *, max_len: int = 200, allow_empty: bool = False) -> None:
    _require(isinstance(value, str), name, "validation.text")
    _require(allow_empty or bool(value.strip()), name, "validation.not_empty")
    _require(len(value) <= max_len, name, "validation.max_length", n=max_len)


def _enum(value: object, kind: type[enum.Enum], name: str) -> None:
    allowed = ", ".join(m.value for m in kind)
    _require(value in {m.value for m in kind}, name, "validation.one_of", allowed=allowed,
             value=repr(value))


def _optional_int(value: int | None, lo: int, hi: int, name: str) -> None:
    if value is not None:
        _require(isinstance(value, int) and not isinstance(value, bool), name,
                 "validation.whole")
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
                 "username", "validation.no_spaces")
        _text(self.display_name, "display_name")
        _enum(self.role, Role, "role")
        # the same first rule and message as the store's (rehab.store.passwords)
        _require(len(self.password) >= MIN_PASSWORD_LENGTH, "password",
                 "validation.min_length", n=MIN_PASSWORD_LENGTH)


def age_band(age_years: int) -> str:
    """The ten-year band of an age, as researchers see it (``"70-79"``; ``"90+"``).

    Examples
    --------
    >>> age_band(77), age_band(94), age_band(8)
    ('70-79', '90+', '0-9')
    """
    if age_years >= 90:
        return "90+"
    low = max(age_years, 0) // 10 * 10
    return f"{low}-{low + 9}"


@dataclass(frozen=True)
class PseudonymousPatient:
    """A patient as a researcher sees one: no name, birth year, diagnosis or notes."""

    code: str
    age_band: str
    sex: Sex
    affected_side: Side
    active: bool


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
                 "birth_year", "validation.whole_year")
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
class PatientDisplay:
    """How a patient reads their screen best: a high-contrast palette, larger text."""

    high_contrast: bool = False
    large_text: bool = False


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
        _require(self.version >= 1, "exercise_version", "validation.at_least", lo=1,
                 value=self.version)
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
        # The prescription's ranges are stated once, in rehab.prescription.
        prescription.raise_first(prescription.range_problems(self))
        _enum(self.robot_mode, RobotMode, "robot_mode")


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
    """What the therapist records after a session (pain NRS 0-10, Borg RPE 6-20).

    ``pain_before`` is the pain before the first set (the patient's screen asks it, the
    therapist may enter or correct it); None leaves a stored answer as it is.
    """

    pain_after: int | None = None
    borg_rpe: int | None = None
    notes: str = ""
    pain_before: int | None = None

    def __post_init__(self) -> None:
        _optional_int(self.pain_before, 0, 10, "pain_before")
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
        _require(self.set_index >= 0, "set_index", "validation.at_least", lo=0,
                 value=self.set_index)
        _require(isinstance(self.reps_target, int) and self.reps_target > 0, "reps_target",
                 "validation.whole_positive", value=repr(self.reps_target))
        _in_range(self.target_rom_deg, 0, MAX_ROM_DEG, "target_rom_deg", " deg")
        _finite(self.t_start_s, "t_start_s")


@dataclass(frozen=True)
class SetRecord:
    """One set of a session as stored, with the totals its reps keep up to date.

    Attributes
    ----------
    t_start_s, t_end_s
        Session clock seconds; ``t_end_s`` is None for a set that never ended.
    reps_done, measured_n
        Counted reps, and those measured well enough to have ROM and score.
    max_rom_deg
        Best ROM of the measured reps (deg), None without one.
    """

    id: int
    session_id: int
    program_item_id: int | None
    set_index: int
    exercise_id: str
    side: Side
    reps_target: int
    target_rom_deg: float
    t_start_s: float
    t_end_s: float | None
    reps_done: int
    measured_n: int
    max_rom_deg: float | None


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
        _require(self.rep_index >= 0, "rep_index", "validation.at_least", lo=0,
                 value=self.rep_index)
        for name in ("t_start_s", "t_peak_s", "t_end_s", "peak_velocity_deg_s"):
            _finite(getattr(self, name), name)
        _require(self.t_start_s <= self.t_peak_s <= self.t_end_s, "t_peak_s",
                 "validation.between_times", start="t_start_s", end="t_end_s")
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
        _require(self.instrument in INSTRUMENT_RANGES, "instrument", "validation.one_of",
                 allowed=names, value=repr(self.instrument))
        lo, hi = INSTRUMENT_RANGES[self.instrument]
        _in_range(self.score, lo, hi, "score")
        _require(_is_iso_date(self.assessed_on), "assessed_on", "validation.date")


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
