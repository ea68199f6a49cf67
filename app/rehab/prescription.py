"""The rules of a prescription, stated once: what a therapist may prescribe, and why not.

A prescription (an exercise's sets, reps, target ROM, tempo, rest, side, robot mode,
assistance and the patient's safe ROM) is checked in three rings, each a pure function
that returns structured :class:`Problem` s (field, message id, parameters):

- :func:`range_problems`: each value in its range, the safe range containing the target
  (the store refuses a record that breaks these);
- :func:`exercise_problems`: the prescription against its exercise (its sides, the
  smallest ROM its rep counter counts, whether a robot joint moves it) and against that
  robot joint's position and speed limits (the program editor shows these beside the
  field to fix);
- :func:`robot_span` and :func:`command_problems`: the exact range the robot joint will
  move through and the robot command's own ranges (the session plan and the robot client).

The robot core checks every command again (``rehab_robot.core.validation``): it trusts no
client. This module is its early, translated twin; its speed rule reads the core's
:data:`~rehab_robot.core.validation.MIN_JERK_PEAK_FACTOR`. Which robot joint moves an
exercise is the exercise's ``robot_joint`` field in its YAML file. Nothing here imports
the store, Qt or DDS.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from rehab.errors import ValidationError
from rehab.messages import Message, has_message
from rehab_robot.core.validation import MIN_JERK_PEAK_FACTOR

MAX_SETS = 20
MAX_REPS = 200
MAX_ROM_DEG = 180.0
TEMPO_RANGE_S = (0.5, 20.0)
"""One way of the movement (s): slower than 20 s is a hold, not an exercise."""
REST_RANGE_S = (0.0, 600.0)
ASSISTANCE_RANGE = (0.0, 1.0)
PRESCRIBABLE_SIDES = ("left", "right", "both")
NO_ROBOT = "none"
"""The robot mode of a camera-only prescription."""

# The robot command's own ranges (a command is one set of one exercise).
COMMAND_TEMPO_RANGE_S = (0.5, 30.0)
COMMAND_HOLD_RANGE_S = (0.0, 30.0)

__all__ = [
    "MIN_JERK_PEAK_FACTOR",
    "ExerciseRules",
    "Problem",
    "RobotJointLimits",
    "RobotSpan",
    "command_problems",
    "exercise_problems",
    "joint_label",
    "raise_first",
    "range_problems",
    "robot_joint_limits",
    "robot_span",
    "slowest_tempo_s",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a prescription: the field to fix, and a message as data."""

    field: str
    message_id: str
    params: Mapping[str, object] = field(default_factory=dict)

    def error(self) -> ValidationError:
        """This problem as the app's :class:`~rehab.errors.ValidationError`."""
        return ValidationError(self.field, self.message_id, **self.params)


def raise_first(problems: Iterable[Problem]) -> None:
    """Raise the first problem as a :class:`~rehab.errors.ValidationError`, if any.

    Raises
    ------
    ValidationError
        The first of ``problems``.
    """
    for problem in problems:
        raise problem.error()


class Prescribed(Protocol):
    """The values of a prescription (a ``NewProgramItem`` or an editor's draft)."""

    exercise_id: str
    sets: int
    reps: int
    target_rom_deg: float
    tempo_s: float
    robot_mode: str
    assistance: float
    safe_rom_min_deg: float
    safe_rom_max_deg: float
    side: str
    rest_s: float


@dataclass(frozen=True)
class ExerciseRules:
    """What of an exercise a prescription must respect.

    Parameters
    ----------
    exercise_id
        The library id.
    sides
        The sides a prescription may name (``left``/``right`` for one-sided exercises,
        ``both`` otherwise).
    counted_min_rom_deg
        The smallest ROM the rep counter counts (``rep.min_rom_deg``).
    robot_joint
        The robot joint that moves it, None when camera-only.
    """

    exercise_id: str
    sides: tuple[str, ...]
    counted_min_rom_deg: float
    robot_joint: str | None

    @classmethod
    def of(cls, exercise: object) -> ExerciseRules:
        """The rules of a library :class:`~rehab.exercises.library.ExerciseDef`."""
        one_sided = str(getattr(exercise.side_mode, "value", exercise.side_mode)) == "one"
        return cls(exercise.id, ("left", "right") if one_sided else ("both",),
                   float(exercise.rep.min_rom_deg), exercise.robot_joint)


@dataclass(frozen=True)
class RobotJointLimits:
    """A robot joint's hard limits (deg, deg/s), from the robot's configuration."""

    name: str
    position_min_deg: float
    position_max_deg: float
    velocity_limit_deg_s: float = math.inf

    @property
    def label(self) -> Message | str:
        """The joint's name for people."""
        return joint_label(self.name)


def joint_label(name: str) -> Message | str:
    """A robot joint's name for people (its catalogue entry), or the raw name."""
    return Message(f"joint.{name}") if has_message(f"joint.{name}") else name


