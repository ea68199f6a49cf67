"""The learned model's opinion of one live rep, from the pose stream the session keeps.

The runner calls :func:`rep_probability` when a rep completes, with the pose rows it
recorded (``(t_s, row)`` pairs, ``row`` as :func:`rehab.session.recording.pose_row`
writes it: 33 BlazePose world landmarks x (x, y, z, visibility)). The rep goes through
the same canonical skeleton and the same :func:`~rehab.quality.features.rep_features`
as UI-PRMD's Kinect reps did in training.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.resources
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import torch

from rehab.errors import ValidationError
from rehab.quality.features import (
    BILATERAL_EXERCISE_MOVEMENT,
    EXERCISE_MOVEMENT,
    one_arm_views,
    rep_features,
)
from rehab.quality.ood import in_training_range
from rehab.quality.weights import QualityModel, load_model
from rehab.session.events import NoOpinion
from rehab.vision.skeleton import from_blazepose

__all__ = ["DEFAULT_MANIFEST", "rep_probability", "warm_up"]

_log = logging.getLogger(__name__)

#: The shipped model (trained on UI-PRMD s01-s07; see its model card), package data of
#: ``rehab.quality`` (``setup.cfg``'s ``package_data``), so that it is found the same way
#: in a checkout and in a ``pip install .`` that copies the package into site-packages.
DEFAULT_MANIFEST = Path(str(importlib.resources.files("rehab.quality") / "models"
                            / "form_quality_v1.json"))


@functools.cache
def _model(manifest: Path) -> QualityModel:
    return load_model(manifest)


def warm_up(manifest: Path = DEFAULT_MANIFEST) -> None:
    """Import torch and load the checked weights now, so the first rep costs milliseconds.

    Parameters
    ----------
    manifest
        The shipped model's manifest.

    Raises
    ------
    ModelFileError
        The weights are missing or fail their checks.
    """
    _model(manifest)


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """One torch thread for this tiny network: on a loaded CPU, two threads waiting for
    each other made one rep take 95 ms at the 90th percentile against 1 ms alone."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def rep_probability(pose_rows: Iterable[tuple[float, np.ndarray]], t_start_s: float,
                    t_end_s: float, exercise_id: str, *,
                    manifest: Path = DEFAULT_MANIFEST) -> float | NoOpinion | None:
    """Probability (0-1) that one completed rep was done with correct form.

    Parameters
    ----------
    pose_rows
        The session's pose stream, ``(t_s, row)`` pairs in time order; ``row`` has 132
        values (33 landmarks x (x_m, y_m, z_m, visibility)), NaN when no person. Rows
        outside the rep are skipped.
    t_start_s, t_end_s
        The rep's start and end on the same clock, seconds.
    exercise_id
        The library exercise; only those with a UI-PRMD counterpart
        (:data:`~rehab.quality.features.EXERCISE_MOVEMENT`) get a probability, and those
        that move both arms where UI-PRMD moves one
        (:data:`~rehab.quality.features.BILATERAL_EXERCISE_MOVEMENT`): each arm is scored
        as that movement (the left one mirrored onto the right,
        :func:`~rehab.quality.features.one_arm_views`) and the lower probability is the
        rep's, as a rep is only as correct as its worse arm.
    manifest
        The model to use (loaded once per process, checksum verified).

    Returns
    -------
    float or NoOpinion or None
        None when the exercise has no head or the rep has too few frames with a person;
        :data:`NoOpinion.UNLIKE_TRAINING` when the rep's duration (``t_end_s -
        t_start_s``) is outside the training reps' range for the head's movement, widened
        by :data:`~rehab.quality.ood.DURATION_FACTOR` (the manifest's ``rep_duration_s``):
        the network's number would be noise there.

    Raises
    ------
    ModelFileError
        The shipped weights are missing or fail their checks.
    """
    movement = EXERCISE_MOVEMENT.get(exercise_id)
    bilateral = BILATERAL_EXERCISE_MOVEMENT.get(exercise_id)
    if movement is None and bilateral is None:
        return None
    rows = [(t, r) for t, r in pose_rows if t_start_s <= t <= t_end_s]
    if len(rows) < 2:
        return None
    t_s = np.array([t for t, _ in rows], dtype=float)
    table = np.stack([np.asarray(r, dtype=float) for _, r in rows]).reshape(-1, 33, 4)
    skeleton = from_blazepose(table[..., :3], table[..., 3], t_s)
    try:
        views = (skeleton,) if movement is not None else one_arm_views(skeleton)
        features = [rep_features(view) for view in views]
    except ValidationError as exc:
        _log.debug("no model opinion for the rep at %.2f s: %s", t_start_s, exc)
        return None
    model = _model(Path(manifest))
    head = movement if movement is not None else bilateral
    if not in_training_range(model.duration_ranges, head, t_end_s - t_start_s):
        _log.debug("no model opinion for the rep at %.2f s: %.2f s long, unlike the m%02d "
                   "training reps", t_start_s, t_end_s - t_start_s, head)
        return NoOpinion.UNLIKE_TRAINING
    with _one_thread():
        p = model.probabilities(np.stack([f.positions for f in features]),
                                np.stack([f.angles for f in features]),
                                np.full(len(features), head - 1))
    return float(p.min())
