"""Validation of exercise commands against the configured limits.

Commands come from the app over the network; they are checked here, where they enter the
core, and a refused command leaves the robot as it was.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rehab_robot.core.api import ControlMode, ExerciseCommand, ReasonCode
from rehab_robot.core.config import RobotConfig

MAX_REPS = 500
TEMPO_RANGE_S = (0.5, 60.0)
HOLD_RANGE_S = (0.0, 60.0)
MIN_JERK_PEAK_FACTOR = 1.875
"""Peak over mean speed of a minimum-jerk move (15/8): the robot moves the limb along such
a trajectory, so a tempo is refused when ``MIN_JERK_PEAK_FACTOR * ROM / tempo_s`` exceeds
the joint's velocity limit. The app's prescription check reads this constant."""


@dataclass(frozen=True)
class CommandProblem:
    """Why a command is refused, as data: the code, the offending field, the reason.

    Attributes
    ----------
    code
        The :class:`ReasonCode` published with the refusal.
    field
        The command's field to fix (``tempo_s``; ``rom_min_deg/rom_max_deg`` for the pair).
    reason
        English words for logs and engineers (the app translates ``code``).
    """

    code: ReasonCode
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


def _finite(values: tuple[float, ...]) -> bool:
    return all(isinstance(v, int | float) and math.isfinite(v) for v in values)


def validate_command(cmd: ExerciseCommand, config: RobotConfig) -> str:
    """Check an exercise command; return ``""`` if acceptable, else the reason.

    The reason's code is :func:`check_command`'s.

    Parameters
    ----------
    cmd
        The command as received.
    config
        The robot configuration (joint names and limits).

    Returns
    -------
    str
        ``""`` or a one-line reason naming the offending field.

    Examples
    --------
    >>> from rehab_robot.core.config import load_config
    >>> cmd = ExerciseCommand("elbow_flexion", ControlMode.PASSIVE, ("elbow_flexion",),
    ...                       (10.0,), (90.0,), 5, 3.0, 0.5, 0.5, 0.0, (0.0,), (120.0,))
    >>> validate_command(cmd, load_config())
    ''
    >>> validate_command(cmd.__class__(**{**cmd.__dict__, "end_deg": (170.0,)}), load_config())
    'end_deg: elbow_flexion 170.0 deg is outside the patient ROM [0.0, 120.0] deg'
    """
    refusal = check_command(cmd, config)
    return "" if refusal is None else refusal[1]


def check_command(cmd: ExerciseCommand, config: RobotConfig) -> tuple[ReasonCode, str] | None:
    """Check an exercise command; return ``None`` if acceptable, else ``(code, reason)``.

    ``code`` is INVALID_COMMAND (a field out of its range), ROM_OUTSIDE_LIMITS (the patient
    ROM leaves the joint limits or does not contain start and end) or SPEED_LIMIT (the tempo
    would exceed a joint's velocity limit); ``reason`` is ``"field: words"``
    (:func:`command_problem` gives the parts as data).

    Parameters
    ----------
    cmd
        The command as received: angles in degrees, ``reps`` in [1, 500], ``tempo_s`` in
        [0.5, 60] s, ``hold_s`` in [0, 60] s, ``assistance`` and ``resistance`` in [0, 1].
    config
        The robot configuration (joint names and limits).

    Returns
    -------
    tuple of (ReasonCode, str) or None
        None when the command is acceptable, else ``(code, reason)`` of its first problem.
    """
    problem = command_problem(cmd, config)
    return None if problem is None else (problem.code, str(problem))


def command_problem(cmd: ExerciseCommand, config: RobotConfig) -> CommandProblem | None:
    """The first problem of an exercise command, or ``None`` when it is acceptable.

    Parameters
    ----------
    cmd
        The command as received.
    config
        The robot configuration (joint names and limits).

    Returns
    -------
    CommandProblem or None
        The code, the field and the reason of the refusal.

    Examples
    --------
    >>> from rehab_robot.core.config import load_config
    >>> cmd = ExerciseCommand("elbow_flexion", ControlMode.PASSIVE, ("elbow_flexion",),
    ...                       (10.0,), (90.0,), 5, 0.5, 0.5, 0.5, 0.0, (0.0,), (120.0,))
    >>> problem = command_problem(cmd, load_config())
    >>> problem.code, problem.field
    (<ReasonCode.SPEED_LIMIT: 'speed_limit'>, 'tempo_s')
    """
    invalid = ReasonCode.INVALID_COMMAND
    if not isinstance(cmd.mode, ControlMode):
        return CommandProblem(invalid, "mode", f"unknown mode {cmd.mode!r}")
    if not isinstance(cmd.exercise_id, str) or not cmd.exercise_id:
        return CommandProblem(invalid, "exercise_id", "must be a non-empty string")
    names = cmd.joint_names
    joints = {j.name: j for j in config.joints}
    if not names or len(set(names)) != len(names):
        return CommandProblem(invalid, "joint_names", "must be a non-empty list without repeats")
    unknown = [n for n in names if n not in joints]
    if unknown:
        return CommandProblem(invalid, "joint_names", f"unknown joint {unknown[0]!r} "
                              f"(known: {', '.join(joints)})")
    for field in ("start_deg", "end_deg", "rom_min_deg", "rom_max_deg"):
        values = getattr(cmd, field)
        if len(values) != len(names):
            return CommandProblem(invalid, field, f"expected {len(names)} values, one per "
                                  f"joint, got {len(values)}")
        if not _finite(values):
            return CommandProblem(invalid, field, "values must be finite numbers")
    if isinstance(cmd.reps, bool) or not isinstance(cmd.reps, int) \
            or not 1 <= cmd.reps <= MAX_REPS:
        return CommandProblem(invalid, "reps",
                              f"must be an integer in [1, {MAX_REPS}], got {cmd.reps!r}")
    checks = (("tempo_s", cmd.tempo_s, TEMPO_RANGE_S), ("hold_s", cmd.hold_s, HOLD_RANGE_S),
              ("assistance", cmd.assistance, (0.0, 1.0)),
              ("resistance", cmd.resistance, (0.0, 1.0)))
    for field, value, (lo, hi) in checks:
        if not _finite((value,)) or not lo <= value <= hi:
            return CommandProblem(invalid, field, f"must be in [{lo}, {hi}], got {value!r}")
    for k, name in enumerate(names):
        problem = _joint_problem(cmd, k, name, joints[name].limits)
        if problem is not None:
            return problem
    return None


def _joint_problem(cmd: ExerciseCommand, k: int, name: str, lim) -> CommandProblem | None:
    outside = ReasonCode.ROM_OUTSIDE_LIMITS
    lo_deg, hi_deg = math.degrees(lim.position_min_rad), math.degrees(lim.position_max_rad)
    rmin, rmax = cmd.rom_min_deg[k], cmd.rom_max_deg[k]
    if not lo_deg <= rmin < rmax <= hi_deg:
        return CommandProblem(outside, "rom_min_deg/rom_max_deg", (
            f"{name} ROM [{rmin}, {rmax}] deg must be an increasing pair inside the joint "
            f"limits [{lo_deg:.1f}, {hi_deg:.1f}] deg"))
    for field in ("start_deg", "end_deg"):
        value = getattr(cmd, field)[k]
        if not rmin <= value <= rmax:
            return CommandProblem(outside, field, f"{name} {value} deg is outside the "
                                  f"patient ROM [{rmin}, {rmax}] deg")
    peak_deg_s = MIN_JERK_PEAK_FACTOR * abs(cmd.end_deg[k] - cmd.start_deg[k]) / cmd.tempo_s
    limit_deg_s = math.degrees(lim.velocity_limit_rad_s)
    if peak_deg_s > limit_deg_s:
        return CommandProblem(ReasonCode.SPEED_LIMIT, "tempo_s", (
            f"{name} would peak at {peak_deg_s:.0f} deg/s, over its limit of "
            f"{limit_deg_s:.0f} deg/s"))
    return None
