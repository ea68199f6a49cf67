"""The controller facade: the only object a node adapter talks to.

One :meth:`RobotController.tick` per control period (500 Hz): read the sensors, check them,
run the watchdog and the spasm detector, let the present mode propose a torque, pass it
through the safety supervisor, write it to the driver. Every other method is a request from
the app (through the adapter) and takes effect at once; :meth:`RobotController.estop`
zeroes the torque inside the call. Any exception inside a tick ends in FAULT with zero torque.

Not thread-safe: an adapter calls it from one thread or under one lock (the requests are
short and never block on the network, except a driver's own bus I/O inside a tick).

States (see :class:`~rehab_robot.core.api.RobotState`):

- IDLE: actuators disabled (after a disable or reset, the torque is first ramped down over
  ``ramps.disable_s``, then the drives are disabled).
- ENABLED: holding the posture it was enabled in (torque ramped up over ``ramps.enable_s``).
  Needs a live heartbeat.
- RUNNING / PAUSED: an exercise; PAUSED holds the posture it was paused in. Reps are
  counted on the reference trajectory (the cue the patient follows), in every mode.
- SAFE_STOP: lost heartbeat, spasm: compliant stop (no stiffness, own weight compensated,
  damped). Leave with :meth:`reset` (-> IDLE).
- FAULT: sensor, driver or internal error: zero torque, drives disabled; :meth:`reset`.
- ESTOP: zero torque, drives disabled, latched until :meth:`reset`.
"""

from __future__ import annotations

import logging
import math

from rehab_robot.core.api import (
    ActuatorDriver,
    Clock,
    CommandOutcome,
    ControlMode,
    DiagnosticLevel,
    DiagnosticStatus,
    ExerciseCommand,
    ExerciseCue,
    ExerciseCueSink,
    FormFeedback,
    JointSample,
    ReasonCode,
    RobotState,
    RobotStatus,
    SensorReading,
    Transition,
)
from rehab_robot.core.config import RobotConfig
from rehab_robot.core.errors import DriverError
from rehab_robot.core.modes import (
    ActiveAssistedMode,
    ActiveMode,
    CompensationModel,
    CompliantStopMode,
    HoldMode,
    JointState,
    Mode,
    PassiveMode,
    ResistiveMode,
)
from rehab_robot.core.supervisor import RomLimits, SafetySupervisor
from rehab_robot.core.trajectory import ExerciseTrajectory
from rehab_robot.core.validation import check_command

logger = logging.getLogger(__name__)

_TORQUE_STATES = (RobotState.ENABLED, RobotState.RUNNING, RobotState.PAUSED)
# A late tick advances the reference by at most this many periods, so a stall does not make
# the reference leap ahead.
_MAX_MODE_STEP_PERIODS = 5.0


