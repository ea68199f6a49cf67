"""The patient list with search, and the form to register or edit a patient.

A researcher gets the de-identified list only (codes, age bands, sex, side, status): no
names, birth years, diagnoses or notes reach this screen, and there is no form.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rehab.errors import RehabError, ValidationError
from rehab.store import Patient, Sex, Side
from rehab.ui.i18n import Translator
from rehab.ui.models.patients import PatientListModel, patient_from_form
from rehab.ui.qt.form import FieldWithError, set_status
from rehab.ui.qt.style import Role, qcolor, style_text

COLUMNS = ("code", "name", "birth_year", "sex", "side", "diagnosis", "status")
RESEARCH_COLUMNS = ("code", "age_band", "sex", "side", "status")
_FORM_SIDES = (Side.LEFT, Side.RIGHT, Side.BOTH, Side.NONE)


class QtPatientList(QWidget):
    """Search and pick patients; register, edit, deactivate them."""

    def __init__(self, model: PatientListModel, tr: Translator,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.model, self.tr_ = model, tr
        self._editing: Patient | None = None
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.include_inactive = QCheckBox()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.count = QLabel()
        self.research_note = QLabel()
        self.research_note.setWordWrap(True)
        style_text(self.research_note, Role.TEXT_MUTED)
        self.new_button = QPushButton()
        self.deactivate_button = QPushButton()
        self.form_box = QGroupBox()
        self.name = FieldWithError(QLineEdit())
        self.birth_year = FieldWithError(QLineEdit())
        self.birth_year.editor.setMaxLength(4)
        self.sex = FieldWithError(QComboBox())
        self.side = FieldWithError(QComboBox())
        self.diagnosis = FieldWithError(QLineEdit())
        self.notes = FieldWithError(QPlainTextEdit())
        self.notes.editor.setFixedHeight(90)
        self.save_button = QPushButton(objectName="primary")
        self.status = QLabel(objectName="status")
        self.status.setWordWrap(True)
        self._fields = {"name": self.name, "birth_year": self.birth_year, "sex": self.sex,
                        "affected_side": self.side, "diagnosis": self.diagnosis,
                        "notes": self.notes}
        self._form_labels = {k: QLabel() for k in self._fields}
        self._layout()
        self.search.textChanged.connect(model.set_query)
        self.include_inactive.toggled.connect(model.set_include_inactive)
        self.table.itemSelectionChanged.connect(self._on_table_selection)
        self.new_button.clicked.connect(self.start_new)
        self.deactivate_button.clicked.connect(self.toggle_active)
        self.save_button.clicked.connect(self.save)
        model.changed.connect(self._fill_table)
        model.selection_changed.connect(self._on_model_selection)
        tr.changed.connect(lambda _lang: self.retranslate())
        self.retranslate()
        self._on_model_selection(model.selected)

    def _layout(self) -> None:
        left = QVBoxLayout()
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.include_inactive)
        left.addLayout(top)
        left.addWidget(self.research_note)
        left.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count)
        bottom.addStretch(1)
        bottom.addWidget(self.new_button)
        bottom.addWidget(self.deactivate_button)
        left.addLayout(bottom)
        form = QFormLayout(self.form_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key, field in self._fields.items():
            form.addRow(self._form_labels[key], field)
        form.addRow(self.save_button)
        form.addRow(self.status)
        right = QVBoxLayout()
        right.addWidget(self.form_box)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)

    # -- language -------------------------------------------------------------------

    def retranslate(self) -> None:
        t = self.tr_
        self.research_note.setText(t("patients.de_identified"))
        self.include_inactive.setText(t("patients.include_inactive"))
        self.new_button.setText(t("patients.new"))
        self.save_button.setText(t("common.save"))
        labels = {"name": "patients.col.name", "birth_year": "patients.col.birth_year",
                  "sex": "patients.col.sex", "affected_side": "patients.col.side",
                  "diagnosis": "patients.col.diagnosis", "notes": "patients.form.notes"}
        for key, label in self._form_labels.items():
            label.setText(t(labels[key]))
        self._fill_combo(self.sex.editor, [(s, t(f"sex.{s}")) for s in Sex])
        self._fill_combo(self.side.editor, [(s, t(f"side.{s}")) for s in _FORM_SIDES])
        self._fill_table()
        self._update_form_title()

    @staticmethod
    def _fill_combo(combo: QComboBox, entries: list[tuple[str, str]]) -> None:
        current = combo.currentData()
        combo.clear()
        for value, text in entries:
            combo.addItem(text, str(value))
        if current is not None:
            combo.setCurrentIndex(max(0, combo.findData(current)))

    # -- list -------------------------------------------------------------------------

    def _fill_table(self) -> None:
        t = self.tr_
        research = self.model.de_identified
        self.search.setPlaceholderText(t("patients.search_code" if research
                                         else "patients.search"))
        self.research_note.setVisible(research)
        for widget in (self.form_box, self.new_button, self.deactivate_button):
            widget.setVisible(not research)
        columns = RESEARCH_COLUMNS if research else COLUMNS
        self.table.setColumnCount(len(columns))
        self.table.setHorizontalHeaderLabels([t(f"patients.col.{c}") for c in columns])
        if research:
            self._fill_research_table()
            return
        patients = self.model.patients
        self.table.blockSignals(True)
        self.table.setRowCount(len(patients))
        for row, p in enumerate(patients):
            values = (p.code, p.name, str(p.birth_year), t(f"sex.{p.sex}"),
                      t(f"side.{p.affected_side}"), p.diagnosis,
                      t("patients.active") if p.active else t("patients.inactive"))
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, p.id)
                if not p.active:
                    item.setForeground(qcolor(Role.TEXT_INACTIVE))
                self.table.setItem(row, col, item)
            if self.model.selected is not None and p.id == self.model.selected.id:
                self.table.selectRow(row)
        self.table.blockSignals(False)
        self.count.setText(t("patients.count", n=len(patients)))

    def _fill_research_table(self) -> None:
        """Codes and age bands only: the model never holds more for a researcher."""
        t = self.tr_
        patients = self.model.pseudonymous
        self.table.blockSignals(True)
        self.table.setRowCount(len(patients))
        for row, p in enumerate(patients):
            values = (p.code, p.age_band, t(f"sex.{p.sex}"), t(f"side.{p.affected_side}"),
                      t("patients.active") if p.active else t("patients.inactive"))
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if not p.active:
                    item.setForeground(qcolor(Role.TEXT_INACTIVE))
                self.table.setItem(row, col, item)
        self.table.blockSignals(False)
        self.count.setText(t("patients.count", n=len(patients)))

    def _on_table_selection(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows and not self.model.de_identified:
            pid = self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
            self.model.select(pid)

    def _on_model_selection(self, patient: Patient | None) -> None:
        self._editing = patient
        self._load_form(patient)
        self.deactivate_button.setEnabled(patient is not None)
        self.deactivate_button.setText(self.tr_(
            "patients.reactivate" if patient is not None and not patient.active
            else "patients.deactivate"))

    # -- form -------------------------------------------------------------------------

    def _update_form_title(self) -> None:
        if self._editing is None:
            self.form_box.setTitle(self.tr_("patients.form.new"))
        else:
            self.form_box.setTitle(self.tr_("patients.form.edit", code=self._editing.code))
        if self._editing is not None:
            self.deactivate_button.setText(self.tr_(
                "patients.deactivate" if self._editing.active else "patients.reactivate"))
        else:
            self.deactivate_button.setText(self.tr_("patients.deactivate"))

    def _load_form(self, patient: Patient | None) -> None:
        for field in self._fields.values():
            field.set_error(None)
        self.name.editor.setText(patient.name if patient else "")
        self.birth_year.editor.setText(str(patient.birth_year) if patient else "")
        self.sex.editor.setCurrentIndex(
            self.sex.editor.findData(str(patient.sex if patient else Sex.UNKNOWN)))
        self.side.editor.setCurrentIndex(
            self.side.editor.findData(str(patient.affected_side if patient else Side.NONE)))
        self.diagnosis.editor.setText(patient.diagnosis if patient else "")
        self.notes.editor.setPlainText(patient.notes if patient else "")
        self._update_form_title()

    def start_new(self) -> None:
        """Empty the form to register a new patient."""
        self.table.clearSelection()
        self._editing = None
        self._load_form(None)
        self.status.clear()
        self.name.editor.setFocus()

    def save(self) -> None:
        """Register or update the patient in the form; errors go beside their field."""
        for field in self._fields.values():
            field.set_error(None)
        self.status.clear()
        try:
            new = patient_from_form(
                name=self.name.editor.text(), birth_year=self.birth_year.editor.text(),
                sex=self.sex.editor.currentData(), affected_side=self.side.editor.currentData(),
                diagnosis=self.diagnosis.editor.text(), notes=self.notes.editor.toPlainText())
            if self._editing is None:
                patient = self.model.add(new)
                set_status(self.status, self.tr_("patients.added", name=patient.name,
                                                 code=patient.code))
            else:
                patient = self.model.update(self._editing.id, new)
                set_status(self.status, self.tr_("patients.updated", name=patient.name))
        except ValidationError as exc:
            field = self._fields.get(exc.field)
            if field is not None:
                field.set_error(self.tr_.error(exc, with_field=False))
                self.status.clear()
            else:
                self._show_error(exc)
        except RehabError as exc:
            self._show_error(exc)

    def toggle_active(self) -> None:
        patient = self.model.selected
        if patient is None:
            return
        try:
            self.model.set_active(patient.id, not patient.active)
        except RehabError as exc:
            self._show_error(exc)

    def _show_error(self, exc: Exception) -> None:
        set_status(self.status, self.tr_("common.error", message=self.tr_.error(exc)),
                   error=True)
