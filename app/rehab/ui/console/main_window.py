"""The console's main window: login first, then navigation between the screens."""

from __future__ import annotations

import logging

from PyQt6.QtGui import QCloseEvent
from PyQt6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from rehab.errors import RehabError
from rehab.store import Cause, Patient, User
from rehab.ui.console.after_session import QtAfterSession
from rehab.ui.console.assessments import QtAssessments
from rehab.ui.console.live import QtLiveSession
from rehab.ui.console.login import QtLogin
from rehab.ui.console.patients import QtPatientList
from rehab.ui.console.program import QtProgramEditor
from rehab.ui.console.progress import QtPatientProgress
from rehab.ui.console.research_export import QtResearchExport
from rehab.ui.console.settings import QtSettings
from rehab.ui.models.console import ConsoleModel
from rehab.ui.models.export import page_visible
from rehab.ui.qt.bridge import QtSessionBridge
from rehab.ui.qt.plots import close_plots
from rehab.ui.qt.style import Role, Spacing, Weight, style_text

log = logging.getLogger(__name__)

SESSION_STOP_WAIT_S = 10.0
PAGES = ("patients", "program", "live", "after", "progress", "assessments", "export",
         "settings")

_NEEDS_PATIENT = {"program", "after", "progress", "assessments"}


class QtConsole(QMainWindow):
    """The therapist console.

    Parameters
    ----------
    model
        The console model (store, screens' models, translator, session factory).
    """

    def __init__(self, model: ConsoleModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.close_cause = Cause.THERAPIST  # why a close ends a running session
        self.model = model
        tr = self.tr_ = model.translator
        self.bridge = QtSessionBridge(parent=self)
        self.bridge.update.connect(model.live.ingest)
        self.login = QtLogin(model.login, tr)
        self.views: dict[str, QWidget] = {
            "patients": QtPatientList(model.patients, tr),
            "program": QtProgramEditor(model.program, tr),
            "live": QtLiveSession(
                model.live, tr, shortcut_owner=self,
                on_start=self.start_session if model.session_factory is not None else None),
            "after": QtAfterSession(model.after, tr),
            "progress": QtPatientProgress(model.progress, tr),
            "assessments": QtAssessments(model.assessments, tr),
            "export": QtResearchExport(model.export, tr),
            "settings": QtSettings(model.settings, tr),
        }
        self.nav = QListWidget(objectName="nav")
        self.nav.setFixedWidth(190)
        self.pages = QStackedWidget()
        for name in PAGES:
            self.pages.addWidget(self.views[name])
            self.nav.addItem("")
        self.title = QLabel(objectName="title")
        self.user_label = QLabel()
        self.patient_label = QLabel()
        style_text(self.patient_label, Role.EMPHASIS, weight=Weight.SEMIBOLD)
        self.logout_button = QPushButton()
        self.hint = QLabel()
        style_text(self.hint, Role.ALERT_WARNING)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.patient_label)
        top.addSpacing(Spacing.XXL)
        top.addWidget(self.user_label)
        top.addWidget(self.logout_button)
        content = QVBoxLayout()
        content.addLayout(top)
        content.addWidget(self.hint)
        content.addWidget(self.pages, 1)
        body = QWidget()
        body_layout = QHBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addWidget(self.nav)
        body_layout.addLayout(content, 1)
        content.setContentsMargins(Spacing.L, Spacing.M, Spacing.L, Spacing.M)
        self.root = QStackedWidget()
        self.root.addWidget(self.login)
        self.root.addWidget(body)
        self.setCentralWidget(self.root)
        self.resize(1400, 900)
        self.nav.currentRowChanged.connect(self._navigate)
        self.logout_button.clicked.connect(lambda: model.login.accept(None))
        model.login.changed.connect(self._on_login)
        model.patient_changed.connect(lambda _p: self._update_header())
        model.live.finished.connect(lambda _sid: self.show_page("after"))
        tr.changed.connect(lambda _lang: self.retranslate())
        self.retranslate()
        self._on_login(model.login.user)

    def retranslate(self) -> None:
        t = self.tr_
        self.setWindowTitle(t("app.title"))
        self.title.setText(t("app.title"))
        self.logout_button.setText(t("main.logout"))
        for row, name in enumerate(PAGES):
            self.nav.item(row).setText(t(f"nav.{name}"))
        self._update_header()

    def _update_header(self) -> None:
        t = self.tr_
        user: User | None = self.model.login.user
        patient: Patient | None = self.model.patient
        self.user_label.setText(t("main.user", name=user.display_name) if user else "")
        self.patient_label.setText(t("main.patient", name=patient.name, code=patient.code)
                                   if patient else t("main.no_patient"))
        self._navigate(self.nav.currentRow())

    def _on_login(self, user: User | None) -> None:
        self.root.setCurrentIndex(1 if user else 0)
        for row, name in enumerate(PAGES):
            self.nav.item(row).setHidden(not page_visible(name, user))
        progress = self.views["progress"]
        assert isinstance(progress, QtPatientProgress)
        progress.set_user(user)
        if user is not None:
            self.show_page("patients" if page_visible("patients", user) else "export")
        self._update_header()

    def show_page(self, name: str) -> None:
        self.nav.setCurrentRow(PAGES.index(name))

    def _navigate(self, row: int) -> None:
        if row < 0:
            return
        name = PAGES[row]
        self.pages.setCurrentIndex(row)
        missing = name in _NEEDS_PATIENT and self.model.patient is None
        self.hint.setText(self.tr_("common.select_patient") if missing else "")
        self.hint.setVisible(missing)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        """Closing the console ends a running session (the robot stops, data is kept)."""
        control = self.model.live.control
        if control is not None:
            self.model.live.stop(self.close_cause)
            wait = getattr(control, "wait", None)  # the runner's control can be waited on
            if wait is not None and not wait(SESSION_STOP_WAIT_S):
                log.error("the session did not stop within %.0f s of closing the console",
                          SESSION_STOP_WAIT_S)
        close_plots(self)
        super().closeEvent(event)

    def start_session(self) -> None:
        """Start the selected patient's program; a refusal is shown as an alert."""
        try:
            self.model.start_session(self.bridge.sink)
        except RehabError as exc:
            self.model.live.report_error(self.tr_.error(exc))
