"""End to end: `rehab demo --headless` on the real video with the robot node in its own process.

Real MediaPipe (the model inside the wheel) scores the demo video, looped and paced like
a camera; the simulated robot node runs over Cyclone DDS on loopback; everything lands in
a real SQLite file, and the progress query shows it.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from rehab.demo import DEMO_EXERCISE, seed_demo
from rehab.demo_run import HeadlessOptions, run_headless
from rehab.store import Cause, NewProgramItem, RobotMode, SessionStatus, Side, Store

pytestmark = pytest.mark.slow


@pytest.fixture
def short_demo(tmp_path: Path) -> Path:
    """The demo centre with a short program: two sets of two jumping-jack arm raises."""
    with Store.open(tmp_path) as store:
        centre = seed_demo(store)
        store.programs.replace_items(centre.program.id, [NewProgramItem(
            DEMO_EXERCISE, sets=2, reps=2, target_rom_deg=120, tempo_s=2.5,
            robot_mode=RobotMode.ACTIVE_ASSISTED, assistance=0.4, safe_rom_min_deg=0,
            safe_rom_max_deg=150, side=Side.BOTH, rest_s=0)])
    return tmp_path


def test_headless_demo_session_end_to_end(short_demo: Path) -> None:
    os.environ.setdefault("GLOG_minloglevel", "2")
    lines: list[str] = []
    run = run_headless(HeadlessOptions(short_demo, language="en",
                                       domain_id=random.randrange(200, 230)),
                       lines.append, timeout_s=240)
    session_id, output = run.session_id, "\n".join(lines)
    assert run.exit_code == 0
    assert "Robot node (simulated robot and patient)" in output
    assert f"Session {session_id}: completed, 4 reps stored" in output, output
    with Store.open(short_demo) as store:
        session = store.sessions.get(session_id)
        assert session.status is SessionStatus.COMPLETED
        reps = store.sessions.reps(session_id)
        assert len(reps) == 4
        # Both sets ran with the robot, each on its own acknowledged command.
        set_ids = [r[0] for r in store.db.execute(
            "SELECT id FROM sets WHERE session_id=? ORDER BY id", (session_id,))]
        assert [store.sessions.robot_command(i) for i in set_ids] == [1, 2]
        # Jumping-jack arms: a real excursion, not noise, and real durations.
        assert all(60 <= r.rom_deg <= 180 for r in reps if not r.uncertain), [
            (r.rom_deg, r.uncertain) for r in reps]
        assert all(0.3 <= r.duration_s <= 5 for r in reps)
        pose = store.streams.read(session_id, "pose")
        robot = store.streams.read(session_id, "robot")
        assert pose.t_s.size > 30 and robot.t_s.size > 200
        assert robot.columns[0] == "shoulder_flexion.position_rad"
        (progress,) = store.progress(session.patient_id)
        assert (progress.reps_done, progress.reps_prescribed) == (4, 4)
        # Every rep ran with the robot; only measured (not uncertain) reps reach the
        # progress figures, and a loaded machine may leave none measured.
        assert all(r.assistance is not None for r in reps)
        assert (progress.mean_assistance is not None) == any(not r.uncertain for r in reps)
    node_log = (short_demo / "logs" / "robot_node.log").read_text()
    assert node_log.count("accepted") >= 2 and "refused" not in node_log, node_log


def test_robot_refusal_ends_headless_session_with_its_reason(short_demo: Path) -> None:
    """A prescription the robot refuses (too fast for its joint) is shown with the robot's
    reason and stored, never silently run camera-only."""
    with Store.open(short_demo) as store:
        program = store.programs.for_patient(store.patients.search("")[0].id)[0]
        store.programs.replace_items(program.id, [NewProgramItem(
            DEMO_EXERCISE, sets=1, reps=3, target_rom_deg=120, tempo_s=0.6,
            robot_mode=RobotMode.ACTIVE_ASSISTED, assistance=0.4, safe_rom_min_deg=0,
            safe_rom_max_deg=150, side=Side.BOTH, rest_s=0)])
    lines: list[str] = []
    run = run_headless(HeadlessOptions(short_demo, language="en",
                                       domain_id=random.randrange(200, 230)),
                       lines.append, timeout_s=120)
    session_id, output = run.session_id, "\n".join(lines)
    assert "robot refused the exercise: tempo_s" in output and "90 deg/s" in output
    assert run.exit_code == 4
    with Store.open(short_demo) as store:
        session = store.sessions.get(session_id)
        assert (session.status, session.end_cause) == (SessionStatus.ABORTED,
                                                       Cause.ROBOT_REFUSED)
        events = store.sessions.events(session_id)
        assert any("robot refused the exercise" in e.message for e in events)
