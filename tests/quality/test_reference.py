"""The network that compares each rep with the same person's correct reps: how references
are drawn in training and taken from a held-out subject, that the reference travels with
its rep through augmentation, determinism, the loader's refusals, and the shipped weights
reproducing their card's held-out fold."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from rehab.quality.card import model_card
from rehab.quality.config import ModelConfig, TrainConfig
from rehab.quality.data import RepSet, held_out_reference, load_ui_prmd_reps, reference_for
from rehab.quality.features import N_ANGLES, N_FRAMES
from rehab.quality.live import DEFAULT_MANIFEST, reference_from_reps, rep_probability
from rehab.quality.metrics import movement_scores
from rehab.quality.train import augment, leave_one_subject_out, predict, train_model
from rehab.quality.weights import load_model, save_model
from tests.quality.pose_rows import pose_rows
from tests.vision.vision_data import UI_PRMD, need

SMALL = ModelConfig("gcn_reference", width=4, reference_reps=2)
SHORT = TrainConfig(epochs=2, batch_size=16)
RANGES = {"m01": [2.0, 6.0], "m02": [1.2, 5.3]}
REFERENCE_MANIFEST = DEFAULT_MANIFEST.with_name("form_quality_ref_v1.json")
REFERENCE_HOLDOUT = DEFAULT_MANIFEST.with_name("form_quality_ref_v1_holdout_s07.json")


def _reps(seed: int = 0) -> RepSet:
    """Three subjects x two movements x (4 correct, 4 incorrect) random reps; each rep's
    position [0, 0, 0, 0] holds its own row number, so a reference's origin can be read."""
    rng = np.random.default_rng(seed)
    subject = np.repeat([1, 2, 3], 16)
    movement = np.tile(np.repeat([0, 1], 8), 3)
    correct = np.tile(np.repeat([1.0, 0.0], 4), 6).astype(np.float32)
    pos = rng.normal(0, 0.3, (48, N_FRAMES, 18, 3)).astype(np.float32)
    pos[correct == 0, :, 6, 1] += 1.0
    pos[:, 0, 0, 0] = np.arange(48)
    ang = rng.normal(0, 0.3, (48, N_FRAMES, N_ANGLES)).astype(np.float32)
    return RepSet(pos, ang, movement, subject, correct)


def test_a_training_reference_is_other_correct_reps_of_the_same_person_and_movement() -> None:
    reps = _reps()
    rng = np.random.default_rng(3)
    for _ in range(20):
        index = np.arange(len(reps))
        ref_pos, ref_ang = reference_for(reps, index, 1, rng)
        source = ref_pos[:, 0, 0, 0].round().astype(int)  # the drawn rep's row number
        assert np.all(source != index)
        assert np.all(reps.subject[source] == reps.subject)
        assert np.all(reps.movement[source] == reps.movement)
        assert np.all(reps.correct[source] == 1.0)
        np.testing.assert_array_equal(ref_ang, reps.angles[source])
    # Two reps averaged; a correct rep has three others to draw from, all of them for 3+.
    ref_pos, _ = reference_for(reps, np.array([0]), 3, np.random.default_rng(0))
    assert ref_pos[0, 0, 0, 0] == pytest.approx((1 + 2 + 3) / 3)
    ref_pos, _ = reference_for(reps, np.array([0]), 9, np.random.default_rng(0))
    assert ref_pos[0, 0, 0, 0] == pytest.approx((1 + 2 + 3) / 3)


def test_a_rep_with_no_other_correct_rep_to_refer_to_is_refused() -> None:
    reps = _reps()
    alone = reps.select((reps.subject == 1) & (reps.movement == 0)
                        & ((reps.correct == 0) | (np.arange(48) == 0)))
    with pytest.raises(ValueError, match="no other correct rep"):
        reference_for(alone, np.array([0]), 1, np.random.default_rng(0))


def test_a_held_out_subject_is_scored_against_their_first_correct_reps_which_are_not_scored(
        ) -> None:
    reps = _reps()
    scored, (ref_pos, ref_ang) = held_out_reference(reps, 2)
    for subject in (1, 2, 3):
        for movement in (0, 1):
            rows = np.flatnonzero((reps.subject == subject) & (reps.movement == movement))
            first = rows[:2]  # the first two correct reps in file order
            assert not scored[first].any() and scored[rows[2:]].all()
            np.testing.assert_allclose(ref_pos[rows], np.broadcast_to(
                reps.positions[first].mean(axis=0), ref_pos[rows].shape), atol=1e-6)
            np.testing.assert_allclose(ref_ang[rows[5]], reps.angles[first].mean(axis=0),
                                       atol=1e-6)
    incorrect_only = reps.select(reps.correct == 0)
    with pytest.raises(ValueError, match="no correct rep"):
        held_out_reference(incorrect_only, 2)


