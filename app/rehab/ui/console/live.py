"""The live session: camera with skeleton, traces, reps and scores, robot, alerts, E-STOP.

Model updates only mark what is stale; a 30 fps timer repaints what changed, so a burst of
updates never costs more than one repaint per frame interval. The E-STOP button and its
application-wide shortcuts call the model (hence ``SessionControl.estop``) directly.
"""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtGui import QKeySequence, QPixmap, QShortcut
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rehab.session.events import Alert, RepScored, SessionPhase
from rehab.store.models import Cause, Severity
from rehab.ui.console.opinion import opinion_text
from rehab.ui.i18n import (
    Translator,
    alert_text,
    angle_label,
    cue_text,
    name_of,
    robot_fault_text,
    robot_reason_text,
)
from rehab.ui.models.live import LiveSessionModel
from rehab.ui.qt.plots import ClosesPlots
from rehab.ui.qt.skeleton import render_frame
from rehab.ui.qt.style import TRACES, Role, Size, Weight, colour, font_size, qcolor, style_text

REDRAW_INTERVAL_MS = 33  # ~30 fps
ANGLE_RANGE_DEG = (-10.0, 190.0)  # joint angles of the body: 0-180 with a margin
ROBOT_RANGE_DEG = (-15.0, 155.0)  # the robot's joints: their hard limits with a margin
ESTOP_KEYS = ("F12", "Pause")
_SEVERITY_ROLES = {Severity.INFO: Role.ALERT_INFO, Severity.WARNING: Role.ALERT_WARNING,
                   Severity.ERROR: Role.ALERT_ERROR}
_LINK_ROLES = {"connected": Role.STATUS_OK, "stale": Role.ALERT_WARNING, "lost": Role.ALERT_ERROR}


def _plot(y_range_deg: tuple[float, float], window_s: float) -> pg.PlotWidget:
    # Fixed axes: time runs from -window to 0 (now) and angles keep their range, so the
    # axes never re-layout (the costliest part of a pyqtgraph repaint) and nothing jumps.
    plot = pg.PlotWidget(background=colour(Role.SURFACE))
    plot.showGrid(x=True, y=True, alpha=0.25)
    plot.setMouseEnabled(x=False, y=False)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.setXRange(-window_s, 0, padding=0)
    plot.setYRange(*y_range_deg, padding=0)
    plot.enableAutoRange(enable=False)
    plot.addLegend(offset=(10, 5), labelTextSize=f"{font_size(Size.PLOT_LEGEND)}pt",
                   brush=qcolor(Role.SURFACE, alpha=220))
    plot.setMinimumHeight(150)
    return plot


