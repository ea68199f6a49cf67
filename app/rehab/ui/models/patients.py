"""The patient list: search, register, edit, deactivate; de-identified for researchers."""

from __future__ import annotations

from rehab.errors import ValidationError
from rehab.store import NewPatient, Patient, PseudonymousPatient, Sex, Side, Store
from rehab.store.access import Permission
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

    What is listed follows the store's acting user (the store enforces it, this model only
    asks for what the role may see): a therapist or admin gets :attr:`patients` (names,
    birth years, diagnoses); a researcher gets :attr:`pseudonymous` (codes, age bands) and
    can select nobody; nobody logged in gets neither, without asking the store.

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
        self.pseudonymous: list[PseudonymousPatient] = []
        self.selected: Patient | None = None
        self.changed = Emitter()  # the list changed
        self.selection_changed = Emitter()  # (Patient | None)
        self.refresh()

    @property
    def identified(self) -> bool:
        """Whether the acting user may see who the patients are (names, birth years)."""
        return self.store.actor.holds(Permission.PATIENTS_READ)

    @property
    def de_identified(self) -> bool:
        """Whether the acting user sees the de-identified list only (a researcher)."""
        return not self.identified and self.store.actor.holds(Permission.RESEARCH_READ)

    def set_store(self, store: Store) -> None:
        """Act for another user (a login or logout): list again, select nobody."""
        self.store = store
        self.select(None)
        self.refresh()

    def refresh(self) -> None:
        self.patients, self.pseudonymous = [], []
        if self.identified:
            self.patients = self.store.patients.search(
                self.query, include_inactive=self.include_inactive)
        elif self.de_identified:
            query = self.query.strip().upper()
            self.pseudonymous = [p for p in self.store.patients.pseudonymous(
                include_inactive=self.include_inactive) if query in p.code.upper()]
        else:
            self.selected = None
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
        patient = (None if patient_id is None or not self.identified
                   else self.store.patients.get(patient_id))
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
