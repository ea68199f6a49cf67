"""Clinical assessments: enter a score, see each instrument's history charted."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QDate, Qt
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGridLayout,
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
from rehab.store import NewAssessment
from rehab.store.models import INSTRUMENT_RANGES
from rehab.ui.i18n import Translator
from rehab.ui.models.assessments import INSTRUMENTS, AssessmentsModel, parse_score
from rehab.ui.qt.form import FieldWithError, set_status, show_refusal
from rehab.ui.qt.plots import ClosesPlots
from rehab.ui.qt.style import Role, Weight, colour, style_text


class _DayAxis(pg.AxisItem):
    """Dates as ``MM-DD`` (the same in Korean and English; no English month names)."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        return [dt.datetime.fromtimestamp(v, dt.UTC).strftime("%m-%d") for v in values]

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803
        day = 86400.0
        span_days = max(1.0, (maxVal - minVal) / day)
        step = day * max(1, int(np.ceil(span_days / 6)))  # about six labels, whole days
        first = np.ceil(minVal / step) * step
        return [(step, list(np.arange(first, maxVal + 1, step)))]


class QtAssessments(ClosesPlots, QWidget):
    """FMA-UE, Box and Block, TUG and pain NRS: a form and one chart per instrument."""

    def __init__(self, model: AssessmentsModel, tr: Translator,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.model, self.tr_ = model, tr
        self.instrument = FieldWithError(QComboBox())
        self.score = FieldWithError(QLineEdit())
        date = QDateEdit()
        date.setCalendarPopup(True)
        date.setDisplayFormat("yyyy-MM-dd")
        date.setDate(QDate.currentDate())
        self.date = FieldWithError(date)
        self.notes = FieldWithError(QLineEdit())
        self.range_hint = QLabel()
        style_text(self.range_hint, Role.TEXT_MUTED)
        self.labels = {k: QLabel() for k in ("instrument", "score", "assessed_on", "notes")}
        self.add_button = QPushButton(objectName="primary")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.form_box = QGroupBox()
        form = QFormLayout(self.form_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.labels["instrument"], self.instrument)
        form.addRow(self.labels["score"], self.score)
        form.addRow("", self.range_hint)
        form.addRow(self.labels["assessed_on"], self.date)
        form.addRow(self.labels["notes"], self.notes)
        form.addRow(self.add_button)
        form.addRow(self.status)
        self.table = QTableWidget(0, 4)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        self.plots: dict[str, pg.PlotWidget] = {}
        self.plot_titles: dict[str, QLabel] = {}
        grid = QGridLayout()
        for i, instrument in enumerate(INSTRUMENTS):
            plot = pg.PlotWidget(background=colour(Role.SURFACE),
                                 axisItems={"bottom": _DayAxis("bottom")})
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setMouseEnabled(x=False, y=False)
            plot.setMenuEnabled(False)
            plot.setMinimumHeight(170)
            lo, hi = INSTRUMENT_RANGES[instrument]
            plot.setYRange(lo, hi if instrument != "timed_up_and_go_s" else 60)
            title = QLabel()
            style_text(title, weight=Weight.SEMIBOLD)
            box = QVBoxLayout()
            box.addWidget(title)
            box.addWidget(plot)
            grid.addLayout(box, i // 2, i % 2)
            self.plots[instrument], self.plot_titles[instrument] = plot, title
        left = QVBoxLayout()
        left.addWidget(self.form_box)
        self.empty = QLabel()
        left.addWidget(self.empty)
        left.addWidget(self.table, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 2)
        layout.addLayout(grid, 3)
        self.add_button.clicked.connect(self.add)
        self.instrument.editor.currentIndexChanged.connect(lambda _i: self._show_range())
        model.changed.connect(self.refresh)
        tr.changed.connect(lambda _lang: self.retranslate())
        self.retranslate()

    def retranslate(self) -> None:
        t = self.tr_
        self.form_box.setTitle(t("assess.add"))
        for key, label_key in (("instrument", "assess.instrument"), ("score", "assess.score"),
                               ("assessed_on", "assess.date"), ("notes", "assess.notes")):
            self.labels[key].setText(t(label_key))
        self.add_button.setText(t("assess.add"))
        combo = self.instrument.editor
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for instrument in INSTRUMENTS:
            combo.addItem(t(f"instrument.{instrument}"), instrument)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.blockSignals(False)
        self.table.setHorizontalHeaderLabels([t(k) for k in (
            "assess.date", "assess.instrument", "assess.score", "assess.notes")])
        self._show_range()
        self.refresh()

    def _show_range(self) -> None:
        instrument = self.instrument.editor.currentData() or INSTRUMENTS[0]
        lo, hi = INSTRUMENT_RANGES[instrument]
        self.range_hint.setText(self.tr_("assess.range", lo=lo, hi=hi,
                                         unit=self.tr_(f"unit.{instrument}")))

    def refresh(self) -> None:
        t = self.tr_
        self.add_button.setEnabled(self.model.patient_id is not None)
        rows = list(reversed(self.model.assessments))
        self.empty.setText(t("assess.none"))
        self.empty.setVisible(not rows)
        self.table.setRowCount(len(rows))
        for i, a in enumerate(rows):
            values = (a.assessed_on, t(f"instrument.{a.instrument}"),
                      f"{a.score:g} {t(f'unit.{a.instrument}')}", a.notes)
            for col, value in enumerate(values):
                self.table.setItem(i, col, QTableWidgetItem(value))
        for instrument, plot in self.plots.items():
            plot.clear()
            self.plot_titles[instrument].setText(
                f"{t(f'instrument.{instrument}')} ({t(f'unit.{instrument}')})")
            series = self.model.series(instrument)
            if not series:
                continue
            x = np.array([dt.datetime.combine(d, dt.time(12), dt.UTC).timestamp()
                          for d, _ in series])
            y = np.array([score for _, score in series])
            blue = colour(Role.TRACE_PRIMARY)
            plot.plot(x, y, pen=pg.mkPen(blue, width=2), symbol="o", symbolBrush=blue)
            plot.setXRange(x.min() - 3 * 86400, x.max() + 3 * 86400)
            if instrument == "timed_up_and_go_s":
                plot.setYRange(0, max(30.0, float(y.max()) * 1.2))

    def add(self) -> None:
        """Record the entered assessment; errors appear beside their field."""
        fields = {"instrument": self.instrument, "score": self.score,
                  "assessed_on": self.date, "notes": self.notes}
        for field in fields.values():
            field.set_error(None)
        self.status.clear()
        try:
            new = NewAssessment(instrument=self.instrument.editor.currentData(),
                                score=parse_score(self.score.editor.text()),
                                assessed_on=self.date.editor.date().toString(
                                    Qt.DateFormat.ISODate),
                                notes=self.notes.editor.text().strip())
            self.model.add(new)
        except RehabError as exc:
            show_refusal(exc, fields, self.status, self.tr_)
        else:
            self.score.editor.clear()
            self.notes.editor.clear()
            set_status(self.status, self.tr_("assess.added"))
