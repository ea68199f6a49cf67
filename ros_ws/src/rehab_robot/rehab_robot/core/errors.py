"""Errors of the robot core.

``rehab_robot`` is a ROS 2 package that builds without the app, so it keeps its own small
hierarchy; the app's robot client translates these into ``rehab.errors.RobotError``.
"""

from __future__ import annotations


class RobotCoreError(Exception):
    """Base of every error the robot core raises on purpose."""


class ConfigError(RobotCoreError, ValueError):
    """The robot configuration is missing, malformed or unsafe.

    Parameters
    ----------
    field
        Dotted path of the offending setting (``joints.elbow_flexion.effort_limit_nm``).
    message
        What is wrong and what is allowed.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class DriverError(RobotCoreError):
    """An actuator driver cannot talk to its hardware or the hardware refused."""
