"""After a session: pain, Borg RPE, notes, with the reps to look back on."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rehab.errors import RehabError
from rehab.store import SessionOutcome
from rehab.ui.console.opinion import opinion_text
from rehab.ui.i18n import Translator
from rehab.ui.models.localtime import local_time
from rehab.ui.models.outcome import AfterSessionModel
from rehab.ui.qt.form import FieldWithError, set_status, show_refusal
from rehab.ui.qt.style import Role, Size, Weight, qcolor, style_text

# One below the scale: the spin box shows "not recorded" there (QSpinBox special value).
_PAIN_UNSET, _RPE_UNSET = -1, 5


class QtAfterSession(QWidget):
    """The outcome form of the latest (or just finished) session, or of an earlier one of
    the patient's chosen from the list above the reps."""

    def __init__(self, model: AfterSessionModel, tr: Translator,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.model, self.tr_ = model, tr
        self.title = QLabel(objectName="title")
        self.session_label = QLabel()  # "no session" when the patient has none
        self.session_choice = QComboBox()  # the patient's sessions, newest first
        self.summary = QLabel()
        style_text(self.summary, size=Size.EMPHASIS, weight=Weight.SEMIBOLD)
        self.reps = QTableWidget(0, 5)
        self.reps.verticalHeader().hide()
        self.reps.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.reps.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.reps.horizontalHeader().setStretchLastSection(True)
        self.reps.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.reps.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.reference_button = QPushButton()
        self.reference_status = QLabel()
        self.reference_status.setWordWrap(True)
        pain_before, pain, rpe = QSpinBox(), QSpinBox(), QSpinBox()
        pain_before.setRange(_PAIN_UNSET, 10)
        pain.setRange(_PAIN_UNSET, 10)
        rpe.setRange(_RPE_UNSET, 20)
        self.pain_before = FieldWithError(pain_before)
        self.pain, self.rpe = FieldWithError(pain), FieldWithError(rpe)
        self.notes = FieldWithError(QPlainTextEdit())
        self.notes.editor.setMinimumHeight(120)
        self.labels = {k: QLabel() for k in ("pain_before", "pain_after", "borg_rpe",
                                          "notes")}
        self.form_box = QGroupBox()
        self.save_button = QPushButton(objectName="primary")
        self.status = QLabel()
        form = QFormLayout(self.form_box)
        form.addRow(self.labels["pain_before"], self.pain_before)
        form.addRow(self.labels["pain_after"], self.pain)
        form.addRow(self.labels["borg_rpe"], self.rpe)
        form.addRow(self.labels["notes"], self.notes)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.save_button)
        form.addRow(row)
        left = QVBoxLayout()
        for w in (self.title, self.session_label, self.session_choice, self.summary):
            left.addWidget(w)
        left.addWidget(self.reps, 1)
        reference_row = QHBoxLayout()
        reference_row.addWidget(self.reference_status, 1)
        reference_row.addWidget(self.reference_button)
        left.addLayout(reference_row)
        right = QVBoxLayout()
        right.addWidget(self.form_box)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)
        self.save_button.clicked.connect(self.save)
        self.reference_button.clicked.connect(self.set_reference)
        self.session_choice.activated.connect(model.choose)  # the user's choice only
        model.changed.connect(self.refresh)
        tr.changed.connect(lambda _lang: self.retranslate())
        self.retranslate()

    def retranslate(self) -> None:
        t = self.tr_
        self.title.setText(t("after.title"))
        self.labels["pain_before"].setText(t("after.pain_before"))
        self.labels["pain_after"].setText(t("after.pain"))
        self.labels["borg_rpe"].setText(t("after.rpe"))
        self.labels["notes"].setText(t("after.notes"))
        self.pain.editor.setSpecialValueText(t("after.not_recorded"))
        self.pain_before.editor.setSpecialValueText(t("after.not_recorded"))
        self.rpe.editor.setSpecialValueText(t("after.not_recorded"))
        self.form_box.setTitle(t("after.title"))
        self.save_button.setText(t("common.save"))
        self.reference_button.setText(t("after.reference"))
        self.reference_button.setToolTip(t("after.reference_hint"))
        self.session_choice.setToolTip(t("after.choose_session"))
        self.reps.setHorizontalHeaderLabels([t(k) for k in (
            "live.col.set", "live.col.rep", "live.col.rom", "live.col.score",
            "live.col.deductions")])
        self.refresh()

    def refresh(self) -> None:
        t, s = self.tr_, self.model.session
        self.form_box.setEnabled(s is not None)
        self.reference_button.setEnabled(s is not None and bool(self.model.reps))
        self.reference_status.setText("")
        for field in (self.pain_before, self.pain, self.rpe, self.notes):
            field.set_error(None)
        self.session_label.setHidden(s is not None)
        self.session_choice.setHidden(s is None)
        if s is None:
            self.session_label.setText(t("after.no_session"))
            self.session_choice.clear()
            self.summary.setText("")
            self.reps.setRowCount(0)
            return
        self.session_choice.clear()
        self.session_choice.addItems([t("after.session", id=x.id, started=local_time(
            x.started_at), status=t(f"status.{x.status}")) for x in self.model.sessions])
        self.session_choice.setCurrentIndex([x.id for x in self.model.sessions].index(s.id))
        self.summary.setText(self._summary_text())
        self.pain_before.editor.setValue(_PAIN_UNSET if s.pain_before is None
                                         else s.pain_before)
        self.pain.editor.setValue(_PAIN_UNSET if s.pain_after is None else s.pain_after)
        self.rpe.editor.setValue(_RPE_UNSET if s.borg_rpe is None else s.borg_rpe)
        self.notes.editor.setPlainText(s.notes or "")
        self._fill_reps()

    def _summary_text(self) -> str:
        t, summary = self.tr_, self.model.summary
        if summary.reps == 0:
            return t("after.no_reps")
        if summary.mean_score is None:
            return t("after.all_uncertain", n=summary.reps)
        text = t("after.summary", n=summary.reps, score=summary.mean_score,
                 rom=summary.max_rom_deg)
        if summary.uncertain:
            text += "\n" + t("after.summary_uncertain", n=summary.reps, u=summary.uncertain)
        return text

    def _fill_reps(self) -> None:
        set_ids = sorted({r.set_id for r in self.model.reps})
        # A set whose reps were done by different limbs (an alternating exercise) names
        # the limb beside each rep's number; a one-sided set's reps all share its side.
        alternating = {sid for sid in set_ids
                       if len({r.side for r in self.model.reps if r.set_id == sid}) > 1}
        self.reps.setRowCount(len(self.model.reps))
        for row, rep in enumerate(self.model.reps):
            number = str(rep.rep_index + 1)
            if rep.set_id in alternating and rep.side is not None:
                number += " " + self.tr_(f"side.{rep.side}")
            deductions = "; ".join(f"−{d.points:g} {d.message}" for d in rep.deductions)
            # An uncertain rep's ROM and score are approximate: "≈", grey, and said why.
            approx = "≈" if rep.uncertain else ""
            if rep.uncertain:
                deductions = self.tr_("live.uncertain") + ("; " + deductions if deductions
                                                           else "")
            flagged = False
            if rep.model_probability is not None:  # as the live page showed it
                opinion, flagged = opinion_text(self.tr_, rep.model_probability,
                                                rep.form_score, rep.model_reference)
                deductions = f"{deductions or '✓'} · {opinion}"
            values = (str(set_ids.index(rep.set_id) + 1), number,
                      f"{approx}{rep.rom_deg:.0f}", f"{approx}{rep.form_score:.0f}",
                      deductions or "✓")
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if rep.uncertain:
                    item.setForeground(qcolor(Role.TEXT_INACTIVE))
                elif flagged and col == 4:
                    item.setForeground(qcolor(Role.ALERT_WARNING))
                if col < 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.reps.setItem(row, col, item)

    def set_reference(self) -> None:
        """The selected reps become the patient's reference for their exercise."""
        rows = sorted({index.row() for index in self.reps.selectedIndexes()})
        try:
            ref = self.model.set_reference([self.model.reps[r].id for r in rows])
        except RehabError as exc:
            show_refusal(exc, {}, self.reference_status, self.tr_)
        else:
            set_status(self.reference_status, self.tr_(
                "after.reference_saved", n=len(ref.rep_ids),
                exercise=self.model.exercise_name(ref.exercise_id, self.tr_.language)))

    def outcome(self) -> SessionOutcome:
        pain, rpe = self.pain.editor.value(), self.rpe.editor.value()
        before = self.pain_before.editor.value()
        return SessionOutcome(pain_before=None if before == _PAIN_UNSET else before,
                              pain_after=None if pain == _PAIN_UNSET else pain,
                              borg_rpe=None if rpe == _RPE_UNSET else rpe,
                              notes=self.notes.editor.toPlainText().strip())

    def save(self) -> None:
        fields = {"pain_before": self.pain_before, "pain_after": self.pain,
                  "borg_rpe": self.rpe, "notes": self.notes}
        for field in fields.values():
            field.set_error(None)
        try:
            self.model.save(self.outcome())
        except RehabError as exc:
            show_refusal(exc, fields, self.status, self.tr_)
        else:
            set_status(self.status, self.tr_("after.saved"))
