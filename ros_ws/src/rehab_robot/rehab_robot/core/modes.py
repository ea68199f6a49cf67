"""Control modes: pure torque laws, each a small class with its own tests.

Every mode turns the present joint state into a desired joint torque; none of them is
trusted: the :class:`~rehab_robot.core.supervisor.SafetySupervisor` limits whatever they ask.
Exercise modes follow an :class:`~rehab_robot.core.trajectory.ExerciseTrajectory` (which is
also the patient's cue and counts the reps).

- :class:`PassiveMode`: the robot moves the limb; gravity of robot and (nominal) limb
  compensated, impedance ``K (q_ref - q) + D (qd_ref - qd)`` with the configured gains.
- :class:`ActiveAssistedMode`: assist-as-needed. Own weight of the robot compensated (the
  patient lifts their own arm), plus an impedance toward the reference whose stiffness
  adapts once per rep from the patient's tracking error, as in error-based assist-as-needed
  controllers: ``K[n+1] = f K[n] + g max(0, e[n] - e_tol)`` (Emken et al. 2007, "Motor
  adaptation as a greedy optimization of error and effort"; Wolbrecht et al. 2008 use the
  same forgetting term to keep the robot from doing the work for a patient who can).
  ``e[n]`` is the RMS tracking error of rep ``n`` per joint; within the tolerance ``e_tol``
  the rep counts as a success, so ``f < 1`` makes the assistance decay, and beyond it
  ``g (e - e_tol)`` makes it rise when they fall behind. Bounded to
  ``[min_fraction, 1] * K_max``. Form feedback: a compensation that only the
  camera sees (trunk lean, shoulder hike) means the patient reaches the target by cheating,
  so the tracking error underestimates their need: it raises K by
  ``compensation_gain * severity * K_max`` (once per rep) and slows the tempo to
  ``1 - (1 - slow_min) * severity``; good form (score >= ``good_form_score``) restores the
  tempo.
- :class:`ActiveMode`: transparent; only the robot's own gravity and friction compensated.
- :class:`ResistiveMode`: the robot's weight compensated plus a virtual spring (anchored at
  the start posture) and damper opposing motion, scaled by the therapist's resistance 0-1.
- :class:`HoldMode`: impedance hold at a fixed posture with gravity compensation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from rehab_robot.core.api import ControlMode, FormFeedback
from rehab_robot.core.config import RobotConfig
from rehab_robot.core.dynamics import ArmDynamics, friction_nm
from rehab_robot.core.trajectory import ExerciseTrajectory, Phase, ReferenceSample

# Time constant of tempo changes from form feedback: smooth, so the reference velocity does
# not jump.
_SPEED_TIME_CONSTANT_S = 0.5
# Friction compensated on the *measured* velocity is positive feedback; compensating only
# this fraction of the model leaves some damping when the model overestimates friction.
_FRICTION_COMP_FRACTION = 0.8


@dataclass(frozen=True)
class JointState:
    """The measured joint state handed to a mode."""

    t_s: float
    position_rad: tuple[float, ...]
    velocity_rad_s: tuple[float, ...]


class CompensationModel:
    """Nominal gravity and friction model of the robot and of an average limb.

    Parameters
    ----------
    config
        Robot configuration (``model`` and the joints' friction).
    """

    def __init__(self, config: RobotConfig) -> None:
        m = config.model
        rotor = m.rotor_inertia_kgm2
        self.robot = ArmDynamics(m.robot, m.gravity_m_s2, (rotor[0], rotor[1]))
        self.limb = ArmDynamics(m.limb, m.gravity_m_s2)
        self._friction = tuple((j.friction.viscous_nm_s_rad, j.friction.coulomb_nm)
                               for j in config.joints)

    def robot_nm(self, q_rad: tuple[float, ...], qd_rad_s: tuple[float, ...],
                 friction_scale: float = 1.0) -> list[float]:
        """Own gravity plus (scaled) friction of the robot (makes it transparent).

        Parameters
        ----------
        q_rad
            Joint angles (rad), one per configured joint.
        qd_rad_s
            Joint velocities (rad/s) the friction is computed on (measured or reference).
        friction_scale
            Fraction of the friction model to compensate, normally in ``[0, 1]``.

        Returns
        -------
        list[float]
            Compensating torque per joint (N m).
        """
        g = self.robot.gravity_nm(q_rad)
        return [g[i] + friction_scale * friction_nm(qd_rad_s[i], *self._friction[i])
                for i in range(len(g))]

    def robot_and_limb_nm(self, q_rad: tuple[float, ...],
                          qd_rad_s: tuple[float, ...]) -> list[float]:
        """Gravity of robot and limb plus robot friction (carries a relaxed arm).

        Parameters
        ----------
        q_rad
            Joint angles (rad), one per configured joint.
        qd_rad_s
            Joint velocities (rad/s) the friction is computed on (measured or reference).

        Returns
        -------
        list[float]
            Compensating torque per joint (N m): the nominal limb's gravity included.
        """
        base = self.robot_nm(q_rad, qd_rad_s)
        g = self.limb.gravity_nm(q_rad)
        return [base[i] + g[i] for i in range(len(base))]


@dataclass(frozen=True)
class ModeOutput:
    """A mode's desired torque and the reference it used (for the cue and telemetry)."""

    torque_nm: tuple[float, ...]
    reference: ReferenceSample | None


class Mode(Protocol):
    """A control law."""

    mode: ControlMode

    def update(self, state: JointState, dt_s: float) -> ModeOutput:
        """Advance by ``dt_s`` and return the desired torque for ``state``.

        Parameters
        ----------
        state
            The sane measured joint state of this tick.
        dt_s
            Time to advance the mode's reference by (s), >= 0.

        Returns
        -------
        ModeOutput
            The desired torque per joint (N m, before the supervisor) and the reference.
        """
        ...

    @property
    def assistance(self) -> float:
        """Assistance 0-1 to report (normalised assistive stiffness)."""
        ...


class HoldMode:
    """Hold a posture with the configured impedance and full gravity compensation.

    Parameters
    ----------
    config, model
        Configuration (the joints' ``gains``) and the compensation model.
    posture_rad
        Posture to hold (rad), one per joint, inside the joints' limits.
    """

    mode = ControlMode.HOLD

    def __init__(self, config: RobotConfig, model: CompensationModel,
                 posture_rad: tuple[float, ...]) -> None:
        self._gains = tuple(j.gains for j in config.joints)
        self._model = model
        self.posture_rad = posture_rad
        self._ref = ReferenceSample(posture_rad, (0.0,) * len(posture_rad), Phase.DONE, 0)

    @property
    def assistance(self) -> float:
        """A hold carries the arm fully."""
        return 1.0

    def update(self, state: JointState, dt_s: float) -> ModeOutput:
        """Impedance toward the held posture.

        Gravity of robot and limb compensated, friction not (a hold is still).

        Parameters
        ----------
        state
            The measured joint state.
        dt_s
            Time since the previous update (s); unused, a hold has no reference to advance.

        Returns
        -------
        ModeOutput
            The desired torque per joint (N m) and the held posture as the reference
            (phase ``DONE``).
        """
        q, qd = state.position_rad, state.velocity_rad_s
        base = self._model.robot_and_limb_nm(q, (0.0,) * len(q))
        tau = tuple(base[i] + g.stiffness_nm_rad * (self.posture_rad[i] - q[i])
                    - g.damping_nm_s_rad * qd[i] for i, g in enumerate(self._gains))
        return ModeOutput(tau, self._ref)


class _ExerciseMode:
    """Shared part of the exercise modes: the trajectory and its time scaling."""

    mode: ControlMode

    def __init__(self, config: RobotConfig, model: CompensationModel,
                 trajectory: ExerciseTrajectory) -> None:
        self._config = config
        self._model = model
        self.trajectory = trajectory
        self.speed = 1.0

    @property
    def assistance(self) -> float:
        """No assistive impedance by default."""
        return 0.0

    def _reference(self, dt_s: float) -> ReferenceSample:
        self.trajectory.advance(dt_s, self.speed)
        return self.trajectory.sample(self.speed)

    def on_form_feedback(self, fb: FormFeedback) -> None:
        """Only the assist-as-needed mode reacts to form feedback.

        Parameters
        ----------
        fb
            The camera's form assessment; ignored here.
        """


class PassiveMode(_ExerciseMode):
    """The robot moves the limb along the reference (impedance tracking).

    Parameters
    ----------
    config
        Configuration (the joints' ``gains``).
    model
        The compensation model.
    trajectory
        The exercise's reference.
    """

    mode = ControlMode.PASSIVE

    @property
    def assistance(self) -> float:
        """Passive mode carries the arm fully."""
        return 1.0

    def update(self, state: JointState, dt_s: float) -> ModeOutput:
        """Gravity of robot and limb + friction (feed-forward on the reference) + impedance.

        Parameters
        ----------
        state
            The measured joint state.
        dt_s
            Time to advance the reference by (s), >= 0.

        Returns
        -------
        ModeOutput
            The desired torque per joint (N m) and the reference sample it tracked.
        """
        ref = self._reference(dt_s)
        q, qd = state.position_rad, state.velocity_rad_s
        # Friction compensated on the reference velocity: on the measured one it would be
        # positive feedback near zero velocity.
        base = self._model.robot_and_limb_nm(q, ref.velocity_rad_s)
        tau = tuple(base[i] + j.gains.stiffness_nm_rad * (ref.position_rad[i] - q[i])
                    + j.gains.damping_nm_s_rad * (ref.velocity_rad_s[i] - qd[i])
                    for i, j in enumerate(self._config.joints))
        return ModeOutput(tau, ref)


class ActiveAssistedMode(_ExerciseMode):
    """Assist-as-needed impedance whose stiffness adapts across reps (see module doc).

    Parameters
    ----------
    config, model, trajectory
        Configuration (``assist`` and the joints), compensation model and the exercise's
        reference.
    assistance
        Initial stiffness as a fraction of each joint's ``assist_stiffness_max_nm_rad``,
        0-1; clamped to ``[assist.min_fraction, 1]``.
    """

    mode = ControlMode.ACTIVE_ASSISTED

    def __init__(self, config: RobotConfig, model: CompensationModel,
                 trajectory: ExerciseTrajectory, assistance: float) -> None:
        super().__init__(config, model, trajectory)
        self._k_max = tuple(j.assist_stiffness_max_nm_rad for j in config.joints)
        a = config.assist
        frac = min(1.0, max(a.min_fraction, assistance))
        self.stiffness_nm_rad = [frac * k for k in self._k_max]
        self.stiffness_history: list[tuple[float, ...]] = [tuple(self.stiffness_nm_rad)]
        self.error_history_rad: list[tuple[float, ...]] = []
        self._sq_err = [0.0] * len(config.joints)
        self._err_time_s = 0.0
        self._rep = 0
        self._boosted_rep = -1
        self._speed_target = 1.0

    @property
    def assistance(self) -> float:
        """Mean stiffness as a fraction of the maximum."""
        return sum(k / m for k, m in zip(self.stiffness_nm_rad, self._k_max, strict=True)) \
            / len(self._k_max)

    def on_form_feedback(self, fb: FormFeedback) -> None:
        """Raise assistance and slow the tempo on a compensation; restore tempo on good form.

        Parameters
        ----------
        fb
            The camera's form assessment. A ``compensation`` of ``severity`` (0-1, clamped;
            non-finite counts as 0) at least ``assist.compensation_min_severity`` raises the
            stiffness (once per rep) and lowers the target tempo; otherwise a finite
            ``score`` (0-100) of at least ``assist.good_form_score`` restores full tempo.
        """
        a = self._config.assist
        severity = min(1.0, max(0.0, fb.severity)) if math.isfinite(fb.severity) else 0.0
        if fb.compensation and severity >= a.compensation_min_severity:
            if self._boosted_rep != self._rep:
                self._boosted_rep = self._rep
                self.stiffness_nm_rad = [
                    min(m, k + a.compensation_gain * severity * m)
                    for k, m in zip(self.stiffness_nm_rad, self._k_max, strict=True)]
            self._speed_target = min(self._speed_target, 1.0 - (1.0 - a.slow_min) * severity)
        elif math.isfinite(fb.score) and fb.score >= a.good_form_score:
            self._speed_target = 1.0

    def _end_of_rep(self) -> None:
        a = self._config.assist
        err = tuple(math.sqrt(s / self._err_time_s) if self._err_time_s > 0 else 0.0
                    for s in self._sq_err)
        self.error_history_rad.append(err)
        self.stiffness_nm_rad = [
            min(m, max(a.min_fraction * m,
                       a.forgetting_factor * k
                       + a.learning_gain_nm_rad_per_rad * max(0.0, e - a.error_tolerance_rad)))
            for k, m, e in zip(self.stiffness_nm_rad, self._k_max, err, strict=True)]
        self.stiffness_history.append(tuple(self.stiffness_nm_rad))
        self._sq_err = [0.0] * len(self._sq_err)
        self._err_time_s = 0.0

    def update(self, state: JointState, dt_s: float) -> ModeOutput:
        """Robot weight compensation + adaptive impedance toward the reference.

        Accumulates the rep's tracking error and adapts the stiffness when a rep ends.

        Parameters
        ----------
        state
            The measured joint state.
        dt_s
            Time to advance the reference and the tempo filter by (s), >= 0.

        Returns
        -------
        ModeOutput
            The desired torque per joint (N m) and the reference sample it tracked.
        """
        # First-order approach to the target tempo keeps the reference velocity continuous.
        alpha = min(1.0, dt_s / _SPEED_TIME_CONSTANT_S)
        self.speed += alpha * (self._speed_target - self.speed)
        ref = self._reference(dt_s)
        if ref.rep > self._rep:
            self._rep = ref.rep
            self._end_of_rep()
        q, qd = state.position_rad, state.velocity_rad_s
        if ref.in_rep:
            for i in range(len(q)):
                self._sq_err[i] += (ref.position_rad[i] - q[i]) ** 2 * dt_s
            self._err_time_s += dt_s
        base = self._model.robot_nm(q, ref.velocity_rad_s)
        d_per_k = self._config.assist.damping_per_stiffness_s
        tau = tuple(base[i] + k * (ref.position_rad[i] - q[i])
                    + d_per_k * k * (ref.velocity_rad_s[i] - qd[i])
                    for i, k in enumerate(self.stiffness_nm_rad))
        return ModeOutput(tau, ref)


class ActiveMode(_ExerciseMode):
    """Transparent: only the robot's own gravity and friction are compensated.

    Parameters
    ----------
    config
        Configuration.
    model
        The compensation model.
    trajectory
        The exercise's reference (the patient's cue; it counts the reps).
    """

    mode = ControlMode.ACTIVE

    def update(self, state: JointState, dt_s: float) -> ModeOutput:
        """Robot gravity + friction compensation only.

        Parameters
        ----------
        state
            The measured joint state (friction compensated on its velocity, 80 %).
        dt_s
            Time to advance the reference (the patient's cue) by (s), >= 0.

        Returns
        -------
        ModeOutput
            The compensating torque per joint (N m) and the reference sample.
        """
        ref = self._reference(dt_s)
        return ModeOutput(tuple(self._model.robot_nm(state.position_rad, state.velocity_rad_s,
                                                     _FRICTION_COMP_FRACTION)), ref)


class ResistiveMode(_ExerciseMode):
    """Virtual spring (anchored at the start posture) and damper opposing motion.

    Parameters
    ----------
    config, model, trajectory
        Configuration (the joints' ``resistive`` gains), compensation model and the
        exercise's reference (the patient's cue).
    resistance
        Therapist's level 0-1 (clamped), scaling the joints' ``resistive`` gains.
    anchor_rad
        Rest posture of the virtual spring (rad), one per joint (the exercise's start
        posture).
    """

    mode = ControlMode.RESISTIVE

    def __init__(self, config: RobotConfig, model: CompensationModel,
                 trajectory: ExerciseTrajectory, resistance: float,
                 anchor_rad: tuple[float, ...]) -> None:
        super().__init__(config, model, trajectory)
        self.resistance = min(1.0, max(0.0, resistance))
        self._anchor = anchor_rad

    def update(self, state: JointState, dt_s: float) -> ModeOutput:
        """Robot compensation minus the scaled spring-damper.

        Parameters
        ----------
        state
            The measured joint state.
        dt_s
            Time to advance the reference (the patient's cue) by (s), >= 0.

        Returns
        -------
        ModeOutput
            The desired torque per joint (N m) and the reference sample.
        """
        ref = self._reference(dt_s)
        q, qd = state.position_rad, state.velocity_rad_s
        base = self._model.robot_nm(q, qd, _FRICTION_COMP_FRACTION)
        tau = tuple(base[i] - self.resistance * (j.resistive.stiffness_nm_rad
                                                 * (q[i] - self._anchor[i])
                                                 + j.resistive.damping_nm_s_rad * qd[i])
                    for i, j in enumerate(self._config.joints))
        return ModeOutput(tau, ref)


class CompliantStopMode:
    """The safe stop: the robot's own weight compensated plus damping, no stiffness.

    Used after a lost heartbeat or a spasm. Nothing pulls the limb anywhere, so a spastic
    arm is not fought against (a rigid hold against a spasm is what injures), the robot
    does not drop its own weight, and the damping brings motion to rest; an uncompensated
    limb settles slowly down.

    Parameters
    ----------
    config
        Configuration (``safety.safe_stop_damping_nm_s_rad``).
    model
        The compensation model.
    """

    mode = ControlMode.ACTIVE

    def __init__(self, config: RobotConfig, model: CompensationModel) -> None:
        self._model = model
        self._damping = config.safety.safe_stop_damping_nm_s_rad

    @property
    def assistance(self) -> float:
        """No assistance in a safe stop."""
        return 0.0

    def update(self, state: JointState, dt_s: float) -> ModeOutput:
        """Robot compensation minus damping.

        Parameters
        ----------
        state
            The measured joint state.
        dt_s
            Time since the previous update (s); unused (no reference).

        Returns
        -------
        ModeOutput
            The desired torque per joint (N m) and no reference (``None``).
        """
        q, qd = state.position_rad, state.velocity_rad_s
        base = self._model.robot_nm(q, qd, _FRICTION_COMP_FRACTION)
        return ModeOutput(tuple(base[i] - self._damping * qd[i] for i in range(len(q))), None)
