"""The research export page (researchers and admins): format, dates, patients, folder."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rehab.errors import RehabError
from rehab.export.deid import DatePolicy
from rehab.export.run import FORMATS
from rehab.ui.i18n import Translator
from rehab.ui.models.export import ResearchExportModel
from rehab.ui.qt.style import Role, Size, Weight, style_text

_LABEL_KEYS = {"format": "export.format", "dates": "export.dates",
               "patients": "export.patients", "folder": "export.folder"}
_DATES_KEYS = {DatePolicy.SHIFT: "export.dates.shift",
               DatePolicy.RELATIVE: "export.dates.relative"}
_FORMAT_NAMES = {"bids": "BIDS motion", "parquet": "Parquet", "csv": "CSV",
                 "mcap": "rosbag2 (MCAP)", "fhir": "FHIR R4"}


class QtResearchExport(QWidget):
    """Runs :class:`ResearchExportModel` and shows its progress and result.

    The export runs on the GUI thread (the store's connection belongs to it), keeping
    the window alive between sessions; an export writes a session in well under a second.
    """

    def __init__(self, model: ResearchExportModel, tr: Translator,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.model, self.tr_ = model, tr
        self.title = QLabel()
        style_text(self.title, size=Size.TITLE, weight=Weight.BOLD)
        self.note = QLabel(wordWrap=True)
        style_text(self.note, Role.TEXT_MUTED)
        self.format = QComboBox()
        for fmt in FORMATS:
            self.format.addItem(_FORMAT_NAMES[fmt], fmt)
        self.dates = QComboBox()
        self.codes = QLineEdit()
        self.folder = QLineEdit()
        self.choose = QPushButton()
        self.run_button = QPushButton(objectName="primary")
        self.status = QLabel(wordWrap=True)
        self.labels = {k: QLabel() for k in ("format", "dates", "patients", "folder")}
        form = QFormLayout()
        form.addRow(self.labels["format"], self.format)
        form.addRow(self.labels["dates"], self.dates)
        form.addRow(self.labels["patients"], self.codes)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.choose)
        form.addRow(self.labels["folder"], folder_row)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.note)
        layout.addLayout(form)
        layout.addWidget(self.run_button)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.choose.clicked.connect(self._choose_folder)
        self.run_button.clicked.connect(self.run_export)
        tr.changed.connect(lambda _lang: self.retranslate())
        self.retranslate()

    def retranslate(self) -> None:
        t = self.tr_
        self.title.setText(t("export.title"))
        self.note.setText(t("export.deid_note"))
        for key, label in self.labels.items():
            label.setText(t(_LABEL_KEYS[key]))
        current = self.dates.currentData()
        self.dates.clear()
        for policy in DatePolicy:
            self.dates.addItem(t(_DATES_KEYS[policy]), policy)
        if current is not None:
            self.dates.setCurrentIndex(self.dates.findData(current))
        self.choose.setText(t("export.choose"))
        self.run_button.setText(t("export.run"))

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr_("export.folder"))
        if folder:
            self.folder.setText(folder)

    def run_export(self) -> None:
        """Take the form into the model and export; errors show on the page."""
        t, model = self.tr_, self.model
        model.fmt = self.format.currentData()
        model.dates = DatePolicy(self.dates.currentData())
        model.codes_text = self.codes.text()
        model.folder = Path(self.folder.text()) if self.folder.text().strip() else None
        self.run_button.setEnabled(False)

        def progress(done: int, total: int) -> None:
            self.status.setText(t("export.running", done=done, total=total))
            QApplication.processEvents()

        try:
            result = model.run(progress)
        except RehabError as exc:
            style_text(self.status, Role.ALERT_ERROR)
            self.status.setText(t("common.error", message=t.error(exc)))
        else:
            style_text(self.status, Role.STATUS_OK)
            self.status.setText(t("export.done", sessions=result.sessions,
                                  subjects=result.subjects, folder=str(result.folder)))
        finally:
            self.run_button.setEnabled(True)
