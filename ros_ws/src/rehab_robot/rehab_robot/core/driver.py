"""The actuator driver port's simulated implementation (the embedded default).

:class:`rehab_robot.core.api.ActuatorDriver` is the port; this module implements it over
:class:`rehab_robot.core.plant.SimulatedPlant`. The CiA 402 drives are in
:mod:`rehab_robot.drivers.canopen_driver`.
"""

from __future__ import annotations

from rehab_robot.core.api import Clock, ExerciseCue, SensorReading
from rehab_robot.core.plant import SimulatedPlant


class SimulatedDriver:
    """Drives the simulated plant in real (or fake) time.

    Each :meth:`read` first integrates the plant up to the clock's present time with the
    torque last written (zero-order hold, like a real drive between set-points), so the
    plant runs at its own substep rate whatever the control loop's jitter.

    Parameters
    ----------
    plant
        The simulated robot and patient.
    clock
        The same clock the controller uses.
    joint_names
        The joints, in the plant's order (the configuration's ``joint_names``).

    Examples
    --------
    >>> from rehab_robot.core.clock import FakeClock
    >>> from rehab_robot.core.config import load_config
    >>> config = load_config()
    >>> driver = SimulatedDriver(SimulatedPlant(config), FakeClock())
    >>> driver.joint_names
    ('shoulder_flexion', 'elbow_flexion')
    """

    def __init__(self, plant: SimulatedPlant, clock: Clock, joint_names: tuple[str, ...] = (
            "shoulder_flexion", "elbow_flexion")) -> None:
        self._plant = plant
        self._clock = clock
        self._names = joint_names
        self._enabled = False
        self._zero = (0.0,) * len(joint_names)
        plant.advance_to(clock.now_s())

    @property
    def joint_names(self) -> tuple[str, ...]:
        """The driven joints."""
        return self._names

    @property
    def plant(self) -> SimulatedPlant:
        """The plant (for tests and telemetry of the simulated patient)."""
        return self._plant

    @property
    def enabled(self) -> bool:
        """Whether the simulated amplifiers are powered."""
        return self._enabled

    def enable(self, on: bool) -> None:
        """Power the simulated amplifiers; disabling zeroes the motor torque at once.

        Parameters
        ----------
        on
            True to power them, False to cut them.
        """
        self._enabled = bool(on)
        if not self._enabled:
            self._plant.set_motor_torque(self._zero)

    def read(self) -> SensorReading:
        """Advance the plant to now and sample encoders and cuff torque sensors.

        Returns
        -------
        SensorReading
            Joint positions (rad), velocities (rad/s) and interaction torques (N m), now.
        """
        now = self._clock.now_s()
        self._plant.advance_to(now)
        p = self._plant
        # The plant moves in whole substeps; the encoders are sampled now, so extrapolate
        # over the part of a substep that has passed (readings consistent with their stamps).
        since_s = min(max(0.0, now - p.t_s), p.dt_s)
        position = tuple(q + v * since_s for q, v in zip(p.q_robot_rad, p.qd_robot_rad_s,
                                                          strict=True))
        return SensorReading(t_s=now, position_rad=position, velocity_rad_s=p.qd_robot_rad_s,
                             interaction_torque_nm=p.interaction_torque_nm)

    def write_torque(self, torque_nm: tuple[float, ...]) -> None:
        """Command motor torque; a disabled amplifier produces none.

        Parameters
        ----------
        torque_nm
            One torque per joint (N m), in :attr:`joint_names` order.
        """
        self._plant.set_motor_torque(torque_nm if self._enabled else self._zero)

    def cue(self, cue: ExerciseCue) -> None:
        """Show the simulated patient what to do (the patient screen's role).

        Parameters
        ----------
        cue
            The exercise the patient should follow now.
        """
        self._plant.patient.cue(cue)

    def close(self) -> None:
        """Disable the simulated amplifiers."""
        self.enable(False)
