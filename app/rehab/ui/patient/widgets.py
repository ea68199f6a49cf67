"""The patient screen's painted parts: the target-zone gauge, the demonstration, the faces.

Nothing blinks or flashes: everything changes only when the patient's movement or the
session changes it. State is never shown by colour alone: the gauge has a band, a marker
line and words; the faces have numbers.
"""

from __future__ import annotations

from PyQt6.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen
from PyQt6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy, QWidget

from rehab.ui.models.guide import DEMO_BONES, DEMO_POINTS, ExerciseGuide, demo_skeleton
from rehab.ui.patient.look import CALM, LABEL_PX, Look

GAUGE_MIN_DEG, GAUGE_MAX_DEG = 0.0, 180.0


class QtTargetGauge(QWidget):
    """A horizontal 0-180° bar: the target band, the safe limit (hatched), the patient now."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.look = CALM
        self.target_deg: float | None = None
        self.target_tol_deg = 10.0
        self.limit_deg: float | None = None
        self.limit_above = True
        self.now_deg: float | None = None
        self.labels: tuple[str, str, str] = ("", "", "")  # target, limit, now
        self.setMinimumHeight(240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_values(self, target_deg: float | None, limit_deg: float | None, limit_above: bool,
                   now_deg: float | None, labels: tuple[str, str, str]) -> None:
        self.target_deg, self.limit_deg, self.limit_above = target_deg, limit_deg, limit_above
        self.now_deg, self.labels = now_deg, labels
        self.update()

    def _x(self, deg: float, bar: QRectF) -> float:
        f = (min(max(deg, GAUGE_MIN_DEG), GAUGE_MAX_DEG) - GAUGE_MIN_DEG) / (
            GAUGE_MAX_DEG - GAUGE_MIN_DEG)
        return bar.left() + f * bar.width()

    def paintEvent(self, _event: object) -> None:  # noqa: N802 (Qt's name)
        look, p = self.look, QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        font.setPixelSize(look.px(LABEL_PX))
        p.setFont(font)
        h = self.height()
        bar = QRectF(20, h * 0.45, self.width() - 40, h * 0.25)
        p.setPen(QPen(QColor(look.text), 3))
        p.setBrush(QColor(look.panel))
        p.drawRoundedRect(bar, 12, 12)
        if self.limit_deg is not None:  # the unsafe side, hatched
            x = self._x(self.limit_deg, bar)
            zone = QRectF(x, bar.top(), bar.right() - x, bar.height()) if self.limit_above \
                else QRectF(bar.left(), bar.top(), x - bar.left(), bar.height())
            p.setBrush(QBrush(QColor(look.warn), Qt.BrushStyle.BDiagPattern))
            p.drawRect(zone)
            p.setPen(QPen(QColor(look.warn), 8))
            p.drawLine(QPointF(x, bar.top() - 14), QPointF(x, bar.bottom() + 14))
        if self.target_deg is not None:  # the target band with a thick centre line
            lo = self._x(self.target_deg - self.target_tol_deg, bar)
            hi = self._x(self.target_deg + self.target_tol_deg, bar)
            p.setPen(QPen(QColor(look.good), 4))
            p.setBrush(QColor(look.good).lighter(170) if look is CALM else QColor(look.panel))
            p.drawRect(QRectF(lo, bar.top(), hi - lo, bar.height()))
            x = self._x(self.target_deg, bar)
            p.drawLine(QPointF(x, bar.top()), QPointF(x, bar.bottom()))
        if self.now_deg is not None:  # the patient now: a big triangle pointing down
            x = self._x(self.now_deg, bar)
            tri = QPainterPath()
            tri.moveTo(x - 26, bar.top() - 40)
            tri.lineTo(x + 26, bar.top() - 40)
            tri.lineTo(x, bar.top() + 6)
            tri.closeSubpath()
            p.setPen(QPen(QColor(look.background), 3))
            p.setBrush(QColor(look.accent))
            p.drawPath(tri)
            p.setPen(QPen(QColor(look.accent), 6))
            p.drawLine(QPointF(x, bar.top()), QPointF(x, bar.bottom()))
        target, limit, now = self.labels
        p.setPen(QColor(look.text))
        below = QRectF(bar.left(), bar.bottom() + 8, bar.width(), h - bar.bottom() - 8)
        p.drawText(below, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, target)
        p.drawText(below, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, limit)
        above = QRectF(bar.left(), 0, bar.width(), bar.top() - 42)
        p.drawText(above, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, now)
        p.end()


class QtDemoFigure(QWidget):
    """The demonstration: a stick figure doing the exercise at the angle it is given."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.look = CALM
        self.guide: ExerciseGuide | None = None
        self.angle_deg = 0.0
        self.setMinimumSize(360, 420)
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
        pen = QPen(QColor(self.look.accent), max(6.0, side / 40),
                   cap=Qt.PenCapStyle.RoundCap)
        p.setPen(pen)

        def at(i: int) -> QPointF:
            return QPointF(ox + pts[i][0] * side, oy + pts[i][1] * side)

        for a, b in DEMO_BONES:
            p.drawLine(at(a), at(b))
        p.setBrush(QColor(self.look.accent))
        head = at(0)
        p.drawEllipse(head, side * 0.055, side * 0.055)
        p.setBrush(QColor(self.look.background))
        for i in DEMO_POINTS:
            if i:
                p.drawEllipse(at(i), side / 70, side / 70)
        p.end()


class QtPainFace(QPushButton):
    """One answer of the 0-10 pain scale: a face and its number, a large target."""

    def __init__(self, value: int, parent: QWidget | None = None) -> None:
        super().__init__(str(value), parent)
        self.value = value
        self.look = CALM
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def paintEvent(self, event: object) -> None:  # noqa: N802 (Qt's name)
        super().paintEvent(event)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = min(self.width(), self.height() * 0.55) * 0.38
        c = QPointF(self.width() / 2, self.height() * 0.32)
        p.setPen(QPen(QColor(self.look.button_text), 4))
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
        layout.setSpacing(10)
        self.faces = [QtPainFace(v) for v in range(11)]
        for face in self.faces:
            face.setObjectName("pain")
            face.clicked.connect(lambda _=False, v=face.value: self.answered.emit(v))
            layout.addWidget(face)
        self.setMinimumHeight(230)

    def set_look(self, look: Look) -> None:
        for face in self.faces:
            face.look = look
            face.setMinimumSize(look.px(120), look.px(200))
