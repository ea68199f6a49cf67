"""The program editor: a patient's prescription, checked against the exercise and the robot.

The store checks each prescription on its own (ranges, safe range containing the target).
Here it is also checked against what it will drive: the exercise (its side mode and the
smallest range of motion its rep counter counts) and the robot joint that moves it (the
safe range must lie inside the joint's hard position limits from ``config/robot.yaml``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from rehab import prescription
from rehab.errors import ValidationError
from rehab.exercises.library import ExerciseDef, ExerciseLibrary, SideMode
from rehab.prescription import (
    ExerciseRules,
    Problem,
    RobotJointLimits,
    robot_joint_limits,
    slowest_tempo_s,
)
from rehab.robot.messages import reason_message
from rehab.session.plan import robot_prescription
from rehab.store import NewProgramItem, Program, ProgramItem, RobotMode, Side, Store
from rehab.store.models import MAX_ROM_DEG
from rehab.ui.models.observable import Emitter
from rehab_robot.core.config import RobotConfig
from rehab_robot.core.validation import command_problem

DEFAULT_ASSISTANCE = 0.5

__all__ = ["ItemDraft", "ProgramEditorModel", "RobotJointLimits", "allowed_sides",
           "check_item", "default_draft", "robot_joint_for", "robot_joint_limits"]


def robot_joint_for(exercise: ExerciseDef) -> str | None:
    """The robot joint that moves ``exercise`` (its ``robot_joint``), None if camera-only."""
    return exercise.robot_joint


def allowed_sides(exercise: ExerciseDef) -> tuple[Side, ...]:
    """Sides a prescription of ``exercise`` may name."""
    return tuple(Side(s) for s in ExerciseRules.of(exercise).sides)


def check_item(item: NewProgramItem, exercise: ExerciseDef,
               joints: Mapping[str, RobotJointLimits], robot: RobotConfig | None = None) -> None:
    """Check a prescription against its exercise and the robot (:mod:`rehab.prescription`).

    With ``robot``, the item is then turned into the exact command the session would send
    and checked by the robot's own validator, so a saved program is never refused when the
    session runs.

    Raises
    ------
    ValidationError
        The first problem: the side does not fit the exercise, the target is below the
        exercise's counted minimum, a camera-only exercise is given a robot mode, the safe
        range leaves the robot joint's position limits, or the tempo would drive the joint
        faster than its speed limit.
    """
    prescription.raise_first(prescription.exercise_problems(
        item, ExerciseRules.of(exercise), joints))
    if robot is not None and item.robot_mode != RobotMode.NONE:
        _check_robot_command(item, exercise, robot)


def _check_robot_command(item: NewProgramItem, exercise: ExerciseDef,
                         robot: RobotConfig) -> None:
    stored_like = ProgramItem(**dataclasses.asdict(item))
    command = robot_prescription(stored_like, exercise, robot)
    if command is None:
        return
    problem = command_problem(command.to_command(), robot)
    if problem is not None:
        known = {f.name for f in dataclasses.fields(NewProgramItem)}
        field = problem.field if problem.field in known else "robot_mode"
        raise Problem(field, "prescription.robot_refuses",
                      {"reason": reason_message(problem.code.value)}).error()


@dataclass(frozen=True)
class ItemDraft:
    """A prescription being edited: the fields of :class:`NewProgramItem`, not yet valid."""

    exercise_id: str
    sets: int
    reps: int
    target_rom_deg: float
    tempo_s: float
    robot_mode: RobotMode
    assistance: float
    safe_rom_min_deg: float
    safe_rom_max_deg: float
    side: Side
    rest_s: float = 60.0

    @classmethod
    def from_item(cls, item: NewProgramItem) -> ItemDraft:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in dataclasses.asdict(item).items() if k in names})


def default_draft(exercise: ExerciseDef, joints: Mapping[str, RobotJointLimits]) -> ItemDraft:
    """A prescription of ``exercise`` with its library defaults, inside the robot's limits."""
    joint_name = exercise.robot_joint
    if joint_name is None:
        lo, hi, mode, assistance = 0.0, MAX_ROM_DEG, RobotMode.NONE, 0.0
    else:
        joint = joints[joint_name]
        lo = max(0.0, joint.position_min_deg)
        hi = min(MAX_ROM_DEG, joint.position_max_deg)
        mode, assistance = RobotMode.ACTIVE_ASSISTED, DEFAULT_ASSISTANCE
    target = min(exercise.target_rom_deg, hi - lo)
    tempo_s = max(0.5, exercise.tempo.up_s)
    if joint_name is not None:
        tempo_s = max(tempo_s, slowest_tempo_s(target, joints[joint_name]))
    side = Side(exercise.default_side) if exercise.side_mode is SideMode.ONE else Side.BOTH
    return ItemDraft(exercise.id, sets=2, reps=10, target_rom_deg=target,
                     tempo_s=tempo_s, robot_mode=mode,
                     assistance=assistance, safe_rom_min_deg=lo, safe_rom_max_deg=hi,
                     side=side)


