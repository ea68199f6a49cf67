"""The idle lock screen: the password again, and the E-STOP while a session runs.

It hides the screens only: the running session goes on, its updates keep arriving, and the
E-STOP button here and its application-wide keys (F12, Pause) call the live model's
``estop`` as on the live screen. The password check runs in a worker and is audited like a
login (failed tries count towards the lockout).
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QFrame, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from rehab.store import User
from rehab.ui.i18n import Translator
from rehab.ui.models.console import ConsoleModel
from rehab.ui.qt.style import Role, Spacing, style_text
from rehab.ui.qt.worker import WorkerPool


class QtLockScreen(QWidget):
    """Asks the logged-in user for their password; keeps the E-STOP reachable."""

    def __init__(self, model: ConsoleModel, tr: Translator,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.model, self.tr_ = model, tr
        self._workers = WorkerPool()
        self.title = QLabel(objectName="title")
        self.prompt = QLabel()
        self.prompt.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.unlock_button = QPushButton(objectName="primary")
        self.message = QLabel(objectName="statusError")
        self.message.setWordWrap(True)
        self.session_note = QLabel()
        self.session_note.setWordWrap(True)
        style_text(self.session_note, Role.ALERT_WARNING)
        self.estop_button = QPushButton(objectName="estop")
        self.estop_button.setMinimumHeight(110)
        self.estop_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        card = QFrame(objectName="card")
        card.setFixedWidth(520)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(Spacing.XXXL, Spacing.XXL, Spacing.XXXL, Spacing.XXL)
        inner.setSpacing(Spacing.L)
        for w in (self.title, self.prompt, self.password, self.unlock_button, self.message,
                  self.session_note, self.estop_button):
            inner.addWidget(w)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, alignment=Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.unlock_button.clicked.connect(self.attempt)
        self.password.returnPressed.connect(self.attempt)
        self.estop_button.clicked.connect(model.live.estop)
        model.live.control_changed.connect(self._update_session)
        tr.changed.connect(lambda _lang: self.retranslate())
        self.retranslate()
        self._update_session()

    def retranslate(self) -> None:
        t = self.tr_
        user = self.model.login.user
        self.title.setText(t("lock.title"))
        self.prompt.setText(t("lock.prompt", name=user.display_name) if user else "")
        self.unlock_button.setText(t("login.busy") if self._workers.busy else t("lock.unlock"))
        self.session_note.setText(t("lock.session_running"))
        self.estop_button.setText(t("live.estop"))

    def _update_session(self, *_args: object) -> None:
        running = self.model.live.control is not None
        self.session_note.setVisible(running)
        self.estop_button.setVisible(running)

    def reset(self) -> None:
        """Shown anew: empty password, no message, focus in the field."""
        self.password.clear()
        self.message.clear()
        self.retranslate()
        self._update_session()
        self.password.setFocus()

    def attempt(self) -> None:
        """Check the password in a worker (audited, counted like a login)."""
        user = self.model.login.user
        if self._workers.busy or user is None:
            return
        self.message.clear()
        self.unlock_button.setEnabled(False)
        self.unlock_button.setText(self.tr_("login.busy"))
        self._workers.start(self.model.login.authenticate, user.username,
                            self.password.text(), on_done=self._done, on_error=self._failed)

    def _finish(self) -> None:
        self.unlock_button.setEnabled(True)
        self.unlock_button.setText(self.tr_("lock.unlock"))

    def _done(self, user: User | None) -> None:
        self._finish()
        current = self.model.login.user
        if user is None or current is None or user.id != current.id:
            self.message.setText(self.tr_("login.failed"))
            self.password.selectAll()
            return
        self.password.clear()
        self.model.idle.unlock()

    def _failed(self, exc: Exception) -> None:
        self._finish()
        self.message.setText(self.tr_("common.error", message=self.tr_.error(exc)))
