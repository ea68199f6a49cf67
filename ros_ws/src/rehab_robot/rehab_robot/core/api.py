"""The typed surface of the robot core: what adapters send in and get back.

Everything a node adapter (Cyclone DDS or rclpy) exchanges with the controller is one of
these frozen dataclasses or enums; the adapters only translate them to and from ROS 2
messages. The ports the core needs (a clock, an actuator driver) are Protocols, so that the
simulated robot, the CiA 402 drives and test fakes plug in behind the same contract.

Conventions: angles inside the core are radians (``_rad``); the exercise command, which
comes from a therapist's prescription, is in degrees (``_deg``). Torques are N m (``_nm``),
times are seconds on the injected monotonic clock (``t_s``). Tuples are per joint, in the
order of ``joint_names``.

Where things live:

- ``rehab_robot.core.config.load_config(path=None) -> RobotConfig`` (typed, frozen, validated)
- ``rehab_robot.core.clock.MonotonicClock`` / ``FakeClock``
- ``rehab_robot.core.controller.RobotController(config, driver, clock)`` implements
  :class:`RobotControllerApi`; ``rehab_robot.core.supervisor`` is its safety supervisor,
  ``rehab_robot.core.modes`` its control laws, ``rehab_robot.core.validation`` checks
  commands.
- ``rehab_robot.core.plant.SimulatedPlant``, ``rehab_robot.core.driver.SimulatedDriver``,
  ``rehab_robot.core.simulation.build_simulated_robot(config, clock)`` (both at once)
- ``rehab_robot.drivers.canopen_driver.Cia402Driver`` (CiA 402 drives over CANopen), and the
  simulated drives it is tested against, ``rehab_robot.drivers.cia402_sim``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NamedTuple, Protocol, runtime_checkable


class RobotState(enum.Enum):
    """States of the safety state machine (the value is the name published on the wire).

    IDLE: actuators disabled, zero torque. ENABLED: actuators powered, holding, no exercise.
    RUNNING: an exercise is running. PAUSED: exercise suspended, holding where it was.
    SAFE_STOP: a recoverable stop (watchdog, spasm, out-of-range command); compliant, torque
    ramped to zero. FAULT: sensor or driver fault or an internal error; zero torque.
    ESTOP: emergency stop, zero torque at once, latched until an explicit reset.
    """

    IDLE = "idle"
    ENABLED = "enabled"
    RUNNING = "running"
    PAUSED = "paused"
    SAFE_STOP = "safe_stop"
    FAULT = "fault"
    ESTOP = "estop"


class ReasonCode(enum.Enum):
    """Machine-readable reasons: why the robot is in its state, and a command's outcome.

    The closed set of codes the node publishes (the value is the string on the wire, in
    ``RobotStatus.reason_code``, ``RobotStatus.last_command_code`` and
    ``StateTransition.reason_code``). The English ``reason`` text beside each code is for
    logs and engineers; the app translates the code for the people who read it.

    Transition reasons: STARTED (initial state), ENABLED_ON_REQUEST, DISABLED_ON_REQUEST,
    EXERCISE_STARTED, EXERCISE_COMPLETE (all reps done), PAUSED_ON_REQUEST,
    RESUMED_ON_REQUEST, FINISHED_ON_REQUEST (the app ended the exercise), RESET, WATCHDOG
    (no heartbeat within the timeout), SPASM, FAULT_SENSOR (NaN, stale, implausible or
    jumping encoders), FAULT_DRIVER (drive fault, lost bus, failed enable), INTERNAL_ERROR
    (an exception in the controller or the node), ESTOP (requested), NODE_SHUTDOWN.

    Command outcomes: ACCEPTED, or a refusal: NOT_ENABLED (the robot is not ENABLED: idle,
    running, paused or stopped), MALFORMED_COMMAND (the message cannot be decoded: unknown
    mode, per-joint arrays of unequal length), INVALID_COMMAND (a field out of its range:
    joints, reps, tempo, hold, assistance, resistance), ROM_OUTSIDE_LIMITS (the patient ROM
    is outside the joint limits or does not contain start and end), SPEED_LIMIT (the tempo
    would exceed a joint's velocity limit), ROM_CHANGE_UNSAFE (the joint is too close to the
    new ROM limit for the torque it carries now).
    """

    STARTED = "started"
    ENABLED_ON_REQUEST = "enabled_on_request"
    DISABLED_ON_REQUEST = "disabled_on_request"
    EXERCISE_STARTED = "exercise_started"
    EXERCISE_COMPLETE = "exercise_complete"
    PAUSED_ON_REQUEST = "paused_on_request"
    RESUMED_ON_REQUEST = "resumed_on_request"
    FINISHED_ON_REQUEST = "finished_on_request"
    RESET = "reset"
    WATCHDOG = "watchdog"
    SPASM = "spasm"
    FAULT_SENSOR = "fault_sensor"
    FAULT_DRIVER = "fault_driver"
    INTERNAL_ERROR = "internal_error"
    ESTOP = "estop"
    NODE_SHUTDOWN = "node_shutdown"
    ACCEPTED = "accepted"
    NOT_ENABLED = "not_enabled"
    MALFORMED_COMMAND = "malformed_command"
    INVALID_COMMAND = "invalid_command"
    ROM_OUTSIDE_LIMITS = "rom_outside_limits"
    SPEED_LIMIT = "speed_limit"
    ROM_CHANGE_UNSAFE = "rom_change_unsafe"


class ControlMode(enum.Enum):
    """Exercise control modes (the value is the name published on the wire).

    PASSIVE: the robot moves the limb along a minimum-jerk trajectory (impedance tracking).
    ACTIVE_ASSISTED: assist-as-needed impedance toward the reference, stiffness adapting
    across reps. ACTIVE: transparent, gravity and friction compensation only. RESISTIVE:
    virtual spring-damper opposing motion. HOLD: impedance hold at a fixed posture.
    """

    PASSIVE = "passive"
    ACTIVE_ASSISTED = "active_assisted"
    ACTIVE = "active"
    RESISTIVE = "resistive"
    HOLD = "hold"


@dataclass(frozen=True)
class ExerciseCommand:
    """One exercise prescription sent by the app; validated by the controller before use.

    Parameters
    ----------
    exercise_id
        Library id of the exercise (``elbow_flexion``), for logs and status only.
    mode
        The control mode.
    joint_names
        The joints the exercise moves, a non-empty subset of the configured joints; the
        others hold where they are.
    start_deg, end_deg
        Start and end angle per joint in ``joint_names`` (deg). One rep goes start -> end
        -> start.
    reps
        Number of repetitions, >= 1.
    tempo_s
        Duration of one way (start -> end), s, > 0.
    hold_s
        Pause at each end, s, >= 0.
    assistance
        Initial assistance 0-1 (scales the assist-as-needed stiffness; passive ignores it).
    resistance
        Resistance level 0-1 (scales the resistive spring-damper).
    rom_min_deg, rom_max_deg
        Per-patient safe range of motion per joint in ``joint_names`` (deg); must lie inside
        the hard joint limits and contain start and end.
    command_seq
        The sender's sequence number of this command (uint32), echoed in
        ``RobotStatus.last_command_seq`` once the command has been judged, so the sender
        can tell its own command's outcome from an earlier one's.
    """

    exercise_id: str
    mode: ControlMode
    joint_names: tuple[str, ...]
    start_deg: tuple[float, ...]
    end_deg: tuple[float, ...]
    reps: int
    tempo_s: float
    hold_s: float
    assistance: float
    resistance: float
    rom_min_deg: tuple[float, ...]
    rom_max_deg: tuple[float, ...]
    command_seq: int = 0


@dataclass(frozen=True)
class CommandOutcome:
    """How the controller judged the last exercise command it received.

    Parameters
    ----------
    command_seq
        The command's ``command_seq`` (0 before any command).
    exercise_id
        The command's exercise id.
    accepted
        Whether the exercise started.
    code
        ``ACCEPTED`` or the refusal's code; ``None`` before any command.
    reason
        ``"accepted"`` or the refusal in English (for logs).
    """

    command_seq: int = 0
    exercise_id: str = ""
    accepted: bool = False
    code: ReasonCode | None = None
    reason: str = ""


@dataclass(frozen=True)
class FormFeedback:
    """Form assessment from the camera pipeline, so assistance can react to compensations.

    Parameters
    ----------
    t_s
        Time of the assessment on the sender's clock (s); informative only.
    score
        Form score 0-100.
    compensation
        Name of the compensation seen (``trunk_lean``, ``shoulder_hike``), ``""`` if none.
    severity
        Severity of the compensation 0-1.
    """

    t_s: float
    score: float
    compensation: str
    severity: float


@dataclass(frozen=True)
class JointSample:
    """Joint telemetry (what sensor_msgs/JointState carries).

    ``effort_nm`` is the torque commanded to the actuators after the safety supervisor.
    """

    t_s: float
    names: tuple[str, ...]
    position_rad: tuple[float, ...]
    velocity_rad_s: tuple[float, ...]
    effort_nm: tuple[float, ...]


@dataclass(frozen=True)
class RobotStatus:
    """Robot status for the app and the therapist's console.

    Parameters
    ----------
    t_s
        Controller clock time (s).
    state, mode
        State machine state and current control mode.
    reason
        Reason of the last transition (human readable).
    fault
        Active fault or refusal text, ``""`` if none.
    assistance
        Current assistance level 0-1 (normalised stiffness of the assistive impedance).
    interaction_torque_nm
        Measured robot-to-patient torque per joint (N m).
    rep, reps_total
        Repetitions completed and prescribed (0 when no exercise).
    heartbeat_age_s
        Time since the last heartbeat from the app (s); ``inf`` if none yet.
    reason_code
        Code of ``reason``.
    last_command
        The outcome of the last exercise command received, accepted or refused.
    """

    t_s: float
    state: RobotState
    mode: ControlMode
    reason: str
    fault: str
    assistance: float
    interaction_torque_nm: tuple[float, ...]
    rep: int
    reps_total: int
    heartbeat_age_s: float
    reason_code: ReasonCode = ReasonCode.STARTED
    last_command: CommandOutcome = CommandOutcome()

    @property
    def last_command_seq(self) -> int:
        """``command_seq`` of the last exercise command received (0 before any)."""
        return self.last_command.command_seq


@dataclass(frozen=True)
class Transition:
    """One state machine transition, with its reason."""

    t_s: float
    from_state: RobotState
    to_state: RobotState
    reason: str
    code: ReasonCode = ReasonCode.STARTED


class DiagnosticLevel(enum.IntEnum):
    """diagnostic_msgs/DiagnosticStatus levels."""

    OK = 0
    WARN = 1
    ERROR = 2


class DiagnosticStatus(NamedTuple):
    """One diagnostic entry: (name, level, message, key/value pairs)."""

    name: str
    level: int
    message: str
    values: dict[str, str]


@dataclass(frozen=True)
class SensorReading:
    """What an actuator driver reads in one control tick.

    Parameters
    ----------
    t_s
        Time the sensors were sampled, on the controller's clock (s).
    position_rad, velocity_rad_s
        Joint encoder position and velocity per joint.
    interaction_torque_nm
        Torque the robot exerts on the patient's limb per joint, from the cuff torque
        sensors (N m): positive means the robot pushes the limb toward positive angles.
    fault
        Driver-reported fault (drive fault bit, lost communication), ``""`` if none.
    """

    t_s: float
    position_rad: tuple[float, ...]
    velocity_rad_s: tuple[float, ...]
    interaction_torque_nm: tuple[float, ...]
    fault: str = ""


@dataclass(frozen=True)
class ExerciseCue:
    """What the patient is being asked to do now (the guided-exercise screen's cue).

    The controller sends it every tick to a driver that implements
    :class:`ExerciseCueSink` (the simulated patient follows it); real drives ignore it.

    Parameters
    ----------
    t_s
        Controller time (s).
    active
        True while the patient is asked to move (an exercise is running, not paused).
    position_rad, velocity_rad_s
        The reference posture and velocity per joint.
    rep
        Index of the current repetition (0-based).
    """

    t_s: float
    active: bool
    position_rad: tuple[float, ...]
    velocity_rad_s: tuple[float, ...]
    rep: int


@runtime_checkable
class ExerciseCueSink(Protocol):
    """A driver that wants the exercise cue (only the simulated patient does)."""

    def cue(self, cue: ExerciseCue) -> None:
        """Take the cue of this tick.

        Parameters
        ----------
        cue
            What the patient is asked to do now (rad, rad/s, controller time in s).
        """
        ...


@runtime_checkable
class Clock(Protocol):
    """A monotonic clock in seconds (injected, so tests need no sleeps)."""

    def now_s(self) -> float:
        """Return the current monotonic time (s).

        Returns
        -------
        float
            Seconds since an arbitrary fixed point; never decreases.
        """
        ...


@runtime_checkable
class ActuatorDriver(Protocol):
    """The port to the actuators: the simulated robot or real drives.

    The controller calls :meth:`read` once per tick, then :meth:`write_torque` once.
    A driver raises :class:`rehab_robot.core.errors.DriverError` when it cannot talk to the
    hardware; a fault the hardware reports comes back in ``SensorReading.fault``.
    """

    @property
    def joint_names(self) -> tuple[str, ...]:
        """The driven joints, in the order of every per-joint tuple."""
        ...

    def enable(self, on: bool) -> None:
        """Power the actuators (``True``) or disable them (``False``, zero torque).

        Parameters
        ----------
        on
            True to power the actuators, False to disable them.

        Raises
        ------
        DriverError
            If the hardware cannot be reached or refuses.
        """
        ...

    def read(self) -> SensorReading:
        """Read the sensors now.

        Returns
        -------
        SensorReading
            Positions (rad), velocities (rad/s), interaction torques (N m) per joint,
            stamped on the controller's clock (s), and any fault the hardware reports.

        Raises
        ------
        DriverError
            If the hardware cannot be reached.
        """
        ...

    def write_torque(self, torque_nm: tuple[float, ...]) -> None:
        """Command joint torques (N m); only called with supervised values.

        Parameters
        ----------
        torque_nm
            One torque per joint (N m), in :attr:`joint_names` order, within each joint's
            ``effort_limit_nm``.

        Raises
        ------
        DriverError
            If the hardware cannot be reached.
        """
        ...

    def close(self) -> None:
        """Release the hardware; the actuators end disabled."""
        ...


class RobotControllerApi(Protocol):
    """The controller facade, the only thing a node adapter talks to.

    Every method is called from the adapter's single control thread or under the adapter's
    lock; none blocks. Calls that can be refused return ``(accepted, reason)``.
    """

    def tick(self) -> None:
        """Run one 500 Hz control tick: read sensors, supervise, command the driver."""
        ...

    def heartbeat(self) -> None:
        """Record a heartbeat from the app (feeds the watchdog)."""
        ...

    def command_exercise(self, cmd: ExerciseCommand) -> tuple[bool, str]:
        """Validate and start an exercise; ``(False, reason)`` if refused.

        Parameters
        ----------
        cmd
            The exercise as received (ranges not yet checked).

        Returns
        -------
        tuple[bool, str]
            ``(True, "accepted")`` or ``(False, reason)``.
        """
        ...

    def refuse_command(self, command_seq: int, exercise_id: str, code: ReasonCode,
                       reason: str) -> None:
        """Record a command the adapter refused before the core saw it (undecodable).

        Parameters
        ----------
        command_seq
            The command's sequence number (uint32; 0 if unknown).
        exercise_id
            The command's exercise id (``""`` if unknown).
        code
            The refusal's reason code (``MALFORMED_COMMAND``).
        reason
            Why, in English, for the log.
        """
        ...

    def form_feedback(self, fb: FormFeedback) -> None:
        """Take form feedback from the camera (raises assistance or slows on compensation).

        Parameters
        ----------
        fb
            The camera's assessment: ``score`` 0-100, ``severity`` 0-1.
        """
        ...

    def enable(self, on: bool) -> tuple[bool, str]:
        """Enable (IDLE -> ENABLED) or disable (-> IDLE, torque ramped down) the actuators.

        Parameters
        ----------
        on
            True to enable, False to disable.

        Returns
        -------
        tuple[bool, str]
            ``(True, reason)`` if done or already so, ``(False, reason)`` if refused.
        """
        ...

    def estop(self, reason: str, code: ReasonCode = ReasonCode.ESTOP) -> None:
        """Emergency stop: zero torque in this call, latched until :meth:`reset`.

        Parameters
        ----------
        reason
            Why, in English, for the log.
        code
            Who asked: ESTOP (a person), NODE_SHUTDOWN or INTERNAL_ERROR (the node).
        """
        ...

    def reset(self) -> tuple[bool, str]:
        """Clear an e-stop, fault or safe stop (-> IDLE) if the cause is gone.

        Returns
        -------
        tuple[bool, str]
            ``(True, "reset")`` or ``(False, reason)``.
        """
        ...

    def pause(self) -> tuple[bool, str]:
        """Pause a running exercise (hold where it is).

        Returns
        -------
        tuple[bool, str]
            ``(True, "paused")`` or ``(False, reason)``.
        """
        ...

    def resume(self) -> tuple[bool, str]:
        """Resume a paused exercise.

        Returns
        -------
        tuple[bool, str]
            ``(True, "resumed")`` or ``(False, reason)``.
        """
        ...

    def finish_exercise(self) -> tuple[bool, str]:
        """End a running or paused exercise early (-> ENABLED, holding where it is).

        Returns
        -------
        tuple[bool, str]
            ``(True, "finished")`` or ``(False, reason)``.
        """
        ...

    def status(self) -> RobotStatus:
        """Current status.

        Returns
        -------
        RobotStatus
            The status, stamped now.
        """
        ...

    def joint_sample(self) -> JointSample:
        """Latest joint telemetry.

        Returns
        -------
        JointSample
            Positions (rad), velocities (rad/s) and commanded torque (N m) per joint.
        """
        ...

    def drain_transitions(self) -> list[Transition]:
        """Transitions since the last call, oldest first.

        Returns
        -------
        list[Transition]
            The state transitions since the previous call (empty if none).
        """
        ...

    def diagnostics(self) -> list[DiagnosticStatus]:
        """Diagnostic entries for /diagnostics.

        Returns
        -------
        list[DiagnosticStatus]
            One entry per aspect (state, heartbeat, control loop) and per joint.
        """
        ...