class ProgramEditorModel:
    """The program of one patient, edited item by item and saved as a whole.

    Every edit re-validates the item; :attr:`errors` maps an item's index to its first
    :class:`ValidationError` (whose ``field`` the view shows the message beside).

    Parameters
    ----------
    store
        The open store.
    library
        The exercise library.
    robot
        The robot's configuration (its joint limits and its command validator).
    """

    def __init__(self, store: Store, library: ExerciseLibrary, robot: RobotConfig) -> None:
        self.store = store
        self.library = library
        self.robot = robot
        self.joints = robot_joint_limits(robot)
        self.patient_id: int | None = None
        self.program: Program | None = None
        self.name = ""
        self.drafts: list[ItemDraft] = []
        self.errors: dict[int, ValidationError] = {}
        self.changed = Emitter()  # the item list or a value changed
        self.saved = Emitter()  # (Program)

    def exercise(self, exercise_id: str) -> ExerciseDef:
        return self.library[exercise_id]

    def load(self, patient_id: int | None, default_name: str = "") -> None:
        """Show the patient's (first active) program, or an empty one to write."""
        self.patient_id = patient_id
        programs = [] if patient_id is None else self.store.programs.for_patient(patient_id)
        self.program = programs[0] if programs else None
        self.name = self.program.name if self.program else default_name
        self.drafts = ([ItemDraft.from_item(i) for i in self.program.items]
                       if self.program else [])
        self._validate_all()
        self.changed.emit()

    def add_item(self, exercise_id: str) -> int:
        """Append ``exercise_id`` with its defaults; return its index."""
        self.drafts.append(default_draft(self.exercise(exercise_id), self.joints))
        self._validate_all()
        self.changed.emit()
        return len(self.drafts) - 1

    def remove_item(self, index: int) -> None:
        del self.drafts[index]
        self._validate_all()
        self.changed.emit()

    def move_item(self, index: int, offset: int) -> int:
        target = index + offset
        if not 0 <= target < len(self.drafts):
            return index
        self.drafts[index], self.drafts[target] = self.drafts[target], self.drafts[index]
        self._validate_all()
        self.changed.emit()
        return target

    def update_item(self, index: int, **changes: object) -> ValidationError | None:
        """Change fields of one item; a new exercise brings its own defaults."""
        draft = self.drafts[index]
        if "exercise_id" in changes and changes["exercise_id"] != draft.exercise_id:
            draft = default_draft(self.exercise(str(changes.pop("exercise_id"))), self.joints)
        self.drafts[index] = dataclasses.replace(draft, **changes)
        self._validate_all()
        self.changed.emit()
        return self.errors.get(index)

    def set_name(self, name: str) -> None:
        self.name = name

    def validated_item(self, index: int) -> NewProgramItem:
        """The item as a :class:`NewProgramItem` checked against exercise and robot.

        Raises
        ------
        ValidationError
            The first thing wrong with it.
        """
        draft = self.drafts[index]
        item = NewProgramItem(**dataclasses.asdict(draft))
        check_item(item, self.exercise(draft.exercise_id), self.joints, self.robot)
        return item

    def _validate_all(self) -> None:
        self.errors = {}
        for index in range(len(self.drafts)):
            try:
                self.validated_item(index)
            except ValidationError as exc:
                self.errors[index] = exc

    def save(self) -> Program:
        """Save the program (create it, or replace its items).

        Raises
        ------
        ValidationError
            No patient, no name, no items, or an invalid item (field ``items`` when the
            item errors are already shown in :attr:`errors`).
        """
        if self.patient_id is None:
            raise ValidationError("patient_id", "console.select_patient")
        if self.errors:
            first = min(self.errors)
            raise self.errors[first]
        items = [self.validated_item(i) for i in range(len(self.drafts))]
        if self.program is None:
            self.program = self.store.programs.create(self.patient_id, self.name, items)
        else:
            self.program = self.store.programs.replace_items(self.program.id, items)
        self.saved.emit(self.program)
        self.changed.emit()
        return self.program
