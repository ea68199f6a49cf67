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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from rehab.errors import ValidationError
from rehab.quality.features import (
    BILATERAL_EXERCISE_MOVEMENT,
    EXERCISE_MOVEMENT,
    RepFeatures,
    one_arm_views,
    rep_features,
)
from rehab.quality.ood import in_training_range
from rehab.quality.weights import QualityModel, load_model
from rehab.session.events import NoOpinion
from rehab.vision.skeleton import from_blazepose

__all__ = ["DEFAULT_MANIFEST", "REFERENCE_MANIFEST", "Reference", "reference_from_reps",
           "rep_probability", "warm_up"]

_log = logging.getLogger(__name__)

#: The shipped model (trained on UI-PRMD s01-s07; see its model card), package data of
#: ``rehab.quality`` (``setup.cfg``'s ``package_data``), so that it is found the same way
#: in a checkout and in a ``pip install .`` that copies the package into site-packages.
DEFAULT_MANIFEST = Path(str(importlib.resources.files("rehab.quality") / "models"
                            / "form_quality_v1.json"))
#: The model that compares each rep with the patient's own reference reps
#: (``form_quality_ref_v1``; see its model card).
REFERENCE_MANIFEST = DEFAULT_MANIFEST.with_name("form_quality_ref_v1.json")

PoseRows = Iterable[tuple[float, np.ndarray]]


@dataclass(frozen=True)
class Reference:
    """A patient's reference for one exercise: the mean of a few of their reps known to be
    correct, as the network's input (:func:`reference_from_reps`).

    Parameters
    ----------
    exercise_id
        The exercise the reps are of.
    positions, angles
        ``(V, N_FRAMES, 18, 3)`` and ``(V, N_FRAMES, A)``: one mean per view the exercise
        is scored in (one; two for an exercise that moves both arms, each arm's view).
    n_reps
        How many reps were averaged.
    """

    exercise_id: str
    positions: np.ndarray
    angles: np.ndarray
    n_reps: int


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


def rep_probability(pose_rows: PoseRows, t_start_s: float, t_end_s: float,
                    exercise_id: str, *, manifest: Path = DEFAULT_MANIFEST,
                    reference: Reference | None = None,
                    reference_manifest: Path = REFERENCE_MANIFEST,
                    ) -> float | NoOpinion | None:
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
    reference
        The patient's reference for this exercise (:func:`reference_from_reps`): the rep
        is then scored by ``reference_manifest``'s network, which compares it with the
        reference, instead of ``manifest``'s.
    reference_manifest
        The model that reads a reference.

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
    ValueError
        ``reference`` is of another exercise.
    """
    head = _head(exercise_id)
    if head is None:
        return None
    features = _views(pose_rows, t_start_s, t_end_s, exercise_id)
    if features is None:
        return None
    if reference is not None and reference.exercise_id != exercise_id:
        raise ValueError(f"a reference of {reference.exercise_id!r} given for a rep of "
                         f"{exercise_id!r}")
    model = _model(Path(manifest if reference is None else reference_manifest))
    if not in_training_range(model.duration_ranges, head, t_end_s - t_start_s):
        _log.debug("no model opinion for the rep at %.2f s: %.2f s long, unlike the m%02d "
                   "training reps", t_start_s, t_end_s - t_start_s, head)
        return NoOpinion.UNLIKE_TRAINING
    ref = None if reference is None else (reference.positions, reference.angles)
    with _one_thread():
        p = model.probabilities(np.stack([f.positions for f in features]),
                                np.stack([f.angles for f in features]),
                                np.full(len(features), head - 1), ref)
    return float(p.min())


def _head(exercise_id: str) -> int | None:
    """The UI-PRMD movement (1-based) whose head scores the exercise, or None."""
    movement = EXERCISE_MOVEMENT.get(exercise_id)
    return movement if movement is not None else BILATERAL_EXERCISE_MOVEMENT.get(exercise_id)


def _views(pose_rows: PoseRows, t_start_s: float, t_end_s: float,
           exercise_id: str) -> list[RepFeatures] | None:
    """The rep's features, one per view the exercise is scored in; None with too few frames."""
    rows = [(t, r) for t, r in pose_rows if t_start_s <= t <= t_end_s]
    if len(rows) < 2:
        return None
    t_s = np.array([t for t, _ in rows], dtype=float)
    table = np.stack([np.asarray(r, dtype=float) for _, r in rows]).reshape(-1, 33, 4)
    skeleton = from_blazepose(table[..., :3], table[..., 3], t_s)
    try:
        views = (skeleton,) if exercise_id in EXERCISE_MOVEMENT else one_arm_views(skeleton)
        return [rep_features(view) for view in views]
    except ValidationError as exc:
        _log.debug("no model features for the rep at %.2f s: %s", t_start_s, exc)
        return None


def reference_from_reps(reps: Iterable[tuple[PoseRows, float, float]],
                        exercise_id: str) -> Reference:
    """A patient's reference for ``exercise_id`` from reps of theirs known to be correct.

    Parameters
    ----------
    reps
        Per rep: the pose rows of its session (as :func:`rep_probability` takes them) and
        the rep's start and end on that session's clock.
    exercise_id
        The exercise the reps are of (one with a model head).

    Returns
    -------
    Reference
        The mean of the reps' features, per view.

    Raises
    ------
    ValueError
        The exercise has no model head, or no rep has enough frames with the patient.
    """
    if _head(exercise_id) is None:
        raise ValueError(f"{exercise_id!r} has no model head to compare reps with a reference")
    features = [f for rows, t0, t1 in reps
                if (f := _views(rows, t0, t1, exercise_id)) is not None]
    if not features:
        raise ValueError(f"no reference rep of {exercise_id!r} has enough frames with the "
                         "patient in them")
    return Reference(exercise_id,
                     np.mean([[v.positions for v in f] for f in features], axis=0,
                             dtype=np.float64).astype(np.float32),
                     np.mean([[v.angles for v in f] for f in features], axis=0,
                             dtype=np.float64).astype(np.float32),
                     len(features))
