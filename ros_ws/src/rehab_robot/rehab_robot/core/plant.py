"""The simulated plant: a two-joint upper-limb robot coupled to a simulated patient's arm.

Two planar two-link arms (the exoskeleton and the patient's arm, see
:mod:`rehab_robot.core.dynamics`) are joined at each joint by the cuff, a stiff
spring-damper whose torque is what the robot's interaction torque sensors measure. The
patient produces voluntary torque toward the cued exercise (with a reaction delay, limited
by strength that fatigues over repetitions), has velocity-dependent spasticity in the elbow
flexors and occasional flexor spasms (Poisson, seeded RNG). The robot has friction and
mechanical end stops; the true masses differ from the controller's nominal model by the
configured factors. Integrated with semi-implicit Euler at ``rates.plant_hz`` (>= 1 kHz),
several substeps per control tick.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import math
import random

from rehab_robot.core.api import ExerciseCue
from rehab_robot.core.config import ArmParams, LinkParams, RobotConfig
from rehab_robot.core.dynamics import ArmDynamics, friction_nm

logger = logging.getLogger(__name__)

# Mechanical end stops of the robot just outside the configured hard limits, and the
# anatomical limits of the elbow (no hyperextension): stiff springs.
_END_STOP_STIFFNESS_NM_RAD = 2000.0
_END_STOP_DAMPING_NM_S_RAD = 20.0
_END_STOP_BEYOND_RAD = math.radians(3.0)
# A plant that falls further behind the clock than this (a stalled process) skips time
# instead of integrating a backlog in one call.
_MAX_CATCH_UP_S = 0.1


def _scaled_arm(arm: ArmParams, mass_factor: float) -> ArmParams:
    def link(p: LinkParams) -> LinkParams:
        return dataclasses.replace(p, mass_kg=p.mass_kg * mass_factor,
                                   inertia_kgm2=p.inertia_kgm2 * mass_factor)
    return ArmParams(link(arm.upper), link(arm.fore))


_SPASM_RISE_FRACTION = 0.15


def _spasm_profile(phase: float) -> float:
    """Spasm activation 0-1 over its duration.

    A fast rise (the first 15 %, tens of ms, as a stretch-reflex burst) and a slower decay,
    both raised-cosine shaped.

    Parameters
    ----------
    phase
        Time since the spasm's onset as a fraction of its duration; any value (``inf``
        for none).

    Returns
    -------
    float
        Activation in ``[0, 1]``; 0 outside ``[0, 1)``.
    """
    if not 0.0 <= phase < 1.0:
        return 0.0
    if phase < _SPASM_RISE_FRACTION:
        return 0.5 * (1.0 - math.cos(math.pi * phase / _SPASM_RISE_FRACTION))
    decay = (phase - _SPASM_RISE_FRACTION) / (1.0 - _SPASM_RISE_FRACTION)
    return 0.5 * (1.0 + math.cos(math.pi * decay))


class SimulatedPatient:
    """The patient's voluntary torque, fatigue, spasticity and spasms.

    Parameters
    ----------
    config
        The robot configuration (``simulation.patient``).
    limb
        Dynamics of the patient's arm (its gravity torque is what the patient supports).
    rng
        Seeded random generator for spasm onsets.
    """

    def __init__(self, config: RobotConfig, limb: ArmDynamics, rng: random.Random) -> None:
        self._cfg = config.simulation.patient
        self._limb = limb
        self._rng = rng
        self._cues: collections.deque[ExerciseCue] = collections.deque()
        self._rep = 0
        self._spasm_start_s = -math.inf
        self.spasm_count = 0

    @property
    def strength(self) -> float:
        """Present strength 0-1 after fatigue."""
        return self._cfg.strength * (1.0 - self._cfg.fatigue_per_rep) ** self._rep

    def cue(self, cue: ExerciseCue) -> None:
        """Receive the exercise cue (perceived after the reaction delay).

        Parameters
        ----------
        cue
            The cue of this tick; cues are expected in increasing ``cue.t_s``.
        """
        self._cues.append(cue)

    def trigger_spasm(self, t_s: float) -> None:
        """Start a flexor spasm now (tests, demonstrations).

        Parameters
        ----------
        t_s
            Onset time on the plant's clock (s); the spasm lasts
            ``simulation.patient.spasm_duration_s`` from there.
        """
        self._spasm_start_s = t_s
        self.spasm_count += 1

    def _perceived(self, t_s: float) -> ExerciseCue | None:
        horizon = t_s - self._cfg.reaction_delay_s
        while len(self._cues) > 1 and self._cues[1].t_s <= horizon:
            self._cues.popleft()
        cue = self._cues[0] if self._cues else None
        if cue is not None and cue.t_s > horizon:
            return None
        return cue

    def torque_nm(self, t_s: float, dt_s: float, q_rad: tuple[float, ...],
                  qd_rad_s: tuple[float, ...]) -> tuple[float, ...]:
        """The patient's own joint torques now (voluntary + spasticity + spasm).

        May start a random spasm (a Poisson onset at ``spasm_rate_per_min``).

        Parameters
        ----------
        t_s
            Plant time (s), non-decreasing between calls.
        dt_s
            Substep (s), > 0; the spasm onset probability of this call is
            ``spasm_rate_per_min / 60 * dt_s``.
        q_rad
            The limb's joint angles (rad), one per joint.
        qd_rad_s
            The limb's joint velocities (rad/s), one per joint.

        Returns
        -------
        tuple[float, ...]
            Torque the patient's muscles apply per joint (N m).
        """
        cfg = self._cfg
        if cfg.spasm_rate_per_min > 0.0 and t_s - self._spasm_start_s > cfg.spasm_duration_s \
                and self._rng.random() < cfg.spasm_rate_per_min / 60.0 * dt_s:
            self.trigger_spasm(t_s)
        cue = self._perceived(t_s)
        voluntary = [0.0] * len(q_rad)
        if cue is not None and cue.active:
            self._rep = max(self._rep, cue.rep)
            s = self.strength
            support = self._limb.gravity_nm(q_rad)
            for i in range(len(q_rad)):
                want = (support[i]
                        + s * cfg.tracking_stiffness_nm_rad * (cue.position_rad[i] - q_rad[i])
                        + s * cfg.tracking_damping_nm_s_rad * (cue.velocity_rad_s[i] - qd_rad_s[i]))
                cap = s * cfg.max_torque_nm[i]
                voluntary[i] = min(cap, max(-cap, want))
        spasm_phase = (t_s - self._spasm_start_s) / cfg.spasm_duration_s \
            if cfg.spasm_duration_s > 0 else math.inf
        burst = _spasm_profile(spasm_phase)
        out = []
        for i in range(len(q_rad)):
            # Spasticity: the stretch reflex of the flexors resists fast extension.
            stretch_rad_s = -qd_rad_s[i] - cfg.spasticity_velocity_threshold_rad_s
            spastic = cfg.spasticity_gain_nm_s_rad[i] * max(0.0, stretch_rad_s)
            # Flexor spasm, weaker the faster the flexors shorten (Hill's force-velocity
            # relation): a spasm cannot fling the arm faster than muscle contracts.
            hill = max(0.0, 1.0 - max(0.0, qd_rad_s[i]) / cfg.max_shortening_velocity_rad_s)
            out.append(voluntary[i] + spastic + burst * hill * cfg.spasm_torque_nm[i])
        return tuple(out)


class SimulatedPlant:
    """Robot + cuff + patient limb, integrated at a fixed substep.

    Parameters
    ----------
    config
        The robot configuration; ``simulation`` selects the patient and the model error.

    Examples
    --------
    >>> from rehab_robot.core.config import load_config
    >>> plant = SimulatedPlant(load_config())
    >>> plant.set_motor_torque((0.0, 0.0))
    >>> plant.advance_to(0.01)
    >>> round(plant.t_s, 4)
    0.01
    """

    def __init__(self, config: RobotConfig) -> None:
        sim, model = config.simulation, config.model
        self._config = config
        self._dt_s = 1.0 / config.rates.plant_hz
        rotor = model.rotor_inertia_kgm2
        self._robot = ArmDynamics(_scaled_arm(model.robot, sim.robot_mass_factor),
                                  model.gravity_m_s2, (rotor[0], rotor[1]))
        self._limb = ArmDynamics(_scaled_arm(model.limb, sim.limb_mass_factor),
                                 model.gravity_m_s2)
        self._friction = tuple((j.friction.viscous_nm_s_rad * sim.friction_factor,
                                j.friction.coulomb_nm * sim.friction_factor)
                               for j in config.joints)
        self._limits = tuple((j.limits.position_min_rad, j.limits.position_max_rad)
                             for j in config.joints)
        self.patient = SimulatedPatient(config, self._limb, random.Random(sim.seed))
        # Time is start + steps * dt, not a running float sum, so it does not drift.
        self._t0_s = 0.0
        self._steps = 0
        self.q_robot_rad = sim.initial_position_rad
        self.qd_robot_rad_s = (0.0,) * len(config.joints)
        self.q_limb_rad = sim.initial_position_rad
        self.qd_limb_rad_s = (0.0,) * len(config.joints)
        self.motor_torque_nm = (0.0,) * len(config.joints)
        self.interaction_torque_nm = (0.0,) * len(config.joints)
        self.skipped_s = 0.0

    @property
    def t_s(self) -> float:
        """Plant time (s)."""
        return self._t0_s + self._steps * self._dt_s

    @property
    def dt_s(self) -> float:
        """Integration substep (s)."""
        return self._dt_s

    def set_motor_torque(self, torque_nm: tuple[float, ...]) -> None:
        """Hold this motor torque until the next call (zero-order hold).

        Parameters
        ----------
        torque_nm
            One motor torque per joint (N m); not limited here (the controller's
            supervisor and the driver are).
        """
        self.motor_torque_nm = tuple(float(x) for x in torque_nm)

    def advance_to(self, t_s: float) -> None:
        """Integrate up to time ``t_s`` in whole substeps (a no-op if already there).

        A plant more than 0.1 s behind skips ahead (logged, added to ``skipped_s``) and
        integrates only the last 0.1 s.

        Parameters
        ----------
        t_s
            Target time (s); a time at or before :attr:`t_s` does nothing.
        """
        behind_s = t_s - self.t_s
        if behind_s > _MAX_CATCH_UP_S:
            logger.warning("plant %.3f s behind the clock: skipping ahead", behind_s)
            self.skipped_s += behind_s - _MAX_CATCH_UP_S
            self._t0_s = t_s - _MAX_CATCH_UP_S
            self._steps = 0
        # Small tolerance so that 0.002 s of float clock makes exactly 4 substeps at 2 kHz.
        while self.t_s + self._dt_s <= t_s + 1e-9:
            self.step()

    def _end_stop_nm(self, i: int, q: float, qd: float) -> float:
        lo, hi = self._limits[i]
        lo -= _END_STOP_BEYOND_RAD
        hi += _END_STOP_BEYOND_RAD
        if q > hi:
            return -_END_STOP_STIFFNESS_NM_RAD * (q - hi) - _END_STOP_DAMPING_NM_S_RAD * max(qd, 0)
        if q < lo:
            return _END_STOP_STIFFNESS_NM_RAD * (lo - q) - _END_STOP_DAMPING_NM_S_RAD * min(qd, 0)
        return 0.0

    def step(self) -> None:
        """One semi-implicit Euler substep."""
        dt = self._dt_s
        sim = self._config.simulation
        qr, qdr = self.q_robot_rad, self.qd_robot_rad_s
        qh, qdh = self.q_limb_rad, self.qd_limb_rad_s
        n = len(qr)
        coupling = tuple(sim.coupling_stiffness_nm_rad * (qr[i] - qh[i])
                         + sim.coupling_damping_nm_s_rad * (qdr[i] - qdh[i]) for i in range(n))
        patient = self.patient.torque_nm(self.t_s, dt, qh, qdh)
        tau_robot = tuple(
            self.motor_torque_nm[i] - coupling[i]
            - friction_nm(qdr[i], *self._friction[i]) + self._end_stop_nm(i, qr[i], qdr[i])
            for i in range(n))
        # Anatomical end stop: the elbow does not hyperextend.
        elbow_stop = _END_STOP_STIFFNESS_NM_RAD * max(0.0, -qh[1]) - \
            _END_STOP_DAMPING_NM_S_RAD * min(qdh[1], 0.0) * (qh[1] < 0.0)
        tau_limb = (coupling[0] + patient[0] - sim.limb_damping_nm_s_rad * qdh[0],
                    coupling[1] + patient[1] - sim.limb_damping_nm_s_rad * qdh[1] + elbow_stop)
        ar = self._robot.acceleration(qr, qdr, tau_robot)
        ah = self._limb.acceleration(qh, qdh, tau_limb)
        qdr = tuple(qdr[i] + ar[i] * dt for i in range(n))
        qdh = tuple(qdh[i] + ah[i] * dt for i in range(n))
        self.qd_robot_rad_s, self.qd_limb_rad_s = qdr, qdh
        self.q_robot_rad = tuple(qr[i] + qdr[i] * dt for i in range(n))
        self.q_limb_rad = tuple(qh[i] + qdh[i] * dt for i in range(n))
        self.interaction_torque_nm = coupling
        self._steps += 1
