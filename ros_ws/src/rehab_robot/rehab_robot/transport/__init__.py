"""ROS 2 wire transport over Eclipse Cyclone DDS (the PyPI ``cyclonedds`` package).

Speaks what ``rmw_cyclonedds_cpp`` puts on the wire, so that a ROS 2 graph on the same DDS
domain sees the robot node's topics and can call its services:

- :mod:`~rehab_robot.transport.ros_types`: the ROS 2 messages as IDL structs (plain CDR);
- :mod:`~rehab_robot.transport.names`: ROS names to DDS topic and type names;
- :mod:`~rehab_robot.transport.qos`: the QoS profiles of the robot's interface;
- :mod:`~rehab_robot.transport.convert`: core dataclasses to and from messages;
- :mod:`~rehab_robot.transport.participant`: publishers, subscriptions, service servers and
  clients with the rmw_cyclonedds request header.

This package imports ``cyclonedds``; the core (:mod:`rehab_robot.core`) never imports it.
"""
