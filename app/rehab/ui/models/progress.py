"""The console's view of a patient's progress (the measures and trends: :mod:`rehab.analytics`)."""

from __future__ import annotations

from rehab.analytics import ExerciseProgress, exercise_progress
from rehab.exercises.library import ExerciseLibrary
from rehab.store import SessionProgress, Store
from rehab.ui.models.observable import Emitter


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

    def patient_code(self) -> str | None:
        """The selected patient's code (what a printed report is asked for by)."""
        return None if self.patient_id is None else self.store.patients.get(
            self.patient_id).code

    def select_exercise(self, exercise_id: str) -> None:
        self.exercise_id = exercise_id
        self.changed.emit()

    def exercise_name(self, exercise_id: str, language: str) -> str:
        """The exercise's name in ``language`` (its id without the library, or when the
        library lacks it)."""
        return exercise_id if self.library is None else self.library.name(exercise_id,
                                                                          language)

    @property
    def current(self) -> ExerciseProgress | None:
        return self.exercises.get(self.exercise_id) if self.exercise_id else None