def robot_joint_limits(config: object, decimals: int | None = 6) -> dict[str, RobotJointLimits]:
    """The joints' limits of a loaded robot configuration (``RobotConfig``), in degrees.

    ``decimals`` rounds them for people (the editor); ``None`` keeps the exact conversion
    the robot's own check uses (the session plan, so a span never passes a limit by a
    rounding error).
    """
    def deg(rad: float) -> float:
        value = math.degrees(rad)
        return value if decimals is None else round(value, decimals)

    return {j.name: RobotJointLimits(j.name, deg(j.limits.position_min_rad),
                                     deg(j.limits.position_max_rad),
                                     deg(j.limits.velocity_limit_rad_s))
            for j in config.joints}


def slowest_tempo_s(rom_deg: float, joint: RobotJointLimits) -> float:
    """The shortest one-way time (s, rounded up to 0.1 s) in which the joint may move
    ``rom_deg`` without its minimum-jerk peak speed passing the joint's limit.

    Examples
    --------
    >>> slowest_tempo_s(90.0, RobotJointLimits("elbow_flexion", 0.0, 140.0, 60.0))
    2.9
    """
    return math.ceil(MIN_JERK_PEAK_FACTOR * rom_deg / joint.velocity_limit_deg_s * 10) / 10


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) \
        and math.isfinite(value)


def _range(name: str, value: object, lo: float, hi: float, unit: str = "") -> Problem | None:
    if not _number(value):
        return Problem(name, "validation.finite", {"value": repr(value)})
    if not lo <= value <= hi:
        return Problem(name, f"validation.range{unit}", {"lo": lo, "hi": hi, "value": value})
    return None


def range_problems(item: Prescribed) -> list[Problem]:
    """Each value of ``item`` in its range, and the safe range holding the target.

    Parameters
    ----------
    item
        The prescription's values.

    Returns
    -------
    list of Problem
        Empty when every value is allowed; in field order otherwise.

    Examples
    --------
    >>> from types import SimpleNamespace as P
    >>> item = P(sets=0, reps=10, target_rom_deg=90, safe_rom_min_deg=0,
    ...          safe_rom_max_deg=120, tempo_s=2, rest_s=60, assistance=0.5, side="left")
    >>> [(p.field, p.message_id) for p in range_problems(item)]
    [('sets', 'validation.whole_positive')]
    """
    problems: list[Problem] = []
    for name, most in (("sets", MAX_SETS), ("reps", MAX_REPS)):
        value = getattr(item, name)
        if not (_whole(value) and value > 0):
            return [*problems, Problem(name, "validation.whole_positive",
                                       {"value": repr(value)})]
        if value > most:
            problems.append(Problem(name, "validation.at_most", {"hi": most, "value": value}))
    for name in ("target_rom_deg", "safe_rom_min_deg", "safe_rom_max_deg"):
        if (problem := _range(name, getattr(item, name), 0, MAX_ROM_DEG, "_deg")) is not None:
            return [*problems, problem]
    lo, hi = item.safe_rom_min_deg, item.safe_rom_max_deg
    if lo >= hi:
        problems.append(Problem("safe_rom_max_deg", "prescription.safe_max_above_min"))
    elif item.target_rom_deg > hi - lo:
        problems.append(Problem("target_rom_deg", "prescription.target_fits_safe_range",
                                {"lo": lo, "hi": hi}))
    for problem in (_range("tempo_s", item.tempo_s, *TEMPO_RANGE_S, "_s"),
                    _range("rest_s", item.rest_s, *REST_RANGE_S, "_s"),
                    _range("assistance", item.assistance, *ASSISTANCE_RANGE)):
        if problem is not None:
            problems.append(problem)
    if item.side not in PRESCRIBABLE_SIDES:
        problems.append(Problem("side", "validation.side"))
    return problems


def exercise_problems(item: Prescribed, exercise: ExerciseRules,
                      joints: Mapping[str, RobotJointLimits]) -> list[Problem]:
    """``item`` against its exercise and the robot joint that moves it.

    Parameters
    ----------
    item
        A prescription whose :func:`range_problems` are empty.
    exercise
        The exercise's rules (:meth:`ExerciseRules.of`).
    joints
        The robot's joint limits by name (:func:`robot_joint_limits`).

    Returns
    -------
    list of Problem
        The side does not fit the exercise; the target is below the exercise's counted
        minimum (no rep would ever count); a camera-only exercise has a robot mode; the
        safe range leaves the joint's position limits; the tempo would drive the joint
        past its speed limit (the robot would refuse the command).
    """
    problems: list[Problem] = []
    if str(item.side) not in exercise.sides:
        problems.append(Problem("side", "prescription.side_of_exercise",
                                {"sides": ", ".join(exercise.sides)}))
    if item.target_rom_deg < exercise.counted_min_rom_deg:
        problems.append(Problem("target_rom_deg", "prescription.below_counted_minimum",
                                {"min_rom": exercise.counted_min_rom_deg}))
    if exercise.robot_joint is None:
        if str(item.robot_mode) != NO_ROBOT:
            problems.append(Problem("robot_mode", "prescription.camera_only"))
        return problems
    if str(item.robot_mode) == NO_ROBOT:
        return problems
    joint = joints[exercise.robot_joint]
    if item.safe_rom_min_deg < joint.position_min_deg:
        problems.append(Problem("safe_rom_min_deg", "prescription.below_robot_limit",
                                {"joint": joint.label, "limit": joint.position_min_deg}))
    if item.safe_rom_max_deg > joint.position_max_deg:
        problems.append(Problem("safe_rom_max_deg", "prescription.above_robot_limit",
                                {"joint": joint.label, "limit": joint.position_max_deg}))
    peak_deg_s = MIN_JERK_PEAK_FACTOR * item.target_rom_deg / item.tempo_s
    if peak_deg_s > joint.velocity_limit_deg_s:
        problems.append(Problem("tempo_s", "prescription.too_fast", {
            "slowest_s": slowest_tempo_s(item.target_rom_deg, joint), "joint": joint.label,
            "peak_deg_s": peak_deg_s, "limit_deg_s": joint.velocity_limit_deg_s}))
    return problems


