"""UI-PRMD per movement: the learned model's figures (the rule score's are
:mod:`rehab.evaluation.ui_prmd`'s, and ``rehab eval ui-prmd`` shows both side by side).

Rules: the probability of correct form of every rep file, scored at 0.5 (accuracy) and
by ROC AUC (correct vs deliberately incorrect). Subjects the model was trained on are
marked, since their figures are in-sample; the model's leave-one-subject-out figures (from
its manifest) stand beside. A model that compares each rep with the person's reference
(``reference_reps`` > 0) is given, per subject and movement, the mean of the subject's
first correct reps as the reference, and those reps are not scored
(:func:`rehab.quality.data.held_out_reference`, as in its LOSO).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rehab.quality.data import held_out_reference, load_ui_prmd_reps
from rehab.quality.metrics import auc
from rehab.quality.weights import QualityModel

__all__ = ["ModelEval", "evaluate_model_ui_prmd"]


@dataclass(frozen=True)
class ModelEval:
    """The model's figures on one movement."""

    movement: int
    accuracy: float
    auc: float
    in_sample: bool
    loso_accuracy: float | None = None
    loso_auc: float | None = None

    def as_json(self) -> dict[str, object]:
        """The ``model`` part of the movement's JSON entry."""
        def r(v: float | None) -> float | None:
            return None if v is None or np.isnan(v) else round(float(v), 3)
        return {"accuracy": r(self.accuracy), "auc": r(self.auc), "in_sample": self.in_sample,
                "loso_accuracy": r(self.loso_accuracy), "loso_auc": r(self.loso_auc)}


def evaluate_model_ui_prmd(root: Path, subjects: Sequence[int], model: QualityModel,
                           movements: Sequence[int] = tuple(range(1, 11))
                           ) -> dict[int, ModelEval]:
    """The model's figures per movement on ``subjects``' UI-PRMD files."""
    reps = load_ui_prmd_reps(Path(root), tuple(subjects), tuple(movements))
    trained_on = set(model.manifest.get("subjects", []))
    loso = {int(e["movement"][1:]): e for e in (model.manifest.get("loso") or [])}
    out = {}
    for movement in movements:
        sel = reps.select(reps.movement == movement - 1)
        if len(sel.correct) == 0:
            continue
        if model.reference_reps:
            scored, (ref_pos, ref_ang) = held_out_reference(sel, model.reference_reps)
            sel = sel.select(scored)
            p = model.probabilities(sel.positions, sel.angles, sel.movement,
                                    (ref_pos[scored], ref_ang[scored]))
        else:
            p = model.probabilities(sel.positions, sel.angles, sel.movement)
        held_out = loso.get(movement, {})
        out[movement] = ModelEval(
            movement, float(((p >= 0.5) == (sel.correct > 0.5)).mean()), auc(sel.correct, p),
            bool(trained_on & set(subjects)), held_out.get("accuracy_mean"),
            held_out.get("auc_mean"))
    return out
