"""Rigid-body model of a planar two-link arm (shoulder flexion, elbow flexion).

The arm moves in the sagittal plane. ``q[0]`` is shoulder flexion, 0 with the upper arm
hanging down and positive raising it forward; ``q[1]`` is elbow flexion relative to the upper
arm, 0 straight. Equations of motion ``M(q) qdd + c(q, qd) + g(q) = tau`` (Spong's standard
two-link form with the vertical as the zero of the first angle). Plain floats, not numpy:
for 2x2 matrices at 2 kHz the Python overhead of numpy dominates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rehab_robot.core.config import ArmParams


@dataclass(frozen=True)
class ArmDynamics:
    """Dynamics of one two-link arm.

    Parameters
    ----------
    arm
        Link parameters.
    gravity_m_s2
        Gravitational acceleration (m/s^2).
    rotor_inertia_kgm2
        Reflected actuator inertia added on the diagonal (kg m^2), zero for a human limb.
    """

    arm: ArmParams
    gravity_m_s2: float
    rotor_inertia_kgm2: tuple[float, float] = (0.0, 0.0)

    def gravity_nm(self, q_rad: tuple[float, ...]) -> tuple[float, float]:
        """Joint torques the weight of the arm exerts, as the ``g(q)`` of the model (N m).

        A controller compensates gravity by adding exactly this torque.

        Parameters
        ----------
        q_rad
            Joint angles ``(shoulder, elbow)`` (rad), any finite values; further entries
            are ignored.

        Returns
        -------
        tuple[float, float]
            Gravity torque per joint (N m), positive in the direction of positive angle.

        Examples
        --------
        Arm hanging straight down: no gravity torque.

        >>> from rehab_robot.core.config import load_config
        >>> m = load_config().model
        >>> ArmDynamics(m.limb, m.gravity_m_s2).gravity_nm((0.0, 0.0))
        (0.0, 0.0)
        """
        up, fo, g = self.arm.upper, self.arm.fore, self.gravity_m_s2
        s1 = math.sin(q_rad[0])
        s12 = math.sin(q_rad[0] + q_rad[1])
        g2 = fo.mass_kg * g * fo.com_m * s12
        g1 = (up.mass_kg * up.com_m + fo.mass_kg * up.length_m) * g * s1 + g2
        return (g1, g2)

    def mass_matrix(self, q_rad: tuple[float, ...]) -> tuple[float, float, float]:
        """The symmetric mass matrix as ``(m11, m12, m22)`` (kg m^2).

        Parameters
        ----------
        q_rad
            Joint angles ``(shoulder, elbow)`` (rad), any finite values; only the elbow
            angle matters.

        Returns
        -------
        tuple[float, float, float]
            ``(m11, m12, m22)`` (kg m^2), the reflected rotor inertia included on the
            diagonal; ``m21 == m12``.
        """
        up, fo = self.arm.upper, self.arm.fore
        c2 = math.cos(q_rad[1])
        cross = fo.mass_kg * up.length_m * fo.com_m * c2
        m22 = fo.inertia_kgm2 + fo.mass_kg * fo.com_m**2
        m11 = (up.inertia_kgm2 + up.mass_kg * up.com_m**2 + m22
               + fo.mass_kg * up.length_m**2 + 2.0 * cross)
        m12 = m22 + cross
        return (m11 + self.rotor_inertia_kgm2[0], m12, m22 + self.rotor_inertia_kgm2[1])

    def coriolis_nm(self, q_rad: tuple[float, ...],
                    qd_rad_s: tuple[float, ...]) -> tuple[float, float]:
        """Coriolis and centrifugal torques ``c(q, qd)`` (N m).

        Parameters
        ----------
        q_rad
            Joint angles ``(shoulder, elbow)`` (rad), any finite values.
        qd_rad_s
            Joint velocities ``(shoulder, elbow)`` (rad/s), any finite values.

        Returns
        -------
        tuple[float, float]
            The velocity-product torque per joint (N m).
        """
        up, fo = self.arm.upper, self.arm.fore
        h = -fo.mass_kg * up.length_m * fo.com_m * math.sin(q_rad[1])
        return (h * (2.0 * qd_rad_s[0] * qd_rad_s[1] + qd_rad_s[1] ** 2),
                -h * qd_rad_s[0] ** 2)

    def acceleration(self, q_rad: tuple[float, ...], qd_rad_s: tuple[float, ...],
                     tau_nm: tuple[float, ...]) -> tuple[float, float]:
        """Forward dynamics: joint accelerations under ``tau_nm`` (rad/s^2).

        Solves ``M(q) qdd = tau - c(q, qd) - g(q)`` for ``qdd``.

        Parameters
        ----------
        q_rad
            Joint angles ``(shoulder, elbow)`` (rad), any finite values.
        qd_rad_s
            Joint velocities ``(shoulder, elbow)`` (rad/s), any finite values.
        tau_nm
            Net applied joint torque ``(shoulder, elbow)`` (N m), any finite values (motor,
            friction, coupling and end stops summed by the caller).

        Returns
        -------
        tuple[float, float]
            Joint accelerations ``(shoulder, elbow)`` (rad/s^2).
        """
        m11, m12, m22 = self.mass_matrix(q_rad)
        c = self.coriolis_nm(q_rad, qd_rad_s)
        g = self.gravity_nm(q_rad)
        r1 = tau_nm[0] - c[0] - g[0]
        r2 = tau_nm[1] - c[1] - g[1]
        det = m11 * m22 - m12 * m12
        return ((m22 * r1 - m12 * r2) / det, (m11 * r2 - m12 * r1) / det)


def friction_nm(qd_rad_s: float, viscous_nm_s_rad: float, coulomb_nm: float) -> float:
    """Friction torque opposing motion, with a smooth Coulomb term (N m).

    ``tanh`` with a 0.05 rad/s scale instead of ``sign`` keeps the model continuous, so a
    compensating controller does not chatter around zero velocity.

    Parameters
    ----------
    qd_rad_s
        Joint velocity (rad/s), any finite value.
    viscous_nm_s_rad
        Viscous coefficient (N m s/rad), >= 0.
    coulomb_nm
        Coulomb friction level (N m), >= 0.

    Returns
    -------
    float
        Friction torque (N m), of the sign of ``qd_rad_s`` (the caller subtracts it to
        oppose motion, or adds it to compensate).

    Examples
    --------
    >>> friction_nm(0.0, 0.6, 0.4)
    0.0
    """
    return viscous_nm_s_rad * qd_rad_s + coulomb_nm * math.tanh(qd_rad_s / 0.05)
