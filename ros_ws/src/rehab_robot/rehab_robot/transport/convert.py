"""Translate between the core's typed hand-offs and ROS 2 messages.

Pure functions, no I/O. Incoming messages are checked here only for what the core's types
cannot express (an unknown mode code, per-joint arrays of unequal length); limits and ranges
are the controller's to judge, so every refusal reason of substance comes from the core.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from rehab_robot.core.api import (
    ControlMode,
    DiagnosticStatus,
    ExerciseCommand,
    FormFeedback,
    JointSample,
    RobotState,
    RobotStatus,
    Transition,
)
from rehab_robot.transport import ros_types as m

# The constants of rehab_interfaces/msg/RobotStatus.msg and ExerciseCommand.msg.
STATE_CODES: dict[RobotState, int] = {
    RobotState.IDLE: 0,
    RobotState.ENABLED: 1,
    RobotState.RUNNING: 2,
    RobotState.PAUSED: 3,
    RobotState.SAFE_STOP: 4,
    RobotState.FAULT: 5,
    RobotState.ESTOP: 6,
}
MODE_CODES: dict[ControlMode, int] = {
    ControlMode.PASSIVE: 0,
    ControlMode.ACTIVE_ASSISTED: 1,
    ControlMode.ACTIVE: 2,
    ControlMode.RESISTIVE: 3,
    ControlMode.HOLD: 4,
}
STATES_BY_CODE: dict[int, RobotState] = {code: state for state, code in STATE_CODES.items()}
MODES_BY_CODE: dict[int, ControlMode] = {code: mode for mode, code in MODE_CODES.items()}


class MessageError(ValueError):
    """An incoming message cannot be turned into a core command; ``str()`` says why."""


def stamp_from_ns(t_ns: int) -> m.Time:
    """Return a builtin_interfaces/Time for ``t_ns`` nanoseconds since the epoch.

    Examples
    --------
    >>> stamp_from_ns(1_500_000_001)
    Time(sec=1, nanosec=500000001)
    """
    sec, nanosec = divmod(int(t_ns), 1_000_000_000)
    return m.Time(sec=sec, nanosec=nanosec)


def stamp_to_ns(stamp: m.Time) -> int:
    """Return the nanoseconds since the epoch of a builtin_interfaces/Time."""
    return int(stamp.sec) * 1_000_000_000 + int(stamp.nanosec)


def header_now(frame_id: str = "") -> m.Header:
    """Return a std_msgs/Header stamped with the wall clock (ROS time), for outgoing messages."""
    return m.Header(stamp=stamp_from_ns(time.time_ns()), frame_id=frame_id)


def joint_state_msg(sample: JointSample, stamp_ns: int) -> m.JointState:
    """Return the sensor_msgs/JointState of a joint sample (rad, rad/s, N m)."""
    return m.JointState(
        header=m.Header(stamp=stamp_from_ns(stamp_ns), frame_id=""),
        name=list(sample.names),
        position=[float(x) for x in sample.position_rad],
        velocity=[float(x) for x in sample.velocity_rad_s],
        effort=[float(x) for x in sample.effort_nm],
    )


def status_msg(status: RobotStatus, stamp_ns: int, control_rate_hz: float) -> m.RobotStatus:
    """Return the rehab_interfaces/RobotStatus of a core status.

    Parameters
    ----------
    status
        The controller's status (with the outcome of the last exercise command).
    stamp_ns
        Wall-clock stamp (ns since the epoch).
    control_rate_hz
        Measured control-loop rate.
    """
    command = status.last_command
    age_s = status.heartbeat_age_s
    return m.RobotStatus(
        header=m.Header(stamp=stamp_from_ns(stamp_ns)),
        state=STATE_CODES[status.state],
        mode=MODE_CODES[status.mode],
        reason=status.reason,
        reason_code=status.reason_code.value,
        fault=status.fault,
        assistance=float(status.assistance),
        interaction_torque_nm=[float(x) for x in status.interaction_torque_nm],
        rep=int(status.rep),
        reps_total=int(status.reps_total),
        # CDR has no objection to inf, but ROS tools print it poorly; -1 means "never".
        heartbeat_age_s=float(age_s) if math.isfinite(age_s) else -1.0,
        last_command_id=command.exercise_id,
        last_command_seq=int(command.command_seq) & 0xFFFF_FFFF,
        last_command_accepted=command.accepted,
        last_command_code=command.code.value if command.code is not None else "",
        last_command_reason=command.reason,
        control_rate_hz=float(control_rate_hz),
    )


def transition_msg(transition: Transition, stamp_ns: int) -> m.StateTransition:
    """Return the rehab_interfaces/StateTransition of a core transition."""
    return m.StateTransition(
        header=m.Header(stamp=stamp_from_ns(stamp_ns)),
        from_state=STATE_CODES[transition.from_state],
        to_state=STATE_CODES[transition.to_state],
        reason=transition.reason,
        reason_code=transition.code.value,
    )


def transition_msgs(transitions: Sequence[Transition], mono_now_s: float,
                    wall_now_ns: int) -> list[m.StateTransition]:
    """Messages of transitions that happened at controller times ``t_s``, each stamped
    with the wall time it happened (not when it is published)."""
    return [transition_msg(t, wall_now_ns - int((mono_now_s - t.t_s) * 1e9))
            for t in transitions]


def diagnostics_msg(
    entries: Sequence[DiagnosticStatus], stamp_ns: int, hardware_id: str
) -> m.DiagnosticArray:
    """Return the diagnostic_msgs/DiagnosticArray of the controller's diagnostic entries."""
    return m.DiagnosticArray(
        header=m.Header(stamp=stamp_from_ns(stamp_ns)),
        status=[
            m.DiagnosticStatus(
                level=int(entry.level),
                name=entry.name,
                message=entry.message,
                hardware_id=hardware_id,
                values=[m.KeyValue(key=k, value=v) for k, v in entry.values.items()],
            )
            for entry in entries
        ],
    )


