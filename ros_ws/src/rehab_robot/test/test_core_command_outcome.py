"""Command ids, reason codes and ending an exercise on request (controller, fake clock).

The app matches the robot's answer to its command by ``command_seq``, reads why the robot
is where it is from ``reason_code``, and ends the robot's exercise with
``finish_exercise()`` when the camera has counted the set.
"""

from __future__ import annotations

import dataclasses

import pytest

from rehab_robot.core.api import (
    CommandOutcome,
    ControlMode,
    ExerciseCommand,
    ReasonCode,
    RobotState,
)
from rehab_robot.core.clock import FakeClock
from rehab_robot.core.config import load_config
from rehab_robot.core.simulation import build_simulated_robot, run_ticks, with_patient
from rehab_robot.core.validation import check_command

CONFIG = load_config()
CMD = ExerciseCommand("elbow_flexion", ControlMode.PASSIVE, ("elbow_flexion",), (10.0,),
                      (100.0,), 3, 2.5, 0.2, 0.5, 0.0, (0.0,), (120.0,), command_seq=1)


@pytest.fixture
def sim():
    """An enabled simulated robot (flaccid patient), torque ramped up."""
    clock = FakeClock()
    robot, driver = build_simulated_robot(with_patient(CONFIG, strength=0.0), clock)
    run_ticks(robot, clock, 0.02)
    assert robot.enable(True) == (True, "enabled")
    run_ticks(robot, clock, CONFIG.safety.enable_ramp_s + 0.1)
    return robot, driver, clock


def test_before_any_command_the_outcome_is_empty() -> None:
    robot, _ = build_simulated_robot(CONFIG, FakeClock())
    status = robot.status()
    assert status.last_command == CommandOutcome()
    assert status.last_command_seq == 0
    assert status.reason_code is ReasonCode.STARTED


def test_second_set_is_refused_with_its_own_seq_while_the_first_runs(sim) -> None:
    """The bug this fixes: set 1's acceptance must not answer set 2's command."""
    robot, _, clock = sim
    assert robot.command_exercise(CMD) == (True, "accepted")
    accepted = robot.status()
    assert accepted.last_command == CommandOutcome(1, "elbow_flexion", True,
                                                   ReasonCode.ACCEPTED, "accepted")
    assert accepted.reason_code is ReasonCode.EXERCISE_STARTED
    run_ticks(robot, clock, 0.2)
    ok, reason = robot.command_exercise(dataclasses.replace(CMD, command_seq=2))
    assert not ok
    status = robot.status()
    assert status.last_command_seq == 2
    assert not status.last_command.accepted
    assert status.last_command.code is ReasonCode.NOT_ENABLED
    assert "it is running" in status.last_command.reason == reason
    # The refusal left the first exercise running.
    assert status.state is RobotState.RUNNING
    assert status.reason_code is ReasonCode.EXERCISE_STARTED


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"reps": 0}, ReasonCode.INVALID_COMMAND),
        ({"joint_names": ("knee",)}, ReasonCode.INVALID_COMMAND),
        ({"tempo_s": float("nan")}, ReasonCode.INVALID_COMMAND),
        ({"assistance": 1.5}, ReasonCode.INVALID_COMMAND),
        ({"end_deg": (170.0,)}, ReasonCode.ROM_OUTSIDE_LIMITS),
        ({"rom_max_deg": (175.0,), "end_deg": (170.0,)}, ReasonCode.ROM_OUTSIDE_LIMITS),
        ({"start_deg": (0.0,), "end_deg": (120.0,), "tempo_s": 0.5}, ReasonCode.SPEED_LIMIT),
    ],
)
def test_each_refusal_carries_its_code_and_the_seq(sim, changes, code) -> None:
    robot, _, _ = sim
    cmd = dataclasses.replace(CMD, command_seq=77, **changes)
    assert check_command(cmd, CONFIG)[0] is code
    ok, reason = robot.command_exercise(cmd)
    assert not ok
    outcome = robot.status().last_command
    assert (outcome.command_seq, outcome.code, outcome.reason) == (77, code, reason)
    assert robot.status().state is RobotState.ENABLED


def test_an_undecodable_command_is_answered_through_the_controller(sim) -> None:
    robot, _, _ = sim
    robot.refuse_command(9, "elbow_flexion", ReasonCode.MALFORMED_COMMAND, "unknown mode 9")
    outcome = robot.status().last_command
    assert outcome == CommandOutcome(9, "elbow_flexion", False, ReasonCode.MALFORMED_COMMAND,
                                     "unknown mode 9")
    assert "unknown mode 9" in robot.status().fault


