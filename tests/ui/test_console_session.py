"""The console running a real session: SessionRunner, real MediaPipe on the demo video.

Camera-only (no robot node): the robot's side of a session is tested with the robot's own
end-to-end tests; here the console's part is checked — a session started from the live
screen, its reps shown as they are scored, the after-session form on the stored session.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rehab.errors import RobotError
from rehab.session.events import Alert, RepScored
from rehab.store import NewPatient, NewProgramItem, RobotMode, SessionStatus, Sex, Side
from rehab.ui.console.main_window import QtConsole
from rehab.ui.console.session_factory import runner_session_factory
from rehab.ui.models.console import ConsoleModel
from rehab.ui.models.settings import ConsoleSettings, SettingsModel
from tests.conftest import SHARED_DATA

VIDEO = SHARED_DATA / "videos" / "sports2d_demo.mp4"


def _console(qtbot, store, library, robot_config, tmp_path: Path, factory, camera: str):
    settings = SettingsModel(tmp_path / "c.json", ConsoleSettings(camera=camera))
    model = ConsoleModel(store, library, robot_config, settings, factory)
    window = QtConsole(model)
    qtbot.addWidget(window)
    return window, model


@pytest.mark.slow
@pytest.mark.needs_data
@pytest.mark.skipif(not VIDEO.is_file(), reason=f"demo video not found at {VIDEO}")
def test_console_runs_a_camera_only_session_on_the_demo_video(
        qtbot, demo_store, library, robot_config, tmp_path: Path) -> None:
    store, centre = demo_store
    patient = store.patients.add(NewPatient("박지성", 1950, Sex.MALE, Side.BOTH))
    store.programs.create(patient.id, "양팔 들기 1세트", [NewProgramItem(
        "shoulder_abduction_bilateral", sets=1, reps=2, target_rom_deg=120, tempo_s=1.0,
        robot_mode=RobotMode.NONE, assistance=0.0, safe_rom_min_deg=0, safe_rom_max_deg=180,
        side=Side.BOTH, rest_s=0)])
    factory = runner_session_factory(store.data_dir, robot=False)
    window, model = _console(qtbot, store, library, robot_config, tmp_path, factory,
                             str(VIDEO))
    model.login.accept(centre.therapist)
    model.patients.select(patient.id)
    window.show_page("live")
    control = model.start_session(window.bridge.sink)
    try:
        # the demo video loops: two jumping jacks come within its first seconds
        qtbot.waitUntil(lambda: window.pages.currentWidget() is window.views["after"],
                        timeout=120_000)
    finally:
        control.stop()
        assert control.wait(30)
    counted = [r for r in model.live.reps if not r.partial]
    assert len(counted) == 2
    assert all(isinstance(r, RepScored) and 50 <= r.rom_deg <= 200 for r in counted)
    live = window.views["live"]
    assert live.reps_table.rowCount() == len(model.live.reps)
    assert not live.camera.pixmap().isNull()  # frames with the skeleton were shown
    after = model.after
    assert after.session.id == control.session_id
    assert after.session.status is SessionStatus.COMPLETED
    assert len(after.reps) == 2  # what the screen showed is what was stored
    view = window.views["after"]
    view.pain.editor.setValue(1)
    view.save_button.click()
    assert store.sessions.get(control.session_id).pain_after == 1


def test_robot_connection_failure_is_shown(qtbot, demo_store, library, robot_config,
                                           tmp_path: Path) -> None:
    store, centre = demo_store

    def no_robot(domain_id: int):
        raise RobotError(f"no robot node answers on DDS domain {domain_id}")

    factory = runner_session_factory(store.data_dir, robot=True, connect_robot=no_robot)
    window, model = _console(qtbot, store, library, robot_config, tmp_path, factory, "0")
    model.login.accept(centre.therapist)
    model.patients.select(centre.patient.id)  # its program drives the robot
    control = model.start_session(window.bridge.sink)
    assert control.wait(10)
    qtbot.waitUntil(lambda: bool(model.live.alerts), timeout=5000)
    alert = model.live.alerts[-1]
    assert isinstance(alert, Alert) and "no robot node answers on DDS domain 0" in alert.message
    assert "no robot node" in window.views["live"].alerts.item(0).text()
    assert control.session_id is None  # nothing was started, nothing stored
    assert store.sessions.for_patient(centre.patient.id) == []


@pytest.mark.slow
@pytest.mark.needs_data
@pytest.mark.skipif(not VIDEO.is_file(), reason=f"demo video not found at {VIDEO}")
def test_console_session_with_the_simulated_robot_node(
        qtbot, demo_store, library, robot_config, tmp_path: Path) -> None:
    import random

    from rehab.session.events import RobotUpdate
    from rehab.session.robot_node import SimulatedRobotNode

    store, centre = demo_store
    patient = store.patients.add(NewPatient("최영수", 1947, Sex.MALE, Side.BOTH))
    program = store.programs.create(patient.id, "로봇 보조 양팔 들기", [NewProgramItem(
        "shoulder_abduction_bilateral", sets=1, reps=2, target_rom_deg=100, tempo_s=2.5,
        robot_mode=RobotMode.ACTIVE_ASSISTED, assistance=0.5, safe_rom_min_deg=0,
        safe_rom_max_deg=150, side=Side.BOTH, rest_s=0)])
    domain_id = random.randrange(120, 230)  # apart from other tests' nodes
    robot_updates: list[RobotUpdate] = []
    with SimulatedRobotNode(domain_id, tmp_path / "robot_node.log"):  # started, stopped
        factory = runner_session_factory(store.data_dir, robot=True)
        settings = SettingsModel(tmp_path / "c.json",
                                 ConsoleSettings(camera=str(VIDEO), dds_domain_id=domain_id))
        model = ConsoleModel(store, library, robot_config, settings, factory)
        window = QtConsole(model)
        qtbot.addWidget(window)
        window.bridge.update.connect(
            lambda u: robot_updates.append(u) if isinstance(u, RobotUpdate) else None)
        model.login.accept(centre.therapist)
        model.patients.select(patient.id)
        assert model.program.program.id == program.id
        control = model.start_session(window.bridge.sink)
        try:
            qtbot.waitUntil(lambda: window.pages.currentWidget() is window.views["after"],
                            timeout=150_000)
        finally:
            control.stop()
            assert control.wait(30)
    assert control.error is None, control.error
    assert [a for a in model.live.alerts if a.severity == "error"] == []
    assert len([r for r in model.live.reps if not r.partial]) == 2
    # the robot was heard, connected, and moved the shoulder joint through the exercise
    assert robot_updates and {u.link for u in robot_updates} >= {"connected"}
    shoulder = [u.position_deg[u.joint_names.index("shoulder_flexion")]
                for u in robot_updates if "shoulder_flexion" in u.joint_names]
    assert max(shoulder) > 30.0
    assert len(model.live.robot_traces["shoulder_flexion"]) > 10
    rows = model.progress.rows
    assert rows and rows[-1].session_id == control.session_id and rows[-1].reps_done == 2
    table = window.views["progress"].table
    assert table.item(0, 5).text() == "2 / 2"


def test_sessions_use_the_pose_backend_of_the_settings(demo_store, monkeypatch) -> None:
    """Each session builds the estimator its request's settings name (no restart needed)."""
    from rehab.ui.console import session_factory as sf
    from rehab.ui.models.console import SessionRequest
    from rehab.ui.models.settings import ConsoleSettings

    store, centre = demo_store
    built = []
    monkeypatch.setattr(sf, "make_pose_estimator", lambda pose: built.append(pose) or "est")
    factory = runner_session_factory(store.data_dir, robot=False)
    for backend, device in (("torch", "cuda:0"), ("mediapipe", "cpu")):
        settings = ConsoleSettings(pose_backend=backend, pose_device=device)
        live = factory(SessionRequest(centre.patient, centre.program, centre.therapist,
                                      settings, print))
        assert live._make_estimator() == "est"
        assert (built[-1].backend, built[-1].device) == (backend, device)
