"""The controller facade and its safety supervisor: state machine, e-stop, watchdog,
spasm, sensor sanity, ramps, command validation. Fake clock throughout, nothing sleeps."""

from __future__ import annotations

import itertools
import logging
import math

import pytest

from rehab_robot.core.api import (
    ControlMode,
    DiagnosticLevel,
    ExerciseCommand,
    RobotState,
    SensorReading,
)
from rehab_robot.core.clock import FakeClock
from rehab_robot.core.config import load_config
from rehab_robot.core.controller import RobotController
from rehab_robot.core.errors import DriverError
from rehab_robot.core.simulation import build_simulated_robot, run_ticks, with_patient

CONFIG = load_config()
NAMES = CONFIG.joint_names
PERIOD = CONFIG.rates.control_period_s
CMD = ExerciseCommand("elbow_flexion", ControlMode.PASSIVE, ("elbow_flexion",), (10.0,),
                      (100.0,), 3, 2.5, 0.2, 0.5, 0.0, (0.0,), (120.0,))


def _cmd(**changes: object) -> ExerciseCommand:
    return ExerciseCommand(**{**CMD.__dict__, **changes})


@pytest.fixture
def sim():
    """An enabled simulated robot (flaccid patient), torque ramped up."""
    clock = FakeClock()
    robot, driver = build_simulated_robot(with_patient(CONFIG, strength=0.0), clock)
    run_ticks(robot, clock, 0.02)
    assert robot.enable(True) == (True, "enabled")
    run_ticks(robot, clock, CONFIG.safety.enable_ramp_s + 0.1)
    return robot, driver, clock


def test_starts_idle_and_enable_needs_heartbeat_and_sensors() -> None:
    clock = FakeClock()
    robot, driver = build_simulated_robot(CONFIG, clock)
    assert robot.status().state is RobotState.IDLE
    ok, why = robot.enable(True)
    assert not ok and "sensor" in why          # no tick yet
    run_ticks(robot, clock, 0.01, heartbeat=False)
    ok, why = robot.enable(True)
    assert not ok and "heartbeat" in why
    robot.heartbeat()
    assert robot.enable(True) == (True, "enabled")
    assert driver.enabled


