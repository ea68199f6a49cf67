"""The demo centre: a therapist, a patient and a program, seeded once into a data folder.

Used by ``rehab demo`` and by tests; everything it creates is ordinary data made through
the store API, so the demo exercises the same paths a real centre does.
"""

from __future__ import annotations

from dataclasses import dataclass

from rehab.exercises.library import ExerciseLibrary, load_library
from rehab.store import (
    ExerciseRecord,
    NewPatient,
    NewProgramItem,
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

DEMO_THERAPIST = "demo"
DEMO_PASSWORD = "demo-therapist"  # the demo centre's documented login
DEMO_RESEARCHER = "research"
DEMO_RESEARCHER_PASSWORD = "demo-researcher"  # documented: de-identified exports only
DEMO_PATIENT_NAME = "김영희"
DEMO_PROGRAM_NAME = "Upper-limb program / 상지 운동 프로그램"
DEMO_EXERCISE = "shoulder_abduction_bilateral"


@dataclass(frozen=True)
class DemoCentre:
    therapist: User
    patient: Patient
    program: Program
    created: bool


def library_records(library: ExerciseLibrary) -> list[ExerciseRecord]:
    """The library's exercises as store records (library files are version 1)."""
    return [ExerciseRecord(d.id, 1, d.names.get("en"), d.names.get("ko"), d.primary_angle)
            for d in (library[i] for i in library)]


def seed_demo(store: Store) -> DemoCentre:
    """Create the demo therapist, researcher, patient and program unless they exist.

    The library and the users are made by the system actor (maintenance); the patient
    and program by the demo therapist, as a real centre's would be. The researcher
    (``research`` / ``demo-researcher``) makes de-identified exports only.
    """
    system = store.as_system()
    system.exercises.upsert(library_records(load_library()))
    therapist = system.users.by_username(DEMO_THERAPIST)
    created = therapist is None
    if therapist is None:
        therapist = system.users.add(NewUser(DEMO_THERAPIST, "Demo Therapist / 데모 치료사",
                                            Role.THERAPIST, DEMO_PASSWORD))
    if system.users.by_username(DEMO_RESEARCHER) is None:
        system.users.add(NewUser(DEMO_RESEARCHER, "Demo Researcher / 데모 연구자",
                                 Role.RESEARCHER, DEMO_RESEARCHER_PASSWORD))
    store = system.as_user(therapist.id)
    patients = store.patients.search(DEMO_PATIENT_NAME)
    patient = patients[0] if patients else store.patients.add(NewPatient(
        DEMO_PATIENT_NAME, 1948, Sex.FEMALE, Side.LEFT,
        diagnosis="Ischaemic stroke, left hemiparesis (demo)",
        notes="Demo patient: not a real person."))
    programs = store.programs.for_patient(patient.id)
    # The demo video shows jumping jacks: its program is what that recording can score. The
    # tempo is the slowest the robot allows for 120 deg (its shoulder joint is limited to
    # 90 deg/s; a minimum-jerk move peaks at 1.875 x the mean speed), so the fast jumping
    # jacks of the video earn "slow down" cues, as they would in a clinic.
    program = programs[0] if programs else store.programs.create(patient.id, DEMO_PROGRAM_NAME, [
        NewProgramItem(DEMO_EXERCISE, sets=2, reps=5, target_rom_deg=120, tempo_s=2.5,
                       robot_mode=RobotMode.ACTIVE_ASSISTED, assistance=0.4,
                       safe_rom_min_deg=0, safe_rom_max_deg=150, side=Side.BOTH, rest_s=5),
    ])
    return DemoCentre(therapist, patient, program, created)
