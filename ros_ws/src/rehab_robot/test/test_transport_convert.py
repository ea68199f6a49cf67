"""Translation between the core's typed hand-offs and ROS 2 messages (pure, no DDS I/O)."""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import math

import pytest

from rehab_robot.core.api import (
    CommandOutcome,
    ControlMode,
    ExerciseCommand,
    JointSample,
    ReasonCode,
    RobotState,
    RobotStatus,
    Transition,
)
from rehab_robot.transport import convert

COMMAND = ExerciseCommand(
    exercise_id="shoulder_flexion",
    mode=ControlMode.ACTIVE_ASSISTED,
    joint_names=("shoulder_flexion", "elbow_flexion"),
    start_deg=(0.0, 10.0),
    end_deg=(90.0, 20.0),
    reps=8,
    tempo_s=2.5,
    hold_s=1.0,
    assistance=0.6,
    resistance=0.0,
    rom_min_deg=(-5.0, 0.0),
    rom_max_deg=(120.0, 90.0),
)


def test_exercise_command_round_trips_through_the_message():
    msg = convert.exercise_command_msg(COMMAND, stamp_ns=1_700_000_000_123_456_789)
    assert msg.mode == 1  # ExerciseCommand.msg: MODE_ACTIVE_ASSISTED=1
    assert convert.exercise_command_from_msg(msg) == COMMAND


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mode": 9}, "unknown mode code 9"),
        ({"start_deg": [0.0]}, "start_deg has 1 entries for 2 joints"),
        ({"rom_max_deg": [1.0, 2.0, 3.0]}, "rom_max_deg has 3 entries for 2 joints"),
    ],
)
def test_malformed_exercise_messages_are_refused_with_a_reason(change, message):
    msg = convert.exercise_command_msg(COMMAND, stamp_ns=0)
    with pytest.raises(convert.MessageError, match=message):
        convert.exercise_command_from_msg(dataclasses.replace(msg, **change))


def test_every_state_and_mode_has_a_distinct_wire_code():
    assert sorted(convert.STATE_CODES.values()) == list(range(len(RobotState)))
    assert sorted(convert.MODE_CODES.values()) == list(range(len(ControlMode)))


def test_status_message_carries_the_command_outcome_and_no_infinite_age():
    status = RobotStatus(
        t_s=3.0, state=RobotState.SAFE_STOP, mode=ControlMode.PASSIVE, reason="heartbeat lost",
        fault="heartbeat lost", assistance=0.4, interaction_torque_nm=(0.1, -0.2), rep=2,
        reps_total=5, heartbeat_age_s=math.inf, reason_code=ReasonCode.WATCHDOG,
        last_command=CommandOutcome(7, "ex", False, ReasonCode.ROM_OUTSIDE_LIMITS, "too far"),
    )
    msg = convert.status_msg(status, 5_000_000_001, 499.0)
    assert (msg.state, msg.mode) == (4, 0)
    assert msg.header.stamp.sec == 5
    assert msg.header.stamp.nanosec == 1
    assert msg.heartbeat_age_s == -1.0
    assert (msg.last_command_id, msg.last_command_accepted, msg.last_command_reason) == (
        "ex", False, "too far",
    )
    assert (msg.reason_code, msg.last_command_seq, msg.last_command_code) == (
        "watchdog", 7, "rom_outside_limits",
    )


def test_status_message_before_any_command_has_empty_codes():
    status = RobotStatus(
        t_s=0.0, state=RobotState.IDLE, mode=ControlMode.HOLD, reason="started", fault="",
        assistance=0.0, interaction_torque_nm=(0.0,), rep=0, reps_total=0, heartbeat_age_s=1.0,
    )
    msg = convert.status_msg(status, 0, 0.0)
    assert (msg.reason_code, msg.last_command_seq, msg.last_command_code) == ("started", 0, "")


def test_command_seq_survives_the_round_trip():
    cmd = dataclasses.replace(COMMAND, command_seq=42)
    back = convert.exercise_command_from_msg(convert.exercise_command_msg(cmd, stamp_ns=0))
    assert back == cmd


def test_joint_state_and_transition_messages():
    sample = JointSample(1.0, ("a", "b"), (0.1, 0.2), (0.0, -1.0), (2.0, 0.0))
    js = convert.joint_state_msg(sample, 2_500_000_000)
    assert (js.name, js.position, js.velocity, js.effort) == (
        ["a", "b"], [0.1, 0.2], [0.0, -1.0], [2.0, 0.0],
    )
    assert (js.header.stamp.sec, js.header.stamp.nanosec) == (2, 500_000_000)
    tr = convert.transition_msg(
        Transition(1.0, RobotState.RUNNING, RobotState.ESTOP, "x", ReasonCode.ESTOP), 0)
    assert (tr.from_state, tr.to_state, tr.reason, tr.reason_code) == (2, 6, "x", "estop")


@pytest.mark.skipif(importlib.util.find_spec("rclpy") is not None, reason="ROS 2 is here")
def test_rclpy_adapter_says_what_it_needs_where_ros2_is_absent():
    with pytest.raises(ImportError, match="needs rclpy"):
        importlib.import_module("rehab_robot.node_rclpy")
