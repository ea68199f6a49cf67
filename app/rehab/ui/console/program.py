"""The program editor: a patient's exercises with their prescription, checked as typed."""

from __future__ import annotations

from PyQt6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from rehab.errors import RehabError, ValidationError
from rehab.store import RobotMode, Side
from rehab.ui.i18n import Translator, name_of
from rehab.ui.models.program import ProgramEditorModel, allowed_sides, robot_joint_for
from rehab.ui.qt.form import FieldWithError, set_status
from rehab.ui.qt.style import Role, qcolor, style_text

# (field, label key, editor kind, min, max, step, decimals)
_NUMBER_FIELDS = (
    ("sets", "program.sets", int, 1, 20, 1, 0),
    ("reps", "program.reps", int, 1, 200, 1, 0),
    ("target_rom_deg", "program.target_rom", float, 0, 180, 5, 0),
    ("tempo_s", "program.tempo", float, 0.5, 20, 0.1, 1),
    ("rest_s", "program.rest", float, 0, 600, 5, 0),
    ("assistance", "program.assistance", float, 0, 1, 0.05, 2),
    ("safe_rom_min_deg", "program.safe_min", float, -180, 180, 5, 0),
    ("safe_rom_max_deg", "program.safe_max", float, -180, 180, 5, 0),
)
# The spin boxes allow more than the model does, so a wrong value reaches validation and
# gets its message beside the field instead of being silently clamped.


