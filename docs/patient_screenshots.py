"""The patient screen in every phase, in Korean and English (docs/screenshots/patient_*.png).

Called by ``make_screenshots.py`` (``--only patient`` for these alone). The camera picture
and skeleton are real: the demo video through BlazePose (MediaPipe), its angles and the
counted rep with its cue from the same analysis a session runs. The session around them
(its phases, the rest, the patient's STOP, the end) is told to the screen as the session
runner tells it, with a stepped clock, so every picture shows one moment exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PyQt6.QtWidgets import QApplication

from rehab.exercises.analysis import Analyzer
from rehab.exercises.library import ExerciseLibrary, load_library
from rehab.language import Language
from rehab.session.events import (
    FrameUpdate,
    ProgressUpdate,
    RepScored,
    SessionPhase,
    SetPosition,
)
from rehab.session.recording import frame_angles, stored_rep
from rehab.store import NewProgramItem, PatientDisplay, RobotMode, Side
from rehab.store.models import Cause
from rehab.ui.i18n import Translator
from rehab.ui.models.guide import ExerciseGuide, guide_for
from rehab.ui.models.patient import DEMO_LOOPS, PatientPhase, PatientScreenModel
from rehab.ui.models.voice import Voice
from rehab.ui.patient.look import look_for
from rehab.ui.patient.window import QtPatientScreen
from rehab.vision.capture import VideoFileSource
from rehab.vision.pose import BlazePoseEstimator

ROOT = Path(__file__).resolve().parents[1]
VIDEO = ROOT / "app" / "rehab" / "media" / "sports2d_demo.mp4"
OUT = ROOT / "docs" / "screenshots"
SCREEN = (1920, 1080)
EXERCISE = "shoulder_abduction_bilateral"  # the man on the box: jumping jacks
VIDEO_SECONDS = 4.0


@dataclass(frozen=True)
class Clip:
    """The analysed video: frames with their pose and angles, the reps it counted."""

    frames: tuple[FrameUpdate, ...]
    reps: dict[str, tuple[RepScored, ...]]  # per language (the cue's words)


class SteppedClock:
    def __init__(self) -> None:
        self.t_s = 1000.0

    def __call__(self) -> float:
        return self.t_s


class Session:
    """What the screen is told: the calls the session runner's reporter makes."""

    def __init__(self, guides: tuple[ExerciseGuide, ...], language: str) -> None:
        self.guides, self.language, self.calls = guides, language, []
        self.t_s = 0.0

    # the screen's SessionControl
    def pause(self, cause: Cause = Cause.THERAPIST) -> None:
        self.calls.append(("pause", cause))

    def begin_set(self) -> None:
        self.calls.append(("begin_set",))

    def skip_rest(self) -> None:
        self.calls.append(("skip_rest",))

    def extend_rest(self, s: float) -> None:
        self.calls.append(("extend_rest", s))

    def progress(self, phase: SessionPhase, *, reps: int = 0, set_index: int = 0,
                 rest_s: float = 0.0, cause: Cause | None = None) -> ProgressUpdate:
        g = self.guides[0]
        position = SetPosition(0, len(self.guides), g.exercise_id, g.name.get(self.language),
                               set_index, g.sets, reps, g.reps)
        return ProgressUpdate(self.t_s, phase, position, 1, rest_s, "", cause)


def program(library: ExerciseLibrary) -> tuple[ExerciseGuide, ...]:
    """The demo patient's program: bilateral arm raises, then elbow flexion."""
    items = (NewProgramItem(EXERCISE, sets=2, reps=5, target_rom_deg=120, tempo_s=2.5,
                            robot_mode=RobotMode.ACTIVE_ASSISTED, assistance=0.4,
                            safe_rom_min_deg=0, safe_rom_max_deg=150, side=Side.BOTH,
                            rest_s=30),
             NewProgramItem("elbow_flexion", sets=2, reps=10, target_rom_deg=110, tempo_s=2.0,
                            robot_mode=RobotMode.PASSIVE, assistance=0.8, safe_rom_min_deg=5,
                            safe_rom_max_deg=135, side=Side.LEFT, rest_s=30))
    return tuple(guide_for(i, library[i.exercise_id]) for i in items)


