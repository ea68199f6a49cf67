"""The progress report as PDF: Qt's QTextDocument laid out by QPdfWriter.

No new dependency: Qt's PDF engine embeds the fonts it uses (subset, as CID fonts), so
the Korean text is embedded and extracts as text. Charts are drawn with QPainter into
images held by the document. Needs a QGuiApplication; without a display it runs on
Qt's offscreen platform.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import os
import re
import tempfile
from pathlib import Path

from PyQt6.QtCore import QMarginsF, QPointF, QRectF, Qt, QUrl
from PyQt6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPen,
    QPolygonF,
    QTextDocument,
)

from rehab.analytics import ExerciseProgress
from rehab.errors import DataFileError
from rehab.language import DEFAULT_LANGUAGE, Language
from rehab.messages import render as tr
from rehab.report.content import ReportContent, gather_report
from rehab.store import Store

FONT_FAMILY = "Noto Sans CJK KR"
"""Korean and Latin in one family (Debian's fonts-noto-cjk)."""

_CHART_W, _CHART_H = 1000, 300
_STEPS = (0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000)
# Print colours of the charts (the console's theme module is for screens; paper is
# always white, so these are fixed).
_INK, _GRID, _TARGET, _LINE = "#1a202c", "#cbd5e0", "#c05621", "#2b6cb0"


def _app() -> QGuiApplication:
    app = QGuiApplication.instance()
    if app is None:
        if not any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY",
                                               "QT_QPA_PLATFORM")):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        app = QGuiApplication([])
    return app  # type: ignore[return-value]


