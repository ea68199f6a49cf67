"""What the app asks the robot to do, built from a therapist's prescription (pure).

:class:`RobotPrescription` is the app's typed, validated description of one robot exercise;
:meth:`RobotPrescription.to_command` turns it into the robot core's ``ExerciseCommand``. The
robot validates again against its own joint limits (it trusts no client); this early check
gives the therapist a clear message before anything is sent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rehab.errors import ValidationError
from rehab_robot.core.api import ControlMode, ExerciseCommand


@dataclass(frozen=True)
class RobotPrescription:
    """One robot exercise as prescribed.

    Parameters
    ----------
    exercise_id
        Library id of the exercise (``elbow_flexion``).
    mode
        Robot mode name: ``passive``, ``active_assisted``, ``active``, ``resistive``, ``hold``.
    joint_names
        Robot joints the exercise moves.
    start_deg, end_deg
        Start and end angle per joint (deg).
    reps
        Repetitions, 1-200.
    tempo_s
        One-way movement time (s), 0.5-30.
    hold_s
        Pause at each end (s), 0-30.
    assistance, resistance
        0-1.
    rom_min_deg, rom_max_deg
        The patient's safe range of motion per joint (deg), containing start and end.
    """

    exercise_id: str
    mode: str
    joint_names: tuple[str, ...]
    start_deg: tuple[float, ...]
    end_deg: tuple[float, ...]
    reps: int
    tempo_s: float
    hold_s: float = 0.0
    assistance: float = 1.0
    resistance: float = 0.0
    rom_min_deg: tuple[float, ...] = ()
    rom_max_deg: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        _check(bool(self.exercise_id), "exercise_id", "must not be empty")
        modes = [mode.value for mode in ControlMode]
        _check(self.mode in modes, "mode", f"must be one of {', '.join(modes)}")
        n = len(self.joint_names)
        _check(n >= 1, "joint_names", "must name at least one joint")
        for name in ("start_deg", "end_deg", "rom_min_deg", "rom_max_deg"):
            values = getattr(self, name)
            _check(len(values) == n, name, f"needs one value per joint ({n})")
            _check(all(math.isfinite(v) for v in values), name, "must be finite")
        _check(1 <= self.reps <= 200, "reps", "must be 1-200")
        _check(0.5 <= self.tempo_s <= 30.0, "tempo_s", "must be 0.5-30 s")
        _check(0.0 <= self.hold_s <= 30.0, "hold_s", "must be 0-30 s")
        _check(0.0 <= self.assistance <= 1.0, "assistance", "must be 0-1")
        _check(0.0 <= self.resistance <= 1.0, "resistance", "must be 0-1")
        for i, joint in enumerate(self.joint_names):
            lo, hi = self.rom_min_deg[i], self.rom_max_deg[i]
            _check(lo < hi, "rom_min_deg", f"{joint}: min {lo} must be below max {hi}")
            for name in ("start_deg", "end_deg"):
                value = getattr(self, name)[i]
                _check(lo <= value <= hi, name, f"{joint}: {value} outside ROM [{lo}, {hi}]")

    def to_command(self) -> ExerciseCommand:
        """Return the robot core's command for this prescription."""
        return ExerciseCommand(
            exercise_id=self.exercise_id,
            mode=ControlMode(self.mode),
            joint_names=tuple(self.joint_names),
            start_deg=tuple(float(x) for x in self.start_deg),
            end_deg=tuple(float(x) for x in self.end_deg),
            reps=int(self.reps),
            tempo_s=float(self.tempo_s),
            hold_s=float(self.hold_s),
            assistance=float(self.assistance),
            resistance=float(self.resistance),
            rom_min_deg=tuple(float(x) for x in self.rom_min_deg),
            rom_max_deg=tuple(float(x) for x in self.rom_max_deg),
        )


def _check(ok: bool, field: str, message: str) -> None:
    if not ok:
        raise ValidationError(field, message)
