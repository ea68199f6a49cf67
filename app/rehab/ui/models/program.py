"""The program editor: a patient's prescription, checked against the exercise and the robot.

The store checks each prescription on its own (ranges, safe range containing the target).
Here it is also checked against what it will drive: the exercise (its side mode and the
smallest range of motion its rep counter counts) and the robot joint that moves it (the
safe range must lie inside the joint's hard position limits from ``config/robot.yaml``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

from rehab.errors import ValidationError
from rehab.exercises.library import ExerciseDef, ExerciseLibrary, SideMode
from rehab.session.plan import ROBOT_JOINT_OF_EXERCISE, robot_prescription
from rehab.store import NewProgramItem, Program, ProgramItem, RobotMode, Side, Store
from rehab.store.models import MAX_ROM_DEG
from rehab.ui.models.observable import Emitter
from rehab_robot.core.config import RobotConfig
from rehab_robot.core.validation import validate_command

DEFAULT_ASSISTANCE = 0.5


# Peak speed of a minimum-jerk move over its mean speed (15/8): the robot moves the limb
# along such a trajectory and refuses one whose peak would exceed the joint's speed limit.
MIN_JERK_PEAK_FACTOR = 1.875


@dataclass(frozen=True)
class RobotJointLimits:
    """A robot joint's hard limits (deg, deg/s)."""

    name: str
    position_min_deg: float
    position_max_deg: float
    velocity_limit_deg_s: float = math.inf


def robot_joint_limits(config: RobotConfig) -> dict[str, RobotJointLimits]:
    """The joints' limits of a loaded robot configuration, in degrees."""
    return {j.name: RobotJointLimits(j.name, round(math.degrees(j.limits.position_min_rad), 6),
                                     round(math.degrees(j.limits.position_max_rad), 6),
                                     round(math.degrees(j.limits.velocity_limit_rad_s), 6))
            for j in config.joints}


def robot_joint_for(exercise: ExerciseDef) -> str | None:
    """The robot joint that moves ``exercise``, or None for a camera-only exercise.

    The session plan's mapping, so the editor and the running session agree.
    """
    return ROBOT_JOINT_OF_EXERCISE.get(exercise.id)


def allowed_sides(exercise: ExerciseDef) -> tuple[Side, ...]:
    """Sides a prescription of ``exercise`` may name."""
    if exercise.side_mode is SideMode.ONE:
        return (Side.LEFT, Side.RIGHT)
    return (Side.BOTH,)


def check_item(item: NewProgramItem, exercise: ExerciseDef,
               joints: Mapping[str, RobotJointLimits], robot: RobotConfig | None = None) -> None:
    """Check a prescription against its exercise and the robot.

    The checks name the field to fix and say why in the therapist's terms. With ``robot``,
    the item is then turned into the exact command the session would send and checked by
    the robot's own validator, so a saved program is never refused when the session runs.

    Raises
    ------
    ValidationError
        The side does not fit the exercise, the target is below the exercise's counted
        minimum (no rep would ever count), a camera-only exercise is given a robot mode,
        the safe range leaves the robot joint's position limits, or the tempo would drive
        the joint faster than its speed limit (the robot would refuse the command).
    """
    sides = allowed_sides(exercise)
    if item.side not in sides:
        raise ValidationError("side", "must be one of the exercise's sides: "
                              + ", ".join(str(s) for s in sides))
    if item.target_rom_deg < exercise.rep.min_rom_deg:
        raise ValidationError("target_rom_deg", "must be at least the exercise's counted "
                              f"minimum of {exercise.rep.min_rom_deg:g} deg")
    joint_name = robot_joint_for(exercise)
    if joint_name is None:
        if item.robot_mode != RobotMode.NONE:
            raise ValidationError("robot_mode", "must be none: this exercise is camera-only, "
                                  "no robot joint moves it")
        return
    if item.robot_mode == RobotMode.NONE:
        return
    joint = joints[joint_name]
    if item.safe_rom_min_deg < joint.position_min_deg:
        raise ValidationError("safe_rom_min_deg", f"must be at least the robot's {joint.name} "
                              f"limit of {joint.position_min_deg:g} deg")
    if item.safe_rom_max_deg > joint.position_max_deg:
        raise ValidationError("safe_rom_max_deg", f"must be at most the robot's {joint.name} "
                              f"limit of {joint.position_max_deg:g} deg")
    peak_deg_s = MIN_JERK_PEAK_FACTOR * item.target_rom_deg / item.tempo_s
    if peak_deg_s > joint.velocity_limit_deg_s:
        slowest_s = MIN_JERK_PEAK_FACTOR * item.target_rom_deg / joint.velocity_limit_deg_s
        raise ValidationError("tempo_s", f"must be at least {math.ceil(slowest_s * 10) / 10:g} s:"
                              f" the robot's {joint.name} would peak at {peak_deg_s:.0f} deg/s, "
                              f"over its limit of {joint.velocity_limit_deg_s:g} deg/s")
    if robot is not None:
        _check_robot_command(item, robot)


def _check_robot_command(item: NewProgramItem, robot: RobotConfig) -> None:
    stored_like = ProgramItem(**dataclasses.asdict(item))
    prescription = robot_prescription(stored_like, robot)
    if prescription is None:
        return
    refusal = validate_command(prescription.to_command(), robot)
    if refusal:
        field, _, message = refusal.partition(": ")
        known = {f.name for f in dataclasses.fields(NewProgramItem)}
        raise ValidationError(field if field in known else "robot_mode",
                              message if field in known else refusal)


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
    joint_name = robot_joint_for(exercise)
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
        slowest_s = MIN_JERK_PEAK_FACTOR * target / joints[joint_name].velocity_limit_deg_s
        tempo_s = max(tempo_s, math.ceil(slowest_s * 10) / 10)
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
            raise ValidationError("patient_id", "select a patient first")
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