@pytest.mark.parametrize("paused", [False, True], ids=["running", "paused"])
def test_finish_ends_the_exercise_holding_where_it_is(sim, paused) -> None:
    robot, driver, clock = sim
    assert robot.command_exercise(CMD)[0]
    run_ticks(robot, clock, 2.0)
    if paused:
        assert robot.pause()[0]
        run_ticks(robot, clock, 0.2)
    q_before = driver.plant.q_robot_rad
    assert robot.finish_exercise() == (True, "finished")
    status = robot.status()
    assert status.state is RobotState.ENABLED
    assert status.mode is ControlMode.HOLD
    assert status.reason_code is ReasonCode.FINISHED_ON_REQUEST
    transition = robot.drain_transitions()[-1]
    assert (transition.to_state, transition.code) == (RobotState.ENABLED,
                                                      ReasonCode.FINISHED_ON_REQUEST)
    # Holds the posture it was in (impedance hold of a flaccid arm: within a degree).
    run_ticks(robot, clock, 1.0)
    elbow = CONFIG.joint_names.index("elbow_flexion")
    assert driver.plant.q_robot_rad[elbow] == pytest.approx(q_before[elbow], abs=0.02)
    assert robot.status().state is RobotState.ENABLED
    # The next set is accepted at once.
    assert robot.command_exercise(dataclasses.replace(CMD, command_seq=2))[0]
    assert robot.status().last_command_seq == 2


@pytest.mark.parametrize("state", ["idle", "enabled", "estop", "safe_stop"])
def test_finish_is_refused_without_an_exercise(sim, state) -> None:
    robot, _, clock = sim
    if state == "idle":
        robot.enable(False)
    elif state == "estop":
        robot.estop("test")
    elif state == "safe_stop":
        run_ticks(robot, clock, CONFIG.safety.heartbeat_timeout_s + 0.05, heartbeat=False)
    before = robot.status().state
    assert before.value == state
    ok, reason = robot.finish_exercise()
    assert not ok
    assert state in reason
    assert robot.status().state is before


@pytest.mark.parametrize(
    ("act", "state", "code"),
    [
        (lambda r, c: r.estop("pressed"), RobotState.ESTOP, ReasonCode.ESTOP),
        (lambda r, c: r.estop("bye", ReasonCode.NODE_SHUTDOWN), RobotState.ESTOP,
         ReasonCode.NODE_SHUTDOWN),
        (lambda r, c: r.enable(False), RobotState.IDLE, ReasonCode.DISABLED_ON_REQUEST),
        (lambda r, c: run_ticks(r, c, CONFIG.safety.heartbeat_timeout_s + 0.05,
                                heartbeat=False), RobotState.SAFE_STOP, ReasonCode.WATCHDOG),
    ],
    ids=["estop", "shutdown", "disable", "watchdog"],
)
def test_transitions_carry_their_code(sim, act, state, code) -> None:
    robot, _, clock = sim
    act(robot, clock)
    status = robot.status()
    assert (status.state, status.reason_code) == (state, code)
    assert robot.drain_transitions()[-1].code is code


def test_reset_and_enable_codes(sim) -> None:
    robot, _, clock = sim
    robot.estop("x")
    assert robot.reset()[0]
    assert robot.status().reason_code is ReasonCode.RESET
    run_ticks(robot, clock, CONFIG.safety.disable_ramp_s + 0.1)
    assert robot.enable(True)[0]
    assert robot.status().reason_code is ReasonCode.ENABLED_ON_REQUEST


def test_exercise_complete_code(sim) -> None:
    robot, _, clock = sim
    assert robot.command_exercise(dataclasses.replace(CMD, reps=1, tempo_s=1.0,
                                                      end_deg=(40.0,)))[0]
    run_ticks(robot, clock, 8.0)
    status = robot.status()
    assert (status.state, status.reason_code) == (RobotState.ENABLED,
                                                  ReasonCode.EXERCISE_COMPLETE)


def test_every_code_is_distinct_snake_case() -> None:
    values = [code.value for code in ReasonCode]
    assert len(set(values)) == len(values)
    assert all(v.replace("_", "").isalpha() and v.islower() for v in values)
