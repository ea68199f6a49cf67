"""A form field with its inline validation message underneath."""

from __future__ import annotations

from collections.abc import Mapping

from PyQt6.QtWidgets import QLabel, QVBoxLayout, QWidget

from rehab.errors import RehabError, ValidationError
from rehab.ui.i18n import Translator
from rehab.ui.qt.style import Role, Size, Spacing, style_text


class FieldWithError(QWidget):
    """An editor and, below it, a red message that appears only while the field is wrong."""

    def __init__(self, editor: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.error_label = QLabel()
        style_text(self.error_label, Role.ALERT_ERROR, Size.SMALL)
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(Spacing.XXS)
        layout.addWidget(editor)
        layout.addWidget(self.error_label)

    def set_error(self, message: str | None) -> None:
        self.error_label.setText(message or "")
        self.error_label.setVisible(bool(message))
        self.editor.setProperty("invalid", bool(message))
        self.editor.style().unpolish(self.editor)
        self.editor.style().polish(self.editor)

    @property
    def error(self) -> str:
        return self.error_label.text() if not self.error_label.isHidden() else ""


def set_status(label: QLabel, text: str, *, error: bool = False) -> None:
    """Show a one-line outcome under a form: green when done, red when refused."""
    style_text(label, Role.ALERT_ERROR if error else Role.STATUS_OK)
    label.setText(text)


def show_refusal(exc: RehabError, fields: Mapping[str, FieldWithError], status: QLabel,
                 tr: Translator) -> None:
    """Say why a save was refused: beside the field it names when the form has that
    field, else on the status line."""
    if isinstance(exc, ValidationError) and exc.field in fields:
        fields[exc.field].set_error(tr.error(exc, with_field=False))
    elif isinstance(exc, ValidationError):
        set_status(status, tr.error(exc), error=True)
    else:
        set_status(status, tr("common.error", message=tr.error(exc)), error=True)

