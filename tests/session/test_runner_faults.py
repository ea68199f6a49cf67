"""Each fault path leaves the record that says what happened (issue 8's reproductions).

The robot is :class:`ScriptedNode` behind the real :class:`RobotClient`; the camera is an
array source on a clock that frames advance; the store is a real SQLite file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rehab.errors import CaptureError
from rehab.robot.client import ClientSettings, RobotClient
from rehab.robot.link import LinkSettings
from rehab.session.events import Alert, ProgressUpdate, RepScored, SessionPhase
from rehab.store import Cause, EventKind, RobotMode, SessionStatus, Store
from rehab_robot.core.api import RobotState
from tests.session.scripted import FrameClock, ScriptedEstimator
from tests.session.scripted_robot import ScriptedNode
from tests.session.test_runner import Updates, _program, _runner


def _robot(clock: FrameClock, node: ScriptedNode) -> RobotClient:
    return RobotClient(node, ClientSettings(heartbeat_period_s=0.01,
                                            link=LinkSettings(0.5, 2.0)), now_s=clock).start()


def test_each_set_runs_only_on_its_own_acknowledged_command(tmp_path: Path) -> None:
    """Reproduction 1: set 2 used to be refused (the robot was still running set 1's
    exercise) while set 1's acknowledgement satisfied it, and it was scored as completed."""
    _, program_id = _program(tmp_path, sets=2, reps=3, rest_s=1.0,
                             robot_mode=RobotMode.ACTIVE_ASSISTED)
    clock, updates, node = FrameClock(), Updates(), ScriptedNode()
    robot = _robot(clock, node)
    runner, _ = _runner(tmp_path, program_id, clock, updates, robot=robot)
    runner.start()
    assert runner.wait(60) and runner.error is None
    robot.close()
    assert [c.command_seq for c in node.exercises] == [1, 2]
    assert node.calls.count("finish") == 2, node.calls  # each set's exercise is ended
    with Store.open(tmp_path) as store:
        session = store.sessions.get(runner.session_id)
        assert session.status is SessionStatus.COMPLETED and session.robot_used
        set_ids = [r[0] for r in store.db.execute(
            "SELECT id FROM sets WHERE session_id=? ORDER BY id", (session.id,))]
        assert [store.sessions.robot_command(i) for i in set_ids] == [1, 2]
        assert not any(e.kind is EventKind.FAULT for e in store.sessions.events(session.id))
        assert all(r.assistance == pytest.approx(0.4) for r in store.sessions.reps(session.id))


def test_a_refused_set_pauses_with_the_robots_reason_and_is_not_robot_assisted(
        tmp_path: Path) -> None:
    _, program_id = _program(tmp_path, sets=2, reps=3, rest_s=0.5,
                             robot_mode=RobotMode.ACTIVE_ASSISTED)
    clock, updates, node = FrameClock(), Updates(), ScriptedNode()
    robot = _robot(clock, node)
    runner, _ = _runner(tmp_path, program_id, clock, updates, robot=robot)
    runner.start()
    updates.wait_for(lambda u: isinstance(u, ProgressUpdate) and u.phase is
                     SessionPhase.RESTING)
    node.refuse_next = ("speed_limit", "tempo_s: 0.6 s would exceed 90 deg/s")
    alert = updates.wait_for(lambda u: isinstance(u, Alert) and u.source == "robot")
    assert alert.cause is Cause.ROBOT_REFUSED and "90 deg/s" in alert.message
    paused = updates.wait_for(lambda u: isinstance(u, ProgressUpdate) and
                              u.phase is SessionPhase.PAUSED)
    assert paused.cause is Cause.ROBOT_REFUSED
    runner.stop()
    assert runner.wait(30)
    robot.close()
    with Store.open(tmp_path) as store:
        session = store.sessions.get(runner.session_id)
        assert session.status is SessionStatus.STOPPED
        set_ids = [r[0] for r in store.db.execute(
            "SELECT id FROM sets WHERE session_id=? ORDER BY id", (session.id,))]
        assert store.sessions.robot_command(set_ids[1]) is None
        events = store.sessions.events(session.id)
        assert any(e.cause is Cause.ROBOT_REFUSED and e.kind is EventKind.FAULT
                   for e in events)
        second = [r for r in store.sessions.reps(session.id) if r.set_id == set_ids[1]]
        assert all(r.assistance is None for r in second)


