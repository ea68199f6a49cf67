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
    """A patient's sex as registered; ``unknown`` when not given."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Side(enum.StrEnum):
    """A body side: the affected side of a patient, or the side an exercise works.

    ``none`` means no side applies; a prescription takes only ``left``, ``right`` or
    ``both``.
    """

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
    """What an event records: an alert, a fault, an e-stop, a note or a state change."""

    ALERT = "alert"
    FAULT = "fault"
    ESTOP = "estop"
    NOTE = "note"
    STATE = "state"


class Severity(enum.StrEnum):
    """How serious an event is."""

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
    """A user account to create.

    Parameters
    ----------
    username
        The login name: 1-64 characters, no spaces, no leading or trailing whitespace.
    display_name
        The name shown on screens: not blank, at most 200 characters.
    role
        What the user may do (a :class:`Role` or its value).
    password
        The initial password in plain text, at least ``MIN_PASSWORD_LENGTH`` (10)
        characters; the store applies its further password rules when it creates the
        user.

    Raises
    ------
    ValidationError
        A value breaks the rules above (the error names the field).
    """

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

    Parameters
    ----------
    age_years
        Age in whole years; a negative age falls in the ``"0-9"`` band.

    Returns
    -------
    str
        ``"<low>-<low + 9>"`` with ``low`` a multiple of 10, or ``"90+"`` from 90 years.

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
    """A patient as a researcher sees one: no name, birth year, diagnosis or notes.

    Attributes
    ----------
    code
        The patient's pseudonymous code (unique in the store).
    age_band
        The ten-year age band, as :func:`age_band` gives it (``"70-79"``, ``"90+"``).
    sex
        The registered sex.
    affected_side
        The side the exercises mostly target.
    active
        False once the patient is deactivated.
    """

    code: str
    age_band: str
    sex: Sex
    affected_side: Side
    active: bool


@dataclass(frozen=True)
class User:
    """A user account as stored (never its password).

    Attributes
    ----------
    id
        Database id.
    username
        The login name (1-64 characters, no spaces).
    display_name
        The name shown on screens.
    role
        What the user may do.
    active
        False once the account is deactivated.
    created_at
        When the account was created: ISO-8601 UTC text.
    """

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
        Full name as the centre writes it (Korean names welcome); not blank, at most 200
        characters.
    birth_year
        A whole year, 1900-2100.
    sex
        The patient's sex (a :class:`Sex` or its value).
    affected_side
        The side the exercises mostly target (a :class:`Side` or its value).
    diagnosis
        Free text, at most 500 characters; may be empty.
    notes
        Free text, at most 5000 characters; may be empty.

    Raises
    ------
    ValidationError
        A value breaks the rules above (the error names the field).
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
    """A patient as stored.

    Attributes
    ----------
    id
        Database id.
    code
        The patient's pseudonymous code (unique in the store), used in place of the name
        where a name is not needed.
    name, birth_year, sex, affected_side, diagnosis, notes
        As in :class:`NewPatient` (birth year 1900-2100).
    active
        False once the patient is deactivated.
    created_at
        When the patient was registered: ISO-8601 UTC text.
    """

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
    """How a patient reads their screen best: a high-contrast palette, larger text.

    Attributes
    ----------
    high_contrast
        True for the high-contrast palette.
    large_text
        True for larger text.
    """

    high_contrast: bool = False
    large_text: bool = False


@dataclass(frozen=True)
class ExerciseRecord:
    """An exercise of the library as the store knows it (the definition lives in YAML).

    Parameters
    ----------
    id
        The exercise's id: not blank, at most 64 characters.
    version
        The definition's version, 1 or more.
    name_en, name_ko
        English and Korean names: not blank, at most 200 characters each.
    primary_angle
        The name of the joint angle the exercise is measured by: not blank, at most 200
        characters.

    Raises
    ------
    ValidationError
        A value breaks the rules above (the error names the field).
    """

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
    exercise_id
        The exercise's id: not blank, at most 64 characters.
    sets
        Sets to do, a whole number 1-20.
    reps
        Repetitions per set, a whole number 1-200.
    target_rom_deg
        The excursion to reach, 0-180 deg, no wider than the safe range
        (``safe_rom_max_deg - safe_rom_min_deg``).
    tempo_s
        Seconds for one way of the movement, 0.5-20.
    robot_mode
        The robot's role (a :class:`RobotMode` or its value); ``none`` for camera only.
    assistance
        Robot assistance level, 0 (none) to 1 (full guidance).
    safe_rom_min_deg, safe_rom_max_deg
        The per-patient safe range the robot must keep the joint in, 0-180 deg, the
        minimum below the maximum.
    side
        The side to exercise: ``left``, ``right`` or ``both`` (not ``none``).
    rest_s
        Rest between sets, 0-600 s.
    exercise_version
        The version of the exercise's definition prescribed.

    Raises
    ------
    ValidationError
        A value breaks the rules above (the error names the first field at fault).
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
    """A prescribed exercise as stored: the fields of :class:`NewProgramItem` and these.

    Attributes
    ----------
    id
        Database id.
    program_id
        The program it belongs to.
    position
        Its place in the program's order, from 0.
    """

    id: int = 0
    program_id: int = 0
    position: int = 0


@dataclass(frozen=True)
class Program:
    """A patient's program of prescribed exercises, as stored.

    Attributes
    ----------
    id
        Database id.
    patient_id
        The patient it is prescribed for.
    name
        The program's name.
    created_at
        When it was created: ISO-8601 UTC text.
    active
        Whether the program is active.
    items
        The prescribed exercises in order (``position`` 0, 1, ...).
    """

    id: int
    patient_id: int
    name: str
    created_at: str
    active: bool
    items: tuple[ProgramItem, ...]


@dataclass(frozen=True)
class Session:
    """A session as stored.

    Attributes
    ----------
    id
        Database id.
    patient_id
        The patient who exercised.
    program_id
        The program it ran, or None.
    therapist_id
        The therapist's user id, or None.
    started_at, ended_at
        Start and end: ISO-8601 UTC text; ``ended_at`` is None while the session is open.
    status
        Where the session stands (see :class:`SessionStatus`).
    pain_before, pain_after
        Pain on the numeric rating scale, 0-10, or None when not answered.
    borg_rpe
        Borg rating of perceived exertion, 6-20, or None.
    notes
        What the therapist typed; may be empty.
    end_cause
        Why it ended, None while open.
    robot_used
        Whether the session drove the robot; None when that was not recorded.
    """

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

    Parameters
    ----------
    pain_after
        Pain after the session, a whole number 0-10 (NRS), or None.
    borg_rpe
        Borg rating of perceived exertion, a whole number 6-20, or None.
    notes
        What the therapist typed, at most 5000 characters; may be empty.
    pain_before
        Pain before the first set, a whole number 0-10 (NRS), or None.

    Raises
    ------
    ValidationError
        A value breaks the rules above (the error names the field).
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
    """A set to open in a running session.

    Parameters
    ----------
    exercise_id
        The exercise's id: not blank, at most 64 characters.
    set_index
        The set's number in the session, 0 or more; unique within the session.
    reps_target
        Repetitions to do, a whole number above 0.
    target_rom_deg
        The excursion to reach, 0-180 deg.
    t_start_s
        Start on the session clock (s), finite.
    side
        The side exercised.
    program_item_id
        The prescription it carries out, or None.

    Raises
    ------
    ValidationError
        A value breaks the rules above (the error names the field).
    """

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
    id
        Database id.
    session_id
        The session it belongs to.
    program_item_id, set_index, exercise_id, side, reps_target, target_rom_deg
        As in :class:`NewSet`.
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
    """One explained part of a form score: what, how many points, why.

    Attributes
    ----------
    code
        A short code for the fault.
    points
        Points taken off the form score (which runs 0-100).
    message
        The explanation a person reads.
    """

    code: str
    points: float
    message: str


@dataclass(frozen=True)
class NewRep:
    """One repetition as the scorer measured it; times on the session clock.

    Parameters
    ----------
    rep_index
        The rep's number in its set, 0 or more; unique within the set.
    t_start_s, t_peak_s, t_end_s
        Start, peak and end on the session clock (s), finite, in that order
        (``t_start_s <= t_peak_s <= t_end_s``).
    rom_deg
        Range of motion reached, 0-360 deg.
    peak_velocity_deg_s
        Peak angular velocity (deg/s), finite.
    form_score
        Form score, 0-100.
    deductions
        What took points off the form score.
    flags
        Short codes marking the rep; may be empty.
    assistance
        Robot assistance level during the rep, 0-1, or None.
    uncertain
        True when the measurement is not to be trusted.
    frame_coverage
        Fraction of the rep's camera frames with a usable pose, 0-1, or None.
    max_gap_s
        The longest gap in those frames (s), 0 or more and finite, or None.
    model_probability
        The learned model's probability (0-1) of correct form, or None.
    side
        The limb that did the rep, ``left`` or ``right`` (one-sided and alternating
        exercises), or None for both sides together.
    model_reference
        True when ``model_probability`` compares the rep with the patient's reference reps
        (:class:`FormReference`), False when it came from the reference-free model; None
        without a probability, and for a probability stored before schema version 8
        (which came from the reference-free model, but the record did not say so).

    Attributes
    ----------
    duration_s
        ``t_end_s - t_start_s`` (s), computed, never passed.

    Raises
    ------
    ValidationError
        A value breaks the rules above (the error names the field).
    """

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
    side: str | None = None
    model_reference: bool | None = None
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
        _require(self.side in (None, "left", "right"), "side", "validation.one_of",
                 allowed="left, right", value=repr(self.side))
        _require(self.model_reference is None or self.model_probability is not None,
                 "model_reference", "validation.model_reference")
        object.__setattr__(self, "duration_s", self.t_end_s - self.t_start_s)


@dataclass(frozen=True)
class Rep(NewRep):
    """A repetition as stored: the fields of :class:`NewRep` and these.

    Attributes
    ----------
    id
        Database id.
    set_id
        The set it belongs to.
    session_id
        The session of that set.
    """

    id: int = 0
    set_id: int = 0
    session_id: int = 0


#: Most reps a patient's reference may average (the shipped model was trained with 3).
MAX_REFERENCE_REPS = 9


@dataclass(frozen=True)
class FormReference:
    """A patient's reference reps for one exercise.

    Reps of theirs a therapist marked as done correctly; the learned model compares each
    later rep of the exercise with them.

    Parameters
    ----------
    patient_id, exercise_id
        Whose and of what (one reference per patient and exercise).
    session_id
        The session the reps were recorded in (its pose stream holds their movement).
    rep_ids
        The reps' ids, in the order given.
    set_by
        The user who marked them (None: the system).
    set_at
        When, ISO-8601 UTC.
    """

    patient_id: int
    exercise_id: str
    session_id: int
    rep_ids: tuple[int, ...]
    set_by: int | None
    set_at: str


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
    """A clinical assessment to record for a patient.

    Parameters
    ----------
    instrument
        One of the keys of :data:`INSTRUMENT_RANGES`.
    score
        The score, inside that instrument's range (FMA-UE 0-66, BBT 0-150 blocks/min,
        TUG 0-600 s, pain NRS 0-10).
    assessed_on
        The day assessed, an ISO date ``YYYY-MM-DD``.
    notes
        Free text; may be empty.

    Raises
    ------
    ValidationError
        A value breaks the rules above (the error names the field).
    """

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
    """An assessment as stored: the fields of :class:`NewAssessment` and these.

    Attributes
    ----------
    id
        Database id.
    patient_id
        The patient assessed.
    assessor_id
        The user who recorded it, or None.
    """

    id: int = 0
    patient_id: int = 0
    assessor_id: int | None = None


@dataclass(frozen=True)
class NewEvent:
    """An event to record: an alert, a fault, an e-stop, a note or a state change.

    Parameters
    ----------
    kind
        What it records (an :class:`EventKind` or its value).
    severity
        How serious it is (a :class:`Severity` or its value).
    source
        What reported it: not blank, at most 64 characters.
    message
        What happened: not blank, at most 2000 characters.
    t_s
        Time on the session clock (s), or None.
    cause
        The :class:`Cause` of a pause, resume or end, or None.

    Raises
    ------
    ValidationError
        A value breaks the rules above (the error names the field).
    """

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
    """An event as stored: the fields of :class:`NewEvent` and these.

    Attributes
    ----------
    id
        Database id.
    session_id
        The session it belongs to, or None for an event outside any session.
    at
        When it was recorded: ISO-8601 UTC text.
    """

    id: int = 0
    session_id: int | None = None
    at: str = ""
