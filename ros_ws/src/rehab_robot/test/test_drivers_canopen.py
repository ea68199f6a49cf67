"""The CiA 402 driver against simulated CiA 402 drives on python-can's virtual bus.

Real canopen SDO traffic and real PDO frames on a virtual CAN channel; the drives (the
hardware fake) answer from their object dictionaries and run the CiA 402 power state machine
over the simulated plant.
"""

from __future__ import annotations

import math
import uuid

import pytest

from rehab_robot.core.api import ControlMode, ExerciseCommand, RobotState
from rehab_robot.core.clock import FakeClock
from rehab_robot.core.config import load_config
from rehab_robot.core.controller import RobotController
from rehab_robot.core.errors import DriverError
from rehab_robot.core.plant import SimulatedPlant
from rehab_robot.core.simulation import run_ticks, with_patient
from rehab_robot.drivers import cia402
from rehab_robot.drivers.canopen_driver import Cia402Driver
from rehab_robot.drivers.cia402 import PowerState, decode_statusword, next_state
from rehab_robot.drivers.cia402_sim import SimulatedCia402Bus

CONFIG = with_patient(load_config(), strength=0.0)
RATED_NM = (40.0, 20.0)
NODES = (1, 2)


@pytest.fixture
def rig():
    """Simulated drives + plant on a fresh virtual channel, and a driver connected to it."""
    channel = f"rehab-{uuid.uuid4().hex[:8]}"
    clock = FakeClock()
    plant = SimulatedPlant(CONFIG)
    bus = SimulatedCia402Bus(plant, clock, NODES, RATED_NM, channel=channel)
    # A generous PDO time-out: the virtual bus is Python threads on a shared 2-core machine
    # that also runs the rest of the suite; on a real bus 20 ms (the default) is a fault.
    driver = Cia402Driver.open(channel, "virtual", NODES, CONFIG.joint_names, clock,
                               sync_timeout_s=0.25)
    yield bus, driver, plant, clock
    driver.close()
    bus.close()


@pytest.mark.parametrize(("word", "state"), [
    (0x0250, PowerState.SWITCH_ON_DISABLED), (0x0231, PowerState.READY_TO_SWITCH_ON),
    (0x0233, PowerState.SWITCHED_ON), (0x0237, PowerState.OPERATION_ENABLED),
    (0x0217, PowerState.QUICK_STOP_ACTIVE), (0x0208, PowerState.FAULT),
    (0x021F, PowerState.FAULT_REACTION_ACTIVE)])
def test_statusword_decoding(word: int, state: PowerState) -> None:
    assert decode_statusword(word) is state


def test_power_state_machine_transitions() -> None:
    s = PowerState.SWITCH_ON_DISABLED
    assert next_state(s, cia402.CW_ENABLE_OPERATION, 0) is s     # no shortcut
    s = next_state(s, cia402.CW_SHUTDOWN, 0)
    assert s is PowerState.READY_TO_SWITCH_ON
    s = next_state(s, cia402.CW_SWITCH_ON, 0)
    assert s is PowerState.SWITCHED_ON
    s = next_state(s, cia402.CW_ENABLE_OPERATION, 0)
    assert s is PowerState.OPERATION_ENABLED
    assert next_state(s, 0x0002, 0) is PowerState.QUICK_STOP_ACTIVE
    assert next_state(s, cia402.CW_DISABLE_VOLTAGE, 0) is PowerState.SWITCH_ON_DISABLED
    assert next_state(PowerState.FAULT, cia402.CW_FAULT_RESET, cia402.CW_FAULT_RESET) \
        is PowerState.FAULT                                        # edge, not level
    assert next_state(PowerState.FAULT, cia402.CW_FAULT_RESET, 0) is PowerState.SWITCH_ON_DISABLED


