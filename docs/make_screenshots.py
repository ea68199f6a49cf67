"""Regenerate docs/screenshots/*.png: every screen of the therapist console, in Korean.

Run from the repository root (no display needed; about a minute)::

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_screenshots.py

What the pictures show, and where it comes from:

- **Patient screen** (``patient_*.png``, ``patient_screenshots.py``): every phase in
  Korean and English, and the exercise in high contrast and large text, at 1920x1080.
- **Live session**: a real session, run by the console as a therapist would run it: the
  session runner plays ``app/rehab/media/sports2d_demo.mp4`` as the camera, finds
  the pose with BlazePose (MediaPipe), counts and scores the reps, and drives the simulated
  robot node (its own process, ROS 2 over Cyclone DDS on loopback). The picture is taken
  once two reps are scored; the session is then stopped, as a therapist may stop one.
- **After session**: that session as stored, with the outcome form filled in.
- **Progress** and **assessments**: the earlier weeks are *example data* (invented numbers
  of a plausible recovery) written through the store API, marked as such in their notes.

The data folder is a temporary directory; nothing is written outside ``--out``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PyQt6.QtTest import QTest
from PyQt6.QtWidgets import QApplication

from rehab.demo import seed_demo
from rehab.errors import RehabError
from rehab.exercises.library import load_library
from rehab.language import Language
from rehab.session.launch import LiveSession
from rehab.session.robot_node import SimulatedRobotNode
from rehab.store import (
    Deduction,
    NewAssessment,
    NewRep,
    NewSet,
    RobotMode,
    SessionOutcome,
    Store,
)
from rehab.ui.console.app import build_console
from rehab.ui.console.main_window import QtConsole
from rehab.ui.console.session_factory import runner_session_factory
from rehab.ui.models.settings import ConsoleSettings, SettingsModel
from rehab.ui.qt.style import apply_style

ROOT = Path(__file__).resolve().parents[1]
VIDEO = ROOT / "app" / "rehab" / "media" / "sports2d_demo.mp4"
OUT = ROOT / "docs" / "screenshots"
WINDOW_SIZE = (1440, 900)
LIVE_SECONDS = 3.4  # of video: the man on the roof does two jumping jacks, then stops
EXAMPLE = "예시 자료 (example data)"


class SteppedClock:
    """Wall clock for the store: a fixed start, moved on by hand (session dates)."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def shoot(window: QtConsole, page: str | None, name: str, out: Path) -> None:
    if page is not None:
        window.show_page(page)
    for _ in range(3):
        QApplication.processEvents()
        window.views["live"].redraw()
    path = out / f"{name}.png"
    window.grab().save(str(path))
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def seed_history(store: Store, clock: SteppedClock, program_id: int) -> None:
    """Eight earlier sessions over four weeks (example numbers), and assessments."""
    program = store.programs.get(program_id)
    rng = np.random.default_rng(3)
    weeks = np.linspace(0, 1, 8)
    first_day = dt.datetime.now(dt.UTC).replace(hour=1, minute=0, second=0, microsecond=0) \
        - dt.timedelta(days=29)
    for k, w in enumerate(weeks):
        clock.now = first_day + dt.timedelta(days=3.5 * k)
        session = store.sessions.start(program.patient_id, program_id=program.id)
        for item in program.items:
            rom0, gain = (84, 34) if item.exercise_id.startswith("shoulder") else (80, 22)
            done = int(np.rint(item.reps * (0.6 + 0.4 * w)))
            assistance = 0.7 - 0.3 * w
            for set_index in range(item.sets):
                set_id = store.sessions.add_set(session.id, NewSet(
                    item.exercise_id, set_index, item.reps, item.target_rom_deg,
                    60.0 * set_index, program_item_id=item.id))
                for r in range(done):
                    t = 60.0 * set_index + 4.0 * r
                    rom = rom0 + gain * w + rng.normal(0, 3)
                    score = float(np.clip(58 + 25 * w + rng.normal(0, 4), 0, 100))
                    store.sessions.add_rep(set_id, NewRep(
                        r, t, t + 1.5, t + 3.0, float(rom), 80.0, score,
                        deductions=(Deduction("rom_low", round(100 - score), EXAMPLE),),
                        assistance=float(assistance)))
                store.sessions.end_set(set_id, 60.0 * set_index + 4.0 * done)
        clock.now += dt.timedelta(minutes=35)
        store.sessions.finish(session.id, SessionOutcome(
            pain_after=int(np.rint(5 - 2 * w)), borg_rpe=int(np.rint(14 - 2 * w)), notes=EXAMPLE))
    today = dt.date.today()
    for days_ago, fma, bbt, tug, pain in ((30, 28, 12, 18.4, 5), (16, 32, 16, 16.1, 4),
                                          (2, 37, 21, 13.6, 3)):
        date = (today - dt.timedelta(days=days_ago)).isoformat()
        for instrument, score in (("fugl_meyer_ue", fma), ("box_and_block", bbt),
                                  ("timed_up_and_go_s", tug), ("pain_nrs", pain)):
            store.assessments.add(program.patient_id,
                                  NewAssessment(instrument, score, date, notes=EXAMPLE))


