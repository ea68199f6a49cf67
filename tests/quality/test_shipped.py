"""The shipped model: it loads offline, reproduces its card's held-out fold, and scores a
live rep (BlazePose landmarks, as the session records them) fast and like the Kinect one."""

from __future__ import annotations

import json

import pytest

from rehab.datasets.ui_prmd import find_episodes, load_episode
from rehab.quality.card import model_card
from rehab.quality.data import load_ui_prmd_reps
from rehab.quality.features import EXERCISE_MOVEMENT, rep_features
from rehab.quality.live import DEFAULT_MANIFEST, rep_probability
from rehab.quality.metrics import movement_scores
from rehab.quality.weights import load_model
from tests.quality.pose_rows import pose_rows
from tests.vision.vision_data import UI_PRMD, need

HOLDOUT = DEFAULT_MANIFEST.with_name("form_quality_v1_holdout_s07.json")
# One rep of 20 per movement is 0.05 of accuracy; the held-out figures must come back to
# within half of that (same features, same weights: only float summation order may move
# a probability sitting on 0.5).
ACCURACY_TOL = 0.025
AUC_TOL = 0.01

def test_the_shipped_manifest_names_its_figures() -> None:
    manifest = json.loads(DEFAULT_MANIFEST.read_text())
    assert manifest["subjects"] == [1, 2, 3, 4, 5, 6, 7]
    assert [m["movement"] for m in manifest["loso"]] == [f"m{i:02d}" for i in range(1, 11)]
    assert DEFAULT_MANIFEST.with_suffix(".pt").stat().st_size < 300_000
    assert load_model(DEFAULT_MANIFEST).network.training is False


@pytest.mark.needs_data
def test_the_held_out_fold_reproduces_the_card() -> None:
    model = load_model(HOLDOUT)
    subject = model.manifest["evaluated_on"]
    assert subject not in model.manifest["subjects"]
    reps = load_ui_prmd_reps(need(UI_PRMD), (subject,))
    p = model.probabilities(reps.positions, reps.angles, reps.movement)
    got = movement_scores(reps.movement, reps.correct, p)
    for want, have in zip(model.manifest["figures"], got, strict=True):
        assert want["movement"] == f"m{have.movement:02d}"
        assert have.accuracy == pytest.approx(want["accuracy"], abs=ACCURACY_TOL), want
        assert have.auc == pytest.approx(want["auc"], abs=AUC_TOL), want


@pytest.mark.needs_data
@pytest.mark.parametrize("exercise_id", sorted(EXERCISE_MOVEMENT))
def test_a_live_rep_gets_the_probability_of_its_kinect_skeleton(exercise_id: str) -> None:
    movement = EXERCISE_MOVEMENT[exercise_id]
    episode = find_episodes(need(UI_PRMD), movement, subject=3, correct=False)[0]
    kinect = load_episode(episode, t0_s=10.0)
    rows = pose_rows(kinect.xyz_m, kinect.t_s)
    before = [(5.0, rows[0][1])]  # outside the rep: ignored
    t0, t1 = float(kinect.t_s[0]), float(kinect.t_s[-1])
    live = rep_probability(before + rows, t0, t1, exercise_id)
    direct = load_model(DEFAULT_MANIFEST).probability(rep_features(kinect), movement)
    assert live is not None and 0.0 <= live <= 1.0
    # The features rebuild neck and spine from shoulders and hips for every sensor, so the
    # same joints reach the network whichever skeleton they came through.
    assert live == pytest.approx(direct, abs=1e-4)
    assert rep_probability(rows, t0, t1, "elbow_flexion") is None  # no head for it
    assert rep_probability(rows[:5], t0, t1, exercise_id) is None  # too few frames
    # Its cost per rep (the issue's < 5 ms) is measured by benchmarks/bench_quality.py, not
    # timed here: a shared machine's load made a timed assertion fail.


def test_the_model_card_is_the_one_its_manifest_writes() -> None:
    manifest = json.loads(DEFAULT_MANIFEST.read_text())
    assert DEFAULT_MANIFEST.with_suffix(".md").read_text() == model_card(manifest)
    assert "| m01 deep squat |" in model_card(manifest)


def test_every_library_exercise_of_a_ui_prmd_movement_gets_that_movements_head() -> None:
    """The model has a head for each of UI-PRMD's ten movements; the library exercise the
    evaluation counts for a movement is the one a live session scores with its head (five
    of them once had none: the library gained them after the model)."""
    from rehab.evaluation.ui_prmd import UI_PRMD_MOVEMENTS

    assert {ex: m for m, ex in UI_PRMD_MOVEMENTS.items() if ex is not None} == EXERCISE_MOVEMENT
