"""Regenerate docs/screenshots/*.png: every screen of the therapist console, in Korean.

Run from the repository root (no display needed)::

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_screenshots.py

What the pictures show, and where it comes from:

- **Live session**: real frames of ``../shared/data/videos/sports2d_demo.mp4`` with real
  BlazePose landmarks (MediaPipe through ``rehab.vision``: patient region calibrated on the
  first second, then the patient tracker), scored by the real exercise analysis (rep
  segmentation, form score and its deductions) and, beside it, the real simulated robot
  (``rehab_robot`` core: controller, safety supervisor and simulated arm on a fake clock)
  running the program's robot exercise. The updates reach the screen through the same
  :class:`~rehab.ui.qt.bridge.QtSessionBridge` a live session uses; only the session
  runner's wiring is done here by hand (the runner is not part of the console).
- **After session**: the reps of that live run, stored through the store.
- **Progress** and **assessments**: the earlier weeks are *example data* (invented numbers
  of a plausible recovery) written through the store API, marked as such in their notes.

The data folder is a temporary directory; nothing is written outside ``--out``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PyQt6.QtTest import QTest
from PyQt6.QtWidgets import QApplication

from rehab.demo import seed_demo
from rehab.exercises.analysis import Analyzer
from rehab.robot.prescription import RobotPrescription
from rehab.session.events import (
    Alert,
    FrameUpdate,
    ProgressUpdate,
    RepScored,
    RobotUpdate,
    SessionPhase,
)
from rehab.store import (
    Deduction,
    NewAssessment,
    NewRep,
    NewSet,
    RobotMode,
    SessionOutcome,
    Store,
)
from rehab.store.models import Severity
from rehab.ui.console.app import build_console
from rehab.ui.console.main_window import QtConsole
from rehab.ui.i18n import Language
from rehab.ui.models.settings import ConsoleSettings, SettingsModel
from rehab.ui.qt.style import apply_style
from rehab.vision.angles import compute_angles
from rehab.vision.skeleton import from_blazepose
from rehab_robot.core.clock import FakeClock
from rehab_robot.core.config import load_config
from rehab_robot.core.simulation import build_simulated_robot, run_ticks

ROOT = Path(__file__).resolve().parents[1]
VIDEO = ROOT.parent / "shared" / "data" / "videos" / "sports2d_demo.mp4"
OUT = ROOT / "docs" / "screenshots"
WINDOW_SIZE = (1440, 900)
LIVE_SECONDS = 3.4  # of video: the man on the roof does two jumping jacks, then stops
EXAMPLE = "예시 자료 (example data)"


class RecordingControl:
    """Stands in for the session runner's control here: records what the screen asks."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def start(self) -> None:
        self.calls.append("start")

    def pause(self, reason: str = "") -> None:
        self.calls.append("pause")

    def resume(self) -> None:
        self.calls.append("resume")

    def stop(self) -> None:
        self.calls.append("stop")

    def estop(self) -> None:
        self.calls.append("estop")


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
    for k, w in enumerate(weeks):
        clock.now = dt.datetime(2026, 9, 1, 1, 30, tzinfo=dt.UTC) + dt.timedelta(days=3.5 * k)
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
    for date, fma, bbt, tug, pain in (("2026-08-31", 28, 12, 18.4, 5),
                                      ("2026-09-14", 32, 16, 16.1, 4),
                                      ("2026-09-28", 37, 21, 13.6, 3)):
        for instrument, score in (("fugl_meyer_ue", fma), ("box_and_block", bbt),
                                  ("timed_up_and_go_s", tug), ("pain_nrs", pain)):
            store.assessments.add(program.patient_id,
                                  NewAssessment(instrument, score, date, notes=EXAMPLE))


