"""What the app asks the robot to do, built from a therapist's prescription (pure).

:class:`RobotPrescription` is the app's typed, validated description of one robot exercise;
:meth:`RobotPrescription.to_command` turns it into the robot core's ``ExerciseCommand``. The
robot validates again against its own joint limits (it trusts no client); this early check
(:func:`rehab.prescription.command_problems`) gives the therapist a clear message before
anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from rehab.prescription import command_problems, raise_first
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
        raise_first(command_problems(
            exercise_id=self.exercise_id, mode=self.mode,
            modes=(mode.value for mode in ControlMode), joint_names=tuple(self.joint_names),
            per_joint={name: tuple(getattr(self, name)) for name in
                       ("start_deg", "end_deg", "rom_min_deg", "rom_max_deg")},
            reps=self.reps, tempo_s=self.tempo_s, hold_s=self.hold_s,
            assistance=self.assistance, resistance=self.resistance))

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

