"""The login screen."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rehab.store import User
from rehab.ui.i18n import Translator
from rehab.ui.models.login import LoginModel
from rehab.ui.qt.style import Spacing
from rehab.ui.qt.worker import WorkerPool


class QtLogin(QWidget):
    """Username and password; the check runs in a worker, its errors are shown here."""

    def __init__(self, model: LoginModel, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.model, self.tr_ = model, tr
        self._workers = WorkerPool()
        self.title = QLabel(objectName="title")
        self.subtitle = QLabel()
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.submit = QPushButton(objectName="primary")
        self.message = QLabel(objectName="statusError")
        self.message.setWordWrap(True)
        self.lock_note = QLabel()  # failed tries lock the account: say so up front
        self.lock_note.setWordWrap(True)
        card = QFrame(objectName="card")
        card.setFixedWidth(440)
        form = QFormLayout()
        self._user_label, self._pass_label = QLabel(), QLabel()
        form.addRow(self._user_label, self.username)
        form.addRow(self._pass_label, self.password)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(Spacing.XXXL, Spacing.XXL, Spacing.XXXL, Spacing.XXL)
        inner.setSpacing(Spacing.L)
        for w in (self.title, self.subtitle):
            inner.addWidget(w)
        inner.addLayout(form)
        inner.addWidget(self.submit)
        inner.addWidget(self.lock_note)
        inner.addWidget(self.message)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, alignment=Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.submit.clicked.connect(self.attempt)
        self.password.returnPressed.connect(self.attempt)
        self.username.returnPressed.connect(self.password.setFocus)
        tr.changed.connect(lambda _lang: self.retranslate())
        self.retranslate()

    def retranslate(self) -> None:
        t = self.tr_
        self.title.setText(t("app.title"))
        self.subtitle.setText(t("login.subtitle"))
        self._user_label.setText(t("login.username"))
        self._pass_label.setText(t("login.password"))
        self.lock_note.setText(t("login.lock_note"))
        self.submit.setText(t("login.busy") if self._workers.busy else t("login.submit"))

    def attempt(self) -> None:
        """Check the typed credentials in a worker thread."""
        if self._workers.busy:
            return
        self.message.clear()
        self.submit.setEnabled(False)
        self.submit.setText(self.tr_("login.busy"))
        self._workers.start(self.model.authenticate, self.username.text(),
                            self.password.text(), on_done=self._done, on_error=self._failed)

    def _finish(self) -> None:
        self.submit.setEnabled(True)
        self.submit.setText(self.tr_("login.submit"))

    def _done(self, user: User | None) -> None:
        self._finish()
        if user is None:
            self.message.setText(self.tr_("login.failed"))
            self.password.selectAll()
            return
        self.password.clear()
        self.model.accept(user)

    def _failed(self, exc: Exception) -> None:
        self._finish()
        self.message.setText(self.tr_("common.error", message=self.tr_.error(exc)))
