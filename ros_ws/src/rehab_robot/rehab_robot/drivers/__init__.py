"""Actuator drivers for real hardware, beside the pure core.

Each implements :class:`rehab_robot.core.api.ActuatorDriver`, the port the controller
commands; the core never imports this package (an import-linter contract keeps it so):

- :mod:`~rehab_robot.drivers.canopen_driver`: CiA 402 servo drives over CANopen
  (``canopen`` + ``python-can``), cyclic synchronous torque;
- :mod:`~rehab_robot.drivers.cia402`: the CiA 402 objects, power state machine and PDO
  layout shared by the driver and the simulated drives;
- :mod:`~rehab_robot.drivers.cia402_sim`: simulated CiA 402 drives on a virtual CAN bus,
  over the core's simulated plant, that the driver is tested against.

The simulated robot the node runs by default needs no bus:
:class:`rehab_robot.core.driver.SimulatedDriver`.
"""