def run_live(window: QtConsole, video: Path, item_target_deg: float,
             robot_tempo_s: float) -> list[RepScored]:
    """Feed the console a real analysed run of the video and of the simulated robot."""
    from rehab.vision.capture import VideoFileSource
    from rehab.vision.filters import OneEuroFilter
    from rehab.vision.pose import BlazePoseEstimator
    from rehab.vision.tracking import PatientRegion, PatientTracker, UntrackedPoser

    model = window.model
    exercise = model.library["shoulder_abduction_bilateral"]
    analyzer = Analyzer(exercise, None, "ko", target_rom_deg=item_target_deg)
    config = load_config()
    clock = FakeClock()
    robot, _driver = build_simulated_robot(config, clock)
    run_ticks(robot, clock, 0.1)
    robot.enable(True)
    run_ticks(robot, clock, 0.6)
    ok, reason = robot.command_exercise(RobotPrescription(
        exercise.id, "active_assisted", config.joint_names, (0.0, 5.0),
        (item_target_deg, 5.0), reps=10, tempo_s=robot_tempo_s, hold_s=0.3, assistance=0.4,
        rom_min_deg=(0.0, 0.0), rom_max_deg=(150.0, 135.0)).to_command())
    if not ok:
        raise RuntimeError(f"the simulated robot refused the exercise: {reason}")
    sink = window.bridge.sink
    reps: list[RepScored] = []
    sink(ProgressUpdate(0.0, SessionPhase.EXERCISING, 0, 1, exercise.id,
                        exercise.names.ko, 0, 2, 0, 5, session_id=None))
    with BlazePoseEstimator() as estimator:
        with VideoFileSource(video) as source:
            calib = []
            for frame in source:
                calib.append(UntrackedPoser(estimator).pose_of(frame).pose)
                if len(calib) >= 30:
                    break
        estimator.reset()
        tracker = PatientTracker(estimator, PatientRegion.around_poses(calib))
        smooth = OneEuroFilter()
        last_status = None
        with VideoFileSource(video) as source:
            for frame in source:
                if frame.t_s > LIVE_SECONDS:
                    break
                tracked = tracker.pose_of(frame)
                pose = tracked.pose
                angles: dict[str, float] = {}
                if not pose.missing:
                    world = smooth(frame.t_s, pose.world_xyz_m)
                    pose_world = world
                    series = compute_angles(from_blazepose(
                        pose_world[np.newaxis], pose.visibility[np.newaxis],
                        np.array([frame.t_s])))
                    for name in ("shoulder_abduction_left", "shoulder_abduction_right"):
                        angles[name] = float(series.deg[name][0])
                    events = analyzer.push(frame.t_s, {k: float(v[0]) for k, v in
                                                       series.deg.items()},
                                           {k: float(v[0]) for k, v in
                                            series.confidence.items()})
                else:
                    events = analyzer.push(frame.t_s, {}, {})
                run_ticks(robot, clock, 1 / source.fps)
                status, joints = robot.status(), robot.joint_sample()
                sink(FrameUpdate(
                    frame.t_s, np.ascontiguousarray(frame.image_rgb[..., ::-1]),
                    None if pose.missing else pose.image_xy_px,
                    None if pose.missing else pose.visibility, angles,
                    "shoulder_abduction_left", latency_s=0.045))
                sink(RobotUpdate(
                    frame.t_s, status.state.value, status.mode.value, "connected",
                    joints.names, tuple(math.degrees(q) for q in joints.position_rad),
                    joints.effort_nm, status.assistance, status.fault, status.reason))
                for event in events:
                    rep = event.rep
                    deductions = tuple(Deduction(d.id, round(d.points, 1), d.reason.ko)
                                       for d in (rep.score.deductions if rep.score else ()))
                    scored = RepScored(
                        rep.metrics.end_t_s, 0, 0, max(event.count - 1, 0),
                        rep.metrics.rom_deg, rep.score.score if rep.score else 0.0,
                        deductions, tuple(d.code for d in deductions), event.cue or "",
                        partial=not rep.counted)
                    reps.append(scored)
                    sink(scored)
                    sink(ProgressUpdate(frame.t_s, SessionPhase.EXERCISING, 0, 1, exercise.id,
                                        exercise.names.ko, 0, 2, analyzer.count, 5))
                status = tracked.status
                if status != last_status and not status.accepted:
                    # what the tracker decided, as the session runner would report it
                    sink(Alert(frame.t_s, Severity.WARNING, "vision",
                               f"환자 자세 없음 ({status.value}): 이 프레임은 채점하지 않습니다"))
                last_status = status
                if frame.index % 3 == 0:
                    QApplication.processEvents()  # the GUI drains the bridge meanwhile
    QApplication.processEvents()
    return reps


def store_live_reps(store: Store, program_id: int, reps: list[RepScored]) -> int:
    program = store.programs.get(program_id)
    item = program.items[0]
    session = store.sessions.start(program.patient_id, program_id=program.id)
    set_id = store.sessions.add_set(session.id, NewSet(
        item.exercise_id, 0, item.reps, item.target_rom_deg, 0.0, program_item_id=item.id))
    for i, rep in enumerate(r for r in reps if not r.partial):
        t = rep.t_s - 2.0
        store.sessions.add_rep(set_id, NewRep(i, t, t + 1.0, rep.t_s, rep.rom_deg, 100.0,
                                              rep.form_score, deductions=rep.deductions,
                                              flags=rep.flags, assistance=0.4))
    store.sessions.end_set(set_id, reps[-1].t_s if reps else 0.0)
    return session.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--video", type=Path, default=VIDEO)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    apply_style(app)
    clock = SteppedClock(dt.datetime(2026, 8, 31, 0, 0, tzinfo=dt.UTC))
    with tempfile.TemporaryDirectory() as tmp, \
            Store.open(Path(tmp) / "data", wall_clock=clock) as store:
        centre = seed_demo(store)
        settings = SettingsModel(Path(tmp) / "console.json", ConsoleSettings(
            camera=str(args.video) if args.video.is_file() else "0", dds_domain_id=17,
            language=Language.KO, data_dir=str(Path(tmp) / "data")))
        control = RecordingControl()
        window = build_console(store, settings, session_factory=lambda request: control)
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

        clock.now = dt.datetime(2026, 8, 31, 2, 0, tzinfo=dt.UTC)
        seed_history(store.as_user(centre.therapist.id), clock, program.id)
        model.patients.select(None)
        model.patients.select(centre.patient.id)

        clock.now = dt.datetime(2026, 9, 29, 1, 30, tzinfo=dt.UTC)
        window.show_page("live")
        window.start_session()
        if args.video.is_file():
            reps = run_live(window, args.video, program.items[0].target_rom_deg,
                            program.items[0].tempo_s)
            shoot(window, "live", "live_session", args.out)
            sid = store_live_reps(store, program.id, reps)
            model.after.load(sid)
            after = window.views["after"]
            after.pain.editor.setValue(2)
            after.rpe.editor.setValue(13)
            after.notes.editor.setPlainText("양팔 들기 범위가 좋아짐. 왼쪽 어깨 으쓱 주의.")
            shoot(window, "after", "after_session", args.out)
            after.save()
            model.progress.load(centre.patient.id)
        else:
            print(f"no video at {args.video}: live and after-session screenshots skipped")
        model.progress.select_exercise(program.items[0].exercise_id)
        shoot(window, "progress", "progress", args.out)
        shoot(window, "assessments", "assessments", args.out)
        shoot(window, "settings", "settings", args.out)
        window.close()


if __name__ == "__main__":
    main()
