"""A patient's progress: per-session measures, their trends, the sessions table."""

from __future__ import annotations

from dataclasses import dataclass

from rehab.errors import NotFoundError
from rehab.exercises.library import ExerciseLibrary
from rehab.store import SessionProgress, Store
from rehab.ui.models.observable import Emitter
from rehab.ui.models.trends import MEASURE_RULES, Trend, classify_trend

MEASURES = ("max_rom_deg", "mean_form_score", "reps_ratio", "mean_assistance")


def measure_value(row: SessionProgress, measure: str) -> float | None:
    """One measure of one session-exercise row (None when it was not measured)."""
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
        return [measure_value(r, measure) for r in self.rows]


def exercise_progress(rows: list[SessionProgress]) -> dict[str, ExerciseProgress]:
    """Group the store's progress rows by exercise and judge each measure's trend."""
    by_exercise: dict[str, list[SessionProgress]] = {}
    for row in rows:
        by_exercise.setdefault(row.exercise_id, []).append(row)
    result = {}
    for exercise_id, ex_rows in by_exercise.items():
        trends = {m: classify_trend([measure_value(r, m) for r in ex_rows], MEASURE_RULES[m])
                  for m in MEASURES}
        result[exercise_id] = ExerciseProgress(exercise_id, tuple(ex_rows), trends)
    return result


class PatientProgressModel:
    """The progress of the selected patient."""

    def __init__(self, store: Store, library: ExerciseLibrary | None = None) -> None:
        self.store = store
        self.library = library
        self.patient_id: int | None = None
        self.rows: list[SessionProgress] = []
        self.exercises: dict[str, ExerciseProgress] = {}
        self.exercise_id: str | None = None
        self.changed = Emitter()

    def load(self, patient_id: int | None) -> None:
        self.patient_id = patient_id
        self.rows = [] if patient_id is None else self.store.progress(patient_id)
        self.exercises = exercise_progress(self.rows)
        if self.exercise_id not in self.exercises:
            self.exercise_id = self._main_exercise()
        self.changed.emit()

    def _main_exercise(self) -> str | None:
        """The exercise done in most sessions (ties: the one done most recently)."""
        if not self.rows:
            return None
        last_seen = {row.exercise_id: i for i, row in enumerate(self.rows)}
        return max(self.exercises, key=lambda e: (len(self.exercises[e].rows), last_seen[e]))

    def select_exercise(self, exercise_id: str) -> None:
        self.exercise_id = exercise_id
        self.changed.emit()

    def exercise_name(self, exercise_id: str, language: str) -> str:
        """The exercise's name in ``language`` (its id when the library lacks it)."""
        if self.library is None:
            return exercise_id
        try:
            return self.library[exercise_id].names.get(language)
        except NotFoundError:
            return exercise_id

    @property
    def current(self) -> ExerciseProgress | None:
        return self.exercises.get(self.exercise_id) if self.exercise_id else None
