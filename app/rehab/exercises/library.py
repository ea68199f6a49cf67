"""The exercise library: typed, validated exercise definitions loaded from YAML files.

Each exercise is one file ``library/<id>.yaml`` beside this module. A file is read once,
checked field by field, and turned into a frozen :class:`ExerciseDef`; a malformed file is
refused with an :class:`ExerciseFileError` that names the file and the field, so a therapist
or developer editing the library sees exactly what to fix. Unknown keys are refused too:
a typo such as ``min_rom`` for ``min_rom_deg`` would otherwise silently fall back to a default.

Angles are named as in :data:`rehab.vision.angles.ANGLE_NAMES`; a sided angle is written
with a ``{side}`` placeholder (``shoulder_abduction_{side}``) and resolved per side.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rehab.errors import DataFileError, NotFoundError, ValidationError
from rehab.language import LANGUAGES, Language, parse_language
from rehab.vision.angles import ANGLE_NAMES
from rehab.vision.view import VIEWS

__all__ = [
    "DEFAULT_LIBRARY_DIR",
    "LANGUAGES",
    "SIDES",
    "CompensationMeasure",
    "CompensationRule",
    "CueSet",
    "Direction",
    "ExerciseDef",
    "ExerciseFileError",
    "ExerciseLibrary",
    "LocalizedText",
    "RepThresholds",
    "ScoringRules",
    "SideMode",
    "Tempo",
    "load_exercise",
    "load_library",
]

DEFAULT_LIBRARY_DIR = Path(__file__).resolve().parent / "library"
SIDES = ("left", "right")
_SIDE_PLACEHOLDER = "{side}"
# A compensation of a one-sided (or alternating) exercise may read the limb that does not
# work: ``hip_flexion_{other}`` is the standing leg of a leg raise.
_OTHER_PLACEHOLDER = "{other}"
_OPPOSITE = {"left": "right", "right": "left"}


class ExerciseFileError(DataFileError):
    """An exercise file is missing, unreadable or malformed.

    Parameters
    ----------
    path
        The offending file.
    field
        Dotted path of the offending field (``rep.min_rom_deg``), or ``""`` for the whole file.
    message
        What is wrong and what is allowed.
    """

    def __init__(self, path: Path, field: str, message: str) -> None:
        where = f"{path}: field '{field}'" if field else f"{path}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.field = field
        self.message = message


class SideMode(enum.Enum):
    """Which limb(s) an exercise works and how the primary angle is formed from them."""

    ONE = "one"  # one side chosen per set (``--side``)
    BOTH = "both"  # both sides together, mean of the two angles (jumping-jack arms, squat)
    ALTERNATING = "alternating"  # sides take turns, larger of the two angles (lunge)


class Direction(enum.Enum):
    """Whether the primary angle rises or falls during the working phase of a rep."""

    INCREASE = "increase"
    DECREASE = "decrease"

    @property
    def sign(self) -> float:
        """+1 for increase, -1 for decrease: multiply an angle to make the rep rise."""
        return 1.0 if self is Direction.INCREASE else -1.0


class CompensationMeasure(enum.Enum):
    """How a compensation angle is measured during a rep before it is compared to its limit."""

    VALUE = "value"  # signed angle as it is
    ABS_VALUE = "abs_value"  # magnitude, either direction is a fault (lateral trunk lean)
    CHANGE = "change"  # signed change since the start of the rep (shoulder hike)
    ABS_CHANGE = "abs_change"  # change since the start of the rep, either way (trunk sway)
    ASYMMETRY = "asymmetry"  # |left - right| of a sided angle (uneven arms)
    LESSER = "lesser"  # the smaller of left and right, frame by frame (a lunge's back hip)

    @property
    def both_sides(self) -> bool:
        """Whether the measure reads the left and right angle together."""
        return self in (CompensationMeasure.ASYMMETRY, CompensationMeasure.LESSER)


@dataclass(frozen=True)
class LocalizedText:
    """The same text in Korean and English."""

    ko: str
    en: str

    def get(self, language: str) -> str:
        """Return the text in ``language`` (``"ko"`` or ``"en"``).

        Parameters
        ----------
        language
            ``"ko"``, ``"en"`` or a :class:`~rehab.language.Language`.

        Returns
        -------
        str
            The text in that language.

        Raises
        ------
        ValidationError
            When ``language`` names no supported language.
        """
        return self.ko if parse_language(language) is Language.KO else self.en


@dataclass(frozen=True)
class RepThresholds:
    """Hysteresis thresholds of the rep segmenter, on the primary angle (deg, s).

    Attributes
    ----------
    direction
        Whether the angle rises or falls in the working phase.
    start_deg
        Rise above the rest angle that starts a rep (hysteresis upper threshold).
    end_deg
        A rep ends when the angle is back within this many degrees of its start (lower
        threshold), or within ``end_fraction`` of its range, whichever is wider: a patient
        who does not lower all the way between reps still has each rep counted.
    end_fraction
        See ``end_deg`` (0..0.5).
    min_rom_deg
        A rep whose range of motion is below this is reported as partial and not counted.
    min_duration_s, max_duration_s
        Shorter reps are jitter or a jerk; longer ones are abandoned; both are reported partial.
    min_confidence
        Samples of the primary angle below this confidence (0..1) are treated as missing.
    max_gap_s
        A rep survives a gap of missing samples up to this long; a longer gap aborts it.
    max_speed_deg_s
        0 (default): off. Otherwise a primary angle changing faster than this between two
        samples is a tracking jump, not a movement: the samples from it on are held back
        until the angle has come back from the jump's farthest point by half the jump
        (a glitch: dropped) or ``max_gap_s`` has passed (it was real: used). For slow
        exercises whose tracker drops a limb mid-hold (UI-PRMD s07's raised leg falls 50-60
        deg in one Kinect frame, 1540-1770 deg/s, and back).
    """

    direction: Direction
    start_deg: float
    end_deg: float
    min_rom_deg: float
    min_duration_s: float
    max_duration_s: float
    end_fraction: float = 0.3
    min_confidence: float = 0.5
    max_gap_s: float = 0.5
    max_speed_deg_s: float = 0.0


@dataclass(frozen=True)
class Tempo:
    """Prescribed phase durations of one rep (s)."""

    up_s: float
    hold_s: float
    down_s: float

    @property
    def total_s(self) -> float:
        """Prescribed duration of one whole rep (s)."""
        return self.up_s + self.hold_s + self.down_s


@dataclass(frozen=True)
class CompensationRule:
    """A movement that must not happen during a rep, with its limit and cue.

    Attributes
    ----------
    id
        Short identifier (``trunk_lean``), unique within the exercise.
    angle
        An angle name of :data:`~rehab.vision.angles.ANGLE_NAMES`, possibly with ``{side}``
        (the working side) or ``{other}`` (the opposite side, the limb that should stay
        still; one-sided and alternating exercises only).
    measure
        How the angle is measured (see :class:`CompensationMeasure`).
    max_deg
        The limit; the rule is broken when the measure exceeds it for ``min_duration_s``.
    penalty_points
        Points deducted from the form score of a rep that breaks the rule.
    min_duration_s
        How long the limit must be exceeded, so a single noisy frame does not count.
    cue
        What to tell the patient.
    views
        The camera views (:data:`rehab.vision.view.VIEWS`) from which the rule can be
        measured; from any other view it is *not assessable* and never costs points.
    """

    id: str
    angle: str
    measure: CompensationMeasure
    max_deg: float
    penalty_points: float
    cue: LocalizedText
    min_duration_s: float = 0.1
    views: tuple[str, ...] = VIEWS

    def angle_names(self, sides: tuple[str, ...]) -> tuple[str, ...]:
        """Return the concrete angle names this rule reads for the working ``sides``.

        Parameters
        ----------
        sides
            The working sides (``"left"``, ``"right"``).

        Returns
        -------
        tuple of str
            Both sides for an asymmetry or lesser-side rule, one name per working side
            for a ``{side}`` angle, one per opposite of a working side for an ``{other}``
            angle, else the angle itself.

        Examples
        --------
        >>> rule = CompensationRule("still", "hip_flexion_{other}", CompensationMeasure.CHANGE,
        ...                         5.0, 10.0, LocalizedText("", ""))
        >>> rule.angle_names(("right",))
        ('hip_flexion_left',)
        """
        if self.measure.both_sides:
            return tuple(self.angle.replace(_SIDE_PLACEHOLDER, s) for s in SIDES)
        if _SIDE_PLACEHOLDER in self.angle:
            return tuple(self.angle.replace(_SIDE_PLACEHOLDER, s) for s in sides)
        if _OTHER_PLACEHOLDER in self.angle:
            return tuple(self.angle.replace(_OTHER_PLACEHOLDER, _OPPOSITE[s]) for s in sides)
        return (self.angle,)


@dataclass(frozen=True)
class CueSet:
    """Cues for the non-compensation deductions, and praise for a good rep."""

    rom_low: LocalizedText
    too_fast: LocalizedText
    too_slow: LocalizedText
    not_smooth: LocalizedText
    good: LocalizedText


@dataclass(frozen=True)
class ScoringRules:
    """How many points each kind of fault can cost, and where smoothness starts to cost.

    Attributes
    ----------
    rom_max_points
        Deducted in full when the ROM is at ``rom_floor_ratio`` of the target or below.
    rom_ok_ratio
        ROM at or above this fraction of the target costs nothing.
    rom_floor_ratio
        ROM fraction at which the whole ``rom_max_points`` are lost.
    tempo_max_points
        Deducted in full when the rep takes half (or twice) the prescribed time or worse.
    tempo_tolerance_ratio
        Relative deviation from the prescribed duration that costs nothing (0.3 = +-30 %).
    smoothness_max_points
        Deducted in full at ``sparc_floor`` or below.
    sparc_ok
        SPARC at or above this costs nothing (SPARC is negative; closer to 0 is smoother).
    sparc_floor
        SPARC at which the whole ``smoothness_max_points`` are lost.
    """

    rom_max_points: float = 40.0
    rom_ok_ratio: float = 0.9
    rom_floor_ratio: float = 0.4
    tempo_max_points: float = 15.0
    tempo_tolerance_ratio: float = 0.4
    smoothness_max_points: float = 15.0
    sparc_ok: float = -3.5
    sparc_floor: float = -6.0


@dataclass(frozen=True)
class ExerciseDef:
    """One exercise of the library, validated.

    Attributes
    ----------
    id
        Identifier, equal to the file stem (``shoulder_abduction``).
    names, description
        Shown to therapist and patient.
    primary_angle
        Angle name, with ``{side}`` for sided exercises (``shoulder_abduction_{side}``).
    side_mode
        One side, both together, or alternating (see :class:`SideMode`).
    default_side
        The side used when none is given (only meaningful for :attr:`SideMode.ONE`).
    camera_view
        ``frontal`` or ``sagittal``: where the camera should stand.
    rep
        Segmenter thresholds.
    target_rom_deg
        Prescribed range of motion of one rep (deg), before a therapist's override.
    tempo
        Prescribed phase durations.
    compensations
        Faults watched during each rep.
    cues
        Cues of the non-compensation deductions.
    scoring
        Deduction weights.
    source
        The file it was loaded from.
    robot_joint
        The robot joint that moves the exercise's primary motion (a joint name of the
        robot's ``config/robot.yaml``), or None for a camera-only exercise.
    """

    id: str
    names: LocalizedText
    description: LocalizedText
    primary_angle: str
    side_mode: SideMode
    default_side: str
    camera_view: str
    rep: RepThresholds
    target_rom_deg: float
    tempo: Tempo
    compensations: tuple[CompensationRule, ...]
    cues: CueSet
    scoring: ScoringRules
    source: Path
    robot_joint: str | None = None

    def working_sides(self, side: str | None = None) -> tuple[str, ...]:
        """Return the sides whose primary angle is read, for an optional chosen ``side``.

        Parameters
        ----------
        side
            ``"left"``, ``"right"`` or None (the exercise's default side for a one-sided
            exercise).

        Returns
        -------
        tuple of str
            One side for a one-sided exercise, else both.

        Raises
        ------
        ValidationError
            When ``side`` is not ``left``/``right``, or is given for a two-sided exercise.
        """
        if side is not None and side not in SIDES:
            raise ValidationError("side", "validation.one_of", allowed=", ".join(SIDES),
                                  value=repr(side))
        if self.side_mode is SideMode.ONE:
            return (side or self.default_side,)
        if side is not None:
            raise ValidationError("side", "exercise.works_both_sides", exercise=repr(self.id))
        return SIDES

    def primary_angle_names(self, side: str | None = None) -> tuple[str, ...]:
        """Return the concrete primary angle name(s) for ``side`` (see :meth:`working_sides`).

        Parameters
        ----------
        side
            ``"left"``, ``"right"`` or None.

        Returns
        -------
        tuple of str
            One name per working side (one name for a side-less angle).

        Raises
        ------
        ValidationError
            As :meth:`working_sides`, for a sided primary angle.
        """
        if _SIDE_PLACEHOLDER not in self.primary_angle:
            return (self.primary_angle,)
        return tuple(
            self.primary_angle.replace(_SIDE_PLACEHOLDER, s) for s in self.working_sides(side)
        )


class _Reader:
    """Reads one mapping of a YAML file, naming the file and dotted field in every error."""

    def __init__(self, path: Path, data: object, prefix: str = "") -> None:
        self.path = path
        self.prefix = prefix
        if not isinstance(data, Mapping):
            raise ExerciseFileError(path, prefix, f"must be a mapping, got {type(data).__name__}")
        self.data: Mapping[str, Any] = data
        self._seen: set[str] = set()

    def _field(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def error(self, key: str, message: str) -> ExerciseFileError:
        return ExerciseFileError(self.path, self._field(key), message)

    def _get(self, key: str, required: bool) -> Any:
        self._seen.add(key)
        if key not in self.data or self.data[key] is None:
            if required:
                raise self.error(key, "is required")
            return None
        return self.data[key]

    def text(self, key: str) -> str:
        value = self._get(key, required=True)
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"must be a non-empty string, got {value!r}")
        return value.strip()

    def optional_text(self, key: str) -> str | None:
        return None if self._get(key, required=False) is None else self.text(key)

    def number(self, key: str, low: float, high: float, default: float | None = None) -> float:
        value = self._get(key, required=default is None)
        if value is None:
            assert default is not None
            return default
        # bool is an int subclass; `true` is never a meaningful number of degrees.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"must be a number, got {value!r}")
        if not low <= float(value) <= high:
            raise self.error(key, f"must be between {low:g} and {high:g}, got {value!r}")
        return float(value)

    def choice(self, key: str, choices: tuple[str, ...], default: str | None = None) -> str:
        value = self._get(key, required=default is None)
        if value is None:
            assert default is not None
            return default
        if value not in choices:
            raise self.error(key, f"must be one of {', '.join(choices)}, got {value!r}")
        return str(value)

    def choices(self, key: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        """A non-empty list of distinct values of ``allowed`` (all of them when absent).

        Returns
        -------
        tuple of str
            The chosen values, in the order of ``allowed``.

        Raises
        ------
        ExerciseFileError
            When the value is not a non-empty list of distinct values of ``allowed``.
        """
        value = self._get(key, required=False)
        if value is None:
            return allowed
        if not isinstance(value, list) or not value:
            raise self.error(key, f"must be a non-empty list of {', '.join(allowed)}")
        bad = [v for v in value if v not in allowed]
        if bad or len(set(value)) != len(value):
            raise self.error(key, f"must list distinct values of {', '.join(allowed)}, "
                             f"got {value!r}")
        return tuple(v for v in allowed if v in value)

    def child(self, key: str, required: bool = True) -> _Reader | None:
        value = self._get(key, required=required)
        if value is None:
            return None
        return _Reader(self.path, value, self._field(key))

    def items(self, key: str) -> list[_Reader]:
        value = self._get(key, required=False)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(key, f"must be a list, got {type(value).__name__}")
        return [_Reader(self.path, v, f"{self._field(key)}[{i}]") for i, v in enumerate(value)]

    def localized(self, key: str) -> LocalizedText:
        child = self.child(key)
        assert child is not None
        text = LocalizedText(ko=child.text("ko"), en=child.text("en"))
        child.finish()
        return text

    def finish(self) -> None:
        """Refuse keys that were never read: they are typos or unsupported fields."""
        unknown = sorted(str(k) for k in self.data if k not in self._seen)
        if unknown:
            raise self.error(unknown[0], "is not a known field")


def _angle(reader: _Reader, key: str, sided: bool, other_ok: bool = False) -> str:
    name = reader.text(key)
    if _OTHER_PLACEHOLDER in name and not other_ok:
        raise reader.error(
            key, f"'{{other}}' needs a one-sided or alternating exercise's compensation, "
            f"got {name!r}"
        )
    placeholder = _OTHER_PLACEHOLDER if _OTHER_PLACEHOLDER in name else _SIDE_PLACEHOLDER
    if sided != (placeholder in name):
        need = "must" if sided else "must not"
        raise reader.error(key, f"{need} contain '{{side}}' for this exercise, got {name!r}")
    concrete = [name.replace(placeholder, s) for s in SIDES] if sided else [name]
    for candidate in concrete:
        if candidate not in ANGLE_NAMES:
            known = ", ".join(ANGLE_NAMES)
            raise reader.error(key, f"{candidate!r} is not a known angle ({known})")
    return name


def _rep(reader: _Reader) -> RepThresholds:
    rep = RepThresholds(
        direction=Direction(reader.choice("direction", tuple(d.value for d in Direction))),
        start_deg=reader.number("start_deg", 1.0, 90.0),
        end_deg=reader.number("end_deg", 1.0, 90.0),
        min_rom_deg=reader.number("min_rom_deg", 1.0, 180.0),
        min_duration_s=reader.number("min_duration_s", 0.05, 30.0),
        max_duration_s=reader.number("max_duration_s", 0.5, 120.0),
        end_fraction=reader.number("end_fraction", 0.0, 0.5, RepThresholds.end_fraction),
        min_confidence=reader.number("min_confidence", 0.0, 1.0, RepThresholds.min_confidence),
        max_gap_s=reader.number("max_gap_s", 0.0, 5.0, RepThresholds.max_gap_s),
        max_speed_deg_s=reader.number(
            "max_speed_deg_s", 0.0, 10000.0, RepThresholds.max_speed_deg_s
        ),
    )
    reader.finish()
    if rep.end_deg >= rep.start_deg:
        raise reader.error("end_deg", f"must be below start_deg ({rep.start_deg:g}) for hysteresis")
    if rep.min_rom_deg < rep.start_deg:
        raise reader.error("min_rom_deg", f"must be at least start_deg ({rep.start_deg:g})")
    if rep.max_duration_s <= rep.min_duration_s:
        raise reader.error("max_duration_s", "must be above min_duration_s")
    return rep


def _compensation(reader: _Reader, sided: bool, one_sided: bool) -> CompensationRule:
    measure = CompensationMeasure(
        reader.choice("measure", tuple(m.value for m in CompensationMeasure))
    )
    # An asymmetry or lesser side reads both sides: its angle is always written with {side}.
    both = measure.both_sides
    angle = _angle(reader, "angle", sided or both, other_ok=one_sided and not both)
    rule = CompensationRule(
        id=reader.text("id"),
        angle=angle,
        measure=measure,
        max_deg=reader.number("max_deg", 0.5, 180.0),
        penalty_points=reader.number("penalty_points", 0.0, 100.0),
        cue=reader.localized("cue"),
        min_duration_s=reader.number("min_duration_s", 0.0, 10.0, CompensationRule.min_duration_s),
        views=reader.choices("views", VIEWS),
    )
    reader.finish()
    return rule


def _compensation_sided(reader: _Reader) -> bool:
    """Whether a compensation angle is written with ``{side}`` (read before validating).

    Returns
    -------
    bool
        True when ``angle`` is a string containing ``{side}`` or ``{other}``.
    """
    angle = reader.data.get("angle")
    return isinstance(angle, str) and (_SIDE_PLACEHOLDER in angle or _OTHER_PLACEHOLDER in angle)


def _cues(reader: _Reader) -> CueSet:
    cues = CueSet(
        rom_low=reader.localized("rom_low"),
        too_fast=reader.localized("too_fast"),
        too_slow=reader.localized("too_slow"),
        not_smooth=reader.localized("not_smooth"),
        good=reader.localized("good"),
    )
    reader.finish()
    return cues


def _scoring(reader: _Reader | None) -> ScoringRules:
    if reader is None:
        return ScoringRules()
    d = ScoringRules()
    rules = ScoringRules(
        rom_max_points=reader.number("rom_max_points", 0.0, 100.0, d.rom_max_points),
        rom_ok_ratio=reader.number("rom_ok_ratio", 0.1, 1.5, d.rom_ok_ratio),
        rom_floor_ratio=reader.number("rom_floor_ratio", 0.0, 1.0, d.rom_floor_ratio),
        tempo_max_points=reader.number("tempo_max_points", 0.0, 100.0, d.tempo_max_points),
        tempo_tolerance_ratio=reader.number(
            "tempo_tolerance_ratio", 0.0, 0.9, d.tempo_tolerance_ratio
        ),
        smoothness_max_points=reader.number(
            "smoothness_max_points", 0.0, 100.0, d.smoothness_max_points
        ),
        sparc_ok=reader.number("sparc_ok", -20.0, 0.0, d.sparc_ok),
        sparc_floor=reader.number("sparc_floor", -40.0, 0.0, d.sparc_floor),
    )
    reader.finish()
    if rules.rom_floor_ratio >= rules.rom_ok_ratio:
        raise reader.error("rom_floor_ratio", "must be below rom_ok_ratio")
    if rules.sparc_floor >= rules.sparc_ok:
        raise reader.error("sparc_floor", "must be below sparc_ok")
    return rules


def _parse(path: Path, data: object) -> ExerciseDef:
    top = _Reader(path, data)
    exercise_id = top.text("id")
    if exercise_id != path.stem:
        raise top.error("id", f"must equal the file name {path.stem!r}, got {exercise_id!r}")
    side_mode = SideMode(top.choice("side_mode", tuple(m.value for m in SideMode)))
    primary = _angle(top, "primary_angle", sided=True)
    rep_reader = top.child("rep")
    assert rep_reader is not None
    tempo_reader = top.child("tempo")
    assert tempo_reader is not None
    tempo = Tempo(
        up_s=tempo_reader.number("up_s", 0.1, 30.0),
        hold_s=tempo_reader.number("hold_s", 0.0, 60.0),
        down_s=tempo_reader.number("down_s", 0.1, 30.0),
    )
    tempo_reader.finish()
    compensations = tuple(
        _compensation(r, _compensation_sided(r), side_mode is not SideMode.BOTH)
        for r in top.items("compensations")
    )
    ids = [c.id for c in compensations]
    if len(set(ids)) != len(ids):
        raise top.error("compensations", f"ids must be unique, got {ids}")
    cues_reader = top.child("cues")
    assert cues_reader is not None
    exercise = ExerciseDef(
        id=exercise_id,
        names=top.localized("names"),
        description=top.localized("description"),
        primary_angle=primary,
        side_mode=side_mode,
        default_side=top.choice("default_side", SIDES, "right"),
        camera_view=top.choice("camera_view", ("frontal", "sagittal")),
        rep=_rep(rep_reader),
        target_rom_deg=top.number("target_rom_deg", 5.0, 180.0),
        tempo=tempo,
        compensations=compensations,
        cues=_cues(cues_reader),
        scoring=_scoring(top.child("scoring", required=False)),
        source=path,
        robot_joint=top.optional_text("robot_joint"),
    )
    top.finish()
    if exercise.target_rom_deg < exercise.rep.min_rom_deg:
        minimum = exercise.rep.min_rom_deg
        raise top.error("target_rom_deg", f"must be at least rep.min_rom_deg ({minimum:g})")
    return exercise


def load_exercise(path: str | Path) -> ExerciseDef:
    """Load and validate one exercise file.

    Parameters
    ----------
    path
        A ``<id>.yaml`` file.

    Returns
    -------
    ExerciseDef
        The validated exercise.

    Raises
    ------
    ExerciseFileError
        When the file is missing, is not YAML, or a field is missing or invalid; the message
        names the file and the field.

    Examples
    --------
    >>> ex = load_exercise(DEFAULT_LIBRARY_DIR / "squat.yaml")
    >>> ex.primary_angle_names()
    ('knee_flexion_left', 'knee_flexion_right')
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExerciseFileError(path, "", f"cannot be read: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ExerciseFileError(path, "", f"is not valid YAML: {exc}") from exc
    return _parse(path, data)


class ExerciseLibrary(Mapping[str, ExerciseDef]):
    """All exercises of a library folder, by id (a read-only mapping)."""

    def __init__(self, exercises: Mapping[str, ExerciseDef]) -> None:
        self._exercises = dict(sorted(exercises.items()))

    def __getitem__(self, exercise_id: str) -> ExerciseDef:
        try:
            return self._exercises[exercise_id]
        except KeyError:
            known = ", ".join(self._exercises)
            raise NotFoundError(f"unknown exercise {exercise_id!r}; known: {known}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._exercises)

    def __len__(self) -> int:
        return len(self._exercises)

    def name(self, exercise_id: str, language: str) -> str:
        """The exercise's name in ``language``.

        Returns
        -------
        str
            The name; the id when the library lacks the exercise (a record of an exercise
            since removed).
        """
        found = self._exercises.get(exercise_id)
        return exercise_id if found is None else found.names.get(language)


def load_library(directory: str | Path | None = None) -> ExerciseLibrary:
    """Load every ``*.yaml`` exercise of ``directory`` (default: the bundled library).

    Parameters
    ----------
    directory
        Folder of ``*.yaml`` exercise files; None for the bundled library.

    Returns
    -------
    ExerciseLibrary
        The exercises, keyed by file stem.

    Raises
    ------
    ExerciseFileError
        When the folder holds no exercise or any file is malformed (the first one found).

    Examples
    --------
    >>> "squat" in load_library()
    True
    """
    folder = Path(directory) if directory is not None else DEFAULT_LIBRARY_DIR
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise ExerciseFileError(folder, "", "holds no exercise files (*.yaml)")
    return ExerciseLibrary({f.stem: load_exercise(f) for f in files})
