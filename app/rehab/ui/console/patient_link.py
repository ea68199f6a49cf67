"""The console's control of the patient screen: open it on a chosen screen, close it.

:class:`QtPatientLink` is a small panel of the live page. It opens
:class:`~rehab.ui.patient.window.QtPatientScreen` full-screen on the chosen monitor, fed by
the console's session bridge (one more receiver of the same updates), stores the patient's
display setting (high contrast, large text) with the patient, stores the patient's pain
answers with the session, and says once, on the console, when there is no voice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PyQt6.QtGui import QGuiApplication
from PyQt6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QGroupBox, QLabel, QPushButton

from rehab.errors import RehabError
from rehab.messages import Message
from rehab.store import PatientDisplay
from rehab.ui.models.console import ConsoleModel
from rehab.ui.models.guide import program_guides
from rehab.ui.models.patient import PatientScreenModel
from rehab.ui.models.voice import Voice
from rehab.ui.patient.look import look_for
from rehab.ui.patient.window import QtPatientScreen
from rehab.ui.qt.bridge import QtSessionBridge
from rehab.ui.qt.speech import SpeechChoice, open_speech
from rehab.ui.qt.style import Role, style_text

log = logging.getLogger(__name__)


class QtPatientLink(QGroupBox):
    """Open or close the patient screen; the patient's display setting; the voice state.

    Parameters
    ----------
    console
        The console's model.
    bridge
        The console's session bridge (its updates are fanned out to the screen).
    speech
        Opens the speech engine when the screen first opens (tests pass a fake).
    """

    def __init__(self, console: ConsoleModel, bridge: QtSessionBridge,
                 speech: Callable[[], SpeechChoice] = open_speech) -> None:
        super().__init__()
        self.console, self.bridge, self._open_speech = console, bridge, speech
        self.tr_ = console.translator
        self.screen_choice = QComboBox()
        self.open_button = QPushButton()
        self.high_contrast = QCheckBox()
        self.large_text = QCheckBox()
        self.voice_state = QLabel(wordWrap=True)
        self.window: QtPatientScreen | None = None
        self.model: PatientScreenModel | None = None
        self._speech: SpeechChoice | None = None
        self._pending_pain: dict[str, int] = {}
        grid = QGridLayout(self)
        grid.addWidget(self.screen_choice, 0, 0, 1, 2)
        grid.addWidget(self.open_button, 1, 0, 1, 2)
        grid.addWidget(self.high_contrast, 2, 0)
        grid.addWidget(self.large_text, 2, 1)
        grid.addWidget(self.voice_state, 3, 0, 1, 2)
        self.open_button.clicked.connect(self.toggle)
        self.high_contrast.toggled.connect(lambda _on: self._store_display())
        self.large_text.toggled.connect(lambda _on: self._store_display())
        model = console
        model.patient_changed.connect(lambda _p: self._load_display())
        model.live.control_changed.connect(self._follow_session)
        model.live.progress_changed.connect(self._flush_pain)
        self.tr_.changed.connect(lambda _lang: self.retranslate())
        self.retranslate()
        self._load_display()

    def retranslate(self) -> None:
        t = self.tr_
        self.setTitle(t("live.patient_screen"))
        self.open_button.setText(t("live.patient_close") if self.window else
                                 t("live.patient_open"))
        self.high_contrast.setText(t("live.high_contrast"))
        self.large_text.setText(t("live.large_text"))
        self.screen_choice.clear()
        for n, screen in enumerate(QGuiApplication.screens(), start=1):
            size = screen.size()
            self.screen_choice.addItem(t("live.screen_n", n=n, name=screen.name(),
                                         w=size.width(), h=size.height()))
        self.screen_choice.setCurrentIndex(self.screen_choice.count() - 1)  # the TV, often
        self._show_voice()

    def _show_voice(self) -> None:
        s, t = self._speech, self.tr_
        if s is None:
            self.voice_state.setText("")
        elif s.port is None:
            self.voice_state.setText(t("live.voice_none", why=s.why_not))
            style_text(self.voice_state, Role.ALERT_ERROR)
        else:
            self.voice_state.setText(t("live.voice_engine", engine=s.engine))
            style_text(self.voice_state)

    # -- the patient's display setting --------------------------------------------------

    def _display(self) -> PatientDisplay:
        return PatientDisplay(self.high_contrast.isChecked(), self.large_text.isChecked())

    def _load_display(self) -> None:
        patient = self.console.patient
        display, allowed = PatientDisplay(), patient is not None
        if patient is not None:
            try:
                display = self.console.patients.store.patients.display(patient.id)
            except RehabError as exc:  # e.g. a role without patient records: the defaults
                log.info("the patient's display setting is not shown: %s", exc)
                allowed = False
        for box, on in ((self.high_contrast, display.high_contrast),
                        (self.large_text, display.large_text)):
            box.blockSignals(True)
            box.setChecked(on)
            box.blockSignals(False)
        self.high_contrast.setEnabled(allowed)
        self.large_text.setEnabled(allowed)
        if self.window is not None:
            self.window.set_look(look_for(display))

    def _store_display(self) -> None:
        patient = self.console.patient
        if patient is None:
            return
        try:
            self.console.patients.store.patients.set_display(patient.id, self._display())
        except RehabError as exc:
            self.console.live.report_error(self.tr_.error(exc))
        if self.window is not None:
            self.window.set_look(look_for(self._display()))

    # -- the window ---------------------------------------------------------------------

    def toggle(self) -> None:
        if self.window is None:
            self.open()
        else:
            self.close_window()

    def open(self) -> QtPatientScreen:
        """Open the patient screen full-screen on the chosen monitor."""
        if self.window is not None:
            return self.window
        if self._speech is None:
            self._speech = self._open_speech()
            if self._speech.port is None:  # said once, on the console
                self.console.live.report_error(
                    Message("live.voice_none", {"why": self._speech.why_not}))
        tr = self.tr_
        self.model = PatientScreenModel(tr, Voice(self._speech.port, tr.language))
        self.model.pain_answered.connect(self._on_pain)
        self.bridge.update.connect(self.model.ingest)
        self.window = QtPatientScreen(self.model, tr, look_for(self._display()))
        screens = QGuiApplication.screens()
        index = min(max(self.screen_choice.currentIndex(), 0), len(screens) - 1)
        self.window.setScreen(screens[index])
        self.window.move(screens[index].geometry().topLeft())  # then full-screen there
        self.window.setWindowTitle(tr("patient.title"))
        self._follow_session()
        self._tell_session(True)
        self.window.showFullScreen()
        self.retranslate()
        return self.window

    def close_window(self) -> None:
        if self.window is None or self.model is None:
            return
        self.bridge.update.disconnect(self.model.ingest)
        self._tell_session(False)
        self.window.close_by_console()
        self.window.deleteLater()
        self.window, self.model = None, None
        self.retranslate()

    def _tell_session(self, open_: bool) -> None:
        """Sets wait for the screen's lead-in while it is open, and never without it."""
        self.console.patient_screen_open = open_
        self.console.live.set_patient_screen(open_)

    def _follow_session(self) -> None:
        live, model = self.console.live, self.model
        if model is None or (model.control is live.control and model.control is not None):
            return
        program = self.console.program.program
        guides = program_guides(program, self.console.library) if program else ()
        model.voice.language = self.tr_.language
        model.attach(live.control, guides)
        self._pending_pain.clear()

    # -- the patient's pain answers -----------------------------------------------------

    def _on_pain(self, when: str, value: int) -> None:
        self._pending_pain[when] = value
        live = self.console.live
        live.report_info(Message("live.patient_pain",
                                 {"n": value, "when": Message(f"live.pain_when.{when}")}))
        self._flush_pain()

    def _flush_pain(self) -> None:
        session_id = self.console.live.session_id
        if session_id is None or not self._pending_pain:
            return
        answers, self._pending_pain = self._pending_pain, {}
        try:
            self.console.after.store.sessions.record_pain(
                session_id, before=answers.get("before"), after=answers.get("after"))
            after = self.console.after
            if after.session is not None and after.session.id == session_id:
                after.load(session_id)  # the form shows the answer, and keeps it on save
        except RehabError as exc:
            log.error("could not store the patient's pain answer: %s", exc)
            self.console.live.report_error(self.tr_.error(exc))
