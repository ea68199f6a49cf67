"""The numbers behind a patient's progress view, one query."""

from __future__ import annotations

from dataclasses import dataclass

from rehab.store._context import StoreContext


@dataclass(frozen=True)
class SessionProgress:
    """One exercise of one session, as the progress view shows it.

    Attributes
    ----------
    max_rom_deg, target_rom_deg
        Best range of motion reached vs the prescribed target (deg); ``max_rom_deg`` is
        None when no rep was recorded.
    mean_form_score
        0-100, None without reps.
    reps_done, reps_prescribed
        Counted reps vs the sum of the sets' targets.
    mean_assistance
        Mean robot assistance 0-1 over the reps that recorded it, else None.
    """

    session_id: int
    started_at: str
    status: str
    exercise_id: str
    max_rom_deg: float | None
    target_rom_deg: float
    mean_form_score: float | None
    reps_done: int
    reps_prescribed: int
    mean_assistance: float | None


# Sets are aggregated before reps are joined, so a set's target is counted once however
# many reps it has; reps aggregate through the covering index reps_session.
_PROGRESS_SQL = """
WITH set_totals AS (
    SELECT st.session_id, st.exercise_id, SUM(st.reps_target) AS reps_prescribed,
           MAX(st.target_rom_deg) AS target_rom_deg
    FROM sets st JOIN sessions s ON s.id = st.session_id
    WHERE s.patient_id = :patient_id
    GROUP BY st.session_id, st.exercise_id
), rep_totals AS (
    SELECT st.session_id, st.exercise_id, MAX(r.rom_deg) AS max_rom_deg,
           AVG(r.form_score) AS mean_form_score, COUNT(*) AS reps_done,
           AVG(r.assistance) AS mean_assistance
    FROM reps r JOIN sets st ON st.id = r.set_id JOIN sessions s ON s.id = r.session_id
    WHERE s.patient_id = :patient_id
    GROUP BY st.session_id, st.exercise_id
)
SELECT s.id, s.started_at, s.status, t.exercise_id, r.max_rom_deg, t.target_rom_deg,
       r.mean_form_score, COALESCE(r.reps_done, 0), t.reps_prescribed, r.mean_assistance
FROM sessions s
JOIN set_totals t ON t.session_id = s.id
LEFT JOIN rep_totals r ON r.session_id = t.session_id AND r.exercise_id = t.exercise_id
WHERE s.patient_id = :patient_id
ORDER BY s.started_at, s.id, t.exercise_id
"""


def patient_progress(ctx: StoreContext, patient_id: int) -> list[SessionProgress]:
    """Per session and exercise: max ROM vs target, mean score, reps done vs prescribed."""
    ctx.require_row("patients", patient_id, "patient_id")
    rows = ctx.db.execute(_PROGRESS_SQL, {"patient_id": patient_id})
    return [SessionProgress(*r) for r in rows]
