"""The model's per-rep opinion, with torch loaded on the session's thread.

Screens and the demo hand :data:`rep_probability` to a session; importing this module
loads nothing heavy, so the console's GUI thread never waits for torch. The session calls
:meth:`ModelOpinion.warm_up` on its own thread before it starts, so the first rep does not
wait for torch either (a loop held up for seconds would read as a stalled app).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from rehab.session.events import NoOpinion


class ModelOpinion:
    """:func:`rehab.quality.live.rep_probability`, imported (with torch) when first needed."""

    def warm_up(self) -> None:
        """Import torch and load the weights now.

        Raises
        ------
        ModelFileError
            The shipped weights are missing or fail their checks.
        """
        from rehab.quality.live import warm_up

        warm_up()

    def __call__(self, pose_rows: Iterable[tuple[float, np.ndarray]], t_start_s: float,
                 t_end_s: float, exercise_id: str) -> float | NoOpinion | None:
        """The probability (0-1) that the rep's form is correct.

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
        float or NoOpinion or None
            None for an exercise the model does not know or a rep with too few frames;
            :data:`NoOpinion.UNLIKE_TRAINING` for a rep unlike the training reps.

        Raises
        ------
        ModelFileError
            The shipped weights are missing or fail their checks.
        """
        from rehab.quality.live import rep_probability as probability

        return probability(pose_rows, t_start_s, t_end_s, exercise_id)


rep_probability = ModelOpinion()
"""What the console and the demo hand to their sessions."""