def _chart(values: list[float | None], *, target: float | None, title: str,
           lo: float = 0.0, hi: float | None = None) -> QImage:
    """A line chart of one measure per session (None: not measured), with its target."""
    image = QImage(_CHART_W, _CHART_H, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont(FONT_FAMILY)
    font.setPixelSize(22)
    painter.setFont(font)
    finite = [v for v in values if v is not None and math.isfinite(v)]
    top = max([*finite, target or 0.0, 1.0]) * 1.1 if hi is None else hi
    step = next(s for s in _STEPS if (top - lo) / s <= 6)  # round axis labels
    top = lo + math.ceil((top - lo) / step) * step
    left, right, y0, y1 = 80, _CHART_W - 20, _CHART_H - 40, 40
    painter.setPen(QPen(QColor(_INK)))
    painter.drawText(QRectF(left, 0, right - left, 36), Qt.AlignmentFlag.AlignLeft, title)

    def y(v: float) -> float:
        return y0 - (v - lo) / (top - lo) * (y0 - y1)

    def x(i: int) -> float:
        return left + (right - left) * (i / max(len(values) - 1, 1))

    for k in range(round((top - lo) / step) + 1):
        v = lo + k * step
        painter.setPen(QPen(QColor(_GRID), 1))
        painter.drawLine(QPointF(left, y(v)), QPointF(right, y(v)))
        painter.setPen(QPen(QColor(_INK)))
        painter.drawText(QRectF(0, y(v) - 14, left - 8, 28), Qt.AlignmentFlag.AlignRight,
                         f"{v:g}")
    if target is not None:
        painter.setPen(QPen(QColor(_TARGET), 3, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(left, y(target)), QPointF(right, y(target)))
    points = [QPointF(x(i), y(v)) for i, v in enumerate(values)
              if v is not None and math.isfinite(v)]
    painter.setPen(QPen(QColor(_LINE), 4))
    if len(points) > 1:
        painter.drawPolyline(QPolygonF(points))
    painter.setBrush(QColor(_LINE))
    for p in points:
        painter.drawEllipse(p, 6, 6)
    painter.end()
    return image


def _e(text: object) -> str:
    return html.escape(str(text))


def _exercise_html(doc: QTextDocument, progress: ExerciseProgress, name: str,
                   language: str, key: str) -> str:
    rows = progress.rows
    target = max(r.target_rom_deg for r in rows)
    charts = [
        ("max_rom_deg", tr("progress.max_rom", language), target, None),
        ("mean_form_score", tr("progress.form_score", language), None, 100.0),
        ("reps_ratio", tr("progress.reps", language), 1.0, None),
        ("mean_assistance", tr("progress.assistance", language), None, 100.0),
    ]
    parts = [f"<h3>{_e(name)}</h3><p>"]
    trends = ", ".join(tr("progress.trend", language, measure=label,
                          trend=tr(f"trend.{progress.trends[m]}", language))
                       for m, label, _, _ in charts)
    parts.append(f"{_e(trends)}</p>")
    for measure, label, tgt, hi in charts:
        url = f"chart://{key}/{measure}"
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(url),
                        _chart(_scaled(progress.series(measure), measure), target=tgt,
                               title=label, hi=hi))
        # 560 of the ~590 units of text width QTextDocument lays out on A4 with 15 mm margins
        parts.append(f'<p><img src="{url}" width="560" height="168"></p>')
    return "".join(parts)


def _scaled(values: list[float | None], measure: str) -> list[float | None]:
    """Assistance (0-1) as percent, as its label says; other measures as they are."""
    if measure != "mean_assistance":
        return values
    return [None if v is None else 100 * v for v in values]


def _table(header: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th align='left'>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in rows)
    return (f"<table border='1' cellspacing='0' cellpadding='4' width='100%'>"
            f"<tr>{head}</tr>{body}</table>")


def report_html(doc: QTextDocument, content: ReportContent, language: str) -> str:
    """The report as the HTML subset QTextDocument lays out (charts added to ``doc``)."""
    p, lang = content.patient, language
    ko = lang == Language.KO
    na = tr("common.none", lang)
    parts = [f"<h1>{_e(tr('report.title', lang))}</h1>",
             f"<p><i>{_e(tr('report.confidential', lang))}</i></p>",
             f"<h2>{_e(p.name)} ({_e(p.code)})</h2>",
             _table([tr("report.birth_year", lang), tr("report.sex", lang),
                     tr("report.affected_side", lang), tr("report.diagnosis", lang)],
                    [[p.birth_year, tr(f"sex.{p.sex}", lang),
                      tr(f"side.{p.affected_side}", lang), p.diagnosis or na]]),
             f"<p>{_e(tr('report.generated', lang, user=content.author.display_name, when=dt.date.today().isoformat()))}</p>"]  # noqa: E501
    if p.notes:
        parts.append(f"<p><b>{_e(tr('report.patient_notes', lang))}:</b> {_e(p.notes)}</p>")
    parts.append(f"<h2>{_e(tr('report.program', lang))}</h2>")
    for program in content.programs:
        parts.append(f"<p><b>{_e(program.name)}</b></p><ul>")
        for item in program.items:
            ko_name, en_name = content.exercise_names.get(item.exercise_id,
                                                         (item.exercise_id,) * 2)
            parts.append("<li>" + _e(f"{ko_name if ko else en_name}: " + tr(
                "report.prescription", lang, sets=item.sets, reps=item.reps,
                rom=item.target_rom_deg, mode=tr(f"mode.{item.robot_mode}", lang),
                assist=item.assistance)) + "</li>")
        parts.append("</ul>")
    sessions = content.sessions
    parts.append(f"<h2>{_e(tr('report.trends', lang))}</h2>")
    if sessions:
        parts.append("<p>" + _e(tr("report.sessions", lang, n=len(sessions),
                                   first=sessions[0].started_at[:10],
                                   last=sessions[-1].started_at[:10])) + "</p>")
    if not content.progress:
        parts.append(f"<p>{_e(tr('progress.no_data', lang))}</p>")
    for k, (exercise_id, progress) in enumerate(content.progress.items()):
        ko_name, en_name = content.exercise_names.get(exercise_id, (exercise_id,) * 2)
        parts.append(_exercise_html(doc, progress, ko_name if ko else en_name, lang, f"e{k}"))
    parts.append(f"<h2>{_e(tr('report.pain', lang))}</h2>")
    parts.append(_table(
        [tr("progress.col.date", lang), tr("report.pain_before", lang),
         tr("report.pain_after", lang), tr("report.rpe", lang)],
        [[s.started_at[:10], _opt(s.pain_before, na), _opt(s.pain_after, na),
          _opt(s.borg_rpe, na)] for s in sessions]))
    parts.append(f"<h2>{_e(tr('report.assessments', lang))}</h2>")
    if content.assessments:
        parts.append(_table(
            [tr("assess.date", lang), tr("assess.instrument", lang), tr("assess.score", lang),
             tr("assess.notes", lang)],
            [[a.assessed_on, tr(f"instrument.{a.instrument}", lang), f"{a.score:g}",
              a.notes or na] for a in content.assessments]))
    else:
        parts.append(f"<p>{_e(tr('assess.none', lang))}</p>")
    parts.append(f"<h2>{_e(tr('report.notes', lang))}</h2>")
    notes = [(s.started_at[:10], s.notes) for s in sessions if s.notes.strip()]
    parts.append(_table([tr("progress.col.date", lang), tr("assess.notes", lang)], notes)
                 if notes else f"<p>{_e(tr('report.no_notes', lang))}</p>")
    return "".join(parts)


def _opt(value: object, na: str) -> object:
    return na if value is None else value


def render_pdf(content: ReportContent, out: Path, *, language: str) -> int:
    """Lay the report out on A4 and write it to ``out`` atomically; return the pages."""
    app = _app()  # held until the end: Qt needs it alive while it lays out and prints
    doc = QTextDocument()
    font = QFont(FONT_FAMILY)
    font.setPointSizeF(10)
    doc.setDefaultFont(font)
    doc.setDefaultStyleSheet("h1 { font-size: 20pt; } h2 { font-size: 14pt; } "
                             "h3 { font-size: 12pt; } th { background-color: #edf2f7; }")
    doc.setHtml(report_html(doc, content, language))
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial",
                                    dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        from PyQt6.QtGui import QPdfWriter

        writer = QPdfWriter(str(tmp))
        writer.setResolution(300)
        writer.setTitle(tr("report.title", language))
        writer.setCreator("rehab")
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                         QPageLayout.Orientation.Portrait,
                                         QMarginsF(15, 15, 15, 15),
                                         QPageLayout.Unit.Millimeter))
        doc.print(writer)
        del writer  # finishes the file
        pages = len(re.findall(rb"/Type\s*/Page[^s]", tmp.read_bytes()))
        if tmp.stat().st_size == 0:
            raise DataFileError(f"Qt wrote an empty PDF for {out}")
        os.replace(tmp, out)
        app.processEvents()
    except OSError as exc:
        raise DataFileError(f"cannot write report {out}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return pages


def write_report(store: Store, code: str, out: Path, *,
                 language: str = DEFAULT_LANGUAGE) -> int:
    """The identified progress report of patient ``code`` as PDF (therapists, audited).

    Returns
    -------
    int
        The number of pages.

    Raises
    ------
    PermissionDeniedError
        The logged-in user is not a therapist or an admin.
    NotFoundError
        No patient has this code.
    """
    content = gather_report(store, code, language=language)
    return render_pdf(content, out, language=language)
