"""Record finished sessions through the store API, for progress and outcome tests."""

from __future__ import annotations

from collections.abc import Sequence

from rehab.store import Deduction, NewRep, NewSet, Program, SessionOutcome, Store


def record_session(store: Store, program: Program, roms_deg: Sequence[float],
                   scores: Sequence[float], *, assistance: float | None = 0.4,
                   finish: bool = True, item_index: int = 0) -> int:
    """One session of ``program`` with one set of the item's exercise; return its id."""
    item = program.items[item_index]
    session = store.sessions.start(program.patient_id, program_id=program.id)
    set_id = store.sessions.add_set(session.id, NewSet(
        item.exercise_id, 0, item.reps, item.target_rom_deg, 0.0, program_item_id=item.id))
    for i, (rom, score) in enumerate(zip(roms_deg, scores, strict=True)):
        t = 3.0 * i
        deductions = () if score >= 100 else (
            Deduction("rom_low", 100 - score, "ROM 80% of target"),)
        store.sessions.add_rep(set_id, NewRep(i, t, t + 1.0, t + 2.0, rom, 90.0, score,
                                              deductions=deductions, assistance=assistance))
    store.sessions.end_set(set_id, 3.0 * len(roms_deg))
    if finish:
        store.sessions.finish(session.id, SessionOutcome())
    return session.id