def test_the_reference_turns_scales_and_mirrors_with_its_rep() -> None:
    reps = _reps()
    pos, ang = reps.positions[:8], reps.angles[:8]
    still = TrainConfig(warp=0.0, noise=0.0, mirror=0.5)
    alone = augment(np.random.default_rng(5), pos, ang, still)
    p, a, (rp, ra) = augment(np.random.default_rng(5), pos, ang, still, (pos, ang))
    # The reps' copies do not depend on whether a reference rides along.
    np.testing.assert_array_equal(p, alone[0])
    np.testing.assert_array_equal(a, alone[1])
    # Without warp and noise, a rep that is its own reference stays identical to it.
    np.testing.assert_allclose(rp, p, atol=1e-6)
    np.testing.assert_allclose(ra, a, atol=1e-6)


def test_a_short_training_run_with_references_is_deterministic() -> None:
    reps = _reps()
    first, second = train_model(reps, SMALL, SHORT), train_model(reps, SMALL, SHORT)
    for (name, a), (_, b) in zip(first.state_dict().items(), second.state_dict().items(),
                                 strict=True):
        assert torch.equal(a, b), name
    _, reference = held_out_reference(reps, 2)
    other = train_model(reps, SMALL, TrainConfig(epochs=2, batch_size=16, seed=15))
    assert not np.array_equal(predict(first, reps, reference), predict(other, reps, reference))


def test_leave_one_subject_out_scores_only_the_reps_outside_the_reference() -> None:
    folds = leave_one_subject_out(_reps(), SMALL, TrainConfig(epochs=1, batch_size=16))
    assert [f.subject for f in folds] == [1, 2, 3]
    for fold in folds:
        assert [s.n for s in fold.scores] == [6, 6]  # 8 reps, 2 of them the reference
        assert len(fold.probability) == 12


@pytest.mark.parametrize(("architecture", "reference_reps"),
                         [("gcn_reference", 0), ("gcn", 3), ("gcn_template", 1)])
def test_only_the_reference_network_reads_a_reference(architecture: str,
                                                      reference_reps: int) -> None:
    with pytest.raises(ValueError, match="only gcn_reference reads a reference"):
        ModelConfig(architecture, reference_reps=reference_reps)


def test_the_loaded_network_refuses_to_score_without_the_persons_reference(
        tmp_path: Path) -> None:
    reps = _reps()
    network = train_model(reps, SMALL, TrainConfig(epochs=1, batch_size=16))
    save_model(network, SMALL, tmp_path / "r.json", {"subjects": [1, 2, 3],
                                                     "rep_duration_s": RANGES})
    model = load_model(tmp_path / "r.json")
    assert model.reference_reps == 2
    _, reference = held_out_reference(reps, 2)
    np.testing.assert_array_equal(
        model.probabilities(reps.positions, reps.angles, reps.movement, reference),
        predict(network, reps, reference))
    with pytest.raises(ValueError, match="give them"):
        model.probabilities(reps.positions, reps.angles, reps.movement)
    plain = load_model(DEFAULT_MANIFEST)
    assert plain.reference_reps == 0
    with pytest.raises(ValueError, match="reads no reference"):
        plain.probabilities(reps.positions, reps.angles, reps.movement, reference)


def test_the_shipped_reference_model_names_its_protocol() -> None:
    manifest = json.loads(REFERENCE_MANIFEST.read_text())
    assert manifest["model"]["architecture"] == "gcn_reference"
    assert manifest["model"]["reference_reps"] == 3
    assert manifest["subjects"] == [1, 2, 3, 4, 5, 6, 7]
    card = REFERENCE_MANIFEST.with_suffix(".md").read_text()
    assert card == model_card(manifest)
    assert "Not EGCN's protocol" in card and "are the reference and are not scored" in card
    assert REFERENCE_MANIFEST.with_suffix(".pt").stat().st_size < 300_000


@pytest.mark.needs_data
def test_the_shipped_reference_models_held_out_fold_reproduces_its_card() -> None:
    model = load_model(REFERENCE_HOLDOUT)
    subject = model.manifest["evaluated_on"]
    assert subject not in model.manifest["subjects"]
    reps = load_ui_prmd_reps(need(UI_PRMD), (subject,))
    scored, (ref_pos, ref_ang) = held_out_reference(reps, model.reference_reps)
    test = reps.select(scored)
    p = model.probabilities(test.positions, test.angles, test.movement,
                            (ref_pos[scored], ref_ang[scored]))
    got = movement_scores(test.movement, test.correct, p)
    # One rep of 17 per movement is 0.059 of accuracy; within half of that (only float
    # summation order may move a probability sitting on 0.5).
    for want, have in zip(model.manifest["figures"], got, strict=True):
        assert want["movement"] == f"m{have.movement:02d}"
        assert have.n == 17
        assert have.accuracy == pytest.approx(want["accuracy"], abs=0.029), want
        assert have.auc == pytest.approx(want["auc"], abs=0.01), want


