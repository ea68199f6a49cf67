"""A session plan: a stored program turned into what the runner executes.

Each program item becomes a :class:`PlannedItem`: the exercise definition from the
library, the prescription (sets, reps, target ROM, tempo, rest, side) and, for exercises
the robot can drive, the :class:`~rehab.robot.prescription.RobotPrescription` for it,
checked against the robot's joint limits before anything is sent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rehab.errors import ValidationError
from rehab.exercises.library import ExerciseDef, ExerciseLibrary, SideMode, Tempo
from rehab.robot.prescription import RobotPrescription
from rehab.store import Program, ProgramItem, RobotMode, Side
from rehab_robot.core.config import RobotConfig

# Which robot joint drives an exercise's primary motion. The demo robot has a 1-DOF
# shoulder elevation joint (the cuff is turned for flexion, abduction or scaption) and an
# elbow joint; lower-limb exercises are camera-only.
ROBOT_JOINT_OF_EXERCISE = {
    "shoulder_flexion": "shoulder_flexion",
    "shoulder_abduction": "shoulder_flexion",
    "shoulder_abduction_bilateral": "shoulder_flexion",
    "shoulder_scaption": "shoulder_flexion",
    "elbow_flexion": "elbow_flexion",
}


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


def robot_prescription(item: ProgramItem, robot: RobotConfig) -> RobotPrescription | None:
    """The robot's part of a program item, or None when the robot has no role in it.

    The joint moves from the safe minimum through the target ROM, inside the patient's
    safe range intersected with the joint's hard limits.

    Raises
    ------
    ValidationError
        The safe range does not fit the robot joint, or the target does not fit inside it.
    """
    joint_name = ROBOT_JOINT_OF_EXERCISE.get(item.exercise_id)
    if item.robot_mode is RobotMode.NONE or joint_name is None:
        return None
    joint = next(j for j in robot.joints if j.name == joint_name)
    lo = max(item.safe_rom_min_deg, math.degrees(joint.limits.position_min_rad))
    hi = min(item.safe_rom_max_deg, math.degrees(joint.limits.position_max_rad))
    if lo >= hi:
        raise ValidationError("safe_rom_max_deg", f"the safe range does not overlap the "
                              f"robot's {joint_name} joint limits")
    if lo + item.target_rom_deg > hi:
        raise ValidationError("target_rom_deg", f"{item.target_rom_deg:g} deg from "
                              f"{lo:g} deg passes the safe/robot limit {hi:g} deg")
    return RobotPrescription(
        exercise_id=item.exercise_id, mode=str(item.robot_mode), joint_names=(joint_name,),
        start_deg=(lo,), end_deg=(lo + item.target_rom_deg,), reps=item.reps,
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
            item.rest_s, robot_prescription(item, robot) if robot is not None else None))
    return SessionPlan(program.patient_id, program.id, therapist_id, tuple(items))