def test_a_silent_robot_node_is_a_lost_link_not_the_therapist(tmp_path: Path) -> None:
    """Reproduction 2: killing the node was stored as "stopped by the therapist"."""
    _, program_id = _program(tmp_path, sets=1, reps=30, robot_mode=RobotMode.ACTIVE_ASSISTED)
    clock, updates, node = FrameClock(), Updates(), ScriptedNode()
    robot = _robot(clock, node)
    runner, _ = _runner(tmp_path, program_id, clock, updates, robot=robot, end_on_fault=True)
    runner.start()
    updates.wait_for(lambda u: isinstance(u, RepScored) and not u.partial)
    node.silent = True  # kill -9: nothing more arrives
    assert runner.wait(60)
    robot.close()
    with Store.open(tmp_path) as store:
        session = store.sessions.get(runner.session_id)
        assert (session.status, session.end_cause) == (SessionStatus.ABORTED,
                                                       Cause.ROBOT_LINK_LOST)
        assert session.notes == ""
        assert store.sessions.events(session.id)[-1].cause is Cause.ROBOT_LINK_LOST


def test_a_stalled_app_is_recorded_as_stalled_and_the_robots_watchdog_as_its_own(
        tmp_path: Path) -> None:
    """Reproduction 2: `kill -STOP` of the app for 3 s was stored as "camera lost" with
    no robot event. The loop's own clock sees the gap; the robot's safe stop on its
    watchdog is stored as the robot reported it."""
    _, program_id = _program(tmp_path, sets=1, reps=30, robot_mode=RobotMode.ACTIVE_ASSISTED)
    clock, updates, node = FrameClock(), Updates(), ScriptedNode()
    stalled = []

    class StallingEstimator(ScriptedEstimator):
        def estimate(self, image_rgb, t_s):
            if t_s > 4.0 and not stalled:  # the process stops for 3 s
                stalled.append(t_s)
                clock.now_s += 3.0
                node.stop_robot(RobotState.SAFE_STOP, "watchdog",
                                "no heartbeat for 0.2 s: safe stop")
            return super().estimate(image_rgb, t_s)

    robot = _robot(clock, node)
    runner, _ = _runner(tmp_path, program_id, clock, updates, robot=robot,
                        estimator=StallingEstimator())
    runner.start()
    paused = updates.wait_for(lambda u: isinstance(u, ProgressUpdate) and
                              u.phase is SessionPhase.PAUSED)
    assert paused.cause is Cause.APP_STALLED, paused
    runner.stop()
    assert runner.wait(30)
    robot.close()
    with Store.open(tmp_path) as store:
        events = store.sessions.events(runner.session_id)
        causes = [e.cause for e in events if e.cause is not None]
        assert Cause.APP_STALLED in causes and Cause.ROBOT_WATCHDOG in causes
        assert Cause.CAMERA_LOST not in causes
        watchdog = next(e for e in events if e.cause is Cause.ROBOT_WATCHDOG)
        assert watchdog.source == "robot" and "safe_stop" in watchdog.message


@pytest.mark.parametrize(("state", "code", "cause"), [
    (RobotState.SAFE_STOP, "spasm", Cause.ROBOT_SAFE_STOP),
    (RobotState.SAFE_STOP, "watchdog", Cause.ROBOT_WATCHDOG),
    (RobotState.FAULT, "fault_driver", Cause.ROBOT_FAULT),
    (RobotState.ESTOP, "estop", Cause.ESTOP),
])
def test_the_robot_stopping_ends_a_headless_session_with_its_cause(
        tmp_path: Path, state: RobotState, code: str, cause: Cause) -> None:
    _, program_id = _program(tmp_path, sets=1, reps=30, robot_mode=RobotMode.ACTIVE_ASSISTED)
    clock, updates, node = FrameClock(), Updates(), ScriptedNode()
    robot = _robot(clock, node)
    runner, _ = _runner(tmp_path, program_id, clock, updates, robot=robot, end_on_fault=True)
    runner.start()
    updates.wait_for(lambda u: isinstance(u, RepScored) and not u.partial)
    node.stop_robot(state, code, f"stopped: {code}")
    assert runner.wait(60)
    robot.close()
    assert runner.end is not None and runner.end.cause is cause
    with Store.open(tmp_path) as store:
        session = store.sessions.get(runner.session_id)
        assert (session.status, session.end_cause) == (SessionStatus.ABORTED, cause)


