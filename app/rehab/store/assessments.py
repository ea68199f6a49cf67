"""Clinical assessments (Fugl-Meyer UE motor, Box and Block, TUG, pain NRS)."""

from __future__ import annotations

from rehab.store._context import StoreContext
from rehab.store.access import Permission, requires
from rehab.store.models import Assessment, NewAssessment


class AssessmentRepo:
    """Standardised clinical scores, dated, with their assessor."""

    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx

    @requires("assessments", Permission.ASSESSMENTS_WRITE)
    def add(self, patient_id: int, new: NewAssessment) -> Assessment:
        """Record a score; the assessor is the acting user.

        Parameters
        ----------
        patient_id
            An existing patient's id.
        new
            The instrument, score, date and notes.

        Returns
        -------
        Assessment
            The stored assessment.

        Raises
        ------
        PermissionDeniedError
            When the acting user lacks the permission (the refusal is audited).
        ValidationError
            When the patient does not exist.
        """
        self._ctx.require_row("patients", patient_id, "patient_id")
        with self._ctx.db.atomic():
            cursor = self._ctx.db.execute(
                "INSERT INTO assessments (patient_id, instrument, score, assessed_on, "
                "assessor_id, notes) VALUES (?,?,?,?,?,?)",
                (patient_id, new.instrument, new.score, new.assessed_on, self._ctx.actor_id,
                 new.notes))
            self._ctx.audit("create", "assessment", cursor.lastrowid, patient_id=patient_id,
                            instrument=new.instrument)
        return self.for_patient(patient_id, assessment_id=cursor.lastrowid)[0]

    @requires("assessments", Permission.ASSESSMENTS_READ, Permission.EXPORT_DEIDENTIFIED)
    def for_patient(self, patient_id: int, *, instrument: str | None = None,
                    assessment_id: int | None = None) -> list[Assessment]:
        """A patient's assessments by date, optionally of one instrument.

        For a user who may only read de-identified data (a researcher exporting), the
        notes come back empty.

        Parameters
        ----------
        patient_id
            The patient's id.
        instrument
            Only this instrument; None for all.
        assessment_id
            Only this assessment; None for all.

        Returns
        -------
        list of Assessment
            By assessment date, then id; empty when there is none.

        Raises
        ------
        PermissionDeniedError
            When the acting user lacks the permission (the refusal is audited).
        """
        rows = self._ctx.db.execute(
            "SELECT instrument, score, assessed_on, notes, id, patient_id, assessor_id "
            "FROM assessments WHERE patient_id = ? AND (?2 IS NULL OR instrument = ?2) "
            "AND (?3 IS NULL OR id = ?3) ORDER BY assessed_on, id",
            (patient_id, instrument, assessment_id))
        identified = self._ctx.actor.holds(Permission.ASSESSMENTS_READ)
        return [Assessment(*r) if identified else Assessment(r[0], r[1], r[2], "", *r[4:])
                for r in rows]
