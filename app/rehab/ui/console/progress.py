"""A patient's progress: measures per session with their trends, and the sessions table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rehab.analytics import MEASURE_RULES, ExerciseProgress, Trend
from rehab.errors import RehabError
from rehab.store import User
from rehab.ui.i18n import Translator
from rehab.ui.models.export import may_print_report
from rehab.ui.models.localtime import local_time
from rehab.ui.models.progress import PatientProgressModel
from rehab.ui.qt.plots import ClosesPlots
from rehab.ui.qt.style import Role, Size, Weight, colour, font_size, qcolor, style_text

_TREND_ROLES = {Trend.IMPROVING: Role.STATUS_OK, Trend.PLATEAU: Role.TEXT_MUTED,
                Trend.DECLINING: Role.ALERT_ERROR, Trend.INSUFFICIENT: Role.TEXT_INACTIVE}
_MEASURE_KEYS = {"max_rom_deg": "progress.max_rom", "mean_form_score": "progress.form_score",
                 "reps_ratio": "progress.reps", "mean_assistance": "progress.assistance"}


_MCID_FORMAT = {"max_rom_deg": "{:g}°", "mean_form_score": "{:g}", "reps_ratio": "{:.0%}",
                "mean_assistance": "{:.0%}"}


def _values(series: list[float | None], scale: float = 1.0) -> np.ndarray:
    return np.array([np.nan if v is None else v * scale for v in series], dtype=float)


def _line(plot: pg.PlotWidget, x: np.ndarray, y: np.ndarray, colour: str,
          name: str | None = None) -> None:
    """A measured series; nothing at all when it was never measured (camera-only
    sessions record no robot assistance), rather than an empty, warning curve."""
    if np.isfinite(y).any():
        plot.plot(x, y, pen=pg.mkPen(colour, width=2), symbol="o", symbolBrush=colour,
                  name=name)


class QtPatientProgress(ClosesPlots, QWidget):
    """Four charts (ROM vs target, form score, reps done vs prescribed, robot assistance)."""

    def __init__(self, model: PatientProgressModel, tr: Translator,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.model, self.tr_ = model, tr
        self.exercise_label = QLabel()
        self.exercise = QComboBox()
        self.empty = QLabel()
        self.plots: dict[str, pg.PlotWidget] = {}
        self.trend_labels: dict[str, QLabel] = {}
        grid = QGridLayout()
        for i, measure in enumerate(_MEASURE_KEYS):
            plot = pg.PlotWidget(background=colour(Role.SURFACE))
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setMouseEnabled(x=False, y=False)
            plot.setMenuEnabled(False)
            plot.setMinimumHeight(180)
            plot.addLegend(offset=(10, 5), labelTextSize=f"{font_size(Size.PLOT_LEGEND)}pt",
                           brush=qcolor(Role.SURFACE, alpha=220))
            label = QLabel()
            box = QVBoxLayout()
            box.addWidget(label)
            box.addWidget(plot)
            grid.addLayout(box, i // 2, i % 2)
            self.plots[measure], self.trend_labels[measure] = plot, label
        self.help = QLabel()
        self.help.setWordWrap(True)
        style_text(self.help, Role.TEXT_MUTED)
        self.table = QTableWidget(0, 7)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(150)
        top = QHBoxLayout()
        top.addWidget(self.exercise_label)
        top.addWidget(self.exercise, 1)
        top.addStretch(1)
        # Identified report: shown to therapists and admins only (see set_user).
        self.print_button = QPushButton()
        self.print_button.setVisible(False)
        self.report_status = QLabel()
        top.addWidget(self.report_status)
        top.addWidget(self.print_button)
        self.print_button.clicked.connect(self.print_report)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.empty)
        layout.addLayout(grid, 3)
        layout.addWidget(self.help)
        layout.addWidget(self.table, 2)
        self.exercise.currentIndexChanged.connect(self._exercise_chosen)
        model.changed.connect(self.refresh)
        tr.changed.connect(lambda _lang: self.refresh())
        self.refresh()

    def _name(self, exercise_id: str) -> str:
        return self.model.exercise_name(exercise_id, self.tr_.language)

    def _exercise_chosen(self, _index: int) -> None:
        exercise_id = self.exercise.currentData()
        if exercise_id is not None and exercise_id != self.model.exercise_id:
            self.model.select_exercise(exercise_id)

    def set_user(self, user: User | None) -> None:
        """Show the report action to users whose role prints identified reports."""
        self.print_button.setVisible(may_print_report(user))
        self.report_status.clear()

    def print_report(self, path: str | None = None) -> Path | None:
        """Ask for a file (unless given) and write the patient's PDF report to it."""
        t, code = self.tr_, self.model.patient_code()
        if code is None:
            self.report_status.setText(t("common.select_patient"))
            return None
        if not path:
            path, _filter = QFileDialog.getSaveFileName(
                self, t("report.print"), f"{code}.pdf", "PDF (*.pdf)")
        if not path:
            return None
        from rehab.report.pdf import write_report  # the PDF engine only when printing

        try:
            write_report(self.model.store, code, Path(path), language=str(t.language))
        except RehabError as exc:
            style_text(self.report_status, Role.ALERT_ERROR)
            self.report_status.setText(t("common.error", message=t.error(exc)))
            return None
        style_text(self.report_status, Role.STATUS_OK)
        self.report_status.setText(t("report.saved", path=path))
        return Path(path)

    def refresh(self) -> None:
        t = self.tr_
        self.print_button.setText(t("report.print"))
        self.exercise_label.setText(t("progress.exercise"))
        self.exercise.blockSignals(True)
        self.exercise.clear()
        for exercise_id in self.model.exercises:
            self.exercise.addItem(self._name(exercise_id), exercise_id)
        if self.model.exercise_id is not None:
            self.exercise.setCurrentIndex(self.exercise.findData(self.model.exercise_id))
        self.exercise.blockSignals(False)
        self.empty.setText(t("progress.no_data"))
        self.empty.setVisible(not self.model.rows)
        window = MEASURE_RULES["max_rom_deg"].window
        self.help.setText(t("trend.help", n=window) + " " + ", ".join(
            f"{t(_MEASURE_KEYS[m])} ±{_MCID_FORMAT[m].format(r.mcid)}"
            for m, r in MEASURE_RULES.items()))
        self._plot(self.model.current)
        self._fill_table()

    def _plot(self, progress: ExerciseProgress | None) -> None:
        t = self.tr_
        for measure, plot in self.plots.items():
            plot.clear()
            trend = progress.trends[measure] if progress else Trend.INSUFFICIENT
            self.trend_labels[measure].setText(t("progress.trend", measure=t(
                _MEASURE_KEYS[measure]), trend=t(f"trend.{trend}")))
            style_text(self.trend_labels[measure], _TREND_ROLES[trend], weight=Weight.SEMIBOLD)
            plot.setLabel("bottom", t("progress.session_no"))
        if progress is None:
            return
        x = np.arange(1, len(progress.rows) + 1, dtype=float)
        blue, grey = colour(Role.TRACE_PRIMARY), colour(Role.TRACE_REFERENCE)
        green = colour(Role.TRACE_3)
        rom = self.plots["max_rom_deg"]
        reached = _values(progress.series("max_rom_deg"))
        target = np.array([r.target_rom_deg for r in progress.rows])
        _line(rom, x, reached, blue, t("progress.max_rom"))
        rom.plot(x, target, pen=pg.mkPen(grey, width=2, style=Qt.PenStyle.DashLine),
                 name=t("progress.target_rom"))
        top = float(np.nanmax(np.concatenate([reached, target])))
        bottom = float(np.nanmin(np.concatenate([reached, target])))
        rom.setYRange(max(0.0, bottom - 10), top + 0.35 * (top - bottom + 20))  # room for legend
        _line(self.plots["mean_form_score"], x, _values(progress.series("mean_form_score")),
              blue)
        self.plots["mean_form_score"].setYRange(0, 105)
        reps = self.plots["reps_ratio"]
        reps.addItem(pg.BarGraphItem(x=x - 0.18, height=[r.reps_done for r in progress.rows],
                                     width=0.35, brush=blue, name=t("progress.reps_done")))
        reps.addItem(pg.BarGraphItem(x=x + 0.18,
                                     height=[r.reps_prescribed for r in progress.rows],
                                     width=0.35, brush=grey, name=t("progress.reps_prescribed")))
        most = max(max(r.reps_prescribed, r.reps_done) for r in progress.rows)
        reps.setYRange(0, most * 1.45)  # room for the legend above the bars
        _line(self.plots["mean_assistance"], x,
              _values(progress.series("mean_assistance"), 100.0), green)
        self.plots["mean_assistance"].setYRange(0, 105)

    def _fill_table(self) -> None:
        t = self.tr_
        self.table.setHorizontalHeaderLabels([t(k) for k in (
            "progress.col.date", "progress.col.status", "progress.col.exercise",
            "progress.col.rom", "progress.col.score", "progress.col.reps",
            "progress.col.assistance")])
        rows = list(reversed(self.model.rows))  # newest first
        self.table.setRowCount(len(rows))
        dash = t("common.none")
        for i, r in enumerate(rows):
            values = (
                local_time(r.started_at), t(f"status.{r.status}"),
                self._name(r.exercise_id),
                f"{r.max_rom_deg:.0f} / {r.target_rom_deg:.0f}" if r.max_rom_deg is not None
                else f"{dash} / {r.target_rom_deg:.0f}",
                f"{r.mean_form_score:.0f}" if r.mean_form_score is not None else dash,
                f"{r.reps_done} / {r.reps_prescribed}",
                f"{r.mean_assistance:.0%}" if r.mean_assistance is not None else dash)
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(i, col, item)