class RobotController:
    """The robot's control core behind one small facade (see module doc).

    Parameters
    ----------
    config
        Frozen, validated configuration.
    driver
        The actuator port (simulated plant, CiA 402 drives).
    clock
        Monotonic clock; the same one the driver uses for its timestamps.

    Raises
    ------
    ValueError
        If the driver's joint names are not the configuration's, in the same order.

    Examples
    --------
    >>> from rehab_robot.core.clock import FakeClock
    >>> from rehab_robot.core.config import load_config
    >>> from rehab_robot.core.driver import SimulatedDriver
    >>> from rehab_robot.core.plant import SimulatedPlant
    >>> config, clock = load_config(), FakeClock()
    >>> robot = RobotController(config, SimulatedDriver(SimulatedPlant(config), clock), clock)
    >>> robot.tick()
    >>> robot.status().state
    <RobotState.IDLE: 'idle'>
    """

    def __init__(self, config: RobotConfig, driver: ActuatorDriver, clock: Clock) -> None:
        if tuple(driver.joint_names) != config.joint_names:
            raise ValueError(f"driver joints {driver.joint_names} do not match the "
                             f"configuration {config.joint_names}")
        self._config = config
        self._driver = driver
        self._clock = clock
        self._n = len(config.joints)
        self._model = CompensationModel(config)
        self._sup = SafetySupervisor(config)
        self._cue_sink = driver if isinstance(driver, ExerciseCueSink) else None
        zero = (0.0,) * self._n
        self._reading = SensorReading(clock.now_s(), zero, zero, zero)
        self._reading_ok = False
        self._mode: Mode | None = None
        self._paused_mode: Mode | None = None
        self._reported_mode = ControlMode.HOLD
        self._exercise: ExerciseCommand | None = None
        self._rep = 0
        self._refusal = ""
        self._last_command = CommandOutcome()
        self._fault = ""
        self._last_heartbeat_s = -math.inf
        self._last_tick_s: float | None = None
        self._ramp = (0.0, 0.0, 0.0, 0.0)   # (t0_s, from, to, duration_s)
        self._driver_enabled = False
        self._ticks = 0
        self._max_period_s = 0.0

    # ================================================================== tick
    def tick(self) -> None:
        """One control tick: read, supervise, command. Never raises.

        Any exception ends in FAULT with zero torque (logged with its traceback).
        """
        try:
            self._tick()
        except Exception as exc:
            logger.exception("exception in the control tick")
            self._enter_fault(self._clock.now_s(), f"internal error: {type(exc).__name__}: {exc}",
                              ReasonCode.INTERNAL_ERROR)

    def _tick(self) -> None:
        try:
            reading = self._driver.read()
        except DriverError as exc:
            self._enter_fault(self._clock.now_s(), f"driver read failed: {exc}",
                              ReasonCode.FAULT_DRIVER)
            return
        # The tick's time is taken after the read, so a reading is never "from the future"
        # when the thread was preempted in between.
        now = self._clock.now_s()
        dt = 0.0 if self._last_tick_s is None else now - self._last_tick_s
        self._last_tick_s = now
        self._ticks += 1
        self._max_period_s = max(self._max_period_s, dt)
        self._reading = reading
        state = self._sup.state
        if state in (RobotState.FAULT, RobotState.ESTOP):
            self._write(self._sup.zero())
            return
        problem = self._sup.check_reading(reading, now)
        if problem:
            self._reading_ok = False
            # A fault the drive reports is the driver's; every other problem is the sensors'.
            self._enter_fault(now, problem, ReasonCode.FAULT_DRIVER if reading.fault
                              else ReasonCode.FAULT_SENSOR)
            return
        self._reading_ok = True
        # Rates and limits use the time between the sensor samples: that is the interval
        # over which the joints really moved, whatever the scheduling jitter of the tick.
        sample_dt = self._sup.sample_dt_s
        self._check_watchdog_and_spasm(now, sample_dt, reading)
        if self._sup.state is RobotState.IDLE and not self._driver_enabled:
            self._write(self._sup.zero())
            return
        joint_state = JointState(now, reading.position_rad, reading.velocity_rad_s)
        desired = self._desired_torque(now, dt, joint_state)
        tau = self._sup.limit_torque(desired, reading.position_rad, reading.velocity_rad_s,
                                     sample_dt, spring_scale=self._ramp_value(now))
        self._write(tau)
        self._maybe_disable_drives()

    def _check_watchdog_and_spasm(self, now: float, dt: float, reading: SensorReading) -> None:
        spasm = self._sup.detect_spasm(reading.interaction_torque_nm, dt)
        if self._sup.state not in _TORQUE_STATES:
            return
        age = now - self._last_heartbeat_s
        if age > self._config.safety.heartbeat_timeout_s:
            self._safe_stop(now, f"heartbeat lost: none for {age:.3f} s "
                                 f"(timeout {self._config.safety.heartbeat_timeout_s} s)",
                            ReasonCode.WATCHDOG)
        elif spasm:
            self._safe_stop(now, spasm, ReasonCode.SPASM)

    def _desired_torque(self, now: float, dt: float, state: JointState) -> tuple[float, ...]:
        mode = self._mode
        if mode is None:
            return (0.0,) * self._n
        mode_dt = min(dt, _MAX_MODE_STEP_PERIODS * self._config.rates.control_period_s)
        out = mode.update(state, mode_dt)
        exercise = self._exercise
        if self._sup.state is RobotState.RUNNING and out.reference is not None \
                and exercise is not None:
            self._rep = out.reference.rep
            if out.reference.rep >= exercise.reps:
                self._finish_exercise(now, state)
        if self._cue_sink is not None:
            active = self._sup.state is RobotState.RUNNING and out.reference is not None
            ref = out.reference
            self._cue_sink.cue(ExerciseCue(
                now, active, ref.position_rad if ref else state.position_rad,
                ref.velocity_rad_s if ref else (0.0,) * self._n, self._rep))
        alpha = self._ramp_value(now)
        return tuple(alpha * x for x in out.torque_nm)

    def _finish_exercise(self, now: float, state: JointState) -> None:
        exercise = self._exercise
        self._mode = HoldMode(self._config, self._model, state.position_rad)
        self._reported_mode = ControlMode.HOLD
        name = exercise.exercise_id if exercise else "?"
        reps = exercise.reps if exercise else 0
        self._sup.transition(now, RobotState.ENABLED, f"exercise {name} complete: {reps} reps",
                             ReasonCode.EXERCISE_COMPLETE)

    def _ramp_value(self, now: float) -> float:
        t0, a, b, duration = self._ramp
        if duration <= 0.0 or now >= t0 + duration:
            return b
        return a + (b - a) * max(0.0, now - t0) / duration

    def _start_ramp(self, now: float, to: float, duration_s: float) -> None:
        self._ramp = (now, self._ramp_value(now), to, duration_s)

    def _write(self, tau: tuple[float, ...]) -> None:
        self._driver.write_torque(tau)

    def _maybe_disable_drives(self) -> None:
        if (self._sup.state is RobotState.IDLE and self._driver_enabled
                and all(t == 0.0 for t in self._sup.torque_nm)
                and self._ramp_value(self._last_tick_s or 0.0) == 0.0):
            self._driver.enable(False)
            self._driver_enabled = False
            self._mode = None
            # With zero torque a wider ROM cannot break the ROM guarantee.
            self._sup.rom = self._sup.default_rom

    # ================================================================== safe states
    def _kill_torque(self) -> None:
        """Zero torque and disable the drives now; errors are logged, never stop this."""
        self._sup.zero()
        self._mode = None
        self._ramp = (0.0, 0.0, 0.0, 0.0)
        try:
            self._driver.write_torque(self._sup.torque_nm)
        except Exception:
            logger.exception("could not write zero torque; disabling the drives")
        try:
            self._driver.enable(False)
        except Exception:
            logger.exception("could not disable the drives")
        self._driver_enabled = False
        self._sup.forget_baseline()
        self._sup.rom = self._sup.default_rom

    def _enter_fault(self, now: float, reason: str, code: ReasonCode) -> None:
        self._kill_torque()
        self._fault = reason
        if self._sup.state is not RobotState.ESTOP:
            self._sup.transition(now, RobotState.FAULT, reason, code)

    def _safe_stop(self, now: float, reason: str, code: ReasonCode) -> None:
        self._mode = CompliantStopMode(self._config, self._model)
        self._fault = reason
        self._start_ramp(now, 1.0, 0.0)   # full compliant torque; the rate limit smooths it
        self._sup.transition(now, RobotState.SAFE_STOP, reason, code)

    # ================================================================== requests
    def heartbeat(self) -> None:
        """Record a heartbeat from the app."""
        self._last_heartbeat_s = self._clock.now_s()

    def estop(self, reason: str, code: ReasonCode = ReasonCode.ESTOP) -> None:
        """Emergency stop: zero torque and disabled drives inside this call; latched.

        Driver errors while zeroing and disabling are logged, never raised.

        Parameters
        ----------
        reason
            Why, in English, for the log and the status's ``fault`` (``e-stop: <reason>``).
        code
            Who asked: ESTOP (a person), NODE_SHUTDOWN, INTERNAL_ERROR (the node making the
            robot safe after a failure of its own).
        """
        now = self._clock.now_s()
        self._kill_torque()
        self._fault = f"e-stop: {reason}"
        self._sup.transition(now, RobotState.ESTOP, f"e-stop: {reason}", code)

    def reset(self) -> tuple[bool, str]:
        """Clear ESTOP, FAULT or SAFE_STOP (-> IDLE); refused while a drive still faults.

        Out of ESTOP or FAULT the drives are disabled (acknowledging drive faults) and read
        once; out of SAFE_STOP the torque ramps down over ``ramps.disable_s`` first.

        Returns
        -------
        tuple[bool, str]
            ``(True, "reset")``, or ``(False, reason)`` when there is nothing to reset or the
            driver is unreachable or still reports a fault.
        """
        now = self._clock.now_s()
        state = self._sup.state
        if state not in (RobotState.ESTOP, RobotState.FAULT, RobotState.SAFE_STOP):
            return False, f"nothing to reset in state {state.value}"
        if state is not RobotState.SAFE_STOP:
            try:
                # Disabling also acknowledges drive faults; one whose cause is gone clears.
                self._driver.enable(False)
                reading = self._driver.read()
            except DriverError as exc:
                return False, f"driver still unreachable: {exc}"
            if reading.fault:
                return False, f"drive still reports a fault: {reading.fault}"
        else:
            # Out of a safe stop the torque ramps down before the drives are disabled.
            self._start_ramp(now, 0.0, self._config.safety.disable_ramp_s)
        self._fault = ""
        self._refusal = ""
        self._exercise = None
        self._rep = 0
        self._sup.transition(now, RobotState.IDLE, f"reset from {state.value}", ReasonCode.RESET)
        return True, "reset"

    def enable(self, on: bool) -> tuple[bool, str]:
        """Enable (IDLE -> ENABLED, holding) or disable (-> IDLE, torque ramped down).

        A failed drive enable ends in FAULT.

        Parameters
        ----------
        on
            True to enable (from IDLE only, with a sane reading and a live heartbeat),
            False to disable (ends any exercise; the torque ramps down over
            ``ramps.disable_s`` before the drives are disabled).

        Returns
        -------
        tuple[bool, str]
            ``(True, reason)`` if enabled, disabling or already so; ``(False, reason)`` if
            refused (wrong state, no sane reading yet, no heartbeat, drive enable failed).
        """
        now = self._clock.now_s()
        state = self._sup.state
        if not on:
            if state in (RobotState.IDLE, RobotState.FAULT, RobotState.ESTOP):
                return True, f"actuators already disabled ({state.value})"
            self._start_ramp(now, 0.0, self._config.safety.disable_ramp_s)
            if state is not RobotState.SAFE_STOP:
                # Ramp down holding still, not following an exercise that has ended.
                self._mode = HoldMode(self._config, self._model, self._reading.position_rad)
            self._reported_mode = ControlMode.HOLD
            self._exercise = None
            self._sup.transition(now, RobotState.IDLE, "disabled on request",
                                 ReasonCode.DISABLED_ON_REQUEST)
            return True, "disabling"
        if state in (RobotState.ENABLED, RobotState.RUNNING, RobotState.PAUSED):
            return True, f"already enabled ({state.value})"
        if state is not RobotState.IDLE:
            return False, f"cannot enable in state {state.value}: reset first"
        if not self._reading_ok:
            return False, "no sane sensor reading yet"
        if now - self._last_heartbeat_s > self._config.safety.heartbeat_timeout_s:
            return False, "no heartbeat from the app"
        try:
            self._driver.enable(True)
        except DriverError as exc:
            self._enter_fault(now, f"drive enable failed: {exc}", ReasonCode.FAULT_DRIVER)
            return False, self._fault
        self._driver_enabled = True
        self._mode = HoldMode(self._config, self._model, self._reading.position_rad)
        self._reported_mode = ControlMode.HOLD
        self._start_ramp(now, 1.0, self._config.safety.enable_ramp_s)
        self._sup.transition(now, RobotState.ENABLED, "enabled on request",
                             ReasonCode.ENABLED_ON_REQUEST)
        return True, "enabled"

    def command_exercise(self, cmd: ExerciseCommand) -> tuple[bool, str]:
        """Validate ``cmd`` against the limits and start it (ENABLED -> RUNNING).

        Accepted or refused, the outcome (with ``cmd.command_seq``) is the status's
        ``last_command`` from now on.

        Parameters
        ----------
        cmd
            The exercise as received; its fields' ranges are checked here
            (:func:`~rehab_robot.core.validation.check_command`), not trusted.

        Returns
        -------
        tuple[bool, str]
            ``(True, "accepted")``, or ``(False, reason)`` if refused: not ENABLED, a field
            out of range, or a ROM change that is unsafe at the present posture and torque.
        """
        now = self._clock.now_s()
        state = self._sup.state
        if state is not RobotState.ENABLED:
            return self._refuse(cmd, ReasonCode.NOT_ENABLED, "robot must be enabled and not "
                                f"exercising (it is {state.value})")
        refusal = check_command(cmd, self._config)
        if refusal is not None:
            return self._refuse(cmd, *refusal)
        idx = {name: i for i, name in enumerate(self._config.joint_names)}
        q_now = self._reading.position_rad
        start, end = list(q_now), list(q_now)
        rom_min, rom_max = list(self._sup.default_rom.min_rad), list(self._sup.default_rom.max_rad)
        for k, name in enumerate(cmd.joint_names):
            i = idx[name]
            start[i], end[i] = math.radians(cmd.start_deg[k]), math.radians(cmd.end_deg[k])
            rom_min[i] = math.radians(cmd.rom_min_deg[k])
            rom_max[i] = math.radians(cmd.rom_max_deg[k])
        if cmd.mode is ControlMode.HOLD:
            end = list(start)
        rom = RomLimits(tuple(rom_min), tuple(rom_max))
        problem = self._sup.rom_change_allowed(rom, q_now)
        if problem:
            return self._refuse(cmd, ReasonCode.ROM_CHANGE_UNSAFE, problem)
        self._sup.rom = rom
        self._mode = self._build_mode(cmd, q_now, tuple(start), tuple(end))
        self._reported_mode = cmd.mode
        self._exercise = cmd
        self._rep = 0
        self._refusal = ""
        self._last_command = CommandOutcome(cmd.command_seq, cmd.exercise_id, True,
                                            ReasonCode.ACCEPTED, "accepted")
        self._sup.transition(now, RobotState.RUNNING, f"exercise {cmd.exercise_id} started "
                                                      f"({cmd.mode.value}, {cmd.reps} reps)",
                             ReasonCode.EXERCISE_STARTED)
        return True, "accepted"

    def _build_mode(self, cmd: ExerciseCommand, q_now: tuple[float, ...],
                    start: tuple[float, ...], end: tuple[float, ...]) -> Mode:
        tr = self._config.trajectory
        distance = max(abs(a - b) for a, b in zip(q_now, start, strict=True))
        # Minimum-jerk peak speed is 1.875 x the mean speed.
        approach_s = max(tr.approach_min_s, distance / tr.approach_velocity_rad_s)
        traj = ExerciseTrajectory(q_now, start, end, cmd.tempo_s, cmd.hold_s, cmd.reps,
                                  approach_s)
        if cmd.mode is ControlMode.PASSIVE:
            return PassiveMode(self._config, self._model, traj)
        if cmd.mode is ControlMode.ACTIVE_ASSISTED:
            return ActiveAssistedMode(self._config, self._model, traj, cmd.assistance)
        if cmd.mode is ControlMode.ACTIVE:
            return ActiveMode(self._config, self._model, traj)
        if cmd.mode is ControlMode.RESISTIVE:
            return ResistiveMode(self._config, self._model, traj, cmd.resistance, start)
        # HOLD: an isometric exercise, the reference stays at the start posture.
        return PassiveMode(self._config, self._model, traj)

    def _refuse(self, cmd: ExerciseCommand, code: ReasonCode,
                reason: str) -> tuple[bool, str]:
        self.refuse_command(cmd.command_seq, cmd.exercise_id, code, reason)
        return False, reason

    def refuse_command(self, command_seq: int, exercise_id: str, code: ReasonCode,
                       reason: str) -> None:
        """Record a refused exercise command; the robot stays as it was.

        The controller calls it for the commands it refuses; an adapter calls it for a
        command it could not decode (``MALFORMED_COMMAND``), so that every command received
        is answered in the status.

        Parameters
        ----------
        command_seq
            The command's sequence number (uint32; 0 if unknown).
        exercise_id
            The command's exercise id (``""`` if unknown).
        code
            The refusal's reason code.
        reason
            Why, in English, for the log and the status's ``fault``.
        """
        self._refusal = f"command refused: {reason}"
        self._last_command = CommandOutcome(command_seq, exercise_id, False, code, reason)
        logger.warning("%s [%s]", self._refusal, code.value)

    def form_feedback(self, fb: FormFeedback) -> None:
        """Pass the camera's form feedback to the running mode (assist-as-needed reacts).

        Ignored unless RUNNING; non-finite feedback is logged and ignored.

        Parameters
        ----------
        fb
            The camera's assessment: ``score`` 0-100, ``severity`` 0-1.
        """
        if not (math.isfinite(fb.score) and math.isfinite(fb.severity)):
            logger.warning("ignoring non-finite form feedback %r", fb)
            return
        handler = getattr(self._mode, "on_form_feedback", None)
        if handler is not None and self._sup.state is RobotState.RUNNING:
            handler(fb)

    def pause(self) -> tuple[bool, str]:
        """RUNNING -> PAUSED: hold the present posture; the exercise keeps its progress.

        Returns
        -------
        tuple[bool, str]
            ``(True, "paused")``, or ``(False, reason)`` when not RUNNING.
        """
        now = self._clock.now_s()
        if self._sup.state is not RobotState.RUNNING:
            return False, f"not running (state {self._sup.state.value})"
        self._paused_mode = self._mode
        self._mode = HoldMode(self._config, self._model, self._reading.position_rad)
        self._sup.transition(now, RobotState.PAUSED, "paused on request",
                             ReasonCode.PAUSED_ON_REQUEST)
        return True, "paused"

    def resume(self) -> tuple[bool, str]:
        """PAUSED -> RUNNING: continue the exercise where it was paused.

        Returns
        -------
        tuple[bool, str]
            ``(True, "resumed")``, or ``(False, reason)`` when not PAUSED.
        """
        now = self._clock.now_s()
        if self._sup.state is not RobotState.PAUSED:
            return False, f"not paused (state {self._sup.state.value})"
        self._mode = self._paused_mode
        self._sup.transition(now, RobotState.RUNNING, "resumed on request",
                             ReasonCode.RESUMED_ON_REQUEST)
        return True, "resumed"

    def finish_exercise(self) -> tuple[bool, str]:
        """RUNNING or PAUSED -> ENABLED: end the exercise early, holding the present posture.

        For the app to end the robot's exercise when the set is over on its side (the
        camera counted the reps), so that the next exercise can be commanded. Refused in
        every other state.

        Returns
        -------
        tuple[bool, str]
            ``(True, "finished")``, or ``(False, reason)`` when neither RUNNING nor PAUSED.
        """
        now = self._clock.now_s()
        state = self._sup.state
        if state not in (RobotState.RUNNING, RobotState.PAUSED):
            return False, f"no exercise to finish (state {state.value})"
        self._mode = HoldMode(self._config, self._model, self._reading.position_rad)
        self._paused_mode = None
        self._reported_mode = ControlMode.HOLD
        name = self._exercise.exercise_id if self._exercise else "?"
        self._sup.transition(now, RobotState.ENABLED,
                             f"exercise {name} finished on request after {self._rep} reps",
                             ReasonCode.FINISHED_ON_REQUEST)
        return True, "finished"

    # ================================================================== telemetry
    def status(self) -> RobotStatus:
        """Present status (the refusal of the last bad command shows in ``fault``).

        Returns
        -------
        RobotStatus
            State, mode, reasons, assistance, the latest interaction torque, rep progress,
            heartbeat age and the last command's outcome, stamped now.
        """
        now = self._clock.now_s()
        mode = self._mode
        return RobotStatus(
            t_s=now,
            state=self._sup.state,
            mode=self._reported_mode,
            reason=self._sup.reason,
            fault=self._fault or self._refusal,
            assistance=mode.assistance if mode is not None else 0.0,
            interaction_torque_nm=self._reading.interaction_torque_nm,
            rep=self._rep,
            reps_total=self._exercise.reps if self._exercise else 0,
            heartbeat_age_s=now - self._last_heartbeat_s,
            reason_code=self._sup.reason_code,
            last_command=self._last_command,
        )

    def joint_sample(self) -> JointSample:
        """Latest joint positions and velocities, and the torque commanded.

        Returns
        -------
        JointSample
            The latest reading's time, positions (rad) and velocities (rad/s), and the
            supervised torque (N m), per configured joint.
        """
        r = self._reading
        return JointSample(r.t_s, self._config.joint_names, r.position_rad, r.velocity_rad_s,
                           self._sup.torque_nm)

    @property
    def config(self) -> RobotConfig:
        """The frozen configuration."""
        return self._config

    @property
    def rom(self) -> RomLimits:
        """The soft range of motion in effect (rad)."""
        return self._sup.rom

    @property
    def commanded_torque_nm(self) -> tuple[float, ...]:
        """The torque last sent to the driver (N m)."""
        return self._sup.torque_nm

    @property
    def mode_law(self) -> Mode | None:
        """The active control law (tests inspect the assist-as-needed stiffness)."""
        return self._mode

    def drain_transitions(self) -> list[Transition]:
        """Transitions since the last call, oldest first.

        Returns
        -------
        list[Transition]
            The state transitions since the previous call (empty if none).
        """
        return self._sup.drain_transitions()

    def diagnostics(self) -> list[DiagnosticStatus]:
        """State, watchdog, control loop and per-joint entries for /diagnostics.

        Resets the maximum tick period, so each call reports the period since the last.

        Returns
        -------
        list[DiagnosticStatus]
            The state, heartbeat and control loop entries, then one entry per joint.
        """
        now = self._clock.now_s()
        state = self._sup.state
        level = {RobotState.SAFE_STOP: DiagnosticLevel.WARN, RobotState.FAULT:
                 DiagnosticLevel.ERROR, RobotState.ESTOP: DiagnosticLevel.ERROR}.get(
                     state, DiagnosticLevel.OK)
        age = now - self._last_heartbeat_s
        timeout = self._config.safety.heartbeat_timeout_s
        hb_level = DiagnosticLevel.OK if age <= timeout or state not in _TORQUE_STATES \
            else DiagnosticLevel.ERROR
        period = self._config.rates.control_period_s
        loop_level = DiagnosticLevel.WARN if self._max_period_s > 2.0 * period \
            else DiagnosticLevel.OK
        out = [
            DiagnosticStatus("rehab_robot: state", int(level), f"{state.value}: {self._sup.reason}",
                             {"state": state.value, "fault": self._fault,
                              "mode": self._reported_mode.value}),
            DiagnosticStatus("rehab_robot: heartbeat", int(hb_level),
                             "alive" if age <= timeout else "no heartbeat",
                             {"age_s": f"{age:.3f}", "timeout_s": f"{timeout}"}),
            DiagnosticStatus("rehab_robot: control loop", int(loop_level),
                             f"max period {self._max_period_s * 1000:.2f} ms",
                             {"ticks": str(self._ticks),
                              "max_period_ms": f"{self._max_period_s * 1000:.3f}",
                              "nominal_period_ms": f"{period * 1000:.3f}"}),
        ]
        self._max_period_s = 0.0
        r = self._reading
        for i, joint in enumerate(self._config.joints):
            out.append(DiagnosticStatus(
                f"rehab_robot: joint {joint.name}", int(DiagnosticLevel.OK), "ok",
                {"position_deg": f"{math.degrees(r.position_rad[i]):.2f}",
                 "velocity_deg_s": f"{math.degrees(r.velocity_rad_s[i]):.2f}",
                 "torque_nm": f"{self._sup.torque_nm[i]:.3f}",
                 "interaction_torque_nm": f"{r.interaction_torque_nm[i]:.3f}",
                 "effort_limit_nm": f"{joint.limits.effort_limit_nm}"}))
        return out
