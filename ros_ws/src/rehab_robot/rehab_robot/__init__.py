"""Rehabilitation robot: pure control core (``rehab_robot.core``) and thin ROS 2 adapters.

``rehab_robot.core`` imports no ROS, no DDS: configuration, control modes, the safety
supervisor, the simulated robot and patient, the actuator drivers and the controller facade.
"""

__version__ = "0.1.0"