def analyse(video: Path, library: ExerciseLibrary, seconds: float = VIDEO_SECONDS) -> Clip:
    """BlazePose and the session's rep analysis over the first ``seconds`` of ``video``."""
    exercise = library[EXERCISE]
    analyzers = {lang: Analyzer(exercise, None, lang) for lang in ("ko", "en")}
    names = analyzers["ko"].needed_angles
    primary = exercise.primary_angle_names(None)[0]
    frames, reps = [], {"ko": [], "en": []}
    source = VideoFileSource(video)
    with BlazePoseEstimator() as estimator:
        try:
            while (frame := source.read()) is not None and frame.t_s <= seconds:
                pose = estimator.estimate(frame.image_rgb, frame.t_s)
                angles = frame_angles(pose, names, frame.t_s)
                frames.append(FrameUpdate(
                    frame.t_s, np.ascontiguousarray(frame.image_rgb[:, :, ::-1]),
                    None if pose.missing else pose.image_xy_px,
                    None if pose.missing else pose.visibility, angles.deg, primary, 0.05))
                for lang, analyzer in analyzers.items():
                    for event in analyzer.push(frame.t_s, angles.deg, angles.confidence):
                        if event.rep.counted:
                            new = stored_rep(event, event.count - 1, lang, None)
                            reps[lang].append(RepScored(
                                frame.t_s, 0, 0, new.rep_index, new.rom_deg, new.form_score,
                                new.deductions, new.flags, event.cue or "",
                                uncertain=new.uncertain))
        finally:
            source.close()
    return Clip(tuple(frames), {k: tuple(v) for k, v in reps.items()})


def _angle(frame: FrameUpdate) -> float:
    value = frame.angles_deg.get(frame.primary_angle, float("nan"))
    return value if np.isfinite(value) else -1.0


def shoot_patient_screens(clip: Clip, out: Path, library: ExerciseLibrary,
                          report: Callable[[Path], None] = print) -> None:
    """Every phase in both languages, and the exercise in the two display settings."""
    out.mkdir(parents=True, exist_ok=True)
    for language in (Language.KO, Language.EN):
        for _name, path in _phases(clip, library, language, out):
            report(path)


def _phases(clip: Clip, library: ExerciseLibrary, language: Language, out: Path):
    lang = language.value
    guides = program(library)
    clock, tr = SteppedClock(), Translator(language)
    session = Session(guides, lang)
    model = PatientScreenModel(tr, Voice(None, lang, clock), clock)
    model.attach(session, guides)
    view = QtPatientScreen(model, tr)
    view.timer.stop()  # this script ticks
    view.resize(*SCREEN)
    view.show()

    def run(seconds: float) -> None:
        for _ in range(max(1, round(seconds / 0.05))):
            clock.t_s += 0.05
            view._tick()

    def shoot(name: str) -> tuple[str, Path]:
        run(0.05)
        hint = view.sizeHint()
        if hint.height() > SCREEN[1] or hint.width() > SCREEN[0]:
            print(f"warning: {name} asks for {hint.width()}x{hint.height()}")
        for _ in range(3):
            QApplication.processEvents()
        view.refresh()
        path = out / f"patient_{name}_{lang}.png"
        if not view.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        return name, path

    yield shoot("pain_before")
    model.answer_pain(3)
    model.ingest(session.progress(SessionPhase.READY))
    frames = iter(clip.frames)
    for frame in frames:  # until the whole body is in view, at the video's pace
        model.ingest(frame)
        run(1 / 30)
        if model.hint == "framing.ok":
            break
    yield shoot("framing")
    for frame in frames:  # held for a second: the demonstration
        model.ingest(frame)
        run(1 / 30)
        if model.phase is not PatientPhase.FRAMING:
            break
    run(DEMO_LOOPS * guides[0].demo_period_s * 0.3)  # the arms on their way up
    yield shoot("demonstration")
    run(DEMO_LOOPS * guides[0].demo_period_s * 0.7 + 0.1)
    run(1.2)
    yield shoot("countdown")
    run(3.0)
    model.ingest(session.progress(SessionPhase.EXERCISING))
    first_rep = clip.reps[lang][0]
    after = [f for f in clip.frames if f.t_s > first_rep.t_s]
    for frame in clip.frames:
        if frame.t_s > first_rep.t_s:
            break
        model.ingest(frame)
    model.ingest(first_rep)
    # the next raise as it reaches the target: the marker in the target band
    target = guides[0].target_deg
    rising = next(i for i, f in enumerate(after) if _angle(f) >= target)
    for frame in after[:rising + 1]:
        model.ingest(frame)
    yield shoot("exercise")
    for display, name in ((PatientDisplay(True, False), "exercise_high_contrast"),
                          (PatientDisplay(False, True), "exercise_large_text")):
        view.set_look(look_for(display))
        yield shoot(name)
    view.set_look(look_for(PatientDisplay()))
    session.t_s = 60.0
    model.ingest(session.progress(SessionPhase.RESTING, reps=5, rest_s=30.0))
    run(4.0)
    yield shoot("rest")
    model.ingest(session.progress(SessionPhase.EXERCISING, reps=0, set_index=1))
    run(0.5)
    view.stop_button.click()
    model.ingest(session.progress(SessionPhase.PAUSED, set_index=1, cause=Cause.PATIENT))
    yield shoot("paused")
    model.ingest(session.progress(SessionPhase.ABORTED, set_index=1, cause=Cause.PATIENT))
    yield shoot("summary")
    view.close_by_console()


def main() -> None:
    """Run on its own (``make_screenshots.py --only patient`` does the same)."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--video", type=Path, default=VIDEO)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    library = load_library()
    shoot_patient_screens(analyse(args.video, library), args.out, library)
    del app


if __name__ == "__main__":
    main()
