"""Small builders for store tests (valid records, a seeded patient and program)."""

from __future__ import annotations

from rehab.store import (
    ExerciseRecord,
    NewPatient,
    NewProgramItem,
    NewRep,
    NewUser,
    Patient,
    Program,
    RobotMode,
    Role,
    Sex,
    Side,
    Store,
    User,
)

EXERCISES = (
    ExerciseRecord("shoulder_flexion", 1, "Shoulder flexion", "어깨 굽힘",
                   "shoulder_flexion_{side}"),
    ExerciseRecord("elbow_flexion", 1, "Elbow flexion", "팔꿈치 굽힘", "elbow_flexion_{side}"),
)


def item(**overrides: object) -> NewProgramItem:
    fields: dict[str, object] = dict(
        exercise_id="shoulder_flexion", sets=2, reps=10, target_rom_deg=120, tempo_s=2.0,
        robot_mode=RobotMode.ACTIVE_ASSISTED, assistance=0.5, safe_rom_min_deg=0,
        safe_rom_max_deg=150, side=Side.LEFT)
    fields.update(overrides)
    return NewProgramItem(**fields)  # type: ignore[arg-type]


def therapist(store: Store, username: str = "kim") -> User:
    return store.users.add(NewUser(username, "김 치료사", Role.THERAPIST, "correct horse"))


def patient(store: Store, name: str = "박민수") -> Patient:
    return store.patients.add(NewPatient(name, 1950, Sex.MALE, Side.LEFT, "stroke"))


def program(store: Store, patient_id: int, *items: NewProgramItem) -> Program:
    store.exercises.upsert(EXERCISES)
    return store.programs.create(patient_id, "Upper limb", list(items) or [item()])


def rep(index: int, rom_deg: float = 100.0, score: float = 80.0, t0: float = 0.0,
        assistance: float | None = 0.5) -> NewRep:
    t = t0 + 3.0 * index
    return NewRep(index, t, t + 1.0, t + 2.0, rom_deg, 90.0, score, assistance=assistance)
