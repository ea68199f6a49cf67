"""UI-PRMD sets for tests: the ten files of one movement and subject, concatenated in time.

Each UI-PRMD file is one repetition, so a concatenated set holds a known number of reps
(see tests/exercises/test_ui_prmd.py). Tests that use it skip when the data is absent.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pytest

from rehab.vision.skeleton import SkeletonSeries

from .test_ui_prmd import UI_PRMD

_MARKS = (
    pytest.mark.needs_data,
    pytest.mark.skipif(not (UI_PRMD / "kinect").is_dir(), reason=f"UI-PRMD not found at {UI_PRMD}"),
)


def needs_ui_prmd(test: Callable[..., None]) -> Callable[..., None]:
    """Mark a test as needing UI-PRMD, skipped (with the reason) where it is absent.

    Returns
    -------
    callable
        The marked test.
    """
    for mark in _MARKS:
        test = mark(test)
    return test


@functools.cache
def concatenated_set(movement: int, subject: int, correct: bool = True) -> SkeletonSeries:
    """The set's skeleton: its files one after the other, 1/30 s apart."""
    from rehab.datasets.ui_prmd import find_episodes, load_episode

    parts, t0 = [], 0.0
    for ep in find_episodes(UI_PRMD, movement, subject=subject, correct=correct):
        sk = load_episode(ep, t0_s=t0)
        parts.append(sk)
        t0 = float(sk.t_s[-1]) + 1.0 / 30.0
    return SkeletonSeries(
        t_s=np.concatenate([p.t_s for p in parts]),
        xyz_m=np.concatenate([p.xyz_m for p in parts]),
        visibility=np.concatenate([p.visibility for p in parts]),
        source="ui_prmd",
    )
