"""The console's views, offscreen with pytest-qt: change the model, check the view; act."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QInputMethodEvent
from PyQt6.QtWidgets import QApplication

from rehab.errors import RehabError
from rehab.session.events import (
    Alert,
    FrameUpdate,
    ProgressUpdate,
    RepScored,
    RobotUpdate,
    SessionPhase,
    SetPosition,
)
from rehab.store import Deduction, SessionStatus
from rehab.store.models import Severity
from rehab.ui.console.after_session import QtAfterSession
from rehab.ui.console.app import CloseOnSignals
from rehab.ui.console.assessments import QtAssessments
from rehab.ui.console.live import QtLiveSession
from rehab.ui.console.login import QtLogin
from rehab.ui.console.main_window import PAGES, QtConsole
from rehab.ui.console.patients import QtPatientList
from rehab.ui.console.program import QtProgramEditor
from rehab.ui.console.progress import QtPatientProgress
from rehab.ui.console.settings import QtSettings
from rehab.ui.i18n import Language, Translator
from rehab.ui.models.assessments import AssessmentsModel
from rehab.ui.models.console import ConsoleModel
from rehab.ui.models.live import LiveSessionModel
from rehab.ui.models.login import LoginModel
from rehab.ui.models.outcome import AfterSessionModel
from rehab.ui.models.patients import PatientListModel
from rehab.ui.models.program import ProgramEditorModel
from rehab.ui.models.progress import PatientProgressModel
from rehab.ui.models.settings import ConsoleSettings, SettingsModel
from rehab.ui.qt.bridge import QtSessionBridge
from rehab.ui.qt.worker import WorkerPool
from tests.ui.conftest import THERAPIST_PASSWORD
from tests.ui.history import record_session
from tests.ui.test_models import FakeControl, frame


@pytest.fixture
def tr() -> Translator:
    return Translator(Language.KO)


def type_text(widget, text: str) -> None:
    """Type ``text`` as an input method commits it: how Hangul reaches a widget.

    QTest's key clicks only cover Latin-1 keys; Korean is composed by the IME and
    arrives as a committed string.
    """
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def _texts(table, column: int) -> list[str]:
    return [table.item(r, column).text() for r in range(table.rowCount())]


# -- login ----------------------------------------------------------------------------


def test_login_wrong_then_right_password(qtbot, demo_store, tr) -> None:
    store, centre = demo_store
    model = LoginModel(store.data_dir)
    view = QtLogin(model, tr)
    qtbot.addWidget(view)
    qtbot.keyClicks(view.username, "kim")
    qtbot.keyClicks(view.password, "wrong password")
    view.submit.click()
    qtbot.waitUntil(lambda: view.message.text() != "", timeout=5000)
    assert view.message.text() == "아이디 또는 비밀번호가 올바르지 않습니다."
    assert model.user is None
    view.password.clear()
    qtbot.keyClicks(view.password, THERAPIST_PASSWORD)
    with qtbot.waitSignal(view.submit.pressed, timeout=100, raising=False):
        pass
    qtbot.keyClick(view.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: model.user is not None, timeout=5000)
    assert model.user.id == centre.therapist.id and view.password.text() == ""


def test_login_errors_from_the_worker_are_shown(qtbot, tmp_path: Path, tr) -> None:
    bad = tmp_path / "not-a-folder"
    bad.write_text("a file where the data folder should be")
    view = QtLogin(LoginModel(bad), tr)
    qtbot.addWidget(view)
    qtbot.keyClicks(view.username, "kim")
    qtbot.keyClicks(view.password, "whatever1")
    view.attempt()
    qtbot.waitUntil(lambda: view.message.text() != "", timeout=5000)
    assert view.message.text().startswith("오류:")
    assert view.submit.isEnabled()


def test_worker_failure_reaches_the_gui_thread(qtbot) -> None:
    pool = WorkerPool()
    errors: list[Exception] = []

    def boom() -> None:
        raise RehabError("camera unplugged")

    pool.start(boom, on_done=lambda _r: None, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert str(errors[0]) == "camera unplugged" and not pool.busy


# -- patients -------------------------------------------------------------------------


def test_add_search_and_deactivate_a_patient(qtbot, demo_store, tr) -> None:
    store, _centre = demo_store
    model = PatientListModel(store)
    view = QtPatientList(model, tr)
    qtbot.addWidget(view)
    assert _texts(view.table, 1) == ["김영희"]
    view.new_button.click()
    type_text(view.name.editor, "최민준")
    qtbot.keyClicks(view.birth_year.editor, "19x2")
    view.save_button.click()
    assert view.birth_year.error == "정수여야 합니다"  # inline, beside the field
    view.birth_year.editor.clear()
    qtbot.keyClicks(view.birth_year.editor, "1952")
    view.side.editor.setCurrentIndex(view.side.editor.findData("right"))
    view.save_button.click()
    assert view.birth_year.error == ""
    assert sorted(_texts(view.table, 1)) == ["김영희", "최민준"]
    assert "최민준" in view.status.text()
    assert store.patients.search("민준")[0].affected_side == "right"
    type_text(view.search, "민준")
    assert _texts(view.table, 1) == ["최민준"]
    assert view.count.text() == "환자 1명"
    view.table.selectRow(0)
    view.deactivate_button.click()
    assert _texts(view.table, 1) == []
    assert not store.patients.search("민준", include_inactive=True)[0].active


def test_edit_a_patient_from_the_list(qtbot, demo_store, tr) -> None:
    store, centre = demo_store
    model = PatientListModel(store)
    view = QtPatientList(model, tr)
    qtbot.addWidget(view)
    view.table.selectRow(0)
    assert view.name.editor.text() == "김영희"
    assert centre.patient.code in view.form_box.title()
    view.diagnosis.editor.setText("뇌경색, 좌측 편마비")
    view.save_button.click()
    assert store.patients.get(centre.patient.id).diagnosis == "뇌경색, 좌측 편마비"
    assert "뇌경색, 좌측 편마비" in _texts(view.table, 5)


# -- program editor -------------------------------------------------------------------


def test_program_editor_inline_errors_and_save(qtbot, demo_store, library, robot_config,
                                               tr) -> None:
    store, centre = demo_store
    model = ProgramEditorModel(store, library, robot_config)
    model.load(centre.patient.id)
    view = QtProgramEditor(model, tr)
    qtbot.addWidget(view)
    assert view.items.count() == 2
    assert view.name.isReadOnly()  # an existing program keeps its name
    view.items.setCurrentRow(1)  # elbow flexion, robot elbow joint -5..145 deg
    assert view.fields["exercise_id"].editor.currentText() == "팔꿈치 굽히기"
    assert view.robot_info.text() == "로봇 팔꿈치 관절: -5° ~ 145°"
    view.fields["safe_rom_max_deg"].editor.setValue(160)
    assert view.fields["safe_rom_max_deg"].error == "로봇 팔꿈치 관절 한계 145° 이하여야 합니다"
    assert view.items.item(1).text().startswith("⚠")
    view.save_button.click()
    assert view.status.text() == "빨간 메시지가 있는 항목을 고쳐 주세요."
    assert len(store.programs.get(centre.program.id).items) == 2  # nothing written
    view.fields["safe_rom_max_deg"].editor.setValue(140)
    assert view.fields["safe_rom_max_deg"].error == ""
    view.fields["reps"].editor.setValue(15)
    view.add_exercise.setCurrentIndex(view.add_exercise.findData("squat"))
    view.add_button.click()
    assert view.items.currentRow() == 2
    assert view.robot_info.text() == "카메라 전용 운동 (로봇 없음)"
    mode = view.fields["robot_mode"].editor
    mode.setCurrentIndex(mode.findData("passive"))
    assert "카메라 전용" in view.fields["robot_mode"].error
    mode.setCurrentIndex(mode.findData("none"))
    view.save_button.click()
    assert view.status.text() == "프로그램을 저장했습니다."
    items = store.programs.get(centre.program.id).items
    assert [(i.exercise_id, i.reps, i.safe_rom_max_deg) for i in items] == [
        ("shoulder_abduction_bilateral", 5, 150), ("elbow_flexion", 15, 140),
        ("squat", 10, 180)]


# -- live session ---------------------------------------------------------------------


def test_live_view_shows_frame_traces_reps_robot(qtbot, tr) -> None:
    model = LiveSessionModel()
    control = FakeControl()
    model.attach(control)
    view = QtLiveSession(model, tr)
    qtbot.addWidget(view)
    for i in range(30):
        model.ingest(frame(i / 30, 20 + 2 * i, image=True))
    model.ingest(RobotUpdate(1.0, "running", "active_assisted", "lost",
                             ("shoulder_flexion", "elbow_flexion"), (40.0, 5.0), (1.0, 0.1),
                             0.35, fault="heartbeat timeout"))
    model.ingest(ProgressUpdate(1.0, SessionPhase.EXERCISING,
                                SetPosition(0, 2, "x", "양팔 옆으로 들기", 1, 2, 3, 5)))
    model.ingest(RepScored(1.0, 0, 1, 2, 96.0, 78.0,
                           (Deduction("trunk_lean", 15, "몸통 기울임 18°"),
                            Deduction("too_fast", 7, "1.1초, 처방 2초")), ("trunk_lean",),
                           "몸통을 곧게 세우세요."))
    model.ingest(Alert(1.0, Severity.ERROR, "robot", "로봇 연결 끊김"))
    view.redraw()
    assert not view.camera.pixmap().isNull()
    curve = view._curves["angle:shoulder_abduction_left"]
    assert curve.getData()[1][-1] == pytest.approx(78.0)
    assert view.rep_counter.text() == "3 / 5"
    assert view.set_label.text() == "세트 2 / 2"
    assert view.robot_link.text() == "연결: 끊김"
    assert "heartbeat timeout" in view.robot_fault.text()
    assert view.reps_table.item(0, 4).text() == "−15 몸통 기울임 18°; −7 1.1초, 처방 2초"
    assert view.reps_table.item(0, 3).text() == "78"
    assert "로봇 연결 끊김" in view.alerts.item(0).text()
    assert view.cue.text() == "안내: “몸통을 곧게 세우세요.”"


def test_estop_button_calls_the_session_and_shows_it(qtbot, tr) -> None:
    model = LiveSessionModel()
    control = FakeControl()
    model.attach(control)
    view = QtLiveSession(model, tr)
    qtbot.addWidget(view)
    qtbot.mouseClick(view.estop_button, Qt.MouseButton.LeftButton)
    assert control.calls == ["estop"]
    assert view.estop_state.text() == "비상 정지됨: 로봇이 멈췄습니다."  # at once, no timer
    assert not view.pause_button.isEnabled()


def test_estop_failure_is_shown(qtbot, tr) -> None:
    model = LiveSessionModel()
    model.attach(FakeControl(fail_estop=True))
    view = QtLiveSession(model, tr)
    qtbot.addWidget(view)
    view.estop_button.click()
    assert "did not answer" in view.alerts.item(0).text()


@pytest.fixture
def console(qtbot, demo_store, library, robot_config, tmp_path: Path):
    store, centre = demo_store
    settings = SettingsModel(tmp_path / "console.json", ConsoleSettings(
        data_dir=str(store.data_dir)))
    control = FakeControl()
    model = ConsoleModel(store, library, robot_config, settings, session_factory=lambda r: control)
    window = QtConsole(model)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    model.login.accept(centre.therapist)
    model.patients.select(centre.patient.id)
    return window, control, centre


@pytest.mark.parametrize("key", [Qt.Key.Key_F12, Qt.Key.Key_Pause])
def test_estop_shortcut_works_from_any_page_while_typing(qtbot, console, key) -> None:
    window, control, _ = console
    window.start_session()
    window.show_page("assessments")
    editor = window.views["assessments"].notes.editor
    window.activateWindow()
    qtbot.waitActive(window)
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus, timeout=2000)
    type_text(editor, "메모 작성 중")
    qtbot.keyClick(editor, key)
    assert control.calls == ["start", "estop"]
    assert window.model.live.estopped
    assert editor.text() == "메모 작성 중"  # typing was not disturbed


def test_estop_shortcut_works_while_a_file_dialog_is_open(qtbot, console) -> None:
    window, control, _ = console
    window.start_session()
    window.show_page("settings")
    dialog = window.views["settings"]._browse_video()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_F12)
    assert control.calls == ["start", "estop"]
    dialog.close()


def test_closing_the_console_stops_the_session(qtbot, console) -> None:
    window, control, _ = console
    window.start_session()
    window.close()
    assert control.calls == ["start", "stop"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_closes_the_console_and_ends_the_session_with_its_cause(
        qtbot, console, signum: int) -> None:
    window, control, _ = console
    window.show()
    window.start_session()
    with CloseOnSignals(window) as signals:
        os.kill(os.getpid(), signum)
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=3000)
    assert signals.signum == signum
    assert control.calls == ["start", "stop:signal"]


def test_start_session_from_the_console_and_finish(qtbot, console) -> None:
    window, control, centre = console
    window.show_page("live")
    live = window.views["live"]
    live.start_button.click()
    assert control.calls == ["start"]
    # Updates come from the session's own threads through the bridge.
    sid = record_session(window.model.store, centre.program, [110, 118], [90, 95],
                         finish=False)
    thread = threading.Thread(target=lambda: [
        window.bridge.sink(frame(0.1, 30.0)),
        window.bridge.sink(ProgressUpdate(0.2, SessionPhase.FINISHED,
                                          SetPosition(0, 1, "x", "x", 1, 2, 2, 5),
                                          session_id=sid))])
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.views["after"],
                    timeout=3000)
    after = window.views["after"]
    assert after.summary.text() == "반복 2회 · 평균 점수 92 · 최대 범위 118°"
    after.pain.editor.setValue(2)
    after.rpe.editor.setValue(14)
    after.notes.editor.setPlainText("잘 따라 하심")
    after.save_button.click()
    s = window.model.store.sessions.get(sid)
    assert (s.status, s.pain_after, s.borg_rpe, s.notes) == (
        SessionStatus.COMPLETED, 2, 14, "잘 따라 하심")


def test_start_refused_without_a_program_is_an_alert(qtbot, demo_store, library, robot_config,
                                                     tmp_path: Path) -> None:
    store, centre = demo_store
    model = ConsoleModel(store, library, robot_config,
                         SettingsModel(tmp_path / "c.json", ConsoleSettings()))
    window = QtConsole(model)
    qtbot.addWidget(window)
    model.login.accept(centre.therapist)
    model.patients.select(centre.patient.id)
    live = window.views["live"]
    assert live.runner_hint.isVisibleTo(live) and not live.start_button.isVisibleTo(live)
    window.start_session()  # as if started anyway: refused with a visible reason
    assert window.model.live.alerts[-1].severity == Severity.ERROR
    assert "세션 실행기가 연결되지 않았습니다" in live.alerts.item(0).text()


def test_language_switch_retranslates_everything(qtbot, console) -> None:
    window, _, _ = console
    assert window.nav.item(0).text() == "환자"
    settings = window.views["settings"]
    settings.language.editor.setCurrentIndex(settings.language.editor.findData("en"))
    settings.save_button.click()
    assert window.nav.item(PAGES.index("live")).text() == "Live session"
    assert window.views["live"].estop_button.text() == "E-STOP"
    assert window.views["patients"].table.horizontalHeaderItem(1).text() == "Name"
    exercise = window.views["program"].fields["exercise_id"].editor.currentText()
    assert exercise == window.model.library["shoulder_abduction_bilateral"].names.en
    assert window.model.settings.settings.language is Language.EN


def test_settings_errors_are_inline(qtbot, tmp_path: Path, tr) -> None:
    model = SettingsModel(tmp_path / "c.json", ConsoleSettings())
    view = QtSettings(model, tr)
    qtbot.addWidget(view)
    view.camera.editor.setText(str(tmp_path / "없는 파일.mp4"))
    view.save_button.click()
    assert view.camera.error.startswith("동영상 파일이 없습니다")
    view.camera.editor.setText("2")
    view.dds_domain_id.editor.setValue(7)
    view.save_button.click()
    assert view.camera.error == ""
    assert model.settings.camera == "2" and model.settings.dds_domain_id == 7


def test_settings_choose_the_pose_backend(qtbot, tmp_path: Path, tr) -> None:
    model = SettingsModel(tmp_path / "c.json", ConsoleSettings())
    view = QtSettings(model, tr)
    qtbot.addWidget(view)
    combo = view.pose_backend.editor
    assert [combo.itemData(i) for i in range(combo.count())] == ["mediapipe", "torch", "auto"]
    assert combo.currentData() == "mediapipe"
    assert combo.currentText() == tr("pose_backend.mediapipe")
    view.pose_device.editor.setCurrentText("cuda")
    view.save_button.click()  # MediaPipe runs on the CPU only
    assert view.pose_device.error != "" and model.settings.pose_device == "cpu"
    combo.setCurrentIndex(combo.findData("torch"))
    view.save_button.click()
    assert view.pose_device.error == ""
    assert (model.settings.pose_backend, model.settings.pose_device) == ("torch", "cuda")


# -- progress, assessments, after session ---------------------------------------------


def test_progress_view_shows_trends_and_table(qtbot, demo_store, library, tr) -> None:
    store, centre = demo_store
    for rom, score in ((80, 60), (90, 66), (97, 71), (104, 79), (112, 85)):
        record_session(store, centre.program, [rom - 4, rom], [score, score], assistance=0.6)
    model = PatientProgressModel(store, library)
    view = QtPatientProgress(model, tr)
    qtbot.addWidget(view)
    model.load(centre.patient.id)
    assert view.trend_labels["max_rom_deg"].text() == "최대 관절 가동 범위 (°): 향상"
    assert view.trend_labels["mean_assistance"].text() == "로봇 보조 (%): 정체"
    assert view.table.rowCount() == 5
    assert view.table.item(0, 3).text() == "112 / 120"  # newest first
    assert view.table.item(0, 5).text() == "2 / 5"
    assert view.exercise.currentText().startswith("양팔")
    assert not view.empty.isVisibleTo(view)


def test_progress_view_without_robot_assistance(qtbot, demo_store, library, tr) -> None:
    store, centre = demo_store
    for rom in (80, 90, 100):
        record_session(store, centre.program, [rom], [70], assistance=None)
    model = PatientProgressModel(store, library)
    view = QtPatientProgress(model, tr)
    qtbot.addWidget(view)
    model.load(centre.patient.id)  # no warning from an all-missing series
    assert view.plots["mean_assistance"].listDataItems() == []
    assert view.trend_labels["mean_assistance"].text() == "로봇 보조 (%): 자료 부족"
    assert view.table.item(0, 6).text() == "—"


def test_assessments_view_adds_and_charts(qtbot, demo_store, tr) -> None:
    store, centre = demo_store
    model = AssessmentsModel(store)
    model.load(centre.patient.id)
    view = QtAssessments(model, tr)
    qtbot.addWidget(view)
    view.instrument.editor.setCurrentIndex(view.instrument.editor.findData("box_and_block"))
    qtbot.keyClicks(view.score.editor, "200")
    view.add_button.click()
    assert view.score.error == "0 ~ 150 사이여야 합니다 (입력: 200)"
    view.score.editor.clear()
    qtbot.keyClicks(view.score.editor, "23")
    view.add_button.click()
    assert view.score.error == "" and view.table.rowCount() == 1
    assert view.table.item(0, 2).text() == "23 개/분"
    assert len(view.plots["box_and_block"].listDataItems()) == 1
    assert store.assessments.for_patient(centre.patient.id)[0].score == 23


def test_after_session_without_session(qtbot, demo_store, tr) -> None:
    store, centre = demo_store
    model = AfterSessionModel(store)
    view = QtAfterSession(model, tr)
    qtbot.addWidget(view)
    model.load_latest(centre.patient.id)
    assert view.session_label.text().startswith("기록할 세션이 없습니다")
    assert not view.form_box.isEnabled()


# -- the bridge -----------------------------------------------------------------------


def test_bridge_delivers_in_order_keeps_only_the_latest_image(qtbot) -> None:
    bridge = QtSessionBridge(max_pending=50)
    received: list = []
    bridge.update.connect(received.append)

    def session_thread() -> None:
        for i in range(200):
            bridge.sink(frame(i / 30, float(i)))
            if i % 40 == 0:
                bridge.sink(RepScored(i / 30, 0, 0, i // 40, 90.0, 80.0, (), (), ""))

    thread = threading.Thread(target=session_thread)
    thread.start()
    thread.join()  # the GUI thread was busy: nothing was drained while the session ran
    qtbot.waitUntil(lambda: any(isinstance(u, FrameUpdate) and u.t_s == pytest.approx(199 / 30)
                                for u in received), timeout=3000)
    frames = [u for u in received if isinstance(u, FrameUpdate)]
    reps = [u for u in received if isinstance(u, RepScored)]
    assert [r.rep_index for r in reps] == [0, 1, 2, 3, 4]  # never dropped
    # Queued frames stop at max_pending; the newest image still arrives, after them.
    assert len(frames) < 51 and len(frames) == 200 - bridge.dropped + 1
    with_image = [f for f in frames if f.image_bgr is not None]
    assert [f.t_s for f in with_image] == [pytest.approx(199 / 30)]
    assert bridge.dropped > 0
    assert all(np.diff([f.t_s for f in frames]) > 0)  # in order


def test_bridge_does_not_block_the_session(qtbot) -> None:
    bridge = QtSessionBridge(max_pending=10)
    import time

    start = time.perf_counter()
    for i in range(5000):  # no GUI draining at all meanwhile
        bridge.sink(frame(i / 30, 1.0))
    assert time.perf_counter() - start < 2.0
    assert bridge.dropped == 5000 - 10
    qtbot.wait(10)
