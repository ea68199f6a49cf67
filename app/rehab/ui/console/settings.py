"""Settings: camera, robot connection, language, data folder, pose backend."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from rehab.errors import RehabError, ValidationError
from rehab.language import Language
from rehab.ui.i18n import Translator
from rehab.ui.models.settings import MAX_DDS_DOMAIN_ID, SettingsModel
from rehab.ui.qt.form import FieldWithError, set_status
from rehab.ui.qt.style import Role, style_text
from rehab.vision.pose import POSE_BACKENDS


class QtSettings(QWidget):
    """Edit and save the console's settings; a new language applies at once."""

    def __init__(self, model: SettingsModel, tr: Translator,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.model, self.tr_ = model, tr
        self.camera = FieldWithError(QLineEdit())
        self.camera_browse = QPushButton()
        domain = QSpinBox()
        domain.setRange(0, MAX_DDS_DOMAIN_ID)
        self.dds_domain_id = FieldWithError(domain)
        self.language = FieldWithError(QComboBox())
        self.data_dir = FieldWithError(QLineEdit())
        self.data_browse = QPushButton()
        self.pose_backend = FieldWithError(QComboBox())
        device = QComboBox()
        device.setEditable(True)
        device.addItems(["cpu", "cuda"])
        self.pose_device = FieldWithError(device)
        self.labels = {k: QLabel() for k in ("camera", "dds_domain_id", "language", "data_dir",
                                             "pose_backend", "pose_device")}
        self.save_button = QPushButton(objectName="primary")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.file_label = QLabel()
        style_text(self.file_label, Role.TEXT_MUTED)
        self.box = QGroupBox()
        form = QFormLayout(self.box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.labels["camera"], self._with_button(self.camera, self.camera_browse))
        form.addRow(self.labels["dds_domain_id"], self.dds_domain_id)
        form.addRow(self.labels["language"], self.language)
        form.addRow(self.labels["data_dir"], self._with_button(self.data_dir, self.data_browse))
        form.addRow(self.labels["pose_backend"], self.pose_backend)
        form.addRow(self.labels["pose_device"], self.pose_device)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.save_button)
        form.addRow(row)
        form.addRow(self.file_label)
        layout = QVBoxLayout(self)
        layout.addWidget(self.box)
        layout.addStretch(1)
        self.box.setMaximumWidth(760)
        self.save_button.clicked.connect(self.save)
        self.camera_browse.clicked.connect(self._browse_video)
        self.data_browse.clicked.connect(self._browse_data)
        tr.changed.connect(lambda _lang: self.retranslate())
        self.retranslate()
        self.load()

    @staticmethod
    def _with_button(field: QWidget, button: QPushButton) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(field, 1)
        row.addWidget(button)
        return box

    def retranslate(self) -> None:
        t = self.tr_
        self.box.setTitle(t("nav.settings"))
        for key, label_key in (("camera", "settings.camera"),
                               ("dds_domain_id", "settings.dds_domain"),
                               ("language", "settings.language"),
                               ("data_dir", "settings.data_dir"),
                               ("pose_backend", "settings.pose_backend"),
                               ("pose_device", "settings.pose_device")):
            self.labels[key].setText(t(label_key))
        self.camera_browse.setText(t("settings.browse"))
        self.data_browse.setText(t("settings.browse"))
        self.save_button.setText(t("common.save"))
        self.file_label.setText(t("settings.file", path=self.model.path))
        combo = self.language.editor
        current = combo.currentData() or str(self.model.settings.language)
        combo.clear()
        for lang in Language:
            combo.addItem(t(f"language.{lang}"), str(lang))
        combo.setCurrentIndex(combo.findData(current))
        combo = self.pose_backend.editor
        current = combo.currentData() or self.model.settings.pose_backend
        combo.clear()
        for backend in POSE_BACKENDS:
            combo.addItem(t(f"pose_backend.{backend}"), backend)
        combo.setCurrentIndex(combo.findData(current))

    def load(self) -> None:
        s = self.model.settings
        self.camera.editor.setText(s.camera)
        self.dds_domain_id.editor.setValue(s.dds_domain_id)
        self.language.editor.setCurrentIndex(self.language.editor.findData(str(s.language)))
        self.data_dir.editor.setText(s.data_dir)
        self.pose_backend.editor.setCurrentIndex(self.pose_backend.editor.findData(s.pose_backend))
        self.pose_device.editor.setCurrentText(s.pose_device)

    def save(self) -> None:
        fields = {"camera": self.camera, "dds_domain_id": self.dds_domain_id,
                  "language": self.language, "data_dir": self.data_dir,
                  "pose_backend": self.pose_backend, "pose_device": self.pose_device}
        for field in fields.values():
            field.set_error(None)
        old_data_dir = self.model.settings.data_dir
        try:
            new = self.model.apply(camera=self.camera.editor.text().strip(),
                                   dds_domain_id=self.dds_domain_id.editor.value(),
                                   language=Language(self.language.editor.currentData()),
                                   data_dir=self.data_dir.editor.text().strip(),
                                   pose_backend=self.pose_backend.editor.currentData(),
                                   pose_device=self.pose_device.editor.currentText().strip())
        except ValidationError as exc:
            if exc.field in fields:
                fields[exc.field].set_error(self.tr_.error(exc, with_field=False))
            set_status(self.status, self.tr_.error(exc), error=True)
            return
        except (RehabError, OSError) as exc:
            set_status(self.status, self.tr_("common.error", message=self.tr_.error(exc)),
                       error=True)
            return
        message = self.tr_("settings.saved")
        if new.data_dir != old_data_dir:
            message += " " + self.tr_("settings.restart_data")
        set_status(self.status, message)

    # The file dialogs are not modal: a modal dialog would block the application-wide
    # E-STOP shortcut (Qt does not deliver shortcuts to windows a modal dialog shadows).

    def _browse_video(self) -> QFileDialog:
        dialog = self._dialog(self.tr_("settings.camera"), QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilter("Video (*.mp4 *.avi *.mov *.mkv)")
        dialog.fileSelected.connect(self.camera.editor.setText)
        dialog.show()
        return dialog

    def _browse_data(self) -> QFileDialog:
        dialog = self._dialog(self.tr_("settings.data_dir"), QFileDialog.FileMode.Directory)
        dialog.fileSelected.connect(self.data_dir.editor.setText)
        dialog.show()
        return dialog

    def _dialog(self, title: str, mode: QFileDialog.FileMode) -> QFileDialog:
        dialog = QFileDialog(self, title)
        dialog.setFileMode(mode)
        dialog.setModal(False)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)  # natives are modal
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        return dialog
