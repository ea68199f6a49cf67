"""The model's per-rep opinion, with torch loaded on first use (on the session's thread).

Screens and the demo hand :func:`rep_probability` to a session; importing this module
loads nothing heavy, so the console's GUI thread never waits for torch.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def rep_probability(pose_rows: Iterable[tuple[float, np.ndarray]], t_start_s: float,
                    t_end_s: float, exercise_id: str) -> float | None:
    """:func:`rehab.quality.live.rep_probability`, importing it (and torch) when first called.

    Parameters
    ----------
    pose_rows
        ``(t_s, pose row)`` pairs of the set, as the session records them.
    t_start_s, t_end_s
        The rep's start and end on the session clock (s).
    exercise_id
        The library exercise.

    Returns
    -------
    float or None
        The probability (0-1) that the rep's form is correct; None for an exercise the
        model does not know or a rep with too few frames.

    Raises
    ------
    ModelFileError
        The shipped weights are missing or fail their checks.
    """
    from rehab.quality.live import rep_probability as probability

    return probability(pose_rows, t_start_s, t_end_s, exercise_id)
