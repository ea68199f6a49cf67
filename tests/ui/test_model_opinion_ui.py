"""The live rep list shows the learned model's opinion beside the deductions, and flags a
rep where the model and the rule score disagree strongly."""

from __future__ import annotations

from rehab.session.events import RepScored
from rehab.store import Deduction
from rehab.ui.console.live import QtLiveSession
from rehab.ui.i18n import Language, Translator
from rehab.ui.models.live import LiveSessionModel
from rehab.ui.qt.style import Role, qcolor
from tests.ui.test_models import FakeControl


def test_live_rep_list_shows_the_model_and_flags_disagreement(qtbot) -> None:
    model = LiveSessionModel()
    model.attach(FakeControl())
    view = QtLiveSession(model, Translator(Language.EN))
    qtbot.addWidget(view)
    model.ingest(RepScored(1.0, 0, 0, 0, 150.0, 92.0, (), (), "Good", model_probability=0.93))
    model.ingest(RepScored(2.0, 0, 0, 1, 148.0, 95.0, (), (), "Good", model_probability=0.12))
    model.ingest(RepScored(3.0, 0, 0, 2, 90.0, 60.0,
                           (Deduction("rom_low", 40, "ROM 90°"),), ("rom_low",), "Higher"))
    table = view.reps_table
    assert table.item(0, 4).text() == "✓ · model: likely correct, 0.93"
    assert table.item(1, 4).text() == ("✓ · model: likely incorrect, 0.12 "
                                       "⚑ model and rule score disagree — therapist to check")
    warning = qcolor(Role.ALERT_WARNING).getRgb()
    assert table.item(1, 4).foreground().color().getRgb() == warning
    assert table.item(0, 4).foreground().color().getRgb() != warning
    assert table.item(2, 4).text() == "−40 ROM 90°"  # no model head: nothing added


def test_a_rep_the_model_declines_reads_no_opinion_and_is_not_flagged(qtbot) -> None:
    """A rep unlike the model's training reps (rehab.quality.ood): "no opinion", in both
    languages, never the disagreement flag."""
    warning = qcolor(Role.ALERT_WARNING).getRgb()
    for language, text in ((Language.EN, "✓ · model: no opinion (unlike its training reps)"),
                           (Language.KO, "✓ · 모델: 의견 없음 (학습한 반복 동작과 다름)")):
        model = LiveSessionModel()
        model.attach(FakeControl())
        view = QtLiveSession(model, Translator(language))
        qtbot.addWidget(view)
        model.ingest(RepScored(1.0, 0, 0, 0, 150.0, 85.0, (), (), "Good",
                               model_declined=True))
        model.ingest(RepScored(2.0, 0, 0, 1, 150.0, 85.0, (), (), "Good", partial=True,
                               model_declined=True))
        assert view.reps_table.item(0, 4).text() == text
        assert view.reps_table.item(0, 4).foreground().color().getRgb() != warning
        assert "model" not in view.reps_table.item(1, 4).text()
        assert "모델" not in view.reps_table.item(1, 4).text()


def test_a_rep_compared_with_the_patients_reference_says_so(qtbot) -> None:
    for language, text in ((Language.EN, "✓ · model vs own reference: likely correct, 0.91"),
                           (Language.KO, "✓ · 모델(본인 기준 동작 대비): "
                                         "올바른 동작일 가능성 높음, 0.91")):
        model = LiveSessionModel()
        model.attach(FakeControl())
        view = QtLiveSession(model, Translator(language))
        qtbot.addWidget(view)
        model.ingest(RepScored(1.0, 0, 0, 0, 150.0, 90.0, (), (), "Good",
                               model_probability=0.91, model_reference=True))
        assert view.reps_table.item(0, 4).text() == text
