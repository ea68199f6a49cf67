"""What the patient's screen knows of each exercise of a program, and its demonstration.

:class:`ExerciseGuide` joins a program item (the therapist's prescription: sets, reps,
target range, safe range, tempo) with its library definition (names, instruction, primary
angle, camera view); :func:`demo_skeleton` poses a stick figure at a given angle of that
movement and :meth:`ExerciseGuide.demo_angle_deg` moves it at the prescribed tempo and
range, so the demonstration needs no video. No Qt here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rehab.exercises.library import Direction, ExerciseDef, ExerciseLibrary, LocalizedText, Tempo
from rehab.store.models import NewProgramItem, Program

# BlazePose landmark indices (the 33-point topology the session's frames use).
SHOULDERS, ELBOWS, WRISTS = (11, 12), (13, 14), (15, 16)
HIPS, KNEES, ANKLES = (23, 24), (25, 26), (27, 28)
_UPPER = (*SHOULDERS, *ELBOWS, *WRISTS, *HIPS)
_LOWER = (*SHOULDERS, *HIPS, *KNEES, *ANKLES)


@dataclass(frozen=True)
class ExerciseGuide:
    """One program item as the patient's screen shows it.

    Attributes
    ----------
    exercise_id, name, instruction
        The exercise and its one-sentence instruction, in Korean and English.
    primary_angle
        The family of the primary angle (``shoulder_abduction``), without side.
    camera_view
        ``frontal`` or ``sagittal``.
    direction
        Whether the angle rises or falls while working.
    sets, reps
        Prescribed.
    target_rom_deg
        The therapist's target range of one rep (deg).
    safe_min_deg, safe_max_deg
        The safe range of motion of the joint (deg, absolute).
    tempo
        Up, hold and down times of one rep (s).
    landmarks
        BlazePose indices that must be in view for this exercise.
    """

    exercise_id: str
    name: LocalizedText
    instruction: LocalizedText
    primary_angle: str
    camera_view: str
    direction: Direction
    sets: int
    reps: int
    target_rom_deg: float
    safe_min_deg: float
    safe_max_deg: float
    tempo: Tempo
    landmarks: tuple[int, ...]

    @property
    def rest_deg(self) -> float:
        """The angle a rep starts from, for the gauge and the demonstration."""
        if self.direction is Direction.INCREASE:
            return max(self.safe_min_deg, 0.0)
        return min(self.safe_max_deg, self.target_rom_deg + 15.0)

    @property
    def target_deg(self) -> float:
        """The angle the prescription asks for, inside the safe range."""
        target = self.rest_deg + self.direction.sign * self.target_rom_deg
        return float(np.clip(target, self.safe_min_deg, self.safe_max_deg))

    @property
    def safe_limit_deg(self) -> float:
        """The safe limit on the working side (max when rising, min when falling)."""
        return self.safe_max_deg if self.direction is Direction.INCREASE else self.safe_min_deg

    @property
    def holds(self) -> bool:
        return self.tempo.hold_s >= 0.5

    def demo_angle_deg(self, t_s: float) -> float:
        """The demonstration's angle ``t_s`` seconds in: minimum-jerk up, hold, down, pause."""
        pause_s = 1.0
        period = self.tempo.total_s + pause_s
        t = t_s % period
        up, hold, down = self.tempo.up_s, self.tempo.hold_s, self.tempo.down_s
        if t < up:
            s = _min_jerk(t / up)
        elif t < up + hold:
            s = 1.0
        elif t < up + hold + down:
            s = 1.0 - _min_jerk((t - up - hold) / down)
        else:
            s = 0.0
        return self.rest_deg + s * (self.target_deg - self.rest_deg)

    @property
    def demo_period_s(self) -> float:
        return self.tempo.total_s + 1.0


def _min_jerk(s: float) -> float:
    s = min(max(s, 0.0), 1.0)
    return 10 * s**3 - 15 * s**4 + 6 * s**5


def guide_for(item: NewProgramItem, exercise: ExerciseDef) -> ExerciseGuide:
    """The guide of one program item."""
    family = exercise.primary_angle.replace("_{side}", "")
    upper = family.startswith(("shoulder", "elbow"))
    return ExerciseGuide(
        exercise.id, exercise.names, exercise.description, family, exercise.camera_view,
        exercise.rep.direction, item.sets, item.reps, item.target_rom_deg,
        item.safe_rom_min_deg, item.safe_rom_max_deg,
        Tempo(item.tempo_s, exercise.tempo.hold_s, item.tempo_s),
        _UPPER if upper else _LOWER)


def program_guides(program: Program, library: ExerciseLibrary) -> tuple[ExerciseGuide, ...]:
    """The guides of a program's items, in order."""
    return tuple(guide_for(item, library[item.exercise_id]) for item in program.items)


# A stick figure 1.0 tall (head top 0, feet 1), x to the right, in BlazePose indices.
_BASE = {0: (0.0, 0.06), 11: (-0.11, 0.18), 12: (0.11, 0.18), 13: (-0.13, 0.33),
         14: (0.13, 0.33), 15: (-0.14, 0.47), 16: (0.14, 0.47), 23: (-0.07, 0.52),
         24: (0.07, 0.52), 25: (-0.08, 0.75), 26: (0.08, 0.75), 27: (-0.08, 0.97),
         28: (0.08, 0.97)}
DEMO_POINTS = tuple(sorted(_BASE))
DEMO_BONES: tuple[tuple[int, int], ...] = (
    (11, 12), (11, 23), (12, 24), (23, 24), (11, 13), (13, 15), (12, 14), (14, 16),
    (23, 25), (25, 27), (24, 26), (26, 28))


def _rotate(points: dict[int, np.ndarray], pivot: int, moving: tuple[int, ...],
            angle_deg: float) -> None:
    c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    p = points[pivot]
    for i in moving:
        d = points[i] - p
        points[i] = p + np.array([c * d[0] - s * d[1], s * d[0] + c * d[1]])


def demo_skeleton(guide: ExerciseGuide, angle_deg: float) -> dict[int, np.ndarray]:
    """The stick figure doing ``guide``'s movement at ``angle_deg`` (x right, y down, 0-1).

    The working side is the figure's left of the screen for one-sided exercises; two-sided
    ones move both limbs. Side views show the figure turned (arms and legs forward = +x).
    """
    pts = {i: np.array(xy, dtype=float) for i, xy in _BASE.items()}
    a = float(angle_deg)
    family = guide.primary_angle
    if family in ("shoulder_abduction",):
        _rotate(pts, 12, (14, 16), -a)
        _rotate(pts, 11, (13, 15), a)
    elif family == "shoulder_flexion":
        _rotate(pts, 12, (14, 16), -a)
    elif family == "elbow_flexion":
        _rotate(pts, 14, (16,), -a)
    elif family in ("hip_abduction", "hip_flexion"):
        _rotate(pts, 24, (26, 28), -a)
    elif family == "knee_flexion":
        both = guide.exercise_id in ("squat", "sit_to_stand")
        drop = 0.25 * math.sin(math.radians(min(a, 90.0)))
        if both:  # the body lowers as the knees bend
            for i in (0, 11, 12, 13, 14, 15, 16, 23, 24):
                pts[i] = pts[i] + np.array([0.0, drop])
            for knee in KNEES:  # and the knees come forward and down, half as far
                pts[knee] = pts[knee] + np.array([drop / 2, drop / 2])
        else:
            _rotate(pts, 26, (28,), a)
    return pts
