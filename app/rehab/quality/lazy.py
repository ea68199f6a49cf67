"""The model's per-rep opinion, with torch loaded on the session's thread.

Screens and the demo hand :data:`rep_probability` to a session; importing this module
loads nothing heavy, so the console's GUI thread never waits for torch. The session calls
:meth:`ModelOpinion.warm_up` on its own thread before it starts, so the first rep does not
wait for torch either (a loop held up for seconds would read as a stalled app).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from rehab.session.events import NoOpinion

_log = logging.getLogger(__name__)

#: One reference rep as the session reads it back: its session's pose rows, start, end.
ReferenceRep = tuple[Sequence[tuple[float, np.ndarray]], float, float]


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

    def with_references(self, references: Mapping[str, Sequence[ReferenceRep]],
                        ) -> ReferencedOpinion:
        """This opinion, but each rep of an exercise in ``references`` is compared with
        the patient's reference reps of it (the model of ``form_quality_ref_v1``).

        Parameters
        ----------
        references
            Exercise id -> the patient's reference reps (pose rows, start, end).

        Returns
        -------
        ReferencedOpinion
            Called as this one; :meth:`ReferencedOpinion.uses_reference` says which
            exercises' reps were compared with a reference.
        """
        return ReferencedOpinion(self, references)


class ReferencedOpinion:
    """The model's opinion with the patient's reference reps (see
    :meth:`ModelOpinion.with_references`); the references are turned into the network's
    input on first use, on the session's thread. An exercise whose reference cannot be
    used (no model head, too few frames with the patient) keeps the reference-free
    opinion, and its reps say so (:meth:`uses_reference` False)."""

    def __init__(self, plain: ModelOpinion,
                 references: Mapping[str, Sequence[ReferenceRep]]) -> None:
        self._plain, self._raw = plain, dict(references)
        self._ready: dict[str, Any] = {}

    def warm_up(self) -> None:
        """As :meth:`ModelOpinion.warm_up`, and the reference model too."""
        from rehab.quality.live import REFERENCE_MANIFEST, warm_up

        warm_up()
        warm_up(REFERENCE_MANIFEST)

    def _reference(self, exercise_id: str) -> Any:
        if exercise_id not in self._ready:
            from rehab.quality.live import reference_from_reps

            try:
                self._ready[exercise_id] = reference_from_reps(self._raw[exercise_id],
                                                               exercise_id)
            except ValueError as exc:
                _log.warning("the reference reps of %s are not used: %s", exercise_id, exc)
                self._ready[exercise_id] = None
        return self._ready[exercise_id]

    def uses_reference(self, exercise_id: str) -> bool:
        """True when reps of ``exercise_id`` are compared with the patient's reference."""
        return exercise_id in self._raw and self._reference(exercise_id) is not None

    def __call__(self, pose_rows: Iterable[tuple[float, np.ndarray]], t_start_s: float,
                 t_end_s: float, exercise_id: str) -> float | NoOpinion | None:
        """As :meth:`ModelOpinion.__call__`, against the reference where there is one."""
        if not self.uses_reference(exercise_id):
            return self._plain(pose_rows, t_start_s, t_end_s, exercise_id)
        from rehab.quality.live import rep_probability as probability

        return probability(pose_rows, t_start_s, t_end_s, exercise_id,
                           reference=self._reference(exercise_id))


rep_probability = ModelOpinion()
"""What the console and the demo hand to their sessions."""
