"""A session plan: a stored program turned into what the runner executes.

Each program item becomes a :class:`PlannedItem`: the exercise definition from the
library, the prescription (sets, reps, target ROM, tempo, rest, side) and, for exercises
the robot can drive, the :class:`~rehab.robot.prescription.RobotPrescription` for it,
checked against the robot's joint limits before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from rehab.exercises.library import ExerciseDef, ExerciseLibrary, SideMode, Tempo
from rehab.prescription import Problem, robot_joint_limits, robot_span
from rehab.robot.prescription import RobotPrescription
from rehab.store import Program, ProgramItem, RobotMode, Side
from rehab_robot.core.config import RobotConfig


@dataclass(frozen=True)
class PlannedItem:
    """One exercise of the session, ready to run."""

    item_index: int
    program_item_id: int | None
    exercise: ExerciseDef
    side: str | None
    sets: int
    reps: int
    target_rom_deg: float
    tempo: Tempo
    rest_s: float
    robot: RobotPrescription | None


@dataclass(frozen=True)
class SessionPlan:
    """Everything a session runs, in order."""

    patient_id: int
    program_id: int | None
    therapist_id: int | None
    items: tuple[PlannedItem, ...]


def robot_prescription(item: ProgramItem, exercise: ExerciseDef,
                       robot: RobotConfig) -> RobotPrescription | None:
    """The robot's part of a program item, or None when the robot has no role in it.

    The joint moves from the safe minimum through the target ROM, inside the patient's
    safe range intersected with the joint's hard limits.

    Raises
    ------
    ValidationError
        The safe range does not fit the robot joint, or the target does not fit inside it.
    """
    joint_name = exercise.robot_joint
    if item.robot_mode is RobotMode.NONE or joint_name is None:
        return None
    span = robot_span(item, robot_joint_limits(robot, decimals=None)[joint_name])
    if isinstance(span, Problem):
        raise span.error()
    lo, hi = span.lo_deg, span.hi_deg
    return RobotPrescription(
        exercise_id=item.exercise_id, mode=str(item.robot_mode), joint_names=(joint_name,),
        start_deg=(span.start_deg,), end_deg=(span.end_deg,), reps=item.reps,
        tempo_s=item.tempo_s, assistance=item.assistance, rom_min_deg=(lo,),
        rom_max_deg=(hi,))


def plan_session(program: Program, library: ExerciseLibrary, robot: RobotConfig | None, *,
                 therapist_id: int | None = None) -> SessionPlan:
    """Turn a stored program into a session plan.

    ``robot=None`` plans a camera-only session (no robot connected).
    """
    items = []
    for index, item in enumerate(program.items):
        exercise = library[item.exercise_id]
        one_sided = exercise.side_mode is SideMode.ONE
        side = str(item.side) if one_sided and item.side is not Side.BOTH else None
        tempo = Tempo(up_s=item.tempo_s, hold_s=exercise.tempo.hold_s, down_s=item.tempo_s)
        items.append(PlannedItem(
            index, item.id, exercise, side, item.sets, item.reps, item.target_rom_deg, tempo,
            item.rest_s, robot_prescription(item, exercise, robot) if robot is not None
            else None))
    return SessionPlan(program.patient_id, program.id, therapist_id, tuple(items))