def test_enable_ramps_torque_up() -> None:
    clock = FakeClock()
    driver = _ScriptedDriver(clock)
    driver.q = (1.2, 0.8)               # arm raised: holding it takes real torque
    robot = RobotController(CONFIG, driver, clock)
    run_ticks(robot, clock, 0.01)
    assert robot.enable(True)[0]
    torques = []
    for _ in range(round((CONFIG.safety.enable_ramp_s + 0.1) / PERIOD)):
        run_ticks(robot, clock, PERIOD)
        torques.append(abs(robot.commanded_torque_nm[0]))
    # The holding torque builds linearly over the ramp, not at once.
    ramp_ticks = round(CONFIG.safety.enable_ramp_s / PERIOD)
    assert torques[ramp_ticks // 4] == pytest.approx(0.25 * torques[-1], rel=0.05)
    assert all(b >= a for a, b in itertools.pairwise(torques))
    assert torques[-1] > 10.0


def test_estop_zeroes_torque_in_the_call_and_latches(sim) -> None:
    robot, driver, clock = sim
    assert robot.command_exercise(CMD)[0]
    run_ticks(robot, clock, 0.5)
    assert any(abs(t) > 0.5 for t in driver.plant.motor_torque_nm)
    robot.estop("patient pressed STOP")
    # Same call: nothing ticked in between.
    assert driver.plant.motor_torque_nm == (0.0, 0.0)
    assert not driver.enabled
    status = robot.status()
    assert status.state is RobotState.ESTOP
    assert "patient pressed STOP" in status.reason
    for call in (lambda: robot.enable(True), lambda: robot.command_exercise(CMD), robot.resume):
        ok, _ = call()
        assert not ok
        run_ticks(robot, clock, 0.1)
        assert robot.status().state is RobotState.ESTOP
        assert robot.commanded_torque_nm == (0.0, 0.0)
    assert robot.reset() == (True, "reset")
    assert robot.status().state is RobotState.IDLE
    assert robot.enable(True)[0]


def test_watchdog_safe_stops_and_goes_compliant(sim) -> None:
    robot, driver, clock = sim
    assert robot.command_exercise(CMD)[0]
    run_ticks(robot, clock, 0.5)
    t_last = clock.now_s()
    run_ticks(robot, clock, CONFIG.safety.heartbeat_timeout_s - PERIOD, heartbeat=False)
    assert robot.status().state is RobotState.RUNNING
    run_ticks(robot, clock, 2 * PERIOD, heartbeat=False)
    status = robot.status()
    assert status.state is RobotState.SAFE_STOP
    assert "heartbeat" in status.reason
    assert status.heartbeat_age_s > CONFIG.safety.heartbeat_timeout_s
    assert clock.now_s() - t_last <= CONFIG.safety.heartbeat_timeout_s + 2 * PERIOD
    # Compliant: the arm is let down slowly and damped, not dropped and not held rigidly.
    q0 = driver.plant.q_robot_rad[1]
    run_ticks(robot, clock, 1.0, heartbeat=False)
    assert driver.enabled
    speed = max(abs(v) for v in driver.plant.qd_robot_rad_s)
    assert speed < math.radians(60.0)
    assert driver.plant.q_robot_rad[1] < q0 + 0.05
    # Heartbeats coming back do not restart it; an explicit reset does, ramping down first.
    run_ticks(robot, clock, 0.1)
    assert robot.status().state is RobotState.SAFE_STOP
    assert robot.reset()[0]
    run_ticks(robot, clock, CONFIG.safety.disable_ramp_s + 0.05)
    assert robot.commanded_torque_nm == (0.0, 0.0)
    assert not driver.enabled


def test_spasm_gives_a_compliant_stop(sim) -> None:
    robot, driver, clock = sim
    assert robot.command_exercise(CMD)[0]
    run_ticks(robot, clock, 1.0)
    driver.plant.patient.trigger_spasm(clock.now_s())
    states = []
    for _ in range(300):
        run_ticks(robot, clock, PERIOD)
        states.append(robot.status().state)
    assert RobotState.SAFE_STOP in states
    status = robot.status()
    assert status.state is RobotState.SAFE_STOP and "spasm" in status.reason
    # No stiffness in the safe stop: the spasm flexes the elbow freely instead of being
    # fought, and the interaction torque falls back below the spasm threshold.
    assert abs(status.interaction_torque_nm[1]) < CONFIG.joints[1].spasm_torque_threshold_nm


class _ScriptedDriver:
    joint_names = NAMES

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.enabled = False
        self.q = (0.1, 0.2)
        self.fault = ""
        self.nan = False
        self.lag_s = 0.0
        self.raise_on_read = False
        self.torque = (0.0, 0.0)

    def enable(self, on: bool) -> None:
        self.enabled = on

    def read(self) -> SensorReading:
        if self.raise_on_read:
            raise DriverError("CAN bus off")
        q = (math.nan, self.q[1]) if self.nan else self.q
        return SensorReading(self.clock.now_s() - self.lag_s, q, (0.0, 0.0), (0.0, 0.0),
                             self.fault)

    def write_torque(self, torque_nm: tuple[float, ...]) -> None:
        self.torque = torque_nm

    def close(self) -> None:
        self.enabled = False


@pytest.fixture
def scripted():
    clock = FakeClock()
    driver = _ScriptedDriver(clock)
    robot = RobotController(CONFIG, driver, clock)
    run_ticks(robot, clock, 0.01)
    assert robot.enable(True)[0]
    run_ticks(robot, clock, 0.6)
    assert robot.status().state is RobotState.ENABLED
    assert any(abs(t) > 0.1 for t in driver.torque)
    return robot, driver, clock


@pytest.mark.parametrize(("spoil", "reason"), [
    (lambda d: setattr(d, "nan", True), "not finite"),
    (lambda d: setattr(d, "lag_s", 0.5), "stale"),
    (lambda d: setattr(d, "q", (0.1 + 0.2, 0.2)), "jumped"),
    (lambda d: setattr(d, "q", (0.1, 20.0)), "implausible"),
    (lambda d: setattr(d, "fault", "overcurrent"), "drive fault: overcurrent"),
    (lambda d: setattr(d, "raise_on_read", True), "CAN bus off"),
])
def test_sensor_and_driver_faults_zero_torque(scripted, spoil, reason: str) -> None:
    robot, driver, clock = scripted
    spoil(driver)
    run_ticks(robot, clock, PERIOD)
    status = robot.status()
    assert status.state is RobotState.FAULT
    assert reason in status.fault and reason in status.reason
    assert driver.torque == (0.0, 0.0) and not driver.enabled


def test_reset_refused_while_the_drive_still_faults(scripted) -> None:
    robot, driver, clock = scripted
    driver.fault = "overcurrent"
    run_ticks(robot, clock, PERIOD)
    ok, why = robot.reset()
    assert not ok and "overcurrent" in why
    driver.fault = ""
    assert robot.reset()[0]


def test_exception_in_tick_ends_in_fault(scripted, caplog) -> None:
    robot, driver, clock = scripted

    def broken(*_args: object) -> None:
        raise ZeroDivisionError("bug")

    robot._sup.detect_spasm = broken  # a bug anywhere inside the tick
    with caplog.at_level(logging.ERROR):
        run_ticks(robot, clock, PERIOD)
    status = robot.status()
    assert status.state is RobotState.FAULT
    assert "ZeroDivisionError" in status.fault
    assert driver.torque == (0.0, 0.0) and not driver.enabled
    assert "exception in the control tick" in caplog.text


def test_disable_ramps_down_then_disables(scripted) -> None:
    robot, driver, clock = scripted
    assert robot.enable(False) == (True, "disabling")
    assert robot.status().state is RobotState.IDLE
    run_ticks(robot, clock, PERIOD)
    assert driver.enabled and any(abs(t) > 0.05 for t in driver.torque)
    run_ticks(robot, clock, CONFIG.safety.disable_ramp_s + 0.05)
    assert driver.torque == (0.0, 0.0) and not driver.enabled


@pytest.mark.parametrize(("changes", "field"), [
    ({"joint_names": ("wrist",)}, "joint_names"),
    ({"joint_names": ()}, "joint_names"),
    ({"start_deg": (10.0, 20.0)}, "start_deg"),
    ({"end_deg": (math.nan,)}, "end_deg"),
    ({"end_deg": (130.0,)}, "end_deg"),
    ({"rom_max_deg": (170.0,)}, "rom_min_deg/rom_max_deg"),
    ({"rom_min_deg": (90.0,), "rom_max_deg": (80.0,)}, "rom_min_deg/rom_max_deg"),
    ({"reps": 0}, "reps"),
    ({"reps": 2.5}, "reps"),
    ({"tempo_s": 0.0}, "tempo_s"),
    ({"tempo_s": 0.6}, "tempo_s"),         # 90 deg in 0.6 s: faster than the limit
    ({"hold_s": -1.0}, "hold_s"),
    ({"assistance": 1.5}, "assistance"),
    ({"resistance": math.inf}, "resistance"),
    ({"exercise_id": ""}, "exercise_id"),
])
def test_bad_commands_are_refused_with_a_reason(sim, changes: dict, field: str) -> None:
    robot, _, clock = sim
    ok, why = robot.command_exercise(_cmd(**changes))
    assert not ok and why.startswith(field)
    status = robot.status()
    assert status.state is RobotState.ENABLED
    assert status.fault == f"command refused: {why}"
    run_ticks(robot, clock, 0.05)
    assert robot.status().state is RobotState.ENABLED
    assert robot.command_exercise(CMD) == (True, "accepted")
    assert robot.status().fault == ""


def test_command_refused_unless_enabled() -> None:
    clock = FakeClock()
    robot, _ = build_simulated_robot(CONFIG, clock)
    run_ticks(robot, clock, 0.01)
    ok, why = robot.command_exercise(CMD)
    assert not ok and "enabled" in why


def test_pause_resume_and_transitions_with_reasons(sim) -> None:
    robot, driver, clock = sim
    robot.drain_transitions()
    assert robot.command_exercise(CMD)[0]
    run_ticks(robot, clock, 2.0)
    assert robot.pause() == (True, "paused")
    q_paused = driver.plant.q_robot_rad
    run_ticks(robot, clock, 1.0)
    assert abs(driver.plant.q_robot_rad[1] - q_paused[1]) < math.radians(2.0)
    assert robot.resume() == (True, "resumed")
    assert robot.resume()[0] is False
    while robot.status().state is RobotState.RUNNING:
        run_ticks(robot, clock, 0.1)
    status = robot.status()
    assert status.state is RobotState.ENABLED and status.rep == status.reps_total == 3
    trail = [(t.from_state, t.to_state) for t in robot.drain_transitions()]
    assert trail == [(RobotState.ENABLED, RobotState.RUNNING),
                     (RobotState.RUNNING, RobotState.PAUSED),
                     (RobotState.PAUSED, RobotState.RUNNING),
                     (RobotState.RUNNING, RobotState.ENABLED)]
    assert robot.drain_transitions() == []


def test_diagnostics_and_telemetry(sim) -> None:
    robot, _, _ = sim
    diags = {d.name: d for d in robot.diagnostics()}
    assert diags["rehab_robot: state"].level == DiagnosticLevel.OK
    assert diags["rehab_robot: joint elbow_flexion"].values["effort_limit_nm"] == "20.0"
    robot.estop("test")
    diags = {d.name: d for d in robot.diagnostics()}
    assert diags["rehab_robot: state"].level == DiagnosticLevel.ERROR
    sample = robot.joint_sample()
    assert sample.names == NAMES and sample.effort_nm == (0.0, 0.0)
    assert all(isinstance(v, str) for d in diags.values() for v in d.values.values())


def test_rom_restoring_spring_and_velocity_limit() -> None:
    from rehab_robot.core.supervisor import RomLimits, SafetySupervisor

    sup = SafetySupervisor(CONFIG)
    sup.rom = RomLimits((0.0, 0.0), (1.0, 1.0))
    margin = CONFIG.safety.rom_margin_rad
    # Past the ROM maximum with no desired torque: the restoring spring pulls back in.
    for _ in range(50):
        tau = sup.limit_torque((0.0, 0.0), (1.0 + 0.5 * margin, 0.5), (0.0, 0.0), PERIOD)
    k = CONFIG.safety.rom_restoring_stiffness_nm_rad
    assert tau[0] == pytest.approx(-k * 1.5 * margin)
    assert tau[1] == 0.0
    # Half-way into the margin zone, outward torque is halved, plus the spring.
    sup = SafetySupervisor(CONFIG)
    sup.rom = RomLimits((0.0, 0.0), (1.0, 1.0))
    for _ in range(100):
        tau = sup.limit_torque((10.0, 0.0), (1.0 - 0.5 * margin, 0.5), (0.0, 0.0), PERIOD)
    assert tau[0] == pytest.approx(5.0 - k * 0.5 * margin)
    # Over the velocity limit, torque that would accelerate further is removed.
    sup = SafetySupervisor(CONFIG)
    v_over = CONFIG.joints[1].limits.velocity_limit_rad_s * 1.1
    for _ in range(100):
        tau = sup.limit_torque((0.0, 5.0), (0.5, 0.5), (0.0, v_over), PERIOD)
    assert tau[1] == 0.0
    for _ in range(100):
        tau = sup.limit_torque((0.0, -5.0), (0.5, 0.5), (0.0, v_over), PERIOD)
    assert tau[1] == pytest.approx(-5.0)      # braking is allowed


@pytest.mark.parametrize(("mode", "strength"), [
    (ControlMode.PASSIVE, 0.0), (ControlMode.ACTIVE_ASSISTED, 0.5),
    (ControlMode.RESISTIVE, 1.0), (ControlMode.ACTIVE, 1.0)])
def test_no_false_spasm_stop_in_a_normal_exercise(mode: ControlMode, strength: float) -> None:
    clock = FakeClock()
    robot, _ = build_simulated_robot(with_patient(CONFIG, strength=strength), clock)
    run_ticks(robot, clock, 0.02)
    assert robot.enable(True)[0]
    run_ticks(robot, clock, 0.6)
    cmd = ExerciseCommand("reach", mode, NAMES, (10.0, 10.0), (80.0, 100.0), 1, 2.5, 0.2, 0.5,
                          1.0, (0.0, 0.0), (120.0, 120.0))
    assert robot.command_exercise(cmd)[0]
    while robot.status().state is RobotState.RUNNING:
        run_ticks(robot, clock, 0.05)
    status = robot.status()
    assert status.state is RobotState.ENABLED, status.reason


def test_spasm_detected_with_a_moderately_strong_patient() -> None:
    clock = FakeClock()
    robot, driver = build_simulated_robot(with_patient(CONFIG, strength=0.5), clock)
    run_ticks(robot, clock, 0.02)
    assert robot.enable(True)[0]
    run_ticks(robot, clock, 0.6)
    assert robot.command_exercise(CMD)[0]
    # Near the end of the flexion, where the robot holds the arm against the spasm (a spasm
    # in the middle of a fast flexion goes the robot's way and is weaker by Hill's law).
    run_ticks(robot, clock, 3.0)
    driver.plant.patient.trigger_spasm(clock.now_s())
    run_ticks(robot, clock, 0.3)
    status = robot.status()
    assert status.state is RobotState.SAFE_STOP and "spasm" in status.reason