def exercise_command_from_msg(msg: m.ExerciseCommand) -> ExerciseCommand:
    """Return the core command of a rehab_interfaces/ExerciseCommand.

    Raises
    ------
    MessageError
        If the mode code is unknown or a per-joint array does not have one entry per joint.
    """
    try:
        mode = MODES_BY_CODE[int(msg.mode)]
    except KeyError:
        raise MessageError(f"unknown mode code {msg.mode}") from None
    n_joints = len(msg.joint_names)
    for name in ("start_deg", "end_deg", "rom_min_deg", "rom_max_deg"):
        if len(getattr(msg, name)) != n_joints:
            raise MessageError(
                f"{name} has {len(getattr(msg, name))} entries for {n_joints} joints"
            )
    return ExerciseCommand(
        exercise_id=msg.exercise_id,
        command_seq=int(msg.command_seq),
        mode=mode,
        joint_names=tuple(msg.joint_names),
        start_deg=tuple(float(x) for x in msg.start_deg),
        end_deg=tuple(float(x) for x in msg.end_deg),
        reps=int(msg.reps),
        tempo_s=float(msg.tempo_s),
        hold_s=float(msg.hold_s),
        assistance=float(msg.assistance),
        resistance=float(msg.resistance),
        rom_min_deg=tuple(float(x) for x in msg.rom_min_deg),
        rom_max_deg=tuple(float(x) for x in msg.rom_max_deg),
    )


def exercise_command_msg(cmd: ExerciseCommand, stamp_ns: int) -> m.ExerciseCommand:
    """Return the rehab_interfaces/ExerciseCommand of a core command (the app's side)."""
    return m.ExerciseCommand(
        header=m.Header(stamp=stamp_from_ns(stamp_ns)),
        exercise_id=cmd.exercise_id,
        command_seq=int(cmd.command_seq),
        mode=MODE_CODES[cmd.mode],
        joint_names=list(cmd.joint_names),
        start_deg=list(cmd.start_deg),
        end_deg=list(cmd.end_deg),
        reps=int(cmd.reps),
        tempo_s=float(cmd.tempo_s),
        hold_s=float(cmd.hold_s),
        assistance=float(cmd.assistance),
        resistance=float(cmd.resistance),
        rom_min_deg=list(cmd.rom_min_deg),
        rom_max_deg=list(cmd.rom_max_deg),
    )


def form_feedback_from_msg(msg: m.FormFeedback) -> FormFeedback:
    """Return the core form feedback of a rehab_interfaces/FormFeedback (``t_s``: sender's)."""
    return FormFeedback(
        t_s=stamp_to_ns(msg.header.stamp) / 1e9,
        score=float(msg.score),
        compensation=msg.compensation,
        severity=float(msg.severity),
    )
