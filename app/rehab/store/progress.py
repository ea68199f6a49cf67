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


# Reads the per-set totals that triggers keep on every rep write (see the schema): one
# row per set, whatever the number of reps. Sums and counts, not means, so sets combine
# exactly; each set's prescribed reps are counted once.
_PROGRESS_SQL = """
SELECT s.id, s.started_at, s.status, st.exercise_id, MAX(st.max_rom_deg),
       MAX(st.target_rom_deg), SUM(st.score_sum) / NULLIF(SUM(st.measured_n), 0),
       SUM(st.reps_done), SUM(st.reps_target),
       SUM(st.assistance_sum) / NULLIF(SUM(st.assistance_n), 0)
FROM sessions s JOIN sets st ON st.session_id = s.id
WHERE s.patient_id = :patient_id
GROUP BY s.id, st.exercise_id
ORDER BY s.started_at, s.id, st.exercise_id
"""


def patient_progress(ctx: StoreContext, patient_id: int) -> list[SessionProgress]:
    """Per session and exercise: max ROM vs target, mean score, reps done vs prescribed.

    Parameters
    ----------
    ctx
        The open store.
    patient_id
        An existing patient's id.

    Returns
    -------
    list of SessionProgress
        By session start time, session id, then exercise id.

    Raises
    ------
    ValidationError
        When the patient does not exist.
    """
    ctx.require_row("patients", patient_id, "patient_id")
    rows = ctx.db.execute(_PROGRESS_SQL, {"patient_id": patient_id})
    return [SessionProgress(*r) for r in rows]
