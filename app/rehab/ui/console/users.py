"""The users page (admins): list, add with the password rules, deactivate, change role,
unlock. The store checks the permission and the rules and audits each change."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rehab.errors import RehabError
from rehab.store import Role
from rehab.ui.i18n import Translator
from rehab.ui.models.localtime import local_time
from rehab.ui.models.users import UserRow, UsersModel
from rehab.ui.qt.form import FieldWithError, set_status, show_refusal
from rehab.ui.qt.style import Role as ColourRole
from rehab.ui.qt.style import qcolor, style_text


class QtUsers(QWidget):
    """The centre's users and the form to add one."""

    def __init__(self, model: UsersModel, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.model, self.tr_ = model, tr
        self.table = QTableWidget(0, 4)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.active_button = QPushButton()
        self.role_choice = QComboBox()
        self.role_button = QPushButton()
        self.unlock_button = QPushButton()
        self.form_box = QGroupBox()
        self.username = FieldWithError(QLineEdit())
        self.display_name = FieldWithError(QLineEdit())
        self.role = FieldWithError(QComboBox())
        self.password = FieldWithError(QLineEdit())
        self.repeat = FieldWithError(QLineEdit())
        for field in (self.password, self.repeat):
            field.editor.setEchoMode(QLineEdit.EchoMode.Password)
        self.rules = QLabel()
        self.rules.setWordWrap(True)
        style_text(self.rules, ColourRole.TEXT_MUTED)
        self.add_button = QPushButton(objectName="primary")
        self.status = QLabel(objectName="status")
        self.status.setWordWrap(True)
        self._fields = {"username": self.username, "display_name": self.display_name,
                        "role": self.role, "password": self.password, "repeat": self.repeat}
        self._labels = {k: QLabel() for k in self._fields}
        self._layout()
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.active_button.clicked.connect(self.toggle_active)
        self.role_button.clicked.connect(self.change_role)
        self.unlock_button.clicked.connect(self.unlock)
        self.add_button.clicked.connect(self.add)
        model.changed.connect(self._fill_table)
        tr.changed.connect(lambda _lang: self.retranslate())
        self.retranslate()

    def _layout(self) -> None:
        left = QVBoxLayout()
        left.addWidget(self.table, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.active_button)
        actions.addStretch(1)
        actions.addWidget(self.role_choice)
        actions.addWidget(self.role_button)
        actions.addWidget(self.unlock_button)
        left.addLayout(actions)
        form = QFormLayout(self.form_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key, field in self._fields.items():
            form.addRow(self._labels[key], field)
        form.addRow(self.rules)
        form.addRow(self.add_button)
        form.addRow(self.status)
        right = QVBoxLayout()
        right.addWidget(self.form_box)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)

    def retranslate(self) -> None:
        t = self.tr_
        self.table.setHorizontalHeaderLabels([
            t("users.col.username"), t("users.col.display_name"), t("users.col.role"),
            t("users.col.status")])
        for key, label in {"username": "users.col.username",
                           "display_name": "users.col.display_name",
                           "role": "users.col.role", "password": "login.password",
                           "repeat": "users.password_repeat"}.items():
            self._labels[key].setText(t(label))
        for combo in (self.role.editor, self.role_choice):
            current = combo.currentData() or str(Role.THERAPIST)
            combo.clear()
            for role in Role:
                combo.addItem(t(f"role.{role}"), str(role))
            combo.setCurrentIndex(combo.findData(current))
        self.form_box.setTitle(t("users.form.new"))
        self.rules.setText(t("users.password_rules"))
        self.add_button.setText(t("users.add"))
        self.role_button.setText(t("users.set_role"))
        self.unlock_button.setText(t("users.unlock"))
        self._fill_table()

    def _status_text(self, row: UserRow) -> str:
        if row.locked_until is not None:
            return self.tr_("users.locked", until=local_time(row.locked_until))
        return self.tr_("users.active" if row.user.active else "users.inactive")

    def _fill_table(self) -> None:
        selected = self.selected
        rows = self.model.rows
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            u = row.user
            values = (u.username, u.display_name, self.tr_(f"role.{u.role}"),
                      self._status_text(row))
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, u.id)
                if not u.active:
                    item.setForeground(qcolor(ColourRole.TEXT_INACTIVE))
                self.table.setItem(r, col, item)
            if selected is not None and u.id == selected.user.id:
                self.table.selectRow(r)
        self.table.blockSignals(False)
        self._update_buttons()

    @property
    def selected(self) -> UserRow | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        uid = self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        return next((r for r in self.model.rows if r.user.id == uid), None)

    def select_user(self, username: str) -> None:
        """Select ``username``'s row (tests and keyboard users)."""
        for r, row in enumerate(self.model.rows):
            if row.user.username == username:
                self.table.selectRow(r)

    def _update_buttons(self) -> None:
        row = self.selected
        for button in (self.active_button, self.role_button, self.unlock_button):
            button.setEnabled(row is not None)
        self.unlock_button.setEnabled(row is not None and row.locked_until is not None)
        self.active_button.setText(self.tr_(
            "users.reactivate" if row is not None and not row.user.active
            else "users.deactivate"))
        if row is not None:
            self.role_choice.setCurrentIndex(self.role_choice.findData(str(row.user.role)))

    def _run(self, action) -> None:  # type: ignore[no-untyped-def]
        self.status.clear()
        row = self.selected
        if row is None:
            return
        try:
            user = action(row)
        except RehabError as exc:
            show_refusal(exc, {}, self.status, self.tr_)
            return
        self.select_user(user.username)
        set_status(self.status, self.tr_("users.updated", username=user.username))

    def toggle_active(self) -> None:
        self._run(lambda row: self.model.set_active(row.user.id, not row.user.active))

    def change_role(self) -> None:
        self._run(lambda row: self.model.set_role(row.user.id, self.role_choice.currentData()))

    def unlock(self) -> None:
        self._run(lambda row: self.model.unlock(row.user.id))

    def add(self) -> None:
        """Add the user in the form; a refusal goes beside its field."""
        for field in self._fields.values():
            field.set_error(None)
        self.status.clear()
        try:
            user = self.model.add(
                username=self.username.editor.text(),
                display_name=self.display_name.editor.text(),
                role=self.role.editor.currentData(), password=self.password.editor.text(),
                repeat=self.repeat.editor.text())
        except RehabError as exc:
            show_refusal(exc, self._fields, self.status, self.tr_)
            return
        for field in (self.username, self.display_name, self.password, self.repeat):
            field.editor.clear()
        self.select_user(user.username)
        set_status(self.status, self.tr_("users.added", username=user.username))
