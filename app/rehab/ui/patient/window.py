"""The patient's window: one view per phase, a STOP that is always there, a mute button.

:class:`QtPatientScreen` shows :class:`~rehab.ui.models.patient.PatientScreenModel`; a
~30 fps timer ticks the model (its phases run on time) and repaints what changed. A rep
updates the counter and the cue at once, not on the next tick. The window cannot be
closed by the patient: only :meth:`close_by_console` closes it.
"""

from __future__ import annotations

from PyQt6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt, QTimer
from PyQt6.QtGui import (
    QCloseEvent,
    QFont,
    QFontMetrics,
    QImage,
    QPainter,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PyQt6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from rehab.exercises.library import Direction
from rehab.session.events import RepScored
from rehab.store.models import Cause
from rehab.ui.i18n import Translator
from rehab.ui.models.patient import PatientPhase, PatientScreenModel
from rehab.ui.patient.widgets import QtDemoFigure, QtPainScale, QtTargetGauge
from rehab.ui.qt.skeleton import render_frame
from rehab.ui.qt.style import (
    PATIENT_CALM,
    PATIENT_SCREEN_PX,
    PatientLook,
    PatientPx,
    PatientRole,
    PatientText,
    apply_patient_style,
    fit_text_px,
    patient_text,
)

TICK_MS = 33


def _label(wrap: bool = True) -> QLabel:
    label = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(wrap)
    return label


def _mirrored(image: QImage) -> QImage:
    flipped = getattr(image, "flipped", None)  # Qt 6.9+
    return flipped(Qt.Orientation.Horizontal) if flipped else image.mirrored(True, False)


class QtPatientScreen(QWidget):
    """The patient screen (see the module docstring)."""

    def __init__(self, model: PatientScreenModel, tr: Translator,
                 look: PatientLook = PATIENT_CALM,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model, self.tr_, self.look = model, tr, look
        self._closable = False
        self._dirty = True
        self._fit = 1.0
        self.sized_look = look
        self.setObjectName("patientScreen")
        self.title = _label(False)  # one line: shrunk, then elided, to fit (_fit_title)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._title_text = ""
        self.title.installEventFilter(self)  # refit when the set label takes its room
        self.set_label = _label(False)
        self.mute_button = QPushButton(objectName="mute")
        self.stop_button = QPushButton(objectName="stop")
        self.stop_button.setSizePolicy(QSizePolicy.Policy.Expanding,
                                       QSizePolicy.Policy.Fixed)
        self.pages = QStackedWidget()
        self.page: dict[PatientPhase, QWidget] = {}
        self._build_pages()
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.set_label)
        top.addWidget(self.mute_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.stop_button)
        self.stop_button.clicked.connect(model.press_stop)
        self.mute_button.clicked.connect(self._toggle_mute)
        self.pain_before_scale.answered.connect(model.answer_pain)
        self.pain_after_scale.answered.connect(model.answer_pain)
        self.skip_pain.clicked.connect(lambda: model.answer_pain(None))
        self.skip_rest.clicked.connect(model.skip_rest)
        self.more_rest.clicked.connect(model.add_rest)
        model.changed.connect(self._mark)
        model.frame_changed.connect(self._mark)
        model.rep_shown.connect(self._show_rep)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        tr.changed.connect(lambda _lang: self._mark())
        self.set_look(look)

    # -- building ----------------------------------------------------------------------

    def _build_pages(self) -> None:
        self.waiting = _label()
        self.pain_before_question = _label()
        self.pain_before_scale = QtPainScale()
        self.pain_ends = (_label(False), _label(False))
        self.skip_pain = QPushButton(objectName="secondary")
        self.framing_camera = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.framing_hint = _label()
        self.demo_heading = _label()
        self.demo_instruction = _label()
        self.demo_tempo = _label()
        self.demo_figure = QtDemoFigure()
        self.countdown_heading = _label()
        self.countdown_number = _label(False)
        self.camera = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.rep_counter = _label(False)
        self.rep_caption = _label(False)
        self.gauge = QtTargetGauge()
        self.gauge_state = _label()
        self.hold = _label(False)
        self.cue = _label()
        self.rest_heading = _label()
        self.rest_number = _label(False)
        self.rest_next = _label()
        self.skip_rest = QPushButton(objectName="secondary")
        self.more_rest = QPushButton(objectName="secondary")
        self.paused_text = _label()
        self.summary_heading = _label()
        self.summary_reps = _label()
        self.summary_best = _label()
        self.summary_sentence = _label()
        self.pain_after_question = _label()
        self.pain_after_scale = QtPainScale()
        self.pain_after_done = _label()
        kinds = {PatientText.TITLE: (self.summary_heading, self.demo_heading, self.rest_heading,
                                     self.countdown_heading, self.paused_text),
                 PatientText.SUBTITLE: (self.set_label, self.rep_caption),
                 PatientText.NUMBER: (self.countdown_number, self.rest_number),
                 PatientText.COUNTER: (self.rep_counter,), PatientText.CUE: (self.cue,),
                 PatientText.HOLD: (self.hold,)}
        for kind, labels in kinds.items():
            for label in labels:
                patient_text(label, kind)
        for camera in (self.framing_camera, self.camera):
            # Ignored: the picture is scaled to the label, never the label to the picture
            # (a label sized by its last picture grew the window past the screen)
            camera.setMinimumSize(320, 180)
            camera.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        pages = {
            PatientPhase.WAITING: [self.waiting],
            PatientPhase.PAIN_BEFORE: [self.pain_before_question, self.pain_before_scale,
                                       self._row(self.pain_ends[0], self.skip_pain,
                                                 self.pain_ends[1])],
            PatientPhase.FRAMING: [self.framing_hint, (self.framing_camera, 1)],
            PatientPhase.DEMONSTRATION: [self.demo_heading, self.demo_instruction,
                                         (self.demo_figure, 1), self.demo_tempo],
            PatientPhase.COUNTDOWN: [self.countdown_heading, (self.countdown_number, 1)],
            PatientPhase.EXERCISE: [self._exercise_body()],
            PatientPhase.REST: [self.rest_heading, (self.rest_number, 1), self.rest_next,
                                self._row(self.skip_rest, self.more_rest)],
            PatientPhase.PAUSED: [self.paused_text],
            PatientPhase.SUMMARY: [self.summary_heading, self.summary_reps, self.summary_best,
                                   self.summary_sentence, self.pain_after_question,
                                   self.pain_after_scale, self.pain_after_done],
        }
        for phase, widgets in pages.items():
            page = QWidget()
            column = QVBoxLayout(page)
            column.setContentsMargins(0, 0, 0, 0)
            for entry in widgets:
                widget, stretch = entry if isinstance(entry, tuple) else (entry, 0)
                column.addWidget(widget, stretch)
            self.page[phase] = page
            self.pages.addWidget(page)

    @staticmethod
    def _row(*widgets: QWidget) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in widgets:
            layout.addWidget(w)
        return row

    def _exercise_body(self) -> QWidget:
        """The camera on the left; the count, the state and the cue on the right; the
        gauge under both."""
        body = QWidget()
        counter = QHBoxLayout()
        counter.addStretch(1)
        counter.addWidget(self.rep_counter)
        counter.addWidget(self.rep_caption, 0, Qt.AlignmentFlag.AlignBottom)
        counter.addStretch(1)
        side = QVBoxLayout()
        side.addLayout(counter)
        side.addWidget(self.hold)
        side.addWidget(self.gauge_state)
        side.addWidget(self.cue)
        side.addStretch(1)
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.camera, 0, 0)
        grid.addLayout(side, 0, 1)
        grid.addWidget(self.gauge, 1, 0, 1, 2)
        grid.setColumnStretch(0, 1)  # the side as wide as the camera: a long cue in two
        grid.setColumnStretch(1, 1)  # lines, not three
        grid.setRowStretch(0, 1)
        return body

    def set_look(self, look: PatientLook) -> None:
        """Apply a palette and text size (the patient's own display setting)."""
        self.look = look
        self._apply_look()

    def fit_to(self, size: QSize) -> None:
        """Size everything for a window of ``size`` (the screen it fills)."""
        fit = round(min(size.width() / PATIENT_SCREEN_PX[0],
                        size.height() / PATIENT_SCREEN_PX[1]), 2)
        fit = min(max(fit, 0.5), 2.0)
        if abs(fit - self._fit) >= 0.01:
            self._fit = fit
            self._apply_look()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        self.fit_to(event.size())
        super().resizeEvent(event)
        self._fit_title()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's)
        if watched is self.title and event.type() == QEvent.Type.Resize:
            self._fit_title()
        return super().eventFilter(watched, event)

    def _fit_title(self) -> None:
        """The exercise's name on one line: smaller (down to the instructions' size) when
        it is too long, elided only past that. Two lines pushed the window off the screen."""
        look, text = self.sized_look, self._title_text
        width = self.title.width() - 8
        font = QFont(self.title.font())
        size = look.px(PatientPx.TITLE)
        while size > look.px(PatientPx.INSTRUCTION):
            font.setPixelSize(size)
            if QFontMetrics(font).horizontalAdvance(text) <= width:
                break
            size -= 2
        font.setPixelSize(size)
        fit_text_px(self.title, size)
        self.title.setText(QFontMetrics(font).elidedText(
            text, Qt.TextElideMode.ElideRight, max(width, 1)))

    def _apply_look(self) -> None:
        look = self.sized_look = self.look.fitted(self._fit)
        self.demo_figure.look = look
        self.gauge.set_look(look)
        for scale in (self.pain_before_scale, self.pain_after_scale):
            scale.set_look(look)
        self.layout().setSpacing(look.big(PatientPx.SPACING))
        margin = look.big(PatientPx.SPACING)
        self.layout().setContentsMargins(margin, margin, margin, margin)
        apply_patient_style(self, look)
        self._fit_title()
        self._mark()

    # -- updates ------------------------------------------------------------------------

    def _mark(self) -> None:
        self._dirty = True

    def _tick(self) -> None:
        self.model.tick()
        phase = self.model.phase
        animated = phase in (PatientPhase.DEMONSTRATION, PatientPhase.COUNTDOWN,
                             PatientPhase.REST, PatientPhase.EXERCISE)
        if self._dirty or animated:
            self._dirty = False
            self.refresh()

    def refresh(self) -> None:
        """Show the model's phase and what it holds."""
        m, t = self.model, self.tr_
        self.pages.setCurrentWidget(self.page[m.phase])
        self.stop_button.setText(t("patient.stop"))
        self.mute_button.setText(t("patient.unmute") if m.voice.muted else t("patient.mute"))
        guide = m.guide
        lang = t.language
        title = guide.name.get(lang) if guide else t("patient.title")
        if title != self._title_text:
            self._title_text = title
            self._fit_title()
        if m.progress is not None and guide is not None:
            self.set_label.setText(t("patient.set_label", set=m.set_index + 1,
                                     sets=guide.sets))
        {PatientPhase.WAITING: self._show_waiting,
         PatientPhase.PAIN_BEFORE: self._show_pain_before,
         PatientPhase.FRAMING: self._show_framing,
         PatientPhase.DEMONSTRATION: self._show_demo,
         PatientPhase.COUNTDOWN: self._show_countdown,
         PatientPhase.EXERCISE: self._show_exercise,
         PatientPhase.REST: self._show_rest,
         PatientPhase.PAUSED: self._show_paused,
         PatientPhase.SUMMARY: self._show_summary}[m.phase]()

    def _show_waiting(self) -> None:
        self.waiting.setText(self.tr_("patient.waiting"))

    def _show_pain_before(self) -> None:
        t = self.tr_
        self.pain_before_question.setText(t("patient.pain_before"))
        self.pain_ends[0].setText(t("patient.pain_none"))
        self.pain_ends[1].setText(t("patient.pain_worst"))
        self.pain_ends[0].setAlignment(Qt.AlignmentFlag.AlignLeft)
        self.pain_ends[1].setAlignment(Qt.AlignmentFlag.AlignRight)
        self.skip_pain.setText(t("patient.skip"))

    def _camera_image(self, label: QLabel, outline: bool) -> None:
        frame = self.model.frame
        if frame is None or frame.image_bgr is None:
            label.setPixmap(QPixmap())
            return
        image = _mirrored(render_frame(frame, label.size(), grow=True))
        if outline:
            self._draw_outline(image)
        label.setPixmap(QPixmap.fromImage(image))

    def _draw_outline(self, image: QImage) -> None:
        """Where to be: a calm, thick, dashed frame in the middle of the picture."""
        p = QPainter(image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        ok = self.model.hint == "framing.ok"
        colour = self.look.qcolor(PatientRole.GOOD if ok else PatientRole.GUIDE)
        pen = QPen(colour, max(4.0, image.width() / 120))
        pen.setStyle(Qt.PenStyle.SolidLine if ok else Qt.PenStyle.DashLine)
        p.setPen(pen)
        w, h = image.width(), image.height()
        p.drawRoundedRect(QRectF(w * 0.25, h * 0.04, w * 0.5, h * 0.92), 40, 40)
        p.drawEllipse(QPointF(w * 0.5, h * 0.14), w * 0.05, w * 0.05)
        p.end()

    def _show_framing(self) -> None:
        self.framing_hint.setText(self.tr_(self.model.hint))
        self._camera_image(self.framing_camera, outline=True)

    def _show_demo(self) -> None:
        m, t = self.model, self.tr_
        guide = m.guide
        if guide is None:
            return
        self.demo_heading.setText(t("patient.demo_title"))
        self.demo_instruction.setText(guide.instruction.get(t.language))
        tempo = guide.tempo
        self.demo_tempo.setText(  # "hold 0 s" is no instruction
            t("patient.demo_tempo", up=tempo.up_s, hold=tempo.hold_s, down=tempo.down_s)
            if tempo.hold_s > 0 else
            t("patient.demo_tempo_no_hold", up=tempo.up_s, down=tempo.down_s))
        self.demo_figure.show_angle(guide, guide.demo_angle_deg(m.demo_t_s))

    def _show_countdown(self) -> None:
        self.countdown_heading.setText(self.tr_("patient.countdown_title"))
        self.countdown_number.setText(str(self.model.countdown))

    def _show_rep(self, _rep: RepScored) -> None:
        self._show_counter()
        self.cue.setText(self.model.cue)
        self.cue.setVisible(bool(self.model.cue))

    def _show_counter(self) -> None:
        m, t = self.model, self.tr_
        target = m.guide.reps if m.guide else 0
        self.rep_counter.setText(t("live.rep_count", done=m.reps_done, target=target))
        self.rep_caption.setText(t("patient.reps_label"))

    def _show_exercise(self) -> None:
        m, t = self.model, self.tr_
        self._show_counter()
        self.cue.setText(m.cue)
        self.cue.setVisible(bool(m.cue))
        self._camera_image(self.camera, outline=False)
        guide = m.guide
        if guide is None:
            return
        rising = guide.direction is Direction.INCREASE
        now = m.angle_deg
        over = now is not None and (now > guide.safe_max_deg if rising
                                    else now < guide.safe_min_deg)
        self.gauge.set_values(guide.target_deg, guide.safe_limit_deg, rising, now, (
            t("patient.gauge.target", deg=guide.target_deg),
            t("patient.gauge.limit", deg=guide.safe_limit_deg),
            t("patient.gauge.now", deg=now) if now is not None else
            t("patient.gauge.unknown")))
        state = ("patient.gauge.over" if over else "patient.gauge.reached"
                 if m.in_target_zone else "patient.gauge.below")
        self.gauge_state.setText(t(state) if now is not None else "")
        tone = PatientRole.WARN if over else PatientRole.GOOD if m.in_target_zone \
            else PatientRole.TEXT
        if self.gauge_state.property("patientTone") != tone.value:
            patient_text(self.gauge_state, tone=tone)
        held = m.hold_s
        self.hold.setVisible(guide.holds and held is not None)
        if held is not None:
            self.hold.setText(t("patient.hold", s=min(held, guide.tempo.hold_s),
                                hold=guide.tempo.hold_s))

    def _show_rest(self) -> None:
        m, t = self.model, self.tr_
        self.rest_heading.setText(t("patient.rest_title"))
        self.rest_number.setText(t("patient.rest_left", s=round(m.rest_left_s)))
        p = m.progress
        next_name = p.position.exercise_name if p is not None else ""
        self.rest_next.setText(t("patient.next", name=next_name) if next_name else "")
        self.skip_rest.setText(t("patient.skip_rest"))
        self.more_rest.setText(t("patient.more_rest"))

    def _show_paused(self) -> None:
        m, t = self.model, self.tr_
        by_patient = m.stopped_by_patient or (m.progress is not None
                                              and m.progress.cause is Cause.PATIENT)
        self.paused_text.setText(t("patient.paused_patient") if by_patient
                                 else t("patient.paused_other"))

    def _show_summary(self) -> None:
        m, t = self.model, self.tr_
        s = m.summary
        self.summary_heading.setText(t("patient.summary_title"))
        self.summary_reps.setText(t("patient.summary_reps", done=s.reps_done,
                                    target=s.reps_target))
        self.summary_best.setText(t("patient.summary_best", deg=s.best_rom_deg)
                                  if s.best_rom_deg is not None else "")
        self.summary_sentence.setText(t(s.sentence_key))
        answered = m.pain_after is not None
        self.pain_after_question.setText(t("patient.pain_after"))
        self.pain_after_scale.setVisible(not answered)
        self.pain_after_done.setText(t("patient.pain_recorded", n=m.pain_after)
                                     if answered else "")

    def _toggle_mute(self) -> None:
        self.model.voice.set_muted(not self.model.voice.muted)
        self.refresh()

    # -- closing ------------------------------------------------------------------------

    def close_by_console(self) -> None:
        """Close the window (the console's button); the patient cannot."""
        self._closable = True
        self.timer.stop()
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        if self._closable:
            super().closeEvent(event)
        else:
            event.ignore()
