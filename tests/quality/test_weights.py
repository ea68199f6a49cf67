"""The weights loader refuses what it cannot vouch for; training is deterministic on CPU."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from rehab.errors import ModelFileError
from rehab.quality.config import ModelConfig, TrainConfig
from rehab.quality.data import RepSet
from rehab.quality.features import N_ANGLES, N_FRAMES
from rehab.quality.train import predict, train_model
from rehab.quality.weights import load_model, save_model

SMALL = ModelConfig("gcn", width=4)
RANGES = {"m01": [2.0, 6.0], "m02": [1.2, 5.3]}
SHORT = TrainConfig(epochs=2, batch_size=16)


def _reps(n: int = 40, seed: int = 0) -> RepSet:
    """Random reps of two movements: labels follow one coordinate, so there is signal."""
    rng = np.random.default_rng(seed)
    pos = rng.normal(0, 0.3, (n, N_FRAMES, 18, 3)).astype(np.float32)
    correct = (np.arange(n) % 2).astype(np.float32)
    pos[correct == 1, :, 6, 1] += 1.0
    ang = rng.normal(0, 0.3, (n, N_FRAMES, N_ANGLES)).astype(np.float32)
    return RepSet(pos, ang, np.arange(n) % 3 % 2, np.arange(n) % 4 + 1, correct)


@pytest.fixture(scope="module")
def trained() -> torch.nn.Module:
    return train_model(_reps(), SMALL, SHORT)


@pytest.fixture
def saved(tmp_path: Path, trained: torch.nn.Module) -> Path:
    manifest = tmp_path / "q.json"
    save_model(trained, SMALL, manifest, {"subjects": [1, 2], "rep_duration_s": RANGES})
    return manifest


@pytest.mark.parametrize("architecture", ["gcn", "tcn", "gcn_template"])
def test_a_short_training_run_is_deterministic(architecture: str) -> None:
    reps = _reps()
    cfg = ModelConfig(architecture, width=4)
    first, second = train_model(reps, cfg, SHORT), train_model(reps, cfg, SHORT)
    for (name, a), (_, b) in zip(first.state_dict().items(), second.state_dict().items(),
                                 strict=True):
        assert torch.equal(a, b), name
    other = train_model(reps, cfg, TrainConfig(epochs=2, batch_size=16, seed=15))
    assert not np.array_equal(predict(first, reps), predict(other, reps))


def test_saved_weights_load_and_predict_the_same(saved: Path, trained: torch.nn.Module) -> None:
    reps = _reps(seed=1)
    loaded = load_model(saved)
    np.testing.assert_array_equal(
        loaded.probabilities(reps.positions, reps.angles, reps.movement), predict(trained, reps))
    assert loaded.manifest["subjects"] == [1, 2]


def test_the_duration_ranges_round_trip_and_are_required(saved: Path, tmp_path: Path,
                                                         trained: torch.nn.Module) -> None:
    assert load_model(saved).duration_ranges == {"m01": (2.0, 6.0), "m02": (1.2, 5.3)}
    with pytest.raises(ValueError, match="rep_duration_s"):
        save_model(trained, SMALL, tmp_path / "none.json", {"subjects": [1]})
    assert not (tmp_path / "none.json").exists() and not (tmp_path / "none.pt").exists()


def _edit(manifest: Path, **changes: object) -> None:
    content = json.loads(manifest.read_text())
    content.update(changes)
    manifest.write_text(json.dumps(content))


def test_an_altered_weights_file_is_refused(saved: Path) -> None:
    weights = saved.with_suffix(".pt")
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0x01
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="SHA-256"):
        load_model(saved)


@pytest.mark.parametrize(("key", "value", "message"), [
    ("format_version", 99, "format_version is 99"),
    ("feature_version", 0, "feature_version is 0"),
    ("n_frames", 64, "n_frames is 64"),
    ("format", "something-else", "not a rehab-form-quality manifest"),
    ("weights_file", "absent.pt", "cannot read the weights"),
    ("rep_duration_s", {"m01": [6.0, 2.0]}, r"rep_duration_s.*min_s <= max_s"),
])
def test_a_manifest_of_another_version_or_file_is_refused(
        saved: Path, key: str, value: object, message: str) -> None:
    _edit(saved, **{key: value})
    with pytest.raises(ModelFileError, match=message):
        load_model(saved)


def test_weights_that_do_not_fit_the_manifest_are_refused(saved: Path) -> None:
    _edit(saved, model={**SMALL.as_dict(), "width": 8})  # digest still matches the file
    with pytest.raises(ModelFileError, match="do not fit"):
        load_model(saved)


def test_a_manifest_that_is_not_json_is_refused(saved: Path) -> None:
    saved.write_text("{not json")
    with pytest.raises(ModelFileError, match="cannot read the model manifest"):
        load_model(saved)


def test_the_template_is_the_mean_correct_training_rep_and_loads_with_the_weights(
        tmp_path: Path) -> None:
    reps = _reps()
    cfg = ModelConfig("gcn_template", width=4)
    model = train_model(reps, cfg, SHORT)
    first = (reps.movement == 0) & (reps.correct == 1)
    np.testing.assert_allclose(model.pos_template[0].numpy(),
                               reps.positions[first].mean(axis=0), atol=1e-6)
    np.testing.assert_allclose(model.ang_template[0].numpy(),
                               reps.angles[first].mean(axis=0), atol=1e-6)
    save_model(model, cfg, tmp_path / "t.json", {"subjects": [1], "rep_duration_s": RANGES})
    loaded = load_model(tmp_path / "t.json")
    assert torch.equal(loaded.network.pos_template, model.pos_template)
    np.testing.assert_array_equal(
        loaded.probabilities(reps.positions, reps.angles, reps.movement), predict(model, reps))


def test_a_rep_is_compared_with_the_template_or_its_mirror_whichever_is_closer() -> None:
    from rehab.quality.model import TemplateGCN
    from rehab.vision.skeleton import MIRROR_JOINT

    reps = _reps()
    net = TemplateGCN(ModelConfig("gcn_template", width=4))
    pos, ang, mov = (torch.from_numpy(reps.positions), torch.from_numpy(reps.angles),
                     torch.from_numpy(reps.movement.astype(np.int64)))
    net.fit_templates(pos, ang, mov, torch.from_numpy(reps.correct))
    template = net.pos_template[mov[:1]]
    mirror = template[:, :, [int(j) for j in MIRROR_JOINT]] * torch.tensor([-1.0, 1.0, 1.0])
    for rep in (template, mirror):  # the template itself and its mirror image: no deviation
        dev, _ = net._deviation(rep, net.ang_template[mov[:1]], mov[:1])
        assert float(dev.abs().max()) < 1e-6