@pytest.mark.needs_data
def test_rehab_eval_gives_the_reference_model_the_subjects_first_correct_reps() -> None:
    """`rehab eval ui-prmd --model form_quality_ref_v1.json` scores as the LOSO did."""
    from rehab.quality.ui_prmd_eval import evaluate_model_ui_prmd

    model = load_model(REFERENCE_HOLDOUT)
    got = evaluate_model_ui_prmd(need(UI_PRMD), [7], model, [1, 9])
    figures = {int(f["movement"][1:]): f for f in model.manifest["figures"]}
    for movement in (1, 9):
        assert got[movement].in_sample is False
        assert got[movement].accuracy == pytest.approx(figures[movement]["accuracy"], abs=0.029)
        assert got[movement].auc == pytest.approx(figures[movement]["auc"], abs=0.01)


def _episode_rows(movement: int, subject: int, correct: bool, t0_s: float = 10.0,
                  ) -> list[tuple[list[tuple[float, np.ndarray]], float, float]]:
    """Each episode of a UI-PRMD set as (pose rows as a session records them, start, end)."""
    from rehab.datasets.ui_prmd import find_episodes, load_episode

    out = []
    for episode in find_episodes(need(UI_PRMD), movement, subject=subject, correct=correct):
        kinect = load_episode(episode, t0_s=t0_s)
        out.append((pose_rows(kinect.xyz_m, kinect.t_s), float(kinect.t_s[0]),
                    float(kinect.t_s[-1])))
    return out


@pytest.mark.needs_data
def test_a_live_rep_is_scored_against_the_patients_reference_reps() -> None:
    """The live path (pose rows -> skeleton -> features, the patient's first three correct
    reps as the reference) gives what the held-out fold gave: s07's squats, scored by the
    model that never saw s07."""
    correct, incorrect = _episode_rows(1, 7, True), _episode_rows(1, 7, False)
    reference = reference_from_reps(correct[:3], "squat")
    assert reference.n_reps == 3 and reference.positions.shape == (1, N_FRAMES, 18, 3)
    p = np.array([rep_probability(rows, t0, t1, "squat", reference=reference,
                                  reference_manifest=REFERENCE_HOLDOUT)
                  for rows, t0, t1 in correct[3:] + incorrect])
    label = np.r_[np.ones(7), np.zeros(10)]
    figures = {f["movement"]: f for f in load_model(REFERENCE_HOLDOUT).manifest["figures"]}
    assert ((p >= 0.5) == (label > 0.5)).mean() == pytest.approx(
        figures["m01"]["accuracy"], abs=0.029)
    # Without the reference the reference-free model scores the same rep.
    rows, t0, t1 = incorrect[0]
    plain = rep_probability(rows, t0, t1, "squat")
    assert plain == pytest.approx(load_model(DEFAULT_MANIFEST).probability(
        _features(rows, t0, t1), 1), abs=1e-4)


def _features(rows: list[tuple[float, np.ndarray]], t0: float, t1: float):
    from rehab.quality.features import rep_features
    from rehab.vision.skeleton import from_blazepose

    table = np.stack([r for _, r in rows]).reshape(-1, 33, 4)
    return rep_features(from_blazepose(table[..., :3], table[..., 3],
                                       np.array([t for t, _ in rows])))


@pytest.mark.needs_data
def test_an_exercise_of_both_arms_keeps_one_reference_per_arm() -> None:
    reps = _episode_rows(7, 3, True)
    reference = reference_from_reps(reps[:3], "shoulder_abduction_bilateral")
    assert reference.positions.shape == (2, N_FRAMES, 18, 3)
    assert reference.angles.shape == (2, N_FRAMES, N_ANGLES)
    rows, t0, t1 = reps[5]
    p = rep_probability(rows, t0, t1, "shoulder_abduction_bilateral", reference=reference)
    assert isinstance(p, float) and 0.0 <= p <= 1.0


@pytest.mark.needs_data
def test_a_reference_that_cannot_be_used_is_refused() -> None:
    reps = _episode_rows(1, 2, True)
    with pytest.raises(ValueError, match="no model head"):
        reference_from_reps(reps[:3], "elbow_flexion")
    with pytest.raises(ValueError, match="enough frames"):
        reference_from_reps([(rows[:3], t0, t1) for rows, t0, t1 in reps[:3]], "squat")
    squat = reference_from_reps(reps[:3], "squat")
    rows, t0, t1 = reps[4]
    with pytest.raises(ValueError, match="a reference of 'squat' given for a rep of"):
        rep_probability(rows, t0, t1, "sit_to_stand", reference=squat)
