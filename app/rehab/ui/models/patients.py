"""The patient list: search, register, edit, deactivate."""

from __future__ import annotations

from rehab.errors import ValidationError
from rehab.store import NewPatient, Patient, Sex, Side, Store
from rehab.ui.models.observable import Emitter


def parse_birth_year(text: str) -> int:
    """The birth year typed into a form, as a whole number.

    Raises
    ------
    ValidationError
        ``birth_year`` is not a whole number (the range is checked by :class:`NewPatient`).
    """
    try:
        return int(text.strip())
    except ValueError as exc:
        raise ValidationError("birth_year", "validation.whole_year") from exc


def patient_from_form(*, name: str, birth_year: str, sex: str, affected_side: str,
                      diagnosis: str = "", notes: str = "") -> NewPatient:
    """Build a validated :class:`NewPatient` from form texts (names kept as typed, trimmed)."""
    return NewPatient(name=name.strip(), birth_year=parse_birth_year(birth_year),
                      sex=Sex(sex), affected_side=Side(affected_side),
                      diagnosis=diagnosis.strip(), notes=notes.strip())


class PatientListModel:
    """The centre's patients as the console lists them, and the selected one.

    Parameters
    ----------
    store
        The open store (used from the GUI thread only: the queries are indexed and short).
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.query = ""
        self.include_inactive = False
        self.patients: list[Patient] = []
        self.selected: Patient | None = None
        self.changed = Emitter()  # the list changed
        self.selection_changed = Emitter()  # (Patient | None)
        self.refresh()

    def refresh(self) -> None:
        self.patients = self.store.patients.search(self.query,
                                                    include_inactive=self.include_inactive)
        if self.selected is not None:
            self.selected = next((p for p in self.patients if p.id == self.selected.id),
                                 self.store.patients.get(self.selected.id))
        self.changed.emit()

    def set_query(self, text: str) -> None:
        self.query = text
        self.refresh()

    def set_include_inactive(self, include: bool) -> None:
        self.include_inactive = include
        self.refresh()

    def select(self, patient_id: int | None) -> None:
        patient = None if patient_id is None else self.store.patients.get(patient_id)
        if patient != self.selected:
            self.selected = patient
            self.selection_changed.emit(patient)

    def add(self, new: NewPatient) -> Patient:
        """Register ``new``, list it and select it."""
        patient = self.store.patients.add(new)
        self.refresh()
        self.select(patient.id)
        return patient

    def update(self, patient_id: int, new: NewPatient) -> Patient:
        patient = self.store.patients.update(patient_id, new)
        self.refresh()
        if self.selected is not None and self.selected.id == patient_id:
            self.selected = patient
            self.selection_changed.emit(patient)
        return patient

    def set_active(self, patient_id: int, active: bool) -> Patient:
        """Deactivate or reactivate; a deactivated patient leaves the list unless shown."""
        patient = self.store.patients.set_active(patient_id, active)
        self.refresh()
        if self.selected is not None and self.selected.id == patient_id:
            self.selected = patient
            self.selection_changed.emit(patient)
        return patient