def test_enable_sequence_and_cyclic_exchange(rig) -> None:
    bus, driver, plant, clock = rig
    driver.enable(True)
    for drive in bus.drives:
        assert drive.state_history == [PowerState.SWITCH_ON_DISABLED,
                                       PowerState.READY_TO_SWITCH_ON, PowerState.SWITCHED_ON,
                                       PowerState.OPERATION_ENABLED]
        assert drive.mode == cia402.MODE_CYCLIC_SYNC_TORQUE
    driver.write_torque((5.0, -2.0))
    clock.advance(0.002)
    reading = driver.read()
    assert reading.fault == ""
    # Per-mille of the rated torque: 40 N m -> 0.04 N m steps.
    assert plant.motor_torque_nm == pytest.approx((5.0, -2.0), abs=0.021)
    counts = 2.0 * math.pi / (1 << 17)
    for i in range(2):
        assert reading.position_rad[i] == pytest.approx(plant.q_robot_rad[i], abs=counts)
    driver.enable(False)       # over PDO: the SYNC round trip after it shows it has landed
    clock.advance(0.002)
    assert driver.read().fault == ""
    assert all(d.state is PowerState.SWITCH_ON_DISABLED for d in bus.drives)
    assert plant.motor_torque_nm == (0.0, 0.0)


def test_drive_fault_faults_the_controller_until_the_cause_is_gone(rig) -> None:
    bus, driver, plant, clock = rig
    robot = RobotController(CONFIG, driver, clock)
    run_ticks(robot, clock, 0.01)
    assert robot.enable(True) == (True, "enabled")
    run_ticks(robot, clock, 0.3)
    assert any(abs(t) > 0.1 for t in plant.motor_torque_nm)
    bus.drives[1].inject_fault(0x4310, persistent=True)   # over-temperature, still hot
    run_ticks(robot, clock, 0.002)
    status = robot.status()
    assert status.state is RobotState.FAULT
    assert "elbow_flexion drive fault (error code 0x4310)" in status.reason
    assert robot.commanded_torque_nm == (0.0, 0.0)
    run_ticks(robot, clock, 0.002)     # one SYNC round trip: the zero set-points have landed
    assert plant.motor_torque_nm == (0.0, 0.0)
    assert bus.drives[0].state is PowerState.SWITCH_ON_DISABLED
    ok, why = robot.reset()
    assert not ok and "0x4310" in why
    bus.drives[1].clear_cause()
    assert robot.reset() == (True, "reset")
    run_ticks(robot, clock, 0.01)
    assert robot.enable(True) == (True, "enabled")
    assert bus.drives[1].state is PowerState.OPERATION_ENABLED


def test_lost_drive_faults(rig) -> None:
    bus, driver, _, clock = rig
    robot = RobotController(CONFIG, driver, clock)
    run_ticks(robot, clock, 0.01)
    assert robot.enable(True)[0]
    bus.close()                                           # the drives fall off the bus
    run_ticks(robot, clock, 0.002)
    status = robot.status()
    assert status.state is RobotState.FAULT
    assert "no PDO" in status.reason


def test_no_drive_on_the_bus_is_a_driver_error() -> None:
    with pytest.raises(DriverError, match="SDO read 0x6076"):
        Cia402Driver.open(f"empty-{uuid.uuid4().hex[:8]}", "virtual", (5,), ("elbow",),
                          FakeClock())


def test_passive_exercise_over_can(rig) -> None:
    _, driver, plant, clock = rig
    robot = RobotController(CONFIG, driver, clock)
    run_ticks(robot, clock, 0.01)
    assert robot.enable(True)[0]
    run_ticks(robot, clock, 0.3)
    cmd = ExerciseCommand("elbow", ControlMode.PASSIVE, ("elbow_flexion",), (10.0,), (60.0,),
                          1, 1.2, 0.0, 0.5, 0.0, (0.0,), (90.0,))
    assert robot.command_exercise(cmd) == (True, "accepted")
    law = robot.mode_law
    errors = []
    while robot.status().state is RobotState.RUNNING:
        run_ticks(robot, clock, 0.002)
        ref = law.trajectory.sample()
        if ref.in_rep:
            errors.append(math.degrees(ref.position_rad[1] - plant.q_robot_rad[1]))
    assert robot.status().state is RobotState.ENABLED
    assert math.sqrt(sum(e * e for e in errors) / len(errors)) < 2.0
