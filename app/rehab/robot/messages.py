"""What the app receives from the robot node, as typed values (no DDS types leak out)."""

from __future__ import annotations

from dataclasses import dataclass

from rehab.messages import Message, has_message
from rehab_robot.core.api import ControlMode, RobotState


@dataclass(frozen=True)
class Telemetry:
    """One ``/joint_states`` sample.

    Parameters
    ----------
    stamp_s
        The node's stamp (wall clock, s since the epoch).
    received_s
        When this process received it (wall clock, s since the epoch).
    names, position_rad, velocity_rad_s, effort_nm
        Per joint; ``effort_nm`` is the commanded torque after the safety supervisor.
    """

    stamp_s: float
    received_s: float
    names: tuple[str, ...]
    position_rad: tuple[float, ...]
    velocity_rad_s: tuple[float, ...]
    effort_nm: tuple[float, ...]


@dataclass(frozen=True)
class RemoteStatus:
    """The robot node's ``~/status``.

    ``heartbeat_age_s`` is ``None`` when the node has had no heartbeat yet. The
    ``last_command_*`` fields report the outcome of the last exercise command the node
    received (refusals carry the reason): ``last_command_seq`` is that command's number
    (what :meth:`rehab.robot.RobotClient.send_exercise` returned; 0 before any command),
    ``last_command_code`` is ``"accepted"`` or the refusal's code (``""`` before any
    command). ``reason_code`` is the code of ``reason``. The codes are the values of
    :class:`rehab_robot.core.api.ReasonCode`, for the app to translate; the English
    ``reason`` and ``last_command_reason`` are for logs.
    """

    stamp_s: float
    state: RobotState
    mode: ControlMode
    reason: str
    fault: str
    assistance: float
    interaction_torque_nm: tuple[float, ...]
    rep: int
    reps_total: int
    heartbeat_age_s: float | None
    last_command_id: str
    last_command_accepted: bool
    last_command_reason: str
    control_rate_hz: float
    last_command_seq: int = 0
    reason_code: str = ""
    last_command_code: str = ""


@dataclass(frozen=True)
class RemoteTransition:
    """One state change of the robot, stamped when it happened (wall clock, s);
    ``reason_code`` is the code of ``reason`` (see :class:`RemoteStatus`)."""

    stamp_s: float
    from_state: RobotState
    to_state: RobotState
    reason: str
    reason_code: str = ""


@dataclass(frozen=True)
class RemoteDiagnostic:
    """One entry of ``/diagnostics`` (level 0 OK, 1 WARN, 2 ERROR, 3 STALE)."""

    name: str
    level: int
    message: str
    values: tuple[tuple[str, str], ...]

    def value(self, key: str) -> str | None:
        """Return the value of ``key``, or ``None``."""
        return dict(self.values).get(key)


def reason_message(code: str) -> Message:
    """The robot's reason code (a :class:`~rehab_robot.core.api.ReasonCode` value) as a
    message for people: ``robot.reason.<code>``.

    Examples
    --------
    >>> reason_message("not_enabled").text("ko")
    '명령 거부: 로봇이 준비 상태여야 하고 운동 중이 아니어야 합니다'
    >>> reason_message("new_code").text("en")
    'robot reason: new_code'
    """
    key = f"robot.reason.{code}"
    return Message(key) if has_message(key) else Message("robot.reason.unknown", {"code": code})
