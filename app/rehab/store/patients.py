"""Patients: registration, search, edits, deactivation; each with a pseudonymous code."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import sqlite3

from rehab.errors import NotFoundError, StoreError
from rehab.store._context import StoreContext
from rehab.store.access import Permission, requires
from rehab.store.models import (
    NewPatient,
    Patient,
    PatientDisplay,
    PseudonymousPatient,
    Sex,
    Side,
    age_band,
)

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: codes are read aloud and copied by hand.
_CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
_CODE_LENGTH = 6
_COLUMNS = ("id, code, name, birth_year, sex, affected_side, diagnosis, notes, active, "
            "created_at")


def new_patient_code() -> str:
    """A random pseudonymous code such as ``P-7KQ3M9`` (25**6, about 2.4e8 codes).

    Returns
    -------
    str
        ``P-`` and 6 characters from an alphabet without look-alikes (no 0/O, 1/I/L,
        5/S, 2/Z, 8/B), drawn with :mod:`secrets`; not checked for uniqueness here.
    """
    return "P-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))


def _patient(row: tuple) -> Patient:
    return Patient(row[0], row[1], row[2], row[3], Sex(row[4]), Side(row[5]), row[6], row[7],
                   bool(row[8]), row[9])


class PatientRepo:
    """The centre's patients.

    Parameters
    ----------
    ctx
        The open store's shared state: database, clock and the acting user whose
        permissions every operation checks.
    """

    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx

    @requires("patients", Permission.PATIENTS_WRITE)
    def add(self, new: NewPatient) -> Patient:
        """Register a patient under a fresh pseudonymous code.

        Parameters
        ----------
        new
            The patient's details (validated by :class:`NewPatient` itself: birth year
            1900-2100, and so on).

        Returns
        -------
        Patient
            The new record, active, with its id and code.

        Raises
        ------
        StoreError
            The insert failed for another reason than a code collision, or 10 codes in a
            row were already taken.
        PermissionDeniedError
            The store's acting user lacks ``patients.write`` (the refusal is audited).
        """
        db = self._ctx.db
        for _attempt in range(10):
            code = new_patient_code()
            try:
                with db.atomic():
                    cursor = db.execute(
                        "INSERT INTO patients (code, name, birth_year, sex, affected_side, "
                        "diagnosis, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (code, new.name, new.birth_year, str(new.sex), str(new.affected_side),
                         new.diagnosis, new.notes, self._ctx.now_iso()),
                    )
                    self._ctx.audit("create", "patient", cursor.lastrowid, code=code)
            except sqlite3.IntegrityError as exc:
                if "patients.code" not in str(exc):
                    raise StoreError(f"cannot add patient: {exc}") from exc
                continue  # a code collision: draw again
            return self._get(cursor.lastrowid)
        raise StoreError("could not draw an unused patient code in 10 attempts")

    @requires("patients", Permission.PATIENTS_READ)
    def get(self, patient_id: int) -> Patient:
        """Open a patient's record (audited: who looked at this patient).

        Parameters
        ----------
        patient_id
            The patient's record id.

        Returns
        -------
        Patient
            The full record (active or not).

        Raises
        ------
        NotFoundError
            No patient with ``patient_id``.
        PermissionDeniedError
            The store's acting user lacks ``patients.read`` (the refusal is audited).
        """
        patient = self._get(patient_id)
        self._audit_view(patient.id)
        return patient

    def _audit_view(self, patient_id: int) -> None:
        with self._ctx.db.atomic():
            self._ctx.audit("view", "patient", patient_id)

    def _get(self, patient_id: int) -> Patient:
        row = self._ctx.db.execute(f"SELECT {_COLUMNS} FROM patients WHERE id = ?",
                                   (patient_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no patient with id {patient_id}")
        return _patient(row)

    @requires("patients", Permission.PATIENTS_READ)
    def by_code(self, code: str) -> Patient:
        """Open a patient's record by pseudonymous code (audited as a view).

        Parameters
        ----------
        code
            The code, such as ``P-7KQ3M9``; surrounding spaces and case are ignored.

        Returns
        -------
        Patient
            The full record (active or not).

        Raises
        ------
        NotFoundError
            No patient with ``code``.
        PermissionDeniedError
            The store's acting user lacks ``patients.read`` (the refusal is audited).
        """
        row = self._ctx.db.execute(f"SELECT {_COLUMNS} FROM patients WHERE code = ?",
                                   (code.strip().upper(),)).fetchone()
        if row is None:
            raise NotFoundError(f"no patient with code {code}")
        self._audit_view(row[0])
        return _patient(row)

    @requires("patients", Permission.RESEARCH_READ)
    def pseudonymous(self, *, include_inactive: bool = False) -> list[PseudonymousPatient]:
        """Every patient de-identified: code, age band, sex, affected side; by code.

        What a researcher may see: no name, birth year, diagnosis or notes.

        Parameters
        ----------
        include_inactive
            Also list deactivated patients (default: active ones only).

        Returns
        -------
        list of PseudonymousPatient
            Ordered by code; the age band is from this year minus the birth year.

        Raises
        ------
        PermissionDeniedError
            The store's acting user lacks ``research.read`` (the refusal is audited).
        """
        year = self._ctx.wall_clock().year
        rows = self._ctx.db.execute(
            "SELECT code, birth_year, sex, affected_side, active FROM patients "
            "WHERE active = 1 OR ? ORDER BY code", (int(include_inactive),))
        return [PseudonymousPatient(r[0], age_band(year - r[1]), Sex(r[2]), Side(r[3]),
                                    bool(r[4])) for r in rows]

    @requires("patients", Permission.RESEARCH_READ)
    def id_of_code(self, code: str) -> int:
        """The record id behind a pseudonymous code (to read its sessions and progress).

        Parameters
        ----------
        code
            The code, such as ``P-7KQ3M9``; surrounding spaces and case are ignored.

        Returns
        -------
        int
            The patient's record id.

        Raises
        ------
        NotFoundError
            No patient with ``code``.
        PermissionDeniedError
            The store's acting user lacks ``research.read`` (the refusal is audited).
        """
        row = self._ctx.db.execute("SELECT id FROM patients WHERE code = ?",
                                   (code.strip().upper(),)).fetchone()
        if row is None:
            raise NotFoundError(f"no patient with code {code}")
        return row[0]

    @requires("patients", Permission.PATIENTS_READ, Permission.EXPORT_DEIDENTIFIED)
    def age_on(self, patient_id: int, day: dt.date) -> int:
        """The patient's age in whole years on ``day``, from the birth year alone.

        An upper bound, never negative: what a de-identified export states instead of the
        birth year (it caps it at 89).

        Parameters
        ----------
        patient_id
            The patient's record id.
        day
            The date to state the age on (only its year is used).

        Returns
        -------
        int
            ``day.year`` minus the birth year, in years, at least 0 (not capped here).

        Raises
        ------
        NotFoundError
            No patient with ``patient_id``.
        PermissionDeniedError
            The store's acting user lacks both ``patients.read`` and
            ``exports.deidentified`` (the refusal is audited).
        """
        row = self._ctx.db.execute("SELECT birth_year FROM patients WHERE id = ?",
                                   (patient_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no patient with id {patient_id}")
        return max(day.year - row[0], 0)

    @requires("patients", Permission.PATIENTS_READ)
    def search(self, text: str = "", *, include_inactive: bool = False) -> list[Patient]:
        """Patients whose name, code or diagnosis contains ``text`` (any case), by name.

        Parameters
        ----------
        text
            The text to look for (stripped; a SQL ``LIKE`` pattern, so ``%`` and ``_`` are
            wildcards); empty (the default) matches every patient.
        include_inactive
            Also list deactivated patients (default: active ones only).

        Returns
        -------
        list of Patient
            Ordered by name, then id. Not audited as views.

        Raises
        ------
        PermissionDeniedError
            The store's acting user lacks ``patients.read`` (the refusal is audited).
        """
        pattern = f"%{text.strip()}%"
        rows = self._ctx.db.execute(
            f"SELECT {_COLUMNS} FROM patients WHERE (name LIKE ?1 OR code LIKE ?1 "
            "OR diagnosis LIKE ?1) AND (active = 1 OR ?2) ORDER BY name, id",
            (pattern, int(include_inactive)),
        )
        return [_patient(r) for r in rows]

    @requires("patients", Permission.PATIENTS_WRITE)
    def update(self, patient_id: int, new: NewPatient) -> Patient:
        """Replace the editable fields of a patient (the code never changes).

        The audit names the fields that changed, not their values.

        Parameters
        ----------
        patient_id
            The patient's record id.
        new
            The new details (validated by :class:`NewPatient` itself).

        Returns
        -------
        Patient
            The updated record.

        Raises
        ------
        NotFoundError
            No patient with ``patient_id``.
        PermissionDeniedError
            The store's acting user lacks ``patients.write`` (the refusal is audited).
        """
        before = self._get(patient_id)
        changes = {k: v for k, v in dataclasses.asdict(new).items()
                   if getattr(before, k) != v}
        with self._ctx.db.atomic():
            self._ctx.db.execute(
                "UPDATE patients SET name=?, birth_year=?, sex=?, affected_side=?, "
                "diagnosis=?, notes=? WHERE id=?",
                (new.name, new.birth_year, str(new.sex), str(new.affected_side), new.diagnosis,
                 new.notes, patient_id),
            )
            self._ctx.audit("update", "patient", patient_id, fields=sorted(changes))
        return self._get(patient_id)

    @requires("patients", Permission.PATIENTS_WRITE)
    def set_active(self, patient_id: int, active: bool) -> Patient:
        """Deactivate (or reactivate) a patient; their records stay.

        Parameters
        ----------
        patient_id
            The patient's record id.
        active
            False to deactivate, True to reactivate.

        Returns
        -------
        Patient
            The updated record.

        Raises
        ------
        NotFoundError
            No patient with ``patient_id``.
        PermissionDeniedError
            The store's acting user lacks ``patients.write`` (the refusal is audited).
        """
        self._get(patient_id)
        with self._ctx.db.atomic():
            self._ctx.db.execute("UPDATE patients SET active=? WHERE id=?",
                                 (int(active), patient_id))
            self._ctx.audit("activate" if active else "deactivate", "patient", patient_id)
        return self._get(patient_id)

    @requires("patients", Permission.PATIENTS_READ)
    def display(self, patient_id: int) -> PatientDisplay:
        """How the patient's screen should look for them (the defaults until set).

        Parameters
        ----------
        patient_id
            The patient's record id.

        Returns
        -------
        PatientDisplay
            The stored settings, or ``PatientDisplay()`` when none were stored.

        Raises
        ------
        NotFoundError
            No patient with ``patient_id``.
        PermissionDeniedError
            The store's acting user lacks ``patients.read`` (the refusal is audited).
        """
        self._get(patient_id)
        row = self._ctx.db.execute("SELECT high_contrast, large_text FROM patient_display "
                                   "WHERE patient_id = ?", (patient_id,)).fetchone()
        return PatientDisplay() if row is None else PatientDisplay(bool(row[0]), bool(row[1]))

    @requires("patients", Permission.PATIENTS_WRITE)
    def set_display(self, patient_id: int, display: PatientDisplay) -> PatientDisplay:
        """Store the patient's screen settings (high contrast, large text).

        Parameters
        ----------
        patient_id
            The patient's record id.
        display
            The settings; replaces any stored before.

        Returns
        -------
        PatientDisplay
            The settings as stored, read back.

        Raises
        ------
        NotFoundError
            No patient with ``patient_id``.
        PermissionDeniedError
            The store's acting user lacks ``patients.write`` (or, for the read-back,
            ``patients.read``); the refusal is audited.
        """
        self._get(patient_id)
        with self._ctx.db.atomic():
            self._ctx.db.execute(
                "INSERT INTO patient_display (patient_id, high_contrast, large_text, "
                "updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (patient_id) DO UPDATE SET "
                "high_contrast = excluded.high_contrast, large_text = excluded.large_text, "
                "updated_at = excluded.updated_at",
                (patient_id, int(display.high_contrast), int(display.large_text),
                 self._ctx.now_iso()))
            self._ctx.audit("update", "patient_display", patient_id,
                            high_contrast=display.high_contrast, large_text=display.large_text)
        return self.display(patient_id)
