"""UI-PRMD's reps as arrays for the learned model (training and evaluation only)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rehab.datasets.ui_prmd import (
    UI_PRMD_RATE_HZ,
    find_episodes,
    load_episode,
    read_ui_prmd_table,
)
from rehab.errors import NotFoundError
from rehab.quality.features import rep_features

__all__ = ["RepSet", "held_out_reference", "load_ui_prmd_reps", "reference_for",
           "ui_prmd_durations"]


@dataclass(frozen=True)
class RepSet:
    """Prepared reps, one row each.

    Parameters
    ----------
    positions
        ``(R, N_FRAMES, 18, 3)`` float32 normalised positions.
    angles
        ``(R, N_FRAMES, N_ANGLES)`` float32 angles (units of 90 degrees).
    movement
        ``(R,)`` 0-based movement index (m01 -> 0).
    subject
        ``(R,)`` subject number (s01 -> 1).
    correct
        ``(R,)`` 1 for correct reps, 0 for the deliberately incorrect ones.
    """

    positions: np.ndarray
    angles: np.ndarray
    movement: np.ndarray
    subject: np.ndarray
    correct: np.ndarray

    def __len__(self) -> int:
        return len(self.correct)

    def select(self, mask: np.ndarray) -> RepSet:
        """The reps where ``mask`` is true."""
        return RepSet(self.positions[mask], self.angles[mask], self.movement[mask],
                      self.subject[mask], self.correct[mask])


def load_ui_prmd_reps(root: Path, subjects: tuple[int, ...] = tuple(range(1, 8)),
                      movements: tuple[int, ...] = tuple(range(1, 11))) -> RepSet:
    """Every correct and incorrect rep of ``movements`` by ``subjects``, prepared.

    Raises
    ------
    NotFoundError
        No UI-PRMD data under ``root``, or none for these subjects.
    """
    pos, ang, mov, subj, corr = [], [], [], [], []
    for movement in movements:
        for correct in (True, False):
            for episode in find_episodes(Path(root), movement, correct=correct):
                if episode.subject not in subjects:
                    continue
                features = rep_features(load_episode(episode))
                pos.append(features.positions)
                ang.append(features.angles)
                mov.append(movement - 1)
                subj.append(episode.subject)
                corr.append(int(correct))
    if not pos:
        raise NotFoundError(f"no UI-PRMD reps of subjects {subjects} under {root}")
    return RepSet(np.stack(pos), np.stack(ang), np.array(mov), np.array(subj),
                  np.array(corr, dtype=np.float32))


def ui_prmd_durations(root: Path, subjects: Iterable[int],
                      movements: Iterable[int] = range(1, 11)) -> list[tuple[int, float]]:
    """``(movement, duration_s)`` of every correct and incorrect UI-PRMD rep of ``subjects``.

    A rep of ``n`` frames at 30 Hz lasts ``(n - 1) / 30`` s, as
    :func:`~rehab.datasets.ui_prmd.load_episode` times it.

    Parameters
    ----------
    root
        The UI-PRMD folder (the one holding ``kinect/``).
    subjects
        Subject numbers (s01 -> 1).
    movements
        Movement numbers (m01 -> 1).

    Returns
    -------
    list
        ``(movement, duration_s)`` per rep.

    Raises
    ------
    NotFoundError
        No UI-PRMD data under ``root``.
    """
    wanted = set(subjects)
    out = []
    for movement in movements:
        for correct in (True, False):
            for episode in find_episodes(Path(root), movement, correct=correct):
                if episode.subject in wanted:
                    n = len(read_ui_prmd_table(episode.positions_path))
                    out.append((movement, (n - 1) / UI_PRMD_RATE_HZ))
    return out


def reference_for(reps: RepSet, index: np.ndarray, n_reference: int,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Each rep's training reference: the mean of ``n_reference`` other correct reps of
    the same subject and movement, drawn at random (fewer if the subject has fewer).

    Parameters
    ----------
    reps
        The training reps.
    index
        Rows of ``reps`` that need a reference.
    n_reference
        Reps averaged into one reference.
    rng
        Draws the reps.

    Returns
    -------
    tuple
        Positions ``(len(index), N_FRAMES, 18, 3)`` and angles ``(len(index), N_FRAMES, A)``.

    Raises
    ------
    ValueError
        A rep's subject has no other correct rep of its movement.
    """
    pos, ang = [], []
    for i in index:
        pool = np.flatnonzero((reps.subject == reps.subject[i])
                              & (reps.movement == reps.movement[i]) & (reps.correct > 0.5))
        pool = pool[pool != i]
        if len(pool) == 0:
            raise ValueError(f"rep {i} (subject {reps.subject[i]}, movement "
                             f"{reps.movement[i] + 1}) has no other correct rep to refer to")
        pick = rng.choice(pool, size=min(n_reference, len(pool)), replace=False)
        pos.append(reps.positions[pick].mean(axis=0))
        ang.append(reps.angles[pick].mean(axis=0))
    return np.stack(pos).astype(np.float32), np.stack(ang).astype(np.float32)


def held_out_reference(reps: RepSet, n_reference: int,
                       ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """How a held-out subject is scored with references: per movement, the mean of their
    first ``n_reference`` correct reps (UI-PRMD's episodes e01.., in file order, as a
    therapist would take a patient's first guided reps) is every rep's reference, and
    those reps are not scored.

    Returns
    -------
    tuple
        ``scored`` (bool mask over ``reps``) and ``reference``: positions and angles per
        rep, as :func:`reference_for` gives them.

    Raises
    ------
    ValueError
        A subject and movement has no correct rep left to build the reference from.
    """
    scored = np.ones(len(reps), dtype=bool)
    ref_pos = np.zeros_like(reps.positions)
    ref_ang = np.zeros_like(reps.angles)
    for subject in sorted(set(reps.subject.tolist())):
        for movement in sorted(set(reps.movement[reps.subject == subject].tolist())):
            rows = np.flatnonzero((reps.subject == subject) & (reps.movement == movement))
            first = rows[reps.correct[rows] > 0.5][:n_reference]
            if len(first) == 0:
                raise ValueError(f"subject {subject}, movement {movement + 1}: no correct "
                                 "rep to build the reference from")
            scored[first] = False
            ref_pos[rows] = reps.positions[first].mean(axis=0)
            ref_ang[rows] = reps.angles[first].mean(axis=0)
    return scored, (ref_pos, ref_ang)
