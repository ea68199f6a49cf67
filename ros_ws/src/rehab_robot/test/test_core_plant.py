"""The simulated plant: integration, physics sanity, the simulated patient, the driver."""

from __future__ import annotations

import logging
import math

import pytest

from rehab_robot.core.api import ExerciseCue
from rehab_robot.core.clock import FakeClock
from rehab_robot.core.config import load_config
from rehab_robot.core.driver import SimulatedDriver
from rehab_robot.core.plant import SimulatedPlant
from rehab_robot.core.simulation import with_patient

CONFIG = load_config()


def test_plant_substeps_per_control_tick() -> None:
    plant = SimulatedPlant(CONFIG)
    assert CONFIG.rates.plant_hz >= 1000.0
    steps = []
    original = plant.step

    def counting_step() -> None:
        steps.append(plant.t_s)
        original()

    plant.step = counting_step  # type: ignore[method-assign]
    for k in range(1, 501):
        plant.advance_to(k * CONFIG.rates.control_period_s)
    per_tick = CONFIG.rates.plant_hz / CONFIG.rates.control_hz
    assert len(steps) == 500 * per_tick
    assert plant.t_s == pytest.approx(1.0)


def _run(plant: SimulatedPlant, until_s: float) -> None:
    """Advance in control-tick steps (a single long jump would count as a stall)."""
    while plant.t_s < until_s - 1e-9:
        plant.advance_to(min(until_s, plant.t_s + CONFIG.rates.control_period_s))


def test_released_arm_swings_down_and_settles() -> None:
    config = with_patient(CONFIG, strength=0.0)
    plant = SimulatedPlant(config)
    plant.q_robot_rad = plant.q_limb_rad = (math.radians(80.0), math.radians(30.0))
    _run(plant, 0.3)
    assert plant.q_robot_rad[0] < math.radians(60.0)       # gravity pulls it down
    _run(plant, 15.0)
    assert abs(plant.q_robot_rad[0]) < math.radians(3.0)   # damped: settles hanging
    assert max(abs(v) for v in plant.qd_robot_rad_s) < 0.05
    # The cuff keeps robot and limb together.
    assert abs(plant.q_robot_rad[1] - plant.q_limb_rad[1]) < math.radians(2.0)


def test_end_stops_hold_the_robot_inside_its_range() -> None:
    plant = SimulatedPlant(CONFIG)
    plant.set_motor_torque((40.0, 20.0))
    _run(plant, 3.0)
    for i, joint in enumerate(CONFIG.joints):
        assert plant.q_robot_rad[i] < joint.limits.position_max_rad + math.radians(6.0)


def test_plant_skips_ahead_after_a_stall(caplog) -> None:
    plant = SimulatedPlant(CONFIG)
    with caplog.at_level(logging.WARNING):
        plant.advance_to(10.0)
    assert plant.t_s == pytest.approx(10.0, abs=1e-6)
    assert plant.skipped_s == pytest.approx(9.9)
    assert "behind the clock" in caplog.text


def _spasm_onsets(seed: int) -> list[float]:
    config = with_patient(CONFIG, spasm_rate_per_min=60.0)
    config = config.__class__(**{**config.__dict__, "simulation": config.simulation.__class__(
        **{**config.simulation.__dict__, "seed": seed})})
    plant = SimulatedPlant(config)
    onsets = []
    count = 0
    for k in range(1, 301):          # 30 s
        plant.advance_to(k * 0.1)
        if plant.patient.spasm_count != count:
            count = plant.patient.spasm_count
            onsets.append(round(plant.t_s, 3))
    return onsets


def test_spasms_are_random_but_seeded() -> None:
    a, b, c = _spasm_onsets(7), _spasm_onsets(7), _spasm_onsets(8)
    assert a == b                       # same seed, same spasms
    assert a != c
    assert 12 <= len(a) <= 50           # about 30 in 30 s (Poisson, less the refractory time)


def test_patient_fatigue_and_effort() -> None:
    config = with_patient(CONFIG, strength=0.8, fatigue_per_rep=0.1, reaction_delay_s=0.0)
    plant = SimulatedPlant(config)
    q, qd = (0.3, 0.3), (0.0, 0.0)
    cue = ExerciseCue(0.0, True, (0.5, 0.3), (0.0, 0.0), 0)
    plant.patient.cue(cue)
    push0 = plant.patient.torque_nm(0.0, 0.001, q, qd)[0]
    plant.patient.cue(ExerciseCue(0.0, True, (0.5, 0.3), (0.0, 0.0), 3))
    push3 = plant.patient.torque_nm(0.0, 0.001, q, qd)[0]
    assert plant.patient.strength == pytest.approx(0.8 * 0.9**3)
    assert 0.0 < push3 < push0           # tired: pushes less toward the target
    plant.patient.cue(ExerciseCue(0.0, False, (0.5, 0.3), (0.0, 0.0), 3))
    relaxed = plant.patient.torque_nm(0.0, 0.001, q, qd)
    assert relaxed == (0.0, 0.0)         # not cued: relaxed


def test_spasticity_resists_fast_elbow_extension_only() -> None:
    plant = SimulatedPlant(with_patient(CONFIG, strength=0.0))
    slow = plant.patient.torque_nm(0.0, 0.001, (0.5, 1.0), (0.0, -0.2))
    fast = plant.patient.torque_nm(0.0, 0.001, (0.5, 1.0), (0.0, -3.0))
    flexing = plant.patient.torque_nm(0.0, 0.001, (0.5, 1.0), (0.0, 3.0))
    assert slow[1] == 0.0 and flexing[1] == 0.0
    assert fast[1] > 1.0                 # velocity-dependent stretch reflex (flexors)


def test_simulated_driver_zero_torque_when_disabled() -> None:
    clock = FakeClock()
    driver = SimulatedDriver(SimulatedPlant(CONFIG), clock)
    driver.write_torque((10.0, 5.0))
    assert driver.plant.motor_torque_nm == (0.0, 0.0)
    driver.enable(True)
    driver.write_torque((10.0, 5.0))
    assert driver.plant.motor_torque_nm == (10.0, 5.0)
    clock.advance(0.002)
    reading = driver.read()
    assert reading.t_s == 0.002 and driver.plant.t_s == pytest.approx(0.002)
    driver.enable(False)
    assert driver.plant.motor_torque_nm == (0.0, 0.0)
