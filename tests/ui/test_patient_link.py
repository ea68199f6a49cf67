"""The console opens the patient screen, fans the session out to it, and records its answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt6.QtCore import Qt

from rehab.session.events import Alert, SessionPhase
from rehab.store import PatientDisplay
from rehab.store.models import Cause, Severity
from rehab.ui.console.main_window import QtConsole
from rehab.ui.models.console import ConsoleModel
from rehab.ui.models.patient import PatientPhase
from rehab.ui.models.settings import ConsoleSettings, SettingsModel
from rehab.ui.qt.speech import SpeechChoice
from tests.ui.history import record_session
from tests.ui.patient_helpers import FakeClock, RecordingSpeech, progress


@pytest.fixture
def linked(qtbot, demo_store, library, robot_config, tmp_path: Path):
    from tests.ui.test_models import FakeControl

    store, centre = demo_store
    control = FakeControl()
    model = ConsoleModel(store, library, robot_config, SettingsModel(
        tmp_path / "c.json", ConsoleSettings(data_dir=str(store.data_dir))),
        session_factory=lambda _r: control)
    speech = RecordingSpeech(FakeClock())
    window = QtConsole(model, speech=lambda: SpeechChoice(speech, speech.name))
    qtbot.addWidget(window)
    model.login.accept(centre.therapist)
    model.patients.select(centre.patient.id)
    yield window, control, centre, speech
    window.patient_link.close_window()


def test_open_follow_stop_pain_and_close(qtbot, linked) -> None:
    window, control, centre, speech = linked
    link = window.patient_link
    screen = link.open()
    assert screen.windowState() & Qt.WindowState.WindowFullScreen and screen.isVisible()
    window.start_session()
    model = link.model
    assert model.control is control and model.phase is PatientPhase.PAIN_BEFORE
    assert [g.exercise_id for g in model.guides] == [
        i.exercise_id for i in centre.program.items]
    sid = record_session(window.model.store, centre.program, [100], [90], finish=False)
    screen.pain_before_scale.faces[3].click()
    window.bridge.sink(progress(SessionPhase.READY, session_id=sid))  # as the session does
    qtbot.waitUntil(lambda: model.phase is PatientPhase.FRAMING, timeout=2000)
    assert window.model.store.sessions.get(sid).pain_before == 3
    screen.stop_button.click()
    assert control.calls[-1] == f"pause:{Cause.PATIENT}"
    # the runner stores the pause and alerts the console (its Alert for a person's pause)
    window.bridge.sink(Alert(2.0, Severity.INFO, "session",
                             "the patient pressed STOP (it hurts)", Cause.PATIENT))
    qtbot.waitUntil(lambda: any(a.cause is Cause.PATIENT for a in window.model.live.alerts),
                    timeout=2000)
    assert speech.texts[-1] == "멈췄습니다. 치료사 선생님이 곧 오십니다."
    link.close_window()
    assert link.window is None and not screen.isVisible()
    # The session was told: sets stop waiting for a lead-in nobody can see.
    assert control.calls[-1] == "patient_screen:False"


def test_a_session_started_with_the_screen_open_waits_for_its_lead_in(
        qtbot, linked) -> None:
    window, control, _centre, _speech = linked
    requests = []
    factory = window.model.session_factory
    window.model.session_factory = lambda request: requests.append(request) or factory(request)
    window.start_session()
    assert requests[-1].wait_for_patient is False
    window.model.live.stop()
    window.patient_link.open()
    window.start_session()
    assert requests[-1].wait_for_patient is True
    assert control.calls[-1] != "patient_screen:False"


def test_display_setting_is_stored_with_the_patient(qtbot, linked) -> None:
    window, _control, centre, _speech = linked
    link = window.patient_link
    link.high_contrast.setChecked(True)
    assert window.model.store.patients.display(centre.patient.id) == PatientDisplay(True, False)
    screen = link.open()
    assert screen.look.high_contrast
    link.large_text.setChecked(True)
    assert screen.look.scale > 1


def test_no_voice_is_said_once_on_the_console(qtbot, demo_store, library, robot_config,
                                              tmp_path: Path) -> None:
    store, centre = demo_store
    model = ConsoleModel(store, library, robot_config, SettingsModel(
        tmp_path / "c.json", ConsoleSettings()))
    window = QtConsole(model, speech=lambda: SpeechChoice(None, "", "espeak-ng is not installed"))
    qtbot.addWidget(window)
    model.login.accept(centre.therapist)
    window.patient_link.open()
    window.patient_link.close_window()
    window.patient_link.open()
    warnings = [a for a in model.live.alerts if "espeak-ng" in a.message]
    assert len(warnings) == 1
    assert "espeak-ng is not installed" in window.patient_link.voice_state.text()
    window.patient_link.close_window()
