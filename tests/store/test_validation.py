"""Input refused where it enters, naming the field, with nothing half-written."""

from __future__ import annotations

import pytest

from rehab.errors import ValidationError
from rehab.store import (
    NewAssessment,
    NewPatient,
    NewRep,
    SessionOutcome,
    Sex,
    Side,
    Store,
)
from tests.store.helpers import item, patient, program


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"target_rom_deg": 181}, "target_rom_deg"),
        ({"target_rom_deg": -1}, "target_rom_deg"),
        ({"target_rom_deg": float("nan")}, "target_rom_deg"),
        ({"reps": 0}, "reps"),
        ({"reps": -3}, "reps"),
        ({"reps": 2.5}, "reps"),
        ({"sets": 0}, "sets"),
        ({"tempo_s": 0}, "tempo_s"),
        ({"assistance": 1.2}, "assistance"),
        ({"robot_mode": "turbo"}, "robot_mode"),
        ({"safe_rom_min_deg": 100, "safe_rom_max_deg": 90}, "safe_rom_max_deg"),
        ({"safe_rom_max_deg": 200}, "safe_rom_max_deg"),
        ({"target_rom_deg": 140, "safe_rom_min_deg": 20, "safe_rom_max_deg": 150},
         "target_rom_deg"),
        ({"side": "none"}, "side"),
    ],
)
def test_prescription_refused_naming_field(overrides: dict, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        item(**overrides)
    assert info.value.field == field
    assert field in str(info.value)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: SessionOutcome(pain_after=11), "pain_after"),
        (lambda: SessionOutcome(pain_after=-1), "pain_after"),
        (lambda: SessionOutcome(borg_rpe=5), "borg_rpe"),
        (lambda: SessionOutcome(borg_rpe=21), "borg_rpe"),
        (lambda: NewPatient("", 1950, Sex.MALE, Side.LEFT), "name"),
        (lambda: NewPatient("김", 1850, Sex.MALE, Side.LEFT), "birth_year"),
        (lambda: NewPatient("김", 1950, "x", Side.LEFT), "sex"),  # type: ignore[arg-type]
        (lambda: NewRep(0, 0, 2, 1, 90, 10, 80), "t_peak_s"),
        (lambda: NewRep(0, 0, 1, 2, 90, 10, 101), "form_score"),
        (lambda: NewRep(0, 0, 1, 2, 90, 10, 80, model_probability=1.01), "model_probability"),
        (lambda: NewRep(0, 0, 1, 2, 90, 10, 80, side="both"), "side"),
        (lambda: NewAssessment("fugl_meyer_ue", 70, "2026-01-01"), "score"),
        (lambda: NewAssessment("grip", 1, "2026-01-01"), "instrument"),
        (lambda: NewAssessment("pain_nrs", 3, "01/02/2026"), "assessed_on"),
    ],
)
def test_records_refused_naming_field(build, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        build()
    assert info.value.field == field


def test_unknown_patient_refused_naming_field(fresh_store: Store) -> None:
    with pytest.raises(ValidationError) as info:
        program(fresh_store, 404)
    assert info.value.field == "patient_id"
    with pytest.raises(ValidationError) as info:
        fresh_store.sessions.start(404)
    assert info.value.field == "patient_id"


def test_unknown_exercise_refused_and_nothing_half_written(fresh_store: Store) -> None:
    p = patient(fresh_store)
    audit_before = len(fresh_store.audit_log(limit=1000))
    with pytest.raises(ValidationError) as info:
        program(fresh_store, p.id, item(), item(exercise_id="moonwalk"))
    assert info.value.field == "exercise_id" and "moonwalk" in str(info.value)
    assert fresh_store.db.execute("SELECT COUNT(*) FROM programs").fetchone()[0] == 0
    assert fresh_store.db.execute("SELECT COUNT(*) FROM program_items").fetchone()[0] == 0
    assert len(fresh_store.audit_log(limit=1000)) == audit_before


def test_pain_before_out_of_range_refused(fresh_store: Store) -> None:
    p = patient(fresh_store)
    with pytest.raises(ValidationError) as info:
        fresh_store.sessions.start(p.id, pain_before=12)
    assert info.value.field == "pain_before"
    assert fresh_store.sessions.for_patient(p.id) == []