class QtProgramEditor(QWidget):
    """Edit the selected patient's program; each field shows its own validation message."""

    def __init__(self, model: ProgramEditorModel, tr: Translator,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.model, self.tr_ = model, tr
        self._loading = False
        self.name = QLineEdit()
        self.name_label = QLabel()
        self.items = QListWidget()
        self.add_exercise = QComboBox()
        self.add_button = QPushButton()
        self.remove_button = QPushButton()
        self.up_button = QPushButton()
        self.down_button = QPushButton()
        self.empty_hint = QLabel()
        self.empty_hint.setWordWrap(True)
        self.item_box = QGroupBox()
        self.fields: dict[str, FieldWithError] = {
            "exercise_id": FieldWithError(QComboBox()),
            "side": FieldWithError(QComboBox()),
            "robot_mode": FieldWithError(QComboBox()),
        }
        for name, _key, kind, lo, hi, step, decimals in _NUMBER_FIELDS:
            spin = QSpinBox() if kind is int else QDoubleSpinBox()
            spin.setRange(lo, hi)
            spin.setSingleStep(step)
            if kind is float:
                spin.setDecimals(decimals)
            spin.setKeyboardTracking(False)
            self.fields[name] = FieldWithError(spin)
        self.labels = {name: QLabel() for name in self.fields}
        self.exercise_info = QLabel()
        self.robot_info = QLabel()
        for label in (self.exercise_info, self.robot_info):
            label.setWordWrap(True)
            style_text(label, Role.TEXT_MUTED)
        self.save_button = QPushButton(objectName="primary")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self._layout()
        self._connect()
        model.changed.connect(self.refresh)
        tr.changed.connect(lambda _lang: self.retranslate())
        self.retranslate()

    def _layout(self) -> None:
        left = QVBoxLayout()
        name_row = QHBoxLayout()
        name_row.addWidget(self.name_label)
        name_row.addWidget(self.name, 1)
        left.addLayout(name_row)
        left.addWidget(self.items, 1)
        left.addWidget(self.empty_hint)
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_exercise, 1)
        add_row.addWidget(self.add_button)
        left.addLayout(add_row)
        move_row = QHBoxLayout()
        for b in (self.up_button, self.down_button, self.remove_button):
            move_row.addWidget(b)
        move_row.addStretch(1)
        left.addLayout(move_row)
        form = QFormLayout(self.item_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        order = ("exercise_id", "side", "sets", "reps", "target_rom_deg", "tempo_s", "rest_s",
                 "robot_mode", "assistance", "safe_rom_min_deg", "safe_rom_max_deg")
        for name in order:
            form.addRow(self.labels[name], self.fields[name])
            if name == "exercise_id":
                form.addRow("", self.exercise_info)
            if name == "robot_mode":
                form.addRow("", self.robot_info)
        right = QVBoxLayout()
        right.addWidget(self.item_box)
        save_row = QHBoxLayout()
        save_row.addWidget(self.status, 1)
        save_row.addWidget(self.save_button)
        right.addLayout(save_row)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 2)
        layout.addLayout(right, 3)

    def _connect(self) -> None:
        self.items.currentRowChanged.connect(lambda _row: self._load_item())
        self.add_button.clicked.connect(self._add)
        self.remove_button.clicked.connect(self._remove)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(1))
        self.save_button.clicked.connect(self.save)
        self.name.textEdited.connect(self.model.set_name)
        for name in ("exercise_id", "side", "robot_mode"):
            self.fields[name].editor.currentIndexChanged.connect(
                lambda _i, n=name: self._edited(n))
        for name, *_ in _NUMBER_FIELDS:
            self.fields[name].editor.valueChanged.connect(lambda _v, n=name: self._edited(n))

    # -- language ---------------------------------------------------------------------

    def _exercise_name(self, exercise_id: str) -> str:
        return self.model.exercise(exercise_id).names.get(self.tr_.language)

    def retranslate(self) -> None:
        t = self.tr_
        self.name_label.setText(t("program.name"))
        self.add_button.setText(t("program.add_item"))
        self.remove_button.setText(t("program.remove_item"))
        self.up_button.setText(t("program.move_up"))
        self.down_button.setText(t("program.move_down"))
        self.save_button.setText(t("common.save"))
        self.empty_hint.setText(t("program.none_yet"))
        keys = {"exercise_id": "program.exercise", "side": "program.side",
                "robot_mode": "program.robot_mode"} | {n: k for n, k, *_ in _NUMBER_FIELDS}
        for name, label in self.labels.items():
            label.setText(t(keys[name]))
        self._loading = True
        self.add_exercise.clear()
        for exercise_id in sorted(self.model.library,
                                  key=lambda i: self._exercise_name(i)):
            self.add_exercise.addItem(self._exercise_name(exercise_id), exercise_id)
        self._loading = False
        self.refresh()

    # -- model -> view ----------------------------------------------------------------

    def refresh(self) -> None:
        """Show the model: item list, current item and its error."""
        self._loading = True
        if self.name.text() != self.model.name:
            self.name.setText(self.model.name)
        # The store renames no program: the name is written once, when it is created.
        self.name.setReadOnly(self.model.program is not None)
        row = self.items.currentRow()
        self.items.clear()
        for index, draft in enumerate(self.model.drafts):
            text = self.tr_("program.item_summary", name=self._exercise_name(draft.exercise_id),
                            sets=draft.sets, reps=draft.reps, rom=draft.target_rom_deg)
            item = QListWidgetItem(("⚠ " if index in self.model.errors else "") + text)
            if index in self.model.errors:
                item.setForeground(qcolor(Role.ALERT_ERROR))
            self.items.addItem(item)
        count = len(self.model.drafts)
        self.empty_hint.setVisible(count == 0)
        self.item_box.setEnabled(count > 0)
        self.save_button.setEnabled(self.model.patient_id is not None and count > 0)
        self.items.setCurrentRow(min(max(row, 0), count - 1) if count else -1)
        self._loading = False
        self._load_item()

    def _load_item(self) -> None:
        index = self.items.currentRow()
        self.item_box.setTitle(self.tr_("program.items") if index < 0 else
                               f"{index + 1}. {self.items.item(index).text().lstrip('⚠ ')}")
        if index < 0 or index >= len(self.model.drafts):
            for field in self.fields.values():
                field.set_error(None)
            return
        draft = self.model.drafts[index]
        exercise = self.model.exercise(draft.exercise_id)
        was_loading, self._loading = self._loading, True
        t = self.tr_
        combo = self.fields["exercise_id"].editor
        combo.clear()
        for exercise_id in sorted(self.model.library, key=self._exercise_name):
            combo.addItem(self._exercise_name(exercise_id), exercise_id)
        combo.setCurrentIndex(combo.findData(draft.exercise_id))
        side = self.fields["side"].editor
        side.clear()
        for s in allowed_sides(exercise):
            side.addItem(t(f"side.{s}"), str(s))
        if side.findData(str(draft.side)) < 0:
            side.addItem(t(f"side.{draft.side}"), str(draft.side))
        side.setCurrentIndex(side.findData(str(draft.side)))
        mode = self.fields["robot_mode"].editor
        mode.clear()
        for m in RobotMode:
            mode.addItem(t(f"mode.{m}"), str(m))
        mode.setCurrentIndex(mode.findData(str(draft.robot_mode)))
        for name, *_ in _NUMBER_FIELDS:
            self.fields[name].editor.setValue(getattr(draft, name))
        self.exercise_info.setText(t("program.exercise_info", rom=exercise.target_rom_deg,
                                     min_rom=exercise.rep.min_rom_deg))
        joint_name = robot_joint_for(exercise)
        if joint_name is None:
            self.robot_info.setText(t("program.camera_only"))
        else:
            joint = self.model.joints[joint_name]
            self.robot_info.setText(t("program.robot_joint",
                                      joint=name_of("joint", joint.name, t.language),
                                      lo=joint.position_min_deg, hi=joint.position_max_deg))
        robot = draft.robot_mode != RobotMode.NONE
        self.fields["assistance"].editor.setEnabled(robot)
        self._loading = was_loading
        self._show_error(index)

    def _show_error(self, index: int) -> None:
        error = self.model.errors.get(index)
        for name, field in self.fields.items():
            field.set_error(self.tr_.error(error, with_field=False)
                            if error is not None and error.field == name else None)
        if error is not None and error.field not in self.fields:
            set_status(self.status, self.tr_.error(error), error=True)

    # -- view -> model ----------------------------------------------------------------

    def _edited(self, name: str) -> None:
        index = self.items.currentRow()
        if self._loading or index < 0:
            return
        editor = self.fields[name].editor
        if name == "exercise_id":
            value: object = editor.currentData()
        elif name == "side":
            value = Side(editor.currentData())
        elif name == "robot_mode":
            value = RobotMode(editor.currentData())
        else:
            value = editor.value()
        self.status.clear()
        self.model.update_item(index, **{name: value})
        self.items.setCurrentRow(index)

    def _add(self) -> None:
        exercise_id = self.add_exercise.currentData()
        if exercise_id is None:
            return
        index = self.model.add_item(exercise_id)
        self.items.setCurrentRow(index)

    def _remove(self) -> None:
        index = self.items.currentRow()
        if index >= 0:
            self.model.remove_item(index)

    def _move(self, offset: int) -> None:
        index = self.items.currentRow()
        if index >= 0:
            self.items.setCurrentRow(self.model.move_item(index, offset))

    def save(self) -> None:
        try:
            self.model.save()
        except ValidationError as exc:
            if self.model.errors:
                self.items.setCurrentRow(min(self.model.errors))
                set_status(self.status, self.tr_("program.invalid"), error=True)
            else:
                set_status(self.status, self.tr_.error(exc), error=True)
        except RehabError as exc:
            set_status(self.status, self.tr_("common.error", message=self.tr_.error(exc)),
                       error=True)
        else:
            set_status(self.status, self.tr_("program.saved"))