def test_a_camera_without_frames_stores_nothing(tmp_path: Path) -> None:
    """Reproduction 5: a bad video stored an empty aborted session on the patient."""
    _, program_id = _program(tmp_path, sets=1, reps=3)
    clock, updates = FrameClock(), Updates()
    runner, _ = _runner(tmp_path, program_id, clock, updates)

    def broken() -> None:
        raise CaptureError("cannot open video file (corrupt or unknown codec): text.mp4")

    runner._open_source = broken
    runner.start()
    assert runner.wait(30)
    assert isinstance(runner.error, CaptureError) and runner.session_id is None
    with Store.open(tmp_path) as store:
        assert store.db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0


def test_patient_stop_pauses_with_the_patient_as_cause(tmp_path: Path) -> None:
    _, program_id = _program(tmp_path, sets=1, reps=30, robot_mode=RobotMode.ACTIVE_ASSISTED)
    clock, updates, node = FrameClock(), Updates(), ScriptedNode()
    robot = _robot(clock, node)
    runner, _ = _runner(tmp_path, program_id, clock, updates, robot=robot)
    runner.start()
    updates.wait_for(lambda u: isinstance(u, RepScored) and not u.partial)
    runner.pause(Cause.PATIENT)
    paused = updates.wait_for(lambda u: isinstance(u, ProgressUpdate) and
                              u.phase is SessionPhase.PAUSED)
    assert paused.cause is Cause.PATIENT
    assert "pause" in node.calls  # the robot holds, as for the therapist's pause
    runner.resume()
    updates.wait_for(lambda u: isinstance(u, ProgressUpdate) and u.phase is
                     SessionPhase.EXERCISING and u.t_s > paused.t_s)
    runner.stop(Cause.PATIENT)
    assert runner.wait(30)
    robot.close()
    with Store.open(tmp_path) as store:
        session = store.sessions.get(runner.session_id)
        assert (session.status, session.end_cause) == (SessionStatus.STOPPED, Cause.PATIENT)
        # resumed: a second exercise command, accepted, for the same set
        assert [c.command_seq for c in node.exercises] == [1, 2]


def _runner_with(tmp_path: Path, program_id: int, clock, updates, **settings):
    """A runner like ``_runner``'s with other settings."""
    from dataclasses import replace

    runner, _ = _runner(tmp_path, program_id, clock, updates)
    runner.settings = replace(runner.settings, **settings)
    return runner


def test_with_a_patient_screen_each_set_waits_for_its_lead_in(tmp_path: Path) -> None:
    """The set is held in READY (camera on, nothing counted) until begin_set()."""
    _, program_id = _program(tmp_path, sets=2, reps=2, rest_s=30.0)
    clock, updates = FrameClock(), Updates()
    runner = _runner_with(tmp_path, program_id, clock, updates, wait_for_patient=True)
    runner.start()
    updates.wait_for(lambda u: type(u).__name__ == "FrameUpdate" and u.t_s > 6.0)
    assert not updates.of(RepScored), "nothing is counted before the lead-in ends"
    ready = [u for u in updates.of(ProgressUpdate) if u.phase is SessionPhase.READY]
    assert ready and ready[-1].position.set_index == 0
    runner.begin_set()
    updates.wait_for(lambda u: isinstance(u, ProgressUpdate) and u.phase is
                     SessionPhase.RESTING)
    runner.extend_rest(30.0)
    longer = updates.wait_for(lambda u: isinstance(u, ProgressUpdate) and u.phase is
                              SessionPhase.RESTING and u.rest_remaining_s > 30.0)
    assert longer.rest_remaining_s <= 60.0
    runner.skip_rest()
    second = updates.wait_for(lambda u: isinstance(u, ProgressUpdate) and u.phase is
                              SessionPhase.READY and u.position.set_index == 1)
    assert second.t_s < longer.t_s + 5.0, "the rest was skipped"
    runner.begin_set()
    assert runner.wait(60) and runner.error is None
    with Store.open(tmp_path) as store:
        session = store.sessions.get(runner.session_id)
        assert session.status is SessionStatus.COMPLETED
        assert len(store.sessions.reps(session.id)) == 4