def wait_for(condition, timeout_s: float, what: str) -> None:
    """Run the GUI's event loop until ``condition()`` (the session runs in its threads)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise RehabError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        QApplication.processEvents()
        time.sleep(0.01)


def run_live_session(window: QtConsole, out: Path) -> LiveSession:
    """Start the selected patient's program; shoot the live screen after two reps."""
    model = window.model
    window.show_page("live")
    window.start_session()
    control = model.live.control
    if not isinstance(control, LiveSession):
        raise RehabError(f"the session did not start: {list(model.live.alerts)}")
    wait_for(lambda: len(model.live.counted_reps) >= 2 or control.wait(0), 180,
             "two scored reps")
    if len(model.live.counted_reps) < 2:
        raise RehabError(f"the session ended early: {control.error}")
    shoot(window, "live", "live_session", out)
    model.live.stop()
    wait_for(lambda: control.wait(0), 60, "the session to end")
    wait_for(lambda: window.pages.currentWidget() is window.views["after"], 10,
             "the after-session screen")
    return control


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--video", type=Path, default=VIDEO)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--only", choices=("all", "console", "patient"), default="all")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    apply_style(app)
    if args.only in ("all", "patient"):
        from patient_screenshots import analyse, shoot_patient_screens

        library = load_library()
        shoot_patient_screens(analyse(args.video, library), args.out, library)
        if args.only == "patient":
            return
    clock = SteppedClock(dt.datetime.now(dt.UTC) - dt.timedelta(days=31))
    domain_id = random.randrange(100, 200)
    with tempfile.TemporaryDirectory() as tmp, \
            Store.open(Path(tmp) / "data", wall_clock=clock) as store, \
            SimulatedRobotNode(domain_id, Path(tmp) / "robot_node.log"):
        centre = seed_demo(store)
        settings = SettingsModel(Path(tmp) / "console.json", ConsoleSettings(
            camera=str(args.video) if args.video.is_file() else "0", dds_domain_id=domain_id,
            language=Language.KO, data_dir=str(Path(tmp) / "data")))
        window = build_console(store, settings,
                               session_factory=runner_session_factory(store.data_dir))
        window.resize(*WINDOW_SIZE)
        window.show()
        QTest.qWaitForWindowExposed(window)
        window.login.username.setText(centre.therapist.username)
        window.login.password.setText("********")
        shoot(window, None, "login", args.out)

        model = window.model
        model.login.accept(centre.therapist)
        model.patients.select(centre.patient.id)
        shoot(window, "patients", "patients", args.out)

        # The program: the demo's arm raises, made robot-feasible, plus elbow flexion.
        editor = model.program
        editor.update_item(0, tempo_s=3.0)
        index = editor.add_item("elbow_flexion")
        editor.update_item(index, side="left", reps=10, target_rom_deg=110,
                           safe_rom_min_deg=5, safe_rom_max_deg=135, assistance=0.6,
                           robot_mode=RobotMode.PASSIVE)
        program = editor.save()
        program_view = window.views["program"]
        program_view.items.setCurrentRow(index)
        shoot(window, "program", "program_editor", args.out)
        program_view.fields["safe_rom_max_deg"].editor.setValue(160)  # beyond the elbow
        shoot(window, "program", "program_editor_error", args.out)
        program_view.fields["safe_rom_max_deg"].editor.setValue(135)

        seed_history(store.as_user(centre.therapist.id), clock, program.id)
        model.patients.select(None)
        model.patients.select(centre.patient.id)

        if args.video.is_file():
            control = run_live_session(window, args.out)
            after = window.views["after"]
            after.pain.editor.setValue(2)
            after.rpe.editor.setValue(13)
            after.notes.editor.setPlainText("양팔 들기 범위가 좋아짐. 왼쪽 어깨 으쓱 주의.")
            shoot(window, "after", "after_session", args.out)
            after.save()
            model.progress.load(centre.patient.id)
            print(f"live session {control.session_id}: "
                  f"{len(model.live.counted_reps)} reps scored")
        else:
            print(f"no video at {args.video}: live and after-session screenshots skipped")
        model.progress.select_exercise(program.items[0].exercise_id)
        shoot(window, "progress", "progress", args.out)
        shoot(window, "assessments", "assessments", args.out)
        shoot(window, "settings", "settings", args.out)
        window.close()


if __name__ == "__main__":
    main()
