"""The patient screen's painted parts: the target-zone gauge, the demonstration, the faces.

Nothing blinks or flashes: everything changes only when the patient's movement or the
session changes it. State is never shown by colour alone: the gauge has a band, a marker
line and words; the faces have numbers.
"""

from __future__ import annotations

from PyQt6.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QBrush, QFont, QFontMetrics, QPainter, QPainterPath, QPen
from PyQt6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy, QWidget

from rehab.ui.models.guide import DEMO_BONES, DEMO_POINTS, ExerciseGuide, demo_skeleton
from rehab.ui.qt.style import PATIENT_CALM, PatientLook, PatientPx
from rehab.ui.qt.style import PatientRole as R

GAUGE_MIN_DEG, GAUGE_MAX_DEG = 0.0, 180.0


class QtTargetGauge(QWidget):
    """A horizontal 0-180° bar: the target band, the safe limit (hatched), the patient now.

    The words sit where their marks are: the patient's angle above the marker, the target
    under the target band, the safe limit under its line (pushed apart if they would
    touch, and kept inside the widget).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.look = PATIENT_CALM
        self.target_deg: float | None = None
        self.target_tol_deg = 10.0
        self.limit_deg: float | None = None
        self.limit_above = True
        self.now_deg: float | None = None
        self.labels: tuple[str, str, str] = ("", "", "")  # target, limit, now
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.set_look(PATIENT_CALM)

    def set_look(self, look: PatientLook) -> None:
        self.look = look
        self.setFixedHeight(self._line() * 2 + self._marker() + self._bar_h() + 16)
        self.update()

    def set_values(self, target_deg: float | None, limit_deg: float | None, limit_above: bool,
                   now_deg: float | None, labels: tuple[str, str, str]) -> None:
        self.target_deg, self.limit_deg, self.limit_above = target_deg, limit_deg, limit_above
        self.now_deg, self.labels = now_deg, labels
        self.update()

    def _font(self) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(self.look.px(PatientPx.LABEL))
        return font

    def _line(self) -> int:
        return QFontMetrics(self._font()).height()

    def _marker(self) -> int:
        return self.look.big(34)

    def _bar_h(self) -> int:
        return self.look.big(48)

    def bar(self) -> QRectF:
        """Where the 0-180° bar is drawn."""
        margin = self.look.big(20)
        top = self._line() + self._marker() + 4
        return QRectF(margin, top, self.width() - 2 * margin, self._bar_h())

    def x_of(self, deg: float) -> float:
        bar = self.bar()
        f = (min(max(deg, GAUGE_MIN_DEG), GAUGE_MAX_DEG) - GAUGE_MIN_DEG) / (
            GAUGE_MAX_DEG - GAUGE_MIN_DEG)
        return bar.left() + f * bar.width()

    def label_rects(self) -> dict[str, QRectF]:
        """Where each label is written: ``target``, ``limit`` and ``now`` (the tests read it)."""
        metrics, bar = QFontMetrics(self._font()), self.bar()
        target, limit, now = self.labels
        line, gap = self._line(), self.look.px(PatientPx.LABEL) * 0.6

        def centred(text: str, x: float, top: float) -> QRectF:
            w = metrics.horizontalAdvance(text) + 4
            left = min(max(x - w / 2, 0.0), self.width() - w)
            return QRectF(left, top, w, line)

        below = bar.bottom() + 8
        rects = {}
        if self.target_deg is not None and target:
            rects["target"] = centred(target, self.x_of(self.target_deg), below)
        if self.limit_deg is not None and limit:
            rects["limit"] = centred(limit, self.x_of(self.limit_deg), below)
        if "target" in rects and "limit" in rects:
            first, second = sorted((rects["target"], rects["limit"]), key=QRectF.left)
            overlap = first.right() + gap - second.left()
            if overlap > 0:  # push both apart, each by half, then back inside
                first.translate(-overlap / 2, 0)
                second.translate(overlap / 2, 0)
                if first.left() < 0:
                    second.translate(-first.left(), 0)
                    first.translate(-first.left(), 0)
                if second.right() > self.width():
                    shift = second.right() - self.width()
                    first.translate(-shift, 0)
                    second.translate(-shift, 0)
        if now:
            x = self.x_of(self.now_deg) if self.now_deg is not None else bar.center().x()
            rects["now"] = centred(now, x, 0.0)
        return rects

    def paintEvent(self, _event: object) -> None:  # noqa: N802 (Qt's name)
        look, p = self.look, QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setFont(self._font())
        bar = self.bar()
        p.setPen(QPen(look.qcolor(R.TEXT), 3))
        p.setBrush(look.qcolor(R.PANEL))
        p.drawRoundedRect(bar, 12, 12)
        if self.limit_deg is not None:  # the unsafe side, hatched
            x = self.x_of(self.limit_deg)
            zone = QRectF(x, bar.top(), bar.right() - x, bar.height()) if self.limit_above \
                else QRectF(bar.left(), bar.top(), x - bar.left(), bar.height())
            p.setBrush(QBrush(look.qcolor(R.WARN), Qt.BrushStyle.BDiagPattern))
            p.drawRect(zone)
            p.setPen(QPen(look.qcolor(R.WARN), 8))
            p.drawLine(QPointF(x, bar.top() - 6), QPointF(x, bar.bottom() + 6))
        if self.target_deg is not None:  # the target band with a thick centre line
            lo = self.x_of(self.target_deg - self.target_tol_deg)
            hi = self.x_of(self.target_deg + self.target_tol_deg)
            p.setPen(QPen(look.qcolor(R.GOOD), 4))
            p.setBrush(look.qcolor(R.TARGET_BAND))
            p.drawRect(QRectF(lo, bar.top(), hi - lo, bar.height()))
            x = self.x_of(self.target_deg)
            p.drawLine(QPointF(x, bar.top()), QPointF(x, bar.bottom()))
        if self.now_deg is not None:  # the patient now: a big triangle pointing down
            x, size = self.x_of(self.now_deg), self._marker()
            tri = QPainterPath()
            tri.moveTo(x - size * 0.65, bar.top() - size)
            tri.lineTo(x + size * 0.65, bar.top() - size)
            tri.lineTo(x, bar.top() + 6)
            tri.closeSubpath()
            p.setPen(QPen(look.qcolor(R.BACKGROUND), 3))
            p.setBrush(look.qcolor(R.ACCENT))
            p.drawPath(tri)
            p.setPen(QPen(look.qcolor(R.ACCENT), 6))
            p.drawLine(QPointF(x, bar.top()), QPointF(x, bar.bottom()))
        p.setPen(look.qcolor(R.TEXT))
        texts = dict(zip(("target", "limit", "now"), self.labels, strict=True))
        for key, rect in self.label_rects().items():
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, texts[key])
        p.end()


class QtDemoFigure(QWidget):
    """The demonstration: a stick figure doing the exercise at the angle it is given."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.look = PATIENT_CALM
        self.guide: ExerciseGuide | None = None
        self.angle_deg = 0.0
        self.setMinimumSize(240, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def show_angle(self, guide: ExerciseGuide | None, angle_deg: float) -> None:
        self.guide, self.angle_deg = guide, angle_deg
        self.update()

    def paintEvent(self, _event: object) -> None:  # noqa: N802 (Qt's name)
        if self.guide is None:
            return
        pts = demo_skeleton(self.guide, self.angle_deg)
        side = min(self.width(), self.height()) * 0.9
        ox, oy = self.width() / 2, (self.height() - side) / 2
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(self.look.qcolor(R.ACCENT), max(6.0, side / 40),
                   cap=Qt.PenCapStyle.RoundCap)
        p.setPen(pen)

        def at(i: int) -> QPointF:
            return QPointF(ox + pts[i][0] * side, oy + pts[i][1] * side)

        for a, b in DEMO_BONES:
            p.drawLine(at(a), at(b))
        p.setBrush(self.look.qcolor(R.ACCENT))
        head = at(0)
        p.drawEllipse(head, side * 0.055, side * 0.055)
        p.setBrush(self.look.qcolor(R.BACKGROUND))
        for i in DEMO_POINTS:
            if i:
                p.drawEllipse(at(i), side / 70, side / 70)
        p.end()


class QtPainFace(QPushButton):
    """One answer of the 0-10 pain scale: a face and its number, a large target."""

    def __init__(self, value: int, parent: QWidget | None = None) -> None:
        super().__init__(str(value), parent)
        self.value = value
        self.look = PATIENT_CALM
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def paintEvent(self, event: object) -> None:  # noqa: N802 (Qt's name)
        super().paintEvent(event)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = min(self.width(), self.height() * 0.55) * 0.38
        c = QPointF(self.width() / 2, self.height() * 0.32)
        p.setPen(QPen(self.look.qcolor(R.BUTTON_TEXT), 4))
        p.drawEllipse(c, r, r)
        p.drawEllipse(QPointF(c.x() - r * 0.35, c.y() - r * 0.25), r * 0.08, r * 0.08)
        p.drawEllipse(QPointF(c.x() + r * 0.35, c.y() - r * 0.25), r * 0.08, r * 0.08)
        smile = 1.0 - self.value / 5.0  # +1 a smile, 0 flat, -1 a frown
        mouth = QPainterPath()
        mouth.moveTo(c.x() - r * 0.45, c.y() + r * 0.35)
        mouth.quadTo(QPointF(c.x(), c.y() + r * 0.35 + r * 0.35 * smile),
                     QPointF(c.x() + r * 0.45, c.y() + r * 0.35))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(mouth)
        if self.value >= 8:  # tears as well as the frown: not only the mouth's curve
            p.drawLine(QPointF(c.x() - r * 0.35, c.y() - r * 0.05),
                       QPointF(c.x() - r * 0.35, c.y() + r * 0.3))
        p.end()


class QtPainScale(QWidget):
    """0-10 faces with numbers; emits :attr:`answered` with the value."""

    answered = pyqtSignal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(PatientPx.FACE_SPACING)
        self.faces = [QtPainFace(v) for v in range(11)]
        for face in self.faces:
            face.setObjectName("pain")
            face.clicked.connect(lambda _=False, v=face.value: self.answered.emit(v))
            layout.addWidget(face)

    def set_look(self, look: PatientLook) -> None:
        for face in self.faces:
            face.look = look
            face.setMinimumSize(look.px(PatientPx.PAIN_FACE_W),
                                look.px(PatientPx.PAIN_FACE_H))
