"""Assembling the simulated robot: controller + simulated driver + plant on one clock.

Used by the node when it runs with the embedded simulated robot and patient, by the tests
and by the benchmarks. :func:`run_ticks` drives a controller on a :class:`FakeClock` so that
minutes of therapy are simulated in seconds, without sleeping.
"""

from __future__ import annotations

import dataclasses

from rehab_robot.core.api import Clock
from rehab_robot.core.clock import FakeClock
from rehab_robot.core.config import RobotConfig, validate_config
from rehab_robot.core.controller import RobotController
from rehab_robot.core.driver import SimulatedDriver
from rehab_robot.core.errors import ConfigError
from rehab_robot.core.plant import SimulatedPlant


def with_patient(config: RobotConfig, **changes: float) -> RobotConfig:
    """A copy of ``config`` with other simulated-patient settings, validated again.

    Parameters
    ----------
    config
        The robot configuration to start from.
    **changes
        Fields of :class:`~rehab_robot.core.config.PatientConfig` to replace.

    Returns
    -------
    RobotConfig
        The changed configuration.

    Raises
    ------
    ConfigError
        If the strength is outside [0, 1] or the result fails :func:`validate_config`.

    Examples
    --------
    >>> from rehab_robot.core.config import load_config
    >>> with_patient(load_config(), strength=0.9).simulation.patient.strength
    0.9
    """
    patient = dataclasses.replace(config.simulation.patient, **changes)
    if not 0.0 <= patient.strength <= 1.0:
        raise ConfigError("simulation.patient.strength",
                          f"must be in [0, 1], got {patient.strength}")
    out = dataclasses.replace(config, simulation=dataclasses.replace(
        config.simulation, patient=patient))
    validate_config(out)
    return out


def build_simulated_robot(config: RobotConfig, clock: Clock
                          ) -> tuple[RobotController, SimulatedDriver]:
    """A controller over the simulated plant, both on ``clock``.

    Parameters
    ----------
    config
        The robot and simulated patient.
    clock
        The clock both run on (a :class:`~rehab_robot.core.clock.FakeClock` in tests).

    Returns
    -------
    tuple of (RobotController, SimulatedDriver)
        The controller and the driver it commands (which holds the plant).
    """
    driver = SimulatedDriver(SimulatedPlant(config), clock, config.joint_names)
    return RobotController(config, driver, clock), driver


def run_ticks(controller: RobotController, clock: FakeClock, duration_s: float,
              heartbeat: bool = True, period_s: float | None = None) -> None:
    """Tick ``controller`` for ``duration_s`` of fake time, with heartbeats every tick.

    Parameters
    ----------
    controller, clock
        The controller and the fake clock it and its driver use.
    duration_s
        Simulated time to run (s, >= 0).
    heartbeat
        Send a heartbeat before every tick (an app that is alive).
    period_s
        Tick period (s, > 0); the configured control period when ``None``. The number
        of ticks is ``duration_s / period_s`` rounded.
    """
    period = period_s if period_s is not None else controller.config.rates.control_period_s
    for _ in range(round(duration_s / period)):
        clock.advance(period)
        if heartbeat:
            controller.heartbeat()
        controller.tick()
