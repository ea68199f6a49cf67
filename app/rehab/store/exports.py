"""Research exports: each export's record and its random subject labels (schema v5).

The label of a patient in an export is drawn at random for that export and kept only
here, so the clinic can re-identify a subject (for a recall, a withdrawal of consent) and
nobody holding only the export can.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from rehab.store._context import StoreContext
from rehab.store.access import Permission, requires


@dataclass(frozen=True)
class ExportSubject:
    """One patient's label and date shift in one export."""

    patient_id: int
    subject_label: str
    date_shift_days: int


class ExportRepo:
    """The exports made from this database and their subject mappings."""

    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx

    @requires("exports", Permission.EXPORT_DEIDENTIFIED)
    def begin(self, fmt: str, *, identified: bool, dates: str,
              options: dict[str, Any] | None = None) -> tuple[int, str]:
        """Record a new export by the acting user.

        Parameters
        ----------
        fmt
            The export format (``bids``, ``parquet``, ``csv``, ``mcap``, ``fhir``).
        identified
            Whether the export names patients (never for a de-identified export).
        dates
            ``shift`` or ``relative``.
        options
            The export's other options, kept as JSON.

        Returns
        -------
        tuple of (int, str)
            The export's id and its random uid (16 hex digits).

        Raises
        ------
        PermissionDeniedError
            When the acting user may not export (the refusal is audited).
        """
        uid = secrets.token_hex(8)
        with self._ctx.db.atomic():
            cursor = self._ctx.db.execute(
                "INSERT INTO exports (uid, format, identified, dates, created_by, created_at, "
                "options) VALUES (?,?,?,?,?,?,?)",
                (uid, fmt, int(identified), dates, self._ctx.actor_id, self._ctx.now_iso(),
                 json.dumps(options or {}, sort_keys=True, default=str)))
        return cursor.lastrowid, uid

    @requires("exports", Permission.EXPORT_DEIDENTIFIED)
    def add_subjects(self, export_id: int, subjects: list[ExportSubject]) -> None:
        """Keep the labels and shifts of an export's subjects (one transaction).

        Parameters
        ----------
        export_id
            The export, from :meth:`begin`.
        subjects
            Each exported patient's random label and date shift (days).

        Raises
        ------
        PermissionDeniedError
            When the acting user may not export (the refusal is audited).
        """
        with self._ctx.db.atomic():
            self._ctx.db.conn.executemany(
                "INSERT INTO export_subjects (export_id, patient_id, subject_label, "
                "date_shift_days) VALUES (?,?,?,?)",
                [(export_id, s.patient_id, s.subject_label, s.date_shift_days)
                 for s in subjects])

    @requires("exports", Permission.EXPORT_DEIDENTIFIED)
    def subjects(self, export_id: int) -> list[ExportSubject]:
        """The mapping of one export, by patient id.

        Parameters
        ----------
        export_id
            The export, from :meth:`begin`.

        Returns
        -------
        list of ExportSubject
            One per exported patient, by patient id.

        Raises
        ------
        PermissionDeniedError
            When the acting user may not read export mappings (the refusal is audited).
        """
        rows = self._ctx.db.execute(
            "SELECT patient_id, subject_label, date_shift_days FROM export_subjects "
            "WHERE export_id = ? ORDER BY patient_id", (export_id,))
        return [ExportSubject(*r) for r in rows]
