"""UI test fixtures. Qt runs offscreen: set before anything imports Qt."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from rehab.demo import DemoCentre, library_records
from rehab.exercises.library import ExerciseLibrary, load_library
from rehab.store import (
    NewPatient,
    NewProgramItem,
    NewUser,
    RobotMode,
    Role,
    Sex,
    Side,
    Store,
)
from rehab.ui.models.program import RobotJointLimits, robot_joint_limits
from rehab_robot.core.config import RobotConfig, load_config


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Reclaim a Qt test's widgets between tests, never while Qt dispatches events.

    Widgets kept alive by reference cycles (slots capturing their owner) are freed by the
    cyclic collector, which runs whenever allocations cross its threshold: also inside
    a later test's widget construction or pytest-qt's event processing, where freeing a
    pyqtgraph plot crashed the process (a segmentation fault in ``test_views.py``, 1 full
    run of 4 on 2026-12-03, never in isolation). With the collector off during each test
    and one collection after its teardown, widgets are freed at a quiet point. Only for
    tests that use ``qtbot``: pytest calls this hook for every test of the run, and a
    full collection after each of them doubled the suite's time.
    """
    if "qtbot" not in getattr(item, "fixturenames", ()):
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.collect()


@pytest.fixture(scope="session")
def library() -> ExerciseLibrary:
    return load_library()


@pytest.fixture(scope="session")
def robot_config() -> RobotConfig:
    return load_config()


@pytest.fixture(scope="session")
def joints(robot_config: RobotConfig) -> dict[str, RobotJointLimits]:
    return robot_joint_limits(robot_config)


THERAPIST_PASSWORD = "correct horse"


def seed_centre(store: Store, library: ExerciseLibrary) -> DemoCentre:
    """A therapist, a Korean patient and a two-exercise program, through the store API."""
    store.exercises.upsert(library_records(library))
    therapist = store.users.add(NewUser("kim", "김 치료사", Role.THERAPIST, THERAPIST_PASSWORD))
    store = store.as_user(therapist.id)
    patient = store.patients.add(NewPatient("김영희", 1948, Sex.FEMALE, Side.LEFT,
                                            diagnosis="뇌졸중, 좌측 편마비"))
    program = store.programs.create(patient.id, "상지 운동 프로그램", [
        NewProgramItem("shoulder_abduction_bilateral", sets=2, reps=5, target_rom_deg=120,
                       tempo_s=2.5, robot_mode=RobotMode.ACTIVE_ASSISTED, assistance=0.4,
                       safe_rom_min_deg=0, safe_rom_max_deg=150, side=Side.BOTH, rest_s=30),
        NewProgramItem("elbow_flexion", sets=2, reps=10, target_rom_deg=110, tempo_s=2.0,
                       robot_mode=RobotMode.PASSIVE, assistance=0.8, safe_rom_min_deg=5,
                       safe_rom_max_deg=135, side=Side.LEFT, rest_s=30),
    ])
    return DemoCentre(therapist, patient, program, created=True)


@pytest.fixture
def demo_store(tmp_path: Path, library: ExerciseLibrary) -> Iterator[tuple[Store, DemoCentre]]:
    """A fresh store with a centre (therapist, patient, program) and the library, acting
    as the centre's therapist (seeded by the system)."""
    with Store.open(tmp_path / "data") as store:
        centre = seed_centre(store.as_system(), library)
        yield store.as_user(centre.therapist.id), centre
