"""Accuracy and ROC AUC per movement, and their spread over folds (numpy only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["MovementScores", "MovementSummary", "auc", "movement_scores", "summarise"]


def auc(label: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney; ties count half); NaN if one class is absent.

    Examples
    --------
    >>> auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    0.75
    """
    label = np.asarray(label).astype(bool)
    score = np.asarray(score, dtype=float)
    pos, neg = score[label], score[~label]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


@dataclass(frozen=True)
class MovementScores:
    """One movement's figures on one set of reps.

    Parameters
    ----------
    movement
        1-based UI-PRMD movement number.
    n
        Reps scored.
    accuracy
        Share of reps on the right side of probability 0.5.
    auc
        ROC AUC of the probability against the correct label.
    """

    movement: int
    n: int
    accuracy: float
    auc: float


def movement_scores(movement: np.ndarray, correct: np.ndarray,
                    probability: np.ndarray) -> tuple[MovementScores, ...]:
    """Per-movement accuracy and AUC (``movement`` 0-based as in :class:`RepSet`)."""
    out = []
    for m in sorted(set(np.asarray(movement).tolist())):
        sel = movement == m
        hit = (probability[sel] >= 0.5) == (correct[sel] > 0.5)
        out.append(MovementScores(m + 1, int(sel.sum()), float(hit.mean()),
                                  auc(correct[sel], probability[sel])))
    return tuple(out)


@dataclass(frozen=True)
class MovementSummary:
    """Mean and standard deviation over folds of one movement's figures."""

    movement: int
    accuracy_mean: float
    accuracy_sd: float
    auc_mean: float
    auc_sd: float
    accuracy_min: float


def _sd(values: np.ndarray) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def summarise(per_fold: Sequence[Sequence[MovementScores]]) -> tuple[MovementSummary, ...]:
    """Mean, sample SD and minimum over folds, per movement."""
    by_movement: dict[int, list[MovementScores]] = {}
    for fold in per_fold:
        for s in fold:
            by_movement.setdefault(s.movement, []).append(s)
    out = []
    for m, scores in sorted(by_movement.items()):
        acc = np.array([s.accuracy for s in scores])
        aucs = np.array([s.auc for s in scores])
        out.append(MovementSummary(m, float(acc.mean()), _sd(acc), float(np.nanmean(aucs)),
                                   _sd(aucs[~np.isnan(aucs)]), float(acc.min())))
    return tuple(out)
