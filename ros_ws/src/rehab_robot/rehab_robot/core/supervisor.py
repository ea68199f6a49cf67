"""The safety supervisor: sensor sanity, watchdog, spasm detection and the torque limiter.

Every torque the controller sends to the driver passes through
:meth:`SafetySupervisor.limit_torque`, whose guarantees (checked by the hypothesis tests in
``test/test_core_properties.py``), for any desired torque and any sequence of readings that
passed :meth:`SafetySupervisor.check_reading`:

1. ``|tau_i| <= effort_limit_nm_i``;
2. ``|tau_i - tau_prev_i| <= torque_rate_limit_nm_s_i * dt``, ``dt`` being the time between
   the sensor samples the two torques were computed from; the only faster changes are the
   drop to zero on an e-stop or fault (:meth:`SafetySupervisor.zero`), and at a ROM limit
   a cut toward zero of at most ``torque_rate_limit * position_tolerance /
   plausible_velocity`` (0.8 N m at the elbow with the default configuration) beyond it;
3. at or past a ROM soft limit the torque does not push further out: ``q_i >= rom_max_i``
   implies ``tau_i <= 0`` and ``q_i <= rom_min_i`` implies ``tau_i >= 0``.

(2) and (3) can only hold together if outward torque is shed *before* the limit is
reached. The sanity check bounds how far a joint can move between two samples
(``plausible_velocity * dt + position_tolerance``, further is an encoder fault), so the
outward torque is capped at ``B(d) = rate_limit * d / plausible_velocity`` where ``d`` is the
distance to the limit: whatever the motion, the cap never falls faster than the rate limit
can follow (but for the tolerance's share, see 2.), and it is zero at the limit. Inside the
``rom.margin`` zone a restoring spring pushes back and the outward part of the desired
torque fades out; a velocity over the joint's limit removes
torque that would accelerate further.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from rehab_robot.core.api import ReasonCode, RobotState, SensorReading, Transition
from rehab_robot.core.config import RobotConfig

logger = logging.getLogger(__name__)

# Readings further than this outside the hard limits are not a robot position but garbage.
_IMPLAUSIBLE_BEYOND_LIMIT_RAD = math.radians(10.0)


@dataclass(frozen=True)
class RomLimits:
    """Per-joint soft range of motion (rad)."""

    min_rad: tuple[float, ...]
    max_rad: tuple[float, ...]


class SafetySupervisor:
    """Checks readings, detects spasms and limits torque; holds the state machine.

    Parameters
    ----------
    config
        The (frozen) robot configuration; its limits are not copied anywhere mutable.
    """

    def __init__(self, config: RobotConfig) -> None:
        self._config = config
        self._n = len(config.joints)
        self._limits = tuple(j.limits for j in config.joints)
        self.default_rom = RomLimits(tuple(j.default_rom_min_rad for j in config.joints),
                                     tuple(j.default_rom_max_rad for j in config.joints))
        self.rom = self.default_rom
        self.torque_nm: tuple[float, ...] = (0.0,) * self._n
        self.state = RobotState.IDLE
        self.reason = "started"
        self.reason_code = ReasonCode.STARTED
        self._transitions: list[Transition] = []
        self._last_position: tuple[float, ...] | None = None
        self._last_sample_t_s = 0.0
        self.sample_dt_s = 0.0
        self._spasm_fast_nm: list[float] | None = None
        self._spasm_slow_nm: list[float] | None = None
        self._spasm_over_s = [0.0] * self._n

    # ----------------------------------------------------------------- state machine
    def transition(self, t_s: float, to: RobotState, reason: str, code: ReasonCode) -> None:
        """Enter ``to`` for ``reason``; logged and queued for publishing.

        Nothing happens when ``to`` and ``reason`` are the present state and reason.

        Parameters
        ----------
        t_s
            When (s, on the controller's clock).
        to
            The state to enter.
        reason
            Why, in English, for the log.
        code
            Why, as a code the app translates.
        """
        if to is self.state and reason == self.reason:
            return
        record = Transition(t_s, self.state, to, reason, code)
        level = logging.WARNING if to in (RobotState.SAFE_STOP, RobotState.FAULT,
                                          RobotState.ESTOP) else logging.INFO
        logger.log(level, "robot %s -> %s: %s [%s]", self.state.value, to.value, reason,
                   code.value)
        self._transitions.append(record)
        self.state = to
        self.reason = reason
        self.reason_code = code

    def drain_transitions(self) -> list[Transition]:
        """Transitions since the last call, oldest first.

        Returns
        -------
        list[Transition]
            The transitions queued since the previous call (empty if none); the queue is
            emptied.
        """
        out, self._transitions = self._transitions, []
        return out

    # ----------------------------------------------------------------- sensor sanity
    def forget_baseline(self) -> None:
        """Drop the previous reading (after a fault or reset; torque is zero then)."""
        self._last_position = None
        self.sample_dt_s = 0.0
        self._spasm_fast_nm = None
        self._spasm_slow_nm = None
        self._spasm_over_s = [0.0] * self._n

    def check_reading(self, reading: SensorReading, now_s: float) -> str:
        """Return ``""`` if the reading is sane, else why not (the caller faults).

        On success :attr:`sample_dt_s` is the time since the previous sane reading (0 for
        the first one after start or a fault): the interval the torque limiter and the
        spasm detector work on, and the one that bounds how far a joint can have moved.

        Parameters
        ----------
        reading
            The driver's reading of this tick.
        now_s
            Controller time of this tick (s), taken after the read; the reading is stale
            if ``now_s - reading.t_s`` is negative or over ``safety.stale_timeout_s``.

        Returns
        -------
        str
            ``""`` if sane, else the English reason: a drive fault, the wrong number of
            joints, a non-finite value, a stale reading, an implausible position (over
            10 deg beyond a hard limit) or velocity, time going backwards, or an encoder
            jump.
        """
        if reading.fault:
            return f"drive fault: {reading.fault}"
        fields = (reading.position_rad, reading.velocity_rad_s, reading.interaction_torque_nm)
        if any(len(f) != self._n for f in fields):
            return f"sensor reading has the wrong number of joints (expected {self._n})"
        if not all(math.isfinite(x) for f in fields for x in f) or not math.isfinite(reading.t_s):
            return "sensor reading is not finite (NaN or inf)"
        age_s = now_s - reading.t_s
        if age_s > self._config.safety.stale_timeout_s or age_s < 0.0:
            return f"sensor reading is stale ({age_s * 1000:.1f} ms old)"
        v_max = self._config.safety.plausible_velocity_rad_s
        for i, lim in enumerate(self._limits):
            q = reading.position_rad[i]
            if not (lim.position_min_rad - _IMPLAUSIBLE_BEYOND_LIMIT_RAD <= q
                    <= lim.position_max_rad + _IMPLAUSIBLE_BEYOND_LIMIT_RAD):
                name = self._config.joints[i].name
                return f"{name} position implausible ({math.degrees(q):.1f} deg)"
            if abs(reading.velocity_rad_s[i]) > v_max:
                return f"{self._config.joints[i].name} velocity implausible"
        dt_s = 0.0
        if self._last_position is not None:
            dt_s = reading.t_s - self._last_sample_t_s
            if dt_s < 0.0:
                return "sensor time went backwards"
            tolerance = self._config.safety.position_tolerance_rad
            for i in range(self._n):
                if abs(reading.position_rad[i] - self._last_position[i]) > v_max * dt_s \
                        + tolerance:
                    return f"{self._config.joints[i].name} encoder jumped implausibly"
        self._last_position = reading.position_rad
        self._last_sample_t_s = reading.t_s
        self.sample_dt_s = dt_s
        return ""

    # ----------------------------------------------------------------- spasm
    def detect_spasm(self, interaction_nm: tuple[float, ...], dt_s: float) -> str:
        """Return ``""`` or the reason: a sustained over-threshold or sudden interaction torque.

        Two low-pass filters of the interaction torque: a fast one (noise) and a slow one
        (the exercise's own, slowly changing interaction). Either ``|torque|`` over the
        joint's absolute threshold or ``|fast - slow|`` over its deviation threshold, for
        ``spasm.duration_s``, is a spasm.

        Parameters
        ----------
        interaction_nm
            Measured interaction torque per joint (N m), finite.
        dt_s
            Time since the previous sensor sample (s); the first call after start or
            :meth:`forget_baseline` only sets the filters, and ``dt_s <= 0`` changes nothing.

        Returns
        -------
        str
            ``""``, or the reason naming the first joint in spasm and its torque.
        """
        cfg = self._config.safety
        if self._spasm_fast_nm is None or self._spasm_slow_nm is None:
            self._spasm_fast_nm = list(interaction_nm)
            self._spasm_slow_nm = list(interaction_nm)
            return ""
        if dt_s <= 0.0:
            return ""
        a_fast = 1.0 - math.exp(-2.0 * math.pi * cfg.spasm_filter_cutoff_hz * dt_s)
        a_slow = 1.0 - math.exp(-2.0 * math.pi * cfg.spasm_baseline_cutoff_hz * dt_s)
        found = ""
        for i, joint in enumerate(self._config.joints):
            fast = self._spasm_fast_nm[i] + a_fast * (interaction_nm[i] - self._spasm_fast_nm[i])
            slow = self._spasm_slow_nm[i] + a_slow * (interaction_nm[i] - self._spasm_slow_nm[i])
            self._spasm_fast_nm[i], self._spasm_slow_nm[i] = fast, slow
            over = abs(interaction_nm[i]) > joint.spasm_torque_threshold_nm
            sudden = abs(fast - slow) > joint.spasm_deviation_threshold_nm
            self._spasm_over_s[i] = self._spasm_over_s[i] + dt_s if over or sudden else 0.0
            if not found and self._spasm_over_s[i] >= cfg.spasm_duration_s:
                what = (f"{interaction_nm[i]:.1f} N m over {joint.spasm_torque_threshold_nm:.1f}"
                        if over else f"departed {fast - slow:+.1f} N m from its baseline")
                found = f"spasm: {joint.name} interaction torque {what}"
        return found

    # ----------------------------------------------------------------- torque limiter
    def zero(self) -> tuple[float, ...]:
        """Drop the torque to zero at once (e-stop, fault).

        Returns
        -------
        tuple[float, ...]
            Zero torque per joint (N m), now also :attr:`torque_nm`.
        """
        self.torque_nm = (0.0,) * self._n
        return self.torque_nm

    def outward_caps_nm(self, position_rad: tuple[float, ...],
                        rom: RomLimits | None = None) -> list[tuple[float, float]]:
        """Per joint ``(lo, hi)``: the torque allowed by the ROM limits at this posture.

        ``hi = torque_rate_limit / plausible_velocity * max(0, rom_max - q)`` and ``lo``
        likewise toward ``rom_min`` (see the module doc).

        Parameters
        ----------
        position_rad
            Joint angles (rad), one per joint.
        rom
            The soft ROM to check against; the one in effect (:attr:`rom`) when ``None``.

        Returns
        -------
        list[tuple[float, float]]
            ``(lo, hi)`` per joint (N m), ``lo <= 0 <= hi``; both zero at or past the
            respective limit.
        """
        rom = rom or self.rom
        v = self._config.safety.plausible_velocity_rad_s
        caps = []
        for i, lim in enumerate(self._limits):
            slope = lim.torque_rate_limit_nm_s / v
            hi = slope * max(0.0, rom.max_rad[i] - position_rad[i])
            lo = -slope * max(0.0, position_rad[i] - rom.min_rad[i])
            caps.append((lo, hi))
        return caps

    def rom_change_allowed(self, rom: RomLimits, position_rad: tuple[float, ...]) -> str:
        """``""`` if switching to ``rom`` now keeps the ROM guarantee, else why not.

        Parameters
        ----------
        rom
            The proposed soft ROM (rad).
        position_rad
            Present joint angles (rad), one per joint.

        Returns
        -------
        str
            ``""``, or the reason naming the first joint whose present torque lies outside
            the caps of :meth:`outward_caps_nm` under ``rom``.
        """
        for i, (lo, hi) in enumerate(self.outward_caps_nm(position_rad, rom)):
            if not lo <= self.torque_nm[i] <= hi:
                return (f"{self._config.joints[i].name} is too close to the new ROM limit for "
                        "the torque it carries now")
        return ""

    def limit_torque(self, desired_nm: tuple[float, ...], position_rad: tuple[float, ...],
                     velocity_rad_s: tuple[float, ...], dt_s: float,
                     spring_scale: float = 1.0) -> tuple[float, ...]:
        """Turn a desired torque into the torque that may be sent (see module doc).

        Parameters
        ----------
        desired_nm
            What the mode asks for (N m), one per joint; non-finite values raise.
        position_rad, velocity_rad_s
            The sane reading of this tick (rad, rad/s).
        dt_s
            Time since the previous sensor sample (s), >= 0 (negative counts as 0); scales
            the rate limit.
        spring_scale
            Scale 0-1 of the ROM restoring spring (follows the enable/disable ramp, so a
            disabled robot's torque really reaches zero).

        Returns
        -------
        tuple[float, ...]
            The torque that may be sent (N m), one per joint, now also :attr:`torque_nm`.

        Raises
        ------
        ArithmeticError
            If ``desired_nm`` has the wrong number of joints or is not finite (a bug in a
            mode: the controller faults).
        """
        if len(desired_nm) != self._n or not all(math.isfinite(x) for x in desired_nm):
            raise ArithmeticError(f"mode produced an invalid torque {desired_nm!r}")
        safety = self._config.safety
        caps = self.outward_caps_nm(position_rad)
        out = []
        for i, lim in enumerate(self._limits):
            q, qd, target = position_rad[i], velocity_rad_s[i], desired_nm[i]
            lo_rom, hi_rom = self.rom.min_rad[i], self.rom.max_rad[i]
            margin = safety.rom_margin_rad
            # Soft zone near a ROM limit: fade the outward torque, add a restoring spring.
            if q > hi_rom - margin:
                depth = q - (hi_rom - margin)
                if target > 0.0:
                    target *= max(0.0, 1.0 - depth / margin)
                target -= spring_scale * safety.rom_restoring_stiffness_nm_rad * depth
            elif q < lo_rom + margin:
                depth = (lo_rom + margin) - q
                if target < 0.0:
                    target *= max(0.0, 1.0 - depth / margin)
                target += spring_scale * safety.rom_restoring_stiffness_nm_rad * depth
            # Over the velocity limit: no torque that accelerates further.
            if abs(qd) > lim.velocity_limit_rad_s and target * qd > 0.0:
                target = 0.0
            effort = lim.effort_limit_nm
            target = min(effort, max(-effort, target))
            step = lim.torque_rate_limit_nm_s * max(dt_s, 0.0)
            prev = self.torque_nm[i]
            tau = min(prev + step, max(prev - step, target))
            lo_cap, hi_cap = caps[i]
            tau = min(hi_cap, max(lo_cap, tau))
            out.append(min(effort, max(-effort, tau)))
        self.torque_nm = tuple(out)
        return self.torque_nm
