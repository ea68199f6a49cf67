"""Clinical assessments of a patient: entered, listed and charted per instrument."""

from __future__ import annotations

import datetime as dt

from rehab.errors import ValidationError
from rehab.store import Assessment, NewAssessment, Store
from rehab.store.models import INSTRUMENT_RANGES
from rehab.ui.models.observable import Emitter

INSTRUMENTS = tuple(INSTRUMENT_RANGES)


def parse_score(text: str) -> float:
    """A score typed into the form (comma or point as decimal separator)."""
    try:
        return float(text.strip().replace(",", "."))
    except ValueError as exc:
        raise ValidationError("score", "validation.finite", value=repr(text)) from exc


class AssessmentsModel:
    """The selected patient's assessments."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.patient_id: int | None = None
        self.assessments: list[Assessment] = []
        self.changed = Emitter()

    def load(self, patient_id: int | None) -> None:
        self.patient_id = patient_id
        self.assessments = ([] if patient_id is None
                            else self.store.assessments.for_patient(patient_id))
        self.changed.emit()

    def series(self, instrument: str) -> list[tuple[dt.date, float]]:
        """``(date, score)`` of one instrument, oldest first."""
        return [(dt.date.fromisoformat(a.assessed_on), a.score) for a in self.assessments
                if a.instrument == instrument]

    def add(self, new: NewAssessment) -> Assessment:
        if self.patient_id is None:
            raise ValidationError("patient_id", "console.select_patient")
        assessment = self.store.assessments.add(self.patient_id, new)
        self.load(self.patient_id)
        return assessment
