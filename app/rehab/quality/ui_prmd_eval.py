"""UI-PRMD per movement: the rule score's rep counts and AUC beside the learned model's.

Rules: the ten correct files of one movement and subject, concatenated in time, are a
set with a known number of reps (10); the same for the ten incorrect ones. The counted
reps' form scores (0-100) of both sets give the rule score's ROC AUC for correct vs
incorrect. Only movements with a library exercise get rule figures.

Model: the probability of correct form of every rep file, scored at 0.5 (accuracy) and
by ROC AUC. Subjects the model was trained on are marked, since their figures are
in-sample; the model's leave-one-subject-out figures (from its manifest) stand beside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rehab.datasets.ui_prmd import find_episodes, load_episode
from rehab.exercises.analysis import analyze
from rehab.exercises.library import SideMode, load_library
from rehab.quality.data import load_ui_prmd_reps
from rehab.quality.features import EXERCISE_MOVEMENT, MOVEMENT_NAMES
from rehab.quality.metrics import auc
from rehab.quality.weights import QualityModel
from rehab.vision.angles import compute_angles
from rehab.vision.skeleton import SkeletonSeries

__all__ = ["MovementEval", "SubjectCount", "evaluate_ui_prmd"]

_MOVEMENT_EXERCISE = {m: e for e, m in EXERCISE_MOVEMENT.items()}


@dataclass(frozen=True)
class SubjectCount:
    """Counted reps of one subject's ten correct files against the ten expected."""

    subject: int
    counted: int
    expected: int


@dataclass(frozen=True)
class MovementEval:
    """One movement's figures (rule fields None where no exercise covers it)."""

    movement: int
    exercise: str | None
    subjects: tuple[SubjectCount, ...]
    rule_auc: float | None
    model_accuracy: float | None
    model_auc: float | None
    model_in_sample: bool
    loso_accuracy: float | None = None
    loso_auc: float | None = None

    def as_json(self) -> dict[str, object]:
        """The JSON entry of this movement."""
        def r(v: float | None) -> float | None:
            return None if v is None or np.isnan(v) else round(float(v), 3)
        return {"movement": f"m{self.movement:02d}", "name": MOVEMENT_NAMES[self.movement - 1],
                "exercise": self.exercise,
                "subjects": [{"subject": s.subject, "counted": s.counted,
                              "expected": s.expected} for s in self.subjects],
                "auc": r(self.rule_auc),
                "model": None if self.model_accuracy is None else {
                    "accuracy": r(self.model_accuracy), "auc": r(self.model_auc),
                    "in_sample": self.model_in_sample,
                    "loso_accuracy": r(self.loso_accuracy), "loso_auc": r(self.loso_auc)}}


def _side(movement: int, subject: int) -> str:
    # s07 raises the left arm (m07, m10) and the left leg (m06); everyone else the right.
    return "left" if movement in (6, 7, 10) and subject == 7 else "right"


def _set_scores(root: Path, movement: int, subject: int, correct: bool,
                exercise_id: str) -> tuple[int, int, list[float]]:
    """Files, counted reps and their form scores for one subject's set."""
    episodes = find_episodes(root, movement, subject=subject, correct=correct)
    parts, t0 = [], 0.0
    for episode in episodes:
        part = load_episode(episode, t0_s=t0)
        parts.append(part)
        t0 = float(part.t_s[-1]) + 1.0 / 30.0
    if not parts:
        return 0, 0, []
    series = SkeletonSeries(np.concatenate([p.t_s for p in parts]),
                            np.concatenate([p.xyz_m for p in parts]),
                            np.concatenate([p.visibility for p in parts]), "ui_prmd")
    exercise = load_library()[exercise_id]
    side = _side(movement, subject) if exercise.side_mode is SideMode.ONE else None
    result = analyze(compute_angles(series), exercise, side=side, language="en")
    scores = [float(r.score.score) for r in result.reps if r.counted and r.score is not None]
    return len(episodes), result.count, scores


def _rules(root: Path, movement: int, subjects: Sequence[int],
           exercise_id: str) -> tuple[tuple[SubjectCount, ...], float]:
    counts, good, bad = [], [], []
    for subject in subjects:
        n_files, counted, scores = _set_scores(root, movement, subject, True, exercise_id)
        if n_files:
            counts.append(SubjectCount(subject, counted, n_files))
        good += scores
        bad += _set_scores(root, movement, subject, False, exercise_id)[2]
    labels = np.r_[np.ones(len(good)), np.zeros(len(bad))]
    return tuple(counts), auc(labels, np.r_[good, bad])


def evaluate_ui_prmd(root: Path, subjects: Sequence[int], model: QualityModel | None,
                     movements: Sequence[int] = tuple(range(1, 11))) -> list[MovementEval]:
    """Per-movement rule and model figures on ``subjects``' UI-PRMD files."""
    root = Path(root)
    reps = load_ui_prmd_reps(root, tuple(subjects), tuple(movements)) if model else None
    trained_on = set(model.manifest.get("subjects", [])) if model else set()
    loso = {int(e["movement"][1:]): e for e in (model.manifest.get("loso") or [])} if model else {}
    out = []
    for movement in movements:
        exercise = _MOVEMENT_EXERCISE.get(movement)
        counts, rule_auc = ((), None) if exercise is None else _rules(
            root, movement, subjects, exercise)
        acc = model_auc = None
        if model is not None and reps is not None:
            sel = reps.select(reps.movement == movement - 1)
            p = model.probabilities(sel.positions, sel.angles, sel.movement)
            acc = float(((p >= 0.5) == (sel.correct > 0.5)).mean())
            model_auc = auc(sel.correct, p)
        held_out = loso.get(movement, {})
        out.append(MovementEval(movement, exercise, counts, rule_auc, acc, model_auc,
                                bool(trained_on & set(subjects)),
                                held_out.get("accuracy_mean"), held_out.get("auc_mean")))
    return out
