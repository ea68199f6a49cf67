"""A patient's measures per session and exercise, and the trend of each."""

from __future__ import annotations

from dataclasses import dataclass

from rehab.analytics.trends import MEASURE_RULES, Trend, classify_trend
from rehab.store import SessionProgress

MEASURES = ("max_rom_deg", "mean_form_score", "reps_ratio", "mean_assistance")


def measure_value(row: SessionProgress, measure: str) -> float | None:
    """One measure of one session-exercise row.

    Parameters
    ----------
    row
        The store's progress row of one exercise in one session.
    measure
        One of :data:`MEASURES`.

    Returns
    -------
    float or None
        The value in the measure's units; None when it was not measured.
    """
    if measure == "reps_ratio":
        return row.reps_done / row.reps_prescribed if row.reps_prescribed else None
    return getattr(row, measure)


@dataclass(frozen=True)
class ExerciseProgress:
    """The series of one exercise across sessions, oldest first, with its trends."""

    exercise_id: str
    rows: tuple[SessionProgress, ...]
    trends: dict[str, Trend]

    def series(self, measure: str) -> list[float | None]:
        """The values of ``measure`` (one of :data:`MEASURES`), oldest first."""
        return [measure_value(r, measure) for r in self.rows]


def exercise_progress(rows: list[SessionProgress]) -> dict[str, ExerciseProgress]:
    """Group the store's progress rows by exercise and judge each measure's trend.

    Parameters
    ----------
    rows
        A patient's progress rows, oldest first.

    Returns
    -------
    dict of str to ExerciseProgress
        By exercise id, in the order each exercise first appears.
    """
    by_exercise: dict[str, list[SessionProgress]] = {}
    for row in rows:
        by_exercise.setdefault(row.exercise_id, []).append(row)
    result = {}
    for exercise_id, ex_rows in by_exercise.items():
        trends = {m: classify_trend([measure_value(r, m) for r in ex_rows], MEASURE_RULES[m])
                  for m in MEASURES}
        result[exercise_id] = ExerciseProgress(exercise_id, tuple(ex_rows), trends)
    return result
