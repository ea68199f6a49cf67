"""The console's main window: login first, then navigation between the screens.

The pages a user's role may not use are left out of the navigation (and refused with a
line naming the page and the role if asked for anyway); the store enforces the same rules.
After ``idle_lock_min`` without input the window shows the lock screen until the user
types their password again; a running session and its E-STOP are not touched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PyQt6.QtCore import QEvent, QObject, QTimer
from PyQt6.QtGui import QCloseEvent
from PyQt6.QtWidgets import (
    QApplication,
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
from rehab.store.access import Permission
from rehab.ui.console.after_session import QtAfterSession
from rehab.ui.console.assessments import QtAssessments
from rehab.ui.console.live import QtLiveSession
from rehab.ui.console.lock import QtLockScreen
from rehab.ui.console.login import QtLogin
from rehab.ui.console.patient_link import QtPatientLink
from rehab.ui.console.patients import QtPatientList
from rehab.ui.console.program import QtProgramEditor
from rehab.ui.console.progress import QtPatientProgress
from rehab.ui.console.research_export import QtResearchExport
from rehab.ui.console.settings import QtSettings
from rehab.ui.console.users import QtUsers
from rehab.ui.models.console import ConsoleModel
from rehab.ui.qt.bridge import QtSessionBridge
from rehab.ui.qt.plots import close_plots
from rehab.ui.qt.speech import SpeechChoice, open_speech
from rehab.ui.qt.style import Role, Spacing, Weight, style_text

log = logging.getLogger(__name__)

SESSION_STOP_WAIT_S = 10.0
PAGES = ("patients", "program", "live", "after", "progress", "assessments", "export",
         "users", "settings")
_NEEDS_PATIENT = {"program", "after", "progress", "assessments"}
PAGE_PERMISSIONS: dict[str, tuple[Permission, ...]] = {
    "patients": (Permission.PATIENTS_READ, Permission.RESEARCH_READ),
    "program": (Permission.PROGRAMS_READ,),
    "live": (Permission.SESSIONS_WRITE,),
    "after": (Permission.SESSIONS_READ,),
    "progress": (Permission.REPORTS_IDENTIFIED,),
    "assessments": (Permission.ASSESSMENTS_READ,),
    "export": (Permission.EXPORT_DEIDENTIFIED,),
    "users": (Permission.USERS_MANAGE,),
    "settings": (),  # this console's own settings: every role
}
"""The permissions a page needs (any one of them); the store checks each operation too."""
IDLE_POLL_MS = 1000
_INPUT_EVENTS = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress,
                           QEvent.Type.MouseMove, QEvent.Type.Wheel, QEvent.Type.TouchBegin})


class QtConsole(QMainWindow):
    """The therapist console.

    Parameters
    ----------
    model
        The console model (store, screens' models, translator, session factory).
    speech
        Opens the patient screen's speech engine (tests pass a recording fake).
    """

    def __init__(self, model: ConsoleModel, parent: QWidget | None = None,
                 speech: Callable[[], SpeechChoice] = open_speech) -> None:
        super().__init__(parent)
        self.close_cause = Cause.THERAPIST  # why a close ends a running session
        self.model = model
        tr = self.tr_ = model.translator
        self.bridge = QtSessionBridge(parent=self)
        self.bridge.update.connect(model.live.ingest)
        self.login = QtLogin(model.login, tr)
        self.patient_link = QtPatientLink(model, self.bridge, speech)
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
            "users": QtUsers(model.users, tr),
            "settings": QtSettings(model.settings, tr),
        }
        self.views["live"].add_panel(self.patient_link)
        self.lock_screen = QtLockScreen(model, tr)
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
        self.root.addWidget(self.lock_screen)
        self.setCentralWidget(self.root)
        self.resize(1400, 900)
        self.nav.currentRowChanged.connect(self._navigate)
        self.logout_button.clicked.connect(lambda: model.login.accept(None))
        model.login.changed.connect(self._on_login)
        model.idle.changed.connect(self._on_idle_lock)
        self.idle_timer = QTimer(self)
        self.idle_timer.setInterval(IDLE_POLL_MS)
        self.idle_timer.timeout.connect(self.check_idle)
        self.idle_timer.start()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)  # any input in any window counts as activity
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

    def allowed(self, name: str) -> bool:
        """Whether the logged-in user's role may use page ``name``."""
        needs = PAGE_PERMISSIONS[name]
        return self.model.login.user is not None and (
            not needs or any(self.model.may(p) for p in needs))

    def _on_login(self, user: User | None) -> None:
        self.root.setCurrentIndex(1 if user else 0)
        for row, name in enumerate(PAGES):
            self.nav.item(row).setHidden(not self.allowed(name))
        progress = self.views["progress"]
        assert isinstance(progress, QtPatientProgress)
        progress.set_user(user)  # the print button: therapists and admins
        if user is not None:
            self.show_page(next(n for n in PAGES if self.allowed(n)))
        self._update_header()

    def show_page(self, name: str) -> None:
        self.nav.setCurrentRow(PAGES.index(name))

    def _navigate(self, row: int) -> None:
        if row < 0:
            return
        name = PAGES[row]
        if self.model.login.user is not None and not self.allowed(name):
            user = self.model.login.user
            self.nav.blockSignals(True)  # stay on the page shown
            self.nav.setCurrentRow(self.pages.currentIndex())
            self.nav.blockSignals(False)
            self.hint.setText(self.tr_("main.page_refused", page=self.tr_(f"nav.{name}"),
                                       role=self.tr_(f"role.{user.role}")))
            self.hint.setVisible(True)
            return
        self.pages.setCurrentIndex(row)
        missing = name in _NEEDS_PATIENT and self.model.patient is None
        self.hint.setText(self.tr_("common.select_patient") if missing else "")
        self.hint.setVisible(missing)

    # -- idle lock ------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in _INPUT_EVENTS:
            self.model.idle.activity()
        return False

    def check_idle(self) -> None:
        """Lock when the logged-in user has been idle too long (the timer calls this)."""
        if self.model.login.user is not None:
            self.model.idle.poll()

    def _on_idle_lock(self, locked: bool) -> None:
        if self.model.login.user is None:
            return
        if locked:
            self.lock_screen.reset()
            self.root.setCurrentWidget(self.lock_screen)
        else:
            self.root.setCurrentIndex(1)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        """Closing the console ends a running session (the robot stops, data is kept)."""
        control = self.model.live.control
        if control is not None:
            self.model.live.stop(self.close_cause)
            wait = getattr(control, "wait", None)  # the runner's control can be waited on
            if wait is not None and not wait(SESSION_STOP_WAIT_S):
                log.error("the session did not stop within %.0f s of closing the console",
                          SESSION_STOP_WAIT_S)
        self.idle_timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.patient_link.close_window()
        close_plots(self)
        super().closeEvent(event)

    def start_session(self) -> None:
        """Start the selected patient's program; a refusal is shown as an alert."""
        try:
            self.model.start_session(self.bridge.sink)
        except RehabError as exc:
            self.model.live.report_error(self.tr_.error(exc))