@dataclass(frozen=True)
class RobotSpan:
    """Where the robot joint moves for a prescription: from ``start_deg`` by the target,
    inside ``[lo_deg, hi_deg]`` (the safe range intersected with the joint's limits)."""

    joint: str
    lo_deg: float
    hi_deg: float
    start_deg: float
    end_deg: float


def robot_span(item: Prescribed, joint: RobotJointLimits) -> RobotSpan | Problem:
    """The range the robot joint moves through for ``item``, or why it cannot.

    Examples
    --------
    >>> from types import SimpleNamespace as P
    >>> joint = RobotJointLimits("elbow_flexion", 0.0, 140.0, 60.0)
    >>> robot_span(P(safe_rom_min_deg=10, safe_rom_max_deg=150, target_rom_deg=90), joint)
    RobotSpan(joint='elbow_flexion', lo_deg=10, hi_deg=140.0, start_deg=10, end_deg=100)
    """
    lo = max(item.safe_rom_min_deg, joint.position_min_deg)
    hi = min(item.safe_rom_max_deg, joint.position_max_deg)
    if lo >= hi:
        return Problem("safe_rom_max_deg", "prescription.no_overlap", {"joint": joint.label})
    if lo + item.target_rom_deg > hi:
        return Problem("target_rom_deg", "prescription.target_passes_limit",
                       {"target": item.target_rom_deg, "lo": lo, "hi": hi})
    return RobotSpan(joint.name, lo, hi, lo, lo + item.target_rom_deg)


def command_problems(*, exercise_id: str, mode: str, modes: Iterable[str],
                     joint_names: tuple[str, ...], per_joint: Mapping[str, tuple[float, ...]],
                     reps: int, tempo_s: float, hold_s: float, assistance: float,
                     resistance: float) -> list[Problem]:
    """The robot command's own ranges (the app's check before anything is sent).

    ``per_joint`` holds ``start_deg``, ``end_deg``, ``rom_min_deg`` and ``rom_max_deg``.
    """
    problems: list[Problem] = []
    if not exercise_id:
        problems.append(Problem("exercise_id", "validation.not_empty"))
    modes = tuple(modes)
    if mode not in modes:
        problems.append(Problem("mode", "validation.one_of",
                                {"allowed": ", ".join(modes), "value": repr(mode)}))
    n = len(joint_names)
    if n < 1:
        return [*problems, Problem("joint_names", "prescription.at_least_one_joint")]
    for name, values in per_joint.items():
        if len(values) != n:
            return [*problems, Problem(name, "prescription.one_per_joint", {"n": n})]
        if not all(_number(v) for v in values):
            return [*problems, Problem(name, "validation.finite", {"value": repr(values)})]
    for name, value, (lo, hi), unit in (
            ("reps", reps, (1, MAX_REPS), ""), ("tempo_s", tempo_s, COMMAND_TEMPO_RANGE_S, "_s"),
            ("hold_s", hold_s, COMMAND_HOLD_RANGE_S, "_s"),
            ("assistance", assistance, ASSISTANCE_RANGE, ""),
            ("resistance", resistance, ASSISTANCE_RANGE, "")):
        if (problem := _range(name, value, lo, hi, unit)) is not None:
            problems.append(problem)
    for i, joint in enumerate(joint_names):
        lo, hi = per_joint["rom_min_deg"][i], per_joint["rom_max_deg"][i]
        label = joint_label(joint)
        if not lo < hi:
            problems.append(Problem("rom_min_deg", "prescription.rom_order",
                                    {"joint": label, "lo": lo, "hi": hi}))
            continue
        for name in ("start_deg", "end_deg"):
            value = per_joint[name][i]
            if not lo <= value <= hi:
                problems.append(Problem(name, "prescription.outside_rom",
                                        {"joint": label, "value": value, "lo": lo, "hi": hi}))
    return problems
