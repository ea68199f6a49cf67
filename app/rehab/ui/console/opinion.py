"""The learned model's opinion of a rep as the console's rep tables write it."""

from __future__ import annotations

from rehab.quality.opinion import Verdict, disagrees, verdict
from rehab.ui.i18n import Translator

_VERDICT_KEY = {Verdict.LIKELY_CORRECT: "live.model.likely_correct",
                Verdict.UNSURE: "live.model.unsure",
                Verdict.LIKELY_INCORRECT: "live.model.likely_incorrect"}


def opinion_text(t: Translator, probability: float, form_score: float,
                 reference: bool | None) -> tuple[str, bool]:
    """"model: likely correct, 0.93" (or "model vs own reference: ..."), and whether the
    model and the rule score disagree strongly (then the text says so and the row is
    flagged for the therapist)."""
    key = "live.model.vs_reference" if reference else "live.model"
    text = t(key, verdict=t(_VERDICT_KEY[verdict(probability)]), p=f"{probability:.2f}")
    flagged = disagrees(probability, form_score)
    if flagged:
        text += " " + t("live.model.disagrees")
    return text, flagged
