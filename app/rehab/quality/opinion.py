"""How the model's probability reads beside the rule score (plain Python, no torch).

The console shows each rep's probability of correct form beside its deductions and flags
the rep for the therapist when the model and the rules disagree strongly: the rule score
(0-100, read as a fraction) and the probability differ by :data:`DISAGREEMENT` or more,
e.g. a rep the rules give 95 that the model finds likely incorrect (0.2).

The model may also decline (:class:`rehab.session.events.NoOpinion`, a rep unlike its
training reps, :mod:`rehab.quality.ood`); such a rep stores no probability and is never
flagged.
"""

from __future__ import annotations

import enum

__all__ = ["DISAGREEMENT", "Verdict", "disagrees", "verdict"]

DISAGREEMENT = 0.6
_LIKELY = 0.7


class Verdict(enum.StrEnum):
    """The model's opinion in words."""

    LIKELY_CORRECT = "likely correct"
    UNSURE = "unsure"
    LIKELY_INCORRECT = "likely incorrect"


def verdict(probability: float) -> Verdict:
    """Words for a probability of correct form: >= 0.7 likely correct, <= 0.3 likely incorrect.

    Examples
    --------
    >>> f"model: {verdict(0.93)}, {0.93:.2f}"
    'model: likely correct, 0.93'
    >>> verdict(0.5).value, verdict(0.08).value
    ('unsure', 'likely incorrect')
    """
    if probability >= _LIKELY:
        return Verdict.LIKELY_CORRECT
    if probability <= 1.0 - _LIKELY:
        return Verdict.LIKELY_INCORRECT
    return Verdict.UNSURE


def disagrees(probability: float | None, form_score: float | None) -> bool:
    """True when the probability and the rule score (0-100) differ by >= :data:`DISAGREEMENT`.

    Examples
    --------
    >>> disagrees(0.1, 95.0), disagrees(0.9, 95.0), disagrees(None, 95.0)
    (True, False, False)
    """
    if probability is None or form_score is None:
        return False
    return abs(probability - form_score / 100.0) >= DISAGREEMENT