class QtLiveSession(ClosesPlots, QWidget):
    """What the therapist watches while a session runs.

    Parameters
    ----------
    model
        The live session model (fed on the GUI thread by a bridge).
    tr
        The translator.
    on_start
        Called by the start button (the console starts a session); None hides the button.
    shortcut_owner
        The widget owning the E-STOP shortcuts (the main window, so they work whatever page
        is shown); this view when None.
    """

    def __init__(self, model: LiveSessionModel, tr: Translator, parent: QWidget | None = None,
                 on_start: Callable[[], None] | None = None,
                 shortcut_owner: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.model, self.tr_ = model, tr
        self._on_start = on_start
        self._dirty: set[str] = set()
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._now_s = 0.0
        self.camera = QLabel()
        self.camera.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.camera.setMinimumSize(480, 300)
        self.camera.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.camera.setObjectName("camera")
        self.latency = QLabel()
        style_text(self.latency, Role.TEXT_MUTED)
        self.angle_plot = _plot(ANGLE_RANGE_DEG, model.trace_window_s)
        self.robot_plot = _plot(ROBOT_RANGE_DEG, model.trace_window_s)
        self.estop_button = QPushButton(objectName="estop")
        self.estop_button.setMinimumHeight(110)
        self.estop_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # never steals typing focus
        self.estop_hint = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.estop_state = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        style_text(self.estop_state, Role.ALERT_ERROR, Size.EMPHASIS, Weight.BOLD)
        self.estop_state.hide()
        self.estop_state.setWordWrap(True)
        self.phase = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        style_text(self.phase, size=Size.HEADING, weight=Weight.SEMIBOLD)
        self.exercise = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.exercise.setWordWrap(True)
        self.set_label = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.rep_counter = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        style_text(self.rep_counter, Role.EMPHASIS, Size.COUNTER, Weight.BOLD)
        self.rep_caption = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.cue = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)  # what the patient is told
        self.cue.setWordWrap(True)
        style_text(self.cue, Role.ACCENT, Size.LABEL)
        self.start_button = QPushButton(objectName="primary")
        self.pause_button = QPushButton()
        self.stop_button = QPushButton()
        self.runner_hint = QLabel()
        self.runner_hint.setWordWrap(True)
        self.robot_box = QGroupBox()
        self.robot_state = QLabel()
        self.robot_link = QLabel()
        self.robot_assist = QLabel()
        self.robot_fault = QLabel()
        style_text(self.robot_fault, Role.ALERT_ERROR)
        self.robot_fault.setWordWrap(True)
        self.robot_reason = QLabel()
        style_text(self.robot_reason, Role.TEXT_MUTED)
        self.robot_reason.setWordWrap(True)
        self.reps_box = QGroupBox()
        self.reps_table = QTableWidget(0, 5)
        self.reps_table.verticalHeader().hide()
        self.reps_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.reps_table.setWordWrap(True)
        header = self.reps_table.horizontalHeader()
        for col in range(4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.alerts_box = QGroupBox()
        self.alerts = QListWidget()
        self.alerts.setWordWrap(True)
        self._layout()
        self.estop_button.clicked.connect(self.model.estop)
        self.shortcuts = [QShortcut(QKeySequence(k), shortcut_owner or self, self.model.estop,
                                    context=Qt.ShortcutContext.ApplicationShortcut)
                          for k in ESTOP_KEYS]
        self.start_button.clicked.connect(self._start)
        self.pause_button.clicked.connect(self._pause_resume)
        self.stop_button.clicked.connect(self.model.stop)
        for emitter, part in ((model.frame_changed, "frame"), (model.traces_changed, "traces"),
                              (model.robot_changed, "robot"),
                              (model.progress_changed, "progress"),
                              (model.control_changed, "control")):
            emitter.connect(lambda part=part: self._dirty.add(part))
        model.rep_added.connect(self._add_rep)
        model.alert_added.connect(self._add_alert)
        model.control_changed.connect(self._show_control)  # e-stop feedback at once
        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_INTERVAL_MS)
        self.timer.timeout.connect(self.redraw)
        self.timer.start()
        tr.changed.connect(lambda _lang: self.retranslate())
        self.retranslate()

    def _layout(self) -> None:
        left = QVBoxLayout()
        left.addWidget(self.camera, 3)
        left.addWidget(self.latency)
        plots = QHBoxLayout()
        plots.addWidget(self.angle_plot)
        plots.addWidget(self.robot_plot)
        left.addLayout(plots, 2)
        right = QVBoxLayout()
        right.addWidget(self.estop_button)
        right.addWidget(self.estop_hint)
        right.addWidget(self.estop_state)
        status = QGroupBox()
        status_layout = QGridLayout(status)
        status_layout.setVerticalSpacing(2)
        status_layout.addWidget(self.phase, 0, 0)
        status_layout.addWidget(self.exercise, 1, 0)
        status_layout.addWidget(self.set_label, 2, 0)
        status_layout.addWidget(self.rep_counter, 0, 1, 2, 1)
        status_layout.addWidget(self.rep_caption, 2, 1)
        status_layout.addWidget(self.cue, 3, 0, 1, 2)
        status_layout.setColumnStretch(0, 3)
        status_layout.setColumnStretch(1, 2)
        right.addWidget(status)
        buttons = QHBoxLayout()
        for b in (self.start_button, self.pause_button, self.stop_button):
            buttons.addWidget(b)
        right.addLayout(buttons)
        right.addWidget(self.runner_hint)
        robot = QGridLayout(self.robot_box)
        robot.addWidget(self.robot_state, 0, 0, 1, 2)
        robot.addWidget(self.robot_link, 1, 0)
        robot.addWidget(self.robot_assist, 1, 1)
        robot.addWidget(self.robot_fault, 2, 0, 1, 2)
        robot.addWidget(self.robot_reason, 3, 0, 1, 2)
        right.addWidget(self.robot_box)
        self.right_column = right
        QVBoxLayout(self.reps_box).addWidget(self.reps_table)
        right.addWidget(self.reps_box, 4)
        QVBoxLayout(self.alerts_box).addWidget(self.alerts)
        right.addWidget(self.alerts_box, 2)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)

    def add_panel(self, panel: QWidget) -> None:
        """Add a panel under the session's controls (the patient screen's)."""
        self.right_column.insertWidget(self.right_column.indexOf(self.robot_box), panel)

    def retranslate(self) -> None:
        t = self.tr_
        self.estop_button.setText(t("live.estop"))
        self.estop_hint.setText(t("live.estop_hint"))
        self.start_button.setText(t("live.start"))
        self.stop_button.setText(t("live.stop"))
        self.runner_hint.setText(t("live.no_runner"))
        self.robot_box.setTitle(t("live.robot"))
        self.reps_box.setTitle(t("live.rep_table"))
        self.alerts_box.setTitle(t("live.alerts"))
        self.rep_caption.setText(t("live.reps"))
        self.reps_table.setHorizontalHeaderLabels([t(k) for k in (
            "live.col.set", "live.col.rep", "live.col.rom", "live.col.score",
            "live.col.deductions")])
        for plot, key in ((self.angle_plot, "live.angle_plot"),
                          (self.robot_plot, "live.robot_plot")):
            plot.setTitle(t(key), color=colour(Role.TEXT),
                          size=f"{font_size(Size.PLOT_TITLE)}pt")
            plot.setLabel("bottom", t("live.time_s"))
        for plot in (self.angle_plot, self.robot_plot):  # legends are in the old language
            plot.clear()
            plot.plotItem.legend.clear()
        self._curves.clear()
        self._dirty.update({"frame", "traces", "progress", "robot", "control"})
        self.redraw()

    # -- repaint ----------------------------------------------------------------------

    def redraw(self) -> None:
        """Repaint what changed since the last tick (called at ~30 fps)."""
        dirty, self._dirty = self._dirty, set()
        if "frame" in dirty:
            self._show_frame()
        if "traces" in dirty:
            self._show_traces()
        if "progress" in dirty:
            self._show_progress()
        if "robot" in dirty:
            self._show_robot()
        if "control" in dirty:
            self._show_control()

    def _show_frame(self) -> None:
        frame = self.model.frame
        if frame is None:
            self.camera.setPixmap(QPixmap())
            self.camera.setText(self.tr_("live.no_camera"))
            self.latency.setText("")
            return
        self.camera.setPixmap(QPixmap.fromImage(render_frame(frame, self.camera.size())))
        status = self.tr_("live.latency", ms=frame.latency_s * 1000)
        if not frame.person_found:
            status += " · " + self.tr_("live.no_person")
        self.latency.setText(status)

    def _set_curves(self, plot: pg.PlotWidget, prefix: str, traces: dict) -> None:
        lang = self.tr_.language
        for i, (name, trace) in enumerate(traces.items()):
            key = f"{prefix}:{name}"
            t, y = trace.window(self.model.trace_window_s)
            t = t - self._now_s  # seconds before now: the time axis stays fixed
            if key not in self._curves:
                pen = pg.mkPen(colour(TRACES[i % len(TRACES)]),
                               width=3 if name == self.model.primary_angle else 1.5)
                label = (angle_label(name, lang) if prefix == "angle"
                         else name_of("joint", name, lang))
                self._curves[key] = plot.plot(name=label, pen=pen)
            self._curves[key].setData(t, y, connect="finite")

    def _show_traces(self) -> None:
        ends = [tr.window(0.0)[0] for tr in (*self.model.angle_traces.values(),
                                             *self.model.robot_traces.values())]
        self._now_s = max((float(t[-1]) for t in ends if t.size), default=0.0)
        self._set_curves(self.angle_plot, "angle", self.model.angle_traces)
        self._set_curves(self.robot_plot, "robot", self.model.robot_traces)

    def _show_progress(self) -> None:
        t, p = self.tr_, self.model.progress
        if p is None:
            self.phase.setText(t("live.phase.ready"))
            self.exercise.setText("")
            self.set_label.setText("")
            self.rep_counter.setText("0")
            self.cue.setText("")
            return
        phase = (t("live.phase.resting", s=p.rest_remaining_s) if p.phase is SessionPhase.RESTING
                 else t(f"live.phase.{p.phase}"))
        if p.cause is not None and p.phase in (SessionPhase.PAUSED, SessionPhase.ABORTED):
            phase = f"{phase}: {t(f'cause.{p.cause}')}"  # why, in the reader's language
        self.phase.setText(phase)
        where = p.position
        self.exercise.setText(t("live.exercise", item=where.item_index + 1,
                                items=where.items_total, name=where.exercise_name))
        self.set_label.setText(t("live.set", set=where.set_index + 1, sets=where.sets_total))
        self.rep_counter.setText(t("live.rep_count", done=where.reps_done,
                                   target=where.reps_target))
        if p.cue:
            self.cue.setText(t("live.cue", cue=cue_text(p, t.language)))
        self.pause_button.setText(t("live.resume") if p.phase is SessionPhase.PAUSED
                                  else t("live.pause"))

    def _show_robot(self) -> None:
        t, r = self.tr_, self.model.robot
        if r is None:
            self.robot_state.setText(t("live.robot_unknown"))
            for label in (self.robot_link, self.robot_assist, self.robot_fault,
                          self.robot_reason):
                label.setText("")
            return
        self.robot_state.setText(t("live.robot_state", state=name_of("robot_state", r.state,
                                                                    t.language),
                                   mode=name_of("mode", r.mode, t.language)))
        link = t(f"link.{r.link}") if f"link.{r.link}" in _LINK_KEYS else r.link
        self.robot_link.setText(t("live.robot_link", link=link))
        style_text(self.robot_link, _LINK_ROLES.get(r.link, Role.TEXT), weight=Weight.SEMIBOLD)
        self.robot_assist.setText(t("live.robot_assist", a=r.assistance))
        self.robot_fault.setText(t("live.robot_fault", fault=robot_fault_text(r, t.language))
                                 if r.fault else "")
        self.robot_fault.setVisible(bool(r.fault))
        self.robot_reason.setText(t("live.robot_reason", reason=robot_reason_text(r, t.language))
                                  if r.reason else "")
        self.robot_reason.setVisible(bool(r.reason))

    def _show_control(self) -> None:
        t = self.tr_
        running = self.model.control is not None
        self.estop_state.setText(t("live.estop_pressed") if self.model.estopped else "")
        self.estop_state.setVisible(self.model.estopped)
        self.start_button.setVisible(self._on_start is not None)
        self.start_button.setEnabled(not running or self.model.estopped)
        self.pause_button.setEnabled(running and not self.model.estopped)
        self.stop_button.setEnabled(running)
        self.runner_hint.setVisible(self._on_start is None)
        if self.model.progress is None:
            self.pause_button.setText(t("live.pause"))

    # -- rows -------------------------------------------------------------------------

    def _add_rep(self, rep: RepScored) -> None:
        t = self.tr_
        if rep.cue:
            self.cue.setText(t("live.cue", cue=rep.cue))
        row = self.reps_table.rowCount()
        self.reps_table.insertRow(row)
        deductions = "; ".join(f"−{d.points:g} {d.message}" for d in rep.deductions)
        if rep.partial:
            deductions = t("live.partial") + ("; " + deductions if deductions else "")
        elif rep.uncertain:
            deductions = t("live.uncertain") + ("; " + deductions if deductions else "")
        flagged = False
        if rep.model_probability is not None and not rep.partial:
            opinion, flagged = opinion_text(t, rep.model_probability, rep.form_score,
                                            rep.model_reference)
            deductions = f"{deductions or '✓'} · {opinion}"
        elif rep.model_declined and not rep.partial:
            deductions = f"{deductions or '✓'} · {t('live.model.no_opinion')}"
        # An uncertain rep (too few camera frames) is counted, its ROM and score are not exact.
        approx = "≈" if rep.uncertain and not rep.partial else ""
        number = str(rep.rep_index + 1)
        if rep.side is not None:  # an alternating exercise: the limb of this rep
            number += " " + t(f"side.{rep.side}")
        values = (str(rep.set_index + 1), number, f"{approx}{rep.rom_deg:.0f}",
                  f"{approx}{rep.form_score:.0f}", deductions or "✓")
        for col, value in enumerate(values):
            item = QTableWidgetItem(value)
            if rep.partial or rep.uncertain:
                item.setForeground(qcolor(Role.TEXT_INACTIVE))
            elif flagged and col == 4:
                item.setForeground(qcolor(Role.ALERT_WARNING))
            if col < 4:
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.reps_table.setItem(row, col, item)
        self.reps_table.resizeRowToContents(row)
        self.reps_table.scrollToBottom()

    def _add_alert(self, alert: Alert) -> None:
        text = f"[{alert.t_s:6.1f} s] {self.tr_(f'severity.{alert.severity}')} · " \
               f"{name_of('source', alert.source, self.tr_.language)}: " \
               f"{alert_text(alert, self.tr_.language)}"
        item = QListWidgetItem(text)
        item.setForeground(qcolor(_SEVERITY_ROLES[alert.severity]))
        self.alerts.insertItem(0, item)  # newest on top

    # -- commands ---------------------------------------------------------------------

    def _start(self) -> None:
        if self._on_start is not None:
            self.reps_table.setRowCount(0)
            self.alerts.clear()
            self._on_start()

    def _pause_resume(self) -> None:
        p = self.model.progress
        if p is not None and p.phase is SessionPhase.PAUSED:
            self.model.resume()
        else:
            self.model.pause(Cause.THERAPIST)


_LINK_KEYS = {"link.connected", "link.stale", "link.lost"}
