"""The model gives no opinion on a rep unlike its training reps (rehab.quality.ood): a rep
whose duration lies outside its movement's UI-PRMD range, widened x/÷ 1.5."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rehab.datasets.ui_prmd import find_episodes, load_episode
from rehab.errors import ModelFileError
from rehab.quality.data import ui_prmd_durations
from rehab.quality.live import DEFAULT_MANIFEST, rep_probability
from rehab.quality.ood import DURATION_FACTOR, duration_ranges, in_training_range, parse_ranges
from rehab.quality.weights import load_model
from rehab.session.events import NoOpinion
from tests.quality.pose_rows import pose_rows as _pose_rows
from tests.quality.test_shipped import HOLDOUT
from tests.vision.vision_data import UI_PRMD, need

M07 = {"m07": (1.8, 5.467)}


@pytest.mark.parametrize(("duration_s", "inside"), [
    (0.6, False), (1.0, False),  # jumping jacks: far quicker than any m07 training rep
    (1.8 / DURATION_FACTOR - 0.01, False), (1.8 / DURATION_FACTOR, True),
    (1.5, True), (3.0, True), (5.467, True),
    (5.467 * DURATION_FACTOR, True), (5.467 * DURATION_FACTOR + 0.01, False), (20.0, False),
])
def test_the_gate_opens_within_the_widened_training_range(duration_s: float,
                                                          inside: bool) -> None:
    assert in_training_range(M07, 7, duration_s) is inside


def test_a_movement_without_a_range_gets_no_opinion() -> None:
    assert not in_training_range(M07, 1, 3.0)


def test_the_range_spans_correct_and_incorrect_reps_of_each_movement() -> None:
    got = duration_ranges([(7, 3.0), (7, 1.8), (7, 5.5), (1, 2.0)])
    assert got == {"m01": [2.0, 2.0], "m07": [1.8, 5.5]}
    assert parse_ranges(got) == {"m01": (2.0, 2.0), "m07": (1.8, 5.5)}


@pytest.mark.parametrize("value", [
    None, {}, [1.8, 5.5], {"m7": [1.8, 5.5]}, {"m07": [5.5, 1.8]}, {"m07": [0.0, 5.5]},
    {"m07": [1.8]}, {"m07": ["1.8", "5.5"]}, {"m07": [1.8, float("inf")]},
    {"m07": [True, 5.5]},
])
def test_a_malformed_range_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match="rep_duration_s"):
        parse_ranges(value)


@pytest.mark.parametrize("value", [None, {"m07": [5.5, 1.8]}, {"m07": "fast"}])
def test_the_loader_refuses_a_manifest_with_a_malformed_range(tmp_path: Path,
                                                               value: object) -> None:
    manifest = json.loads(DEFAULT_MANIFEST.read_text())
    if value is None:
        del manifest["rep_duration_s"]
    else:
        manifest["rep_duration_s"] = value
    path = tmp_path / DEFAULT_MANIFEST.name
    path.write_text(json.dumps(manifest))
    path.with_suffix(".pt").write_bytes(DEFAULT_MANIFEST.with_suffix(".pt").read_bytes())
    with pytest.raises(ModelFileError, match=r"rep_duration_s.*rehab model ranges"):
        load_model(path)


def test_a_version_one_manifest_is_refused_with_the_reason(tmp_path: Path) -> None:
    manifest = json.loads(DEFAULT_MANIFEST.read_text())
    manifest["format_version"] = 1
    del manifest["rep_duration_s"]
    path = tmp_path / DEFAULT_MANIFEST.name
    path.write_text(json.dumps(manifest))
    path.with_suffix(".pt").write_bytes(DEFAULT_MANIFEST.with_suffix(".pt").read_bytes())
    with pytest.raises(ModelFileError, match="format_version is 1, this version of rehab "
                                             "reads 2"):
        load_model(path)


def test_the_shipped_manifests_hold_a_range_for_every_movement() -> None:
    for path in (DEFAULT_MANIFEST, HOLDOUT):
        ranges = load_model(path).duration_ranges
        assert sorted(ranges) == [f"m{i:02d}" for i in range(1, 11)]
        assert all(0.5 < lo <= hi < 10.0 for lo, hi in ranges.values())


@pytest.mark.needs_data
def test_the_shipped_ranges_are_those_of_the_training_reps() -> None:
    """Computed from UI-PRMD itself, of each manifest's own subjects."""
    for path in (DEFAULT_MANIFEST, HOLDOUT):
        manifest = json.loads(path.read_text())
        durations = ui_prmd_durations(need(UI_PRMD), manifest["subjects"])
        assert len(durations) == 200 * len(manifest["subjects"])
        assert manifest["rep_duration_s"] == duration_ranges(durations)


def _m07_rows(duration_s: float | None) -> tuple[list, float, float]:
    """A real UI-PRMD m07 rep (s03, correct) as live pose rows, retimed to ``duration_s``."""
    episode = find_episodes(need(UI_PRMD), 7, subject=3, correct=True)[0]
    kinect = load_episode(episode, t0_s=10.0)
    t_s = kinect.t_s
    if duration_s is not None:
        t_s = 10.0 + (t_s - 10.0) * duration_s / (t_s[-1] - 10.0)
    return _pose_rows(kinect.xyz_m, t_s), float(t_s[0]), float(t_s[-1])


@pytest.mark.needs_data
@pytest.mark.parametrize("exercise_id", ["shoulder_abduction", "shoulder_abduction_bilateral"])
def test_a_real_rep_gets_an_opinion_and_a_jumping_jack_fast_one_does_not(
        exercise_id: str) -> None:
    rows, t0, t1 = _m07_rows(None)
    assert 1.8 <= t1 - t0 <= 5.5  # as recorded: inside m07's range
    p = rep_probability(rows, t0, t1, exercise_id)
    assert isinstance(p, float) and 0.0 <= p <= 1.0
    for duration_s in (1.0, 9.0):  # a jumping jack; a rep slower than x1.5 the slowest
        rows, t0, t1 = _m07_rows(duration_s)
        assert rep_probability(rows, t0, t1, exercise_id) is NoOpinion.UNLIKE_TRAINING
    rows, t0, t1 = _m07_rows(2.0)  # quick, but inside the range: the model answers
    assert isinstance(rep_probability(rows, t0, t1, exercise_id), float)
    assert rep_probability(rows, t0, t1, "elbow_flexion") is None  # no head: not "declined"
