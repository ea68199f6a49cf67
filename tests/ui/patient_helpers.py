"""Fakes for the patient screen's tests: a clock, a recording speech engine, a control."""

from __future__ import annotations

import numpy as np

from rehab.exercises.library import ExerciseLibrary
from rehab.session.events import FrameUpdate, ProgressUpdate, RepScored, SessionPhase, SetPosition
from rehab.store import NewProgramItem, RobotMode, Side
from rehab.store.models import Cause
from rehab.ui.models.guide import ExerciseGuide, guide_for


class FakeClock:
    def __init__(self, t_s: float = 100.0) -> None:
        self.t_s = t_s

    def __call__(self) -> float:
        return self.t_s

    def advance(self, dt_s: float) -> None:
        self.t_s += dt_s


class RecordingSpeech:
    """A speech engine that records what it was asked to say; busy for ``busy_s``."""

    name = "recording"

    def __init__(self, clock: FakeClock, busy_s: float = 1.0) -> None:
        self.clock, self.busy_s = clock, busy_s
        self.said: list[tuple[str, str]] = []
        self.stops = 0
        self._until = -1.0

    def say(self, text: str, language: str) -> None:
        self.said.append((text, language))
        self._until = self.clock() + self.busy_s

    def stop(self) -> None:
        self.stops += 1
        self._until = -1.0

    def is_speaking(self) -> bool:
        return self.clock() < self._until

    @property
    def texts(self) -> list[str]:
        return [t for t, _ in self.said]


class PatientControl:
    """A session control recording the screen's calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def start(self) -> None:
        self.calls.append("start")

    def pause(self, cause: Cause = Cause.THERAPIST) -> None:
        self.calls.append(f"pause:{cause}")

    def resume(self) -> None:
        self.calls.append("resume")

    def stop(self, cause: Cause = Cause.THERAPIST) -> None:
        self.calls.append(f"stop:{cause}")

    def estop(self) -> None:
        self.calls.append("estop")

    def begin_set(self) -> None:
        self.calls.append("begin_set")

    def skip_rest(self) -> None:
        self.calls.append("skip_rest")

    def extend_rest(self, s: float) -> None:
        self.calls.append(f"extend_rest:{s:g}")


def guides(library: ExerciseLibrary) -> tuple[ExerciseGuide, ...]:
    items = (NewProgramItem("shoulder_abduction", sets=2, reps=3, target_rom_deg=120,
                            tempo_s=2.0, robot_mode=RobotMode.NONE, assistance=0.0,
                            safe_rom_min_deg=0, safe_rom_max_deg=150, side=Side.LEFT, rest_s=30),
             NewProgramItem("elbow_flexion", sets=1, reps=2, target_rom_deg=110, tempo_s=1.5,
                            robot_mode=RobotMode.NONE, assistance=0.0, safe_rom_min_deg=5,
                            safe_rom_max_deg=140, side=Side.LEFT, rest_s=30))
    return tuple(guide_for(i, library[i.exercise_id]) for i in items)


def body_frame(t_s: float, angle_deg: float = 20.0, *, whole: bool = True,
               side_on: bool = False) -> FrameUpdate:
    """A 640x480 frame with a person standing in it (``whole``: every joint inside)."""
    pts = np.zeros((33, 2))
    x_half = 15.0 if side_on else 60.0
    for i in range(33):
        pts[i] = (320.0 + (x_half if i % 2 == 0 else -x_half), 60.0 + 12.0 * i)
    pts[[11, 12], 1], pts[[23, 24], 1] = 120.0, 260.0
    if not whole:
        pts[[27, 28], 1] = 475.0  # the ankles at the bottom edge
        pts[[15, 16], 0] = (2.0, 638.0)
    return FrameUpdate(t_s, np.zeros((480, 640, 3), np.uint8), pts, np.ones(33),
                       {"shoulder_abduction_left": angle_deg}, "shoulder_abduction_left", 0.03)


def progress(phase: SessionPhase, item: int = 0, set_index: int = 0, reps: int = 0,
             rest_s: float = 0.0, cause: Cause | None = None,
             session_id: int = 7) -> ProgressUpdate:
    position = SetPosition(item, 2, "shoulder_abduction", "어깨 벌리기", set_index, 2, reps, 3)
    return ProgressUpdate(1.0, phase, position, session_id=session_id, rest_remaining_s=rest_s,
                          cause=cause)


def rep(index: int, *, item: int = 0, set_index: int = 0, cue: str = "",
        rom: float = 110.0) -> RepScored:
    return RepScored(2.0 + index, item, set_index, index, rom, 90.0, (), (), cue)
