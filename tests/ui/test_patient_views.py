"""The patient screen's views: each phase shown from the model, STOP, sizes and contrast."""

from __future__ import annotations

import pytest
from PyQt6.QtGui import QCloseEvent

from rehab.session.events import SessionPhase
from rehab.store import PatientDisplay
from rehab.store.models import Cause
from rehab.ui.i18n import Language, Translator
from rehab.ui.models.patient import (
    COUNTDOWN_FROM,
    DEMO_LOOPS,
    FRAMING_HOLD_S,
    PatientPhase,
    PatientScreenModel,
)
from rehab.ui.models.voice import Voice
from rehab.ui.patient.look import CALM, HIGH_CONTRAST, contrast_ratio, look_for
from rehab.ui.patient.window import QtPatientScreen
from tests.ui.patient_helpers import (
    FakeClock,
    PatientControl,
    RecordingSpeech,
    body_frame,
    guides,
    progress,
    rep,
)


@pytest.fixture
def patient_screen(qtbot, library):
    clock = FakeClock()
    speech = RecordingSpeech(clock, busy_s=0.2)
    tr = Translator(Language.KO)
    model = PatientScreenModel(tr, Voice(speech, "ko", clock), clock)
    control = PatientControl()
    model.attach(control, guides(library))
    view = QtPatientScreen(model, tr)
    view.timer.stop()  # the test ticks
    view.resize(1920, 1080)
    qtbot.addWidget(view)
    return view, model, control, clock


def step(view: QtPatientScreen, clock: FakeClock, seconds: float) -> None:
    for _ in range(round(seconds / 0.05)):
        clock.advance(0.05)
        view._tick()


def shown(view: QtPatientScreen) -> PatientPhase:
    return next(p for p, page in view.page.items() if page is view.pages.currentWidget())


def test_each_phase_has_its_view(patient_screen) -> None:
    view, model, control, clock = patient_screen
    view.refresh()
    assert shown(view) is PatientPhase.PAIN_BEFORE
    assert view.pain_before_question.text() == "운동 전에 여쭤볼게요. 지금 얼마나 아프세요?"
    view.pain_before_scale.faces[4].click()
    assert model.pain_before == 4
    model.ingest(progress(SessionPhase.READY))
    model.ingest(body_frame(0.0, whole=False))
    step(view, clock, 0.1)
    assert shown(view) is PatientPhase.FRAMING
    assert view.framing_hint.text() == "한 걸음 뒤로 가세요."
    assert not view.framing_camera.pixmap().isNull()
    model.ingest(body_frame(0.5))
    step(view, clock, FRAMING_HOLD_S + 0.1)
    assert shown(view) is PatientPhase.DEMONSTRATION
    assert view.demo_name.text() == "어깨 벌리기 (한 팔 옆으로 들기)"
    angle_before = view.demo_figure.angle_deg
    step(view, clock, 1.0)
    assert view.demo_figure.angle_deg > angle_before  # the figure moves
    step(view, clock, DEMO_LOOPS * model.guide.demo_period_s)
    assert shown(view) is PatientPhase.COUNTDOWN
    assert view.countdown_number.text() == "3"
    step(view, clock, 1.0)
    assert view.countdown_number.text() == "2"
    step(view, clock, COUNTDOWN_FROM)
    assert shown(view) is PatientPhase.EXERCISE and control.calls == ["begin_set"]
    model.ingest(progress(SessionPhase.EXERCISING))
    model.ingest(body_frame(1.0, angle_deg=125.0))
    model.ingest(rep(0, cue="잘하셨어요! 계속하세요."))
    assert view.rep_counter.text() == "1 / 3"  # at once, before any tick
    assert view.cue.text() == "잘하셨어요! 계속하세요."
    step(view, clock, 0.1)
    assert view.gauge.now_deg == 125.0 and view.gauge.target_deg == 120.0
    assert view.gauge_state.text() == "목표 도달 ✔"  # words, not colour alone
    assert view.hold.isVisibleTo(view)
    model.ingest(progress(SessionPhase.RESTING, reps=3, rest_s=30.0))
    step(view, clock, 0.1)
    assert shown(view) is PatientPhase.REST and view.rest_number.text() == "30초"
    view.skip_rest.click()
    view.more_rest.click()
    assert control.calls[-2:] == ["skip_rest", "extend_rest:30"]
    model.ingest(progress(SessionPhase.PAUSED, cause=Cause.THERAPIST))
    step(view, clock, 0.1)
    assert shown(view) is PatientPhase.PAUSED
    assert view.paused_text.text() == "잠시 멈췄어요. 치료사 선생님을 기다려 주세요."
    model.ingest(progress(SessionPhase.FINISHED, cause=Cause.COMPLETED))
    step(view, clock, 0.1)
    assert shown(view) is PatientPhase.SUMMARY
    assert view.summary_reps.text() == "반복 1회 / 8회"
    assert view.summary_best.text() == "가장 크게 움직인 범위 110°"
    view.pain_after_scale.faces[2].click()
    step(view, clock, 0.1)
    assert model.pain_after == 2 and view.pain_after_done.text().startswith("통증 2점")


def test_stop_is_always_there_and_pauses_with_the_patient_cause(patient_screen) -> None:
    view, model, control, clock = patient_screen
    for phase_update in (progress(SessionPhase.READY), progress(SessionPhase.RESTING,
                                                                rest_s=10)):
        model.ingest(phase_update)
        step(view, clock, 0.1)
        assert view.stop_button.isVisibleTo(view)
    view.stop_button.click()
    assert control.calls[-1] == "pause:patient"
    assert view.stop_button.text() == "멈춤 · 아파요"
    assert view.stop_button.minimumHeight() >= 150


def test_the_patient_cannot_close_it_the_console_can(patient_screen) -> None:
    view, *_ = patient_screen
    event = QCloseEvent()
    view.closeEvent(event)
    assert not event.isAccepted()
    view.close_by_console()
    assert not view.timer.isActive()


def test_english_and_mute(qtbot, patient_screen) -> None:
    view, model, _control, clock = patient_screen
    view.tr_.set_language(Language.EN)
    model.tr.set_language(Language.EN)
    step(view, clock, 0.1)
    assert view.stop_button.text() == "STOP · it hurts"
    view.mute_button.click()
    assert model.voice.muted and view.mute_button.text() == "Sound on"


@pytest.mark.parametrize("display", [PatientDisplay(False, False), PatientDisplay(True, False),
                                     PatientDisplay(False, True), PatientDisplay(True, True)])
def test_sizes_and_contrast_of_every_setting(patient_screen, display) -> None:
    view, *_ = patient_screen
    look = look_for(display)
    view.set_look(look)
    for fg, bg in ((look.text, look.background), (look.accent, look.background),
                   (look.stop_text, look.stop_bg), (look.button_text, look.button_bg),
                   (look.warn, look.background), (look.good, look.background),
                   (look.text, look.panel)):
        assert contrast_ratio(fg, bg) >= 7.0, (fg, bg)
    assert look.px(150) >= 150 and (look.scale > 1) == display.large_text
    assert (look.background == HIGH_CONTRAST.background) == display.high_contrast
    assert f"font-size: {look.px(150)}px" in view.rep_counter.styleSheet()
    assert CALM.px(40) >= 32  # instructions
