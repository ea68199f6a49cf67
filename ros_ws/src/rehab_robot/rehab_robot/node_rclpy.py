"""The robot node as an rclpy lifecycle node (for hosts with ROS 2 installed).

A thin adapter around :class:`rehab_robot.node_body.RobotNodeBody` (which the Cyclone DDS
node, :mod:`rehab_robot.node_dds`, drives too), over rclpy, with the QoS of
:data:`rehab_robot.transport.qos.NODE_PROFILES` and the ROS 2 managed-node lifecycle
(ros2/demos ``lifecycle_py/talker.py`` is the model):

- ``configure``: load ``robot.yaml``, build the driver and the controller, create the
  lifecycle publishers, subscriptions and services (the actuators stay disabled);
- ``activate``: start the body's 500 Hz control thread and publisher; ``~/enable`` may now
  power the actuators (the app asks for it once it is sending heartbeats);
- ``deactivate``: disable the actuators (torque ramps down), stop the threads;
- ``cleanup`` / ``shutdown``: latch the e-stop, close the driver, destroy the entities;
- ``error``: latch the e-stop (any exception in a transition or in the control path).

rclpy is not on PyPI, so this module imports only where ROS 2 is sourced; elsewhere
importing it raises ImportError with that explanation. Messages are built from the same
translations as the DDS node (:mod:`rehab_robot.transport.convert`), copied field by field
into the rclpy message classes with ``rosidl_runtime_py``.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

try:
    import rclpy
    from diagnostic_msgs.msg import DiagnosticArray
    from rclpy.executors import ExternalShutdownException, MultiThreadedExecutor
    from rclpy.lifecycle import Node, State, TransitionCallbackReturn
    from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
    from rehab_interfaces.msg import (
        ExerciseCommand,
        FormFeedback,
        Heartbeat,
        RobotStatus,
        StateTransition,
    )
    from rosidl_runtime_py.set_message import set_message_fields
    from sensor_msgs.msg import JointState
    from std_srvs.srv import SetBool, Trigger
except ImportError as exc:  # pragma: no cover - depends on a sourced ROS 2 install
    raise ImportError(
        "rehab_robot.node_rclpy needs rclpy and the ROS 2 message packages (source a ROS 2 "
        "workspace with rehab_interfaces built); without ROS 2 use rehab_robot.node_dds"
    ) from exc

from rehab_robot.node_body import (
    DEFAULT_UNIQUE_CHECK_S,
    DuplicateNodeError,
    RobotNodeBody,
    build_simulated,
    ensure_unique_node,
)
from rehab_robot.transport import qos as qos_profiles
from rehab_robot.transport import ros_types as m
from rehab_robot.transport.names import INTERFACE, NODE_NAME

_PUBLISHED_TYPES: dict[str, type] = {
    INTERFACE.joint_states: JointState,
    INTERFACE.status: RobotStatus,
    INTERFACE.transitions: StateTransition,
    INTERFACE.diagnostics: DiagnosticArray,
}
_SUBSCRIBED_TYPES: dict[str, type] = {
    INTERFACE.exercise_command: ExerciseCommand,
    INTERFACE.heartbeat: Heartbeat,
    INTERFACE.form_feedback: FormFeedback,
}


def rclpy_qos(profile: qos_profiles.Profile) -> QoSProfile:
    """Return the rclpy QoS of one of the interface's profiles."""
    if profile.depth is None:
        history, depth = HistoryPolicy.KEEP_ALL, 0
    else:
        history, depth = HistoryPolicy.KEEP_LAST, profile.depth
    durability = (DurabilityPolicy.TRANSIENT_LOCAL if profile.transient_local
                  else DurabilityPolicy.VOLATILE)
    return QoSProfile(history=history, depth=depth, reliability=ReliabilityPolicy.RELIABLE,
                      durability=durability)


def _to_ros(idl_msg: Any, ros_type: type) -> Any:
    """Copy an IDL message of :mod:`rehab_robot.transport.ros_types` into an rclpy one."""
    ros_msg = ros_type()
    set_message_fields(ros_msg, dataclasses.asdict(idl_msg))
    return ros_msg


def _from_ros(ros_msg: Any, idl_type: type) -> Any:
    """Copy an rclpy message into the IDL type of the same ROS message (recursively)."""
    values = {}
    for f in dataclasses.fields(idl_type):
        value = getattr(ros_msg, f.name)
        nested = f.default_factory if f.default_factory is not dataclasses.MISSING else None
        if nested is not None and dataclasses.is_dataclass(nested):
            value = _from_ros(value, nested)
        elif isinstance(value, str | bool | int | float):
            pass
        else:
            value = list(value)
        values[f.name] = value
    return idl_type(**values)


class _LifecycleOutlet:
    """The body's publications as lifecycle publishers (silent while inactive)."""

    def __init__(self, node: Node) -> None:
        self.publishers = {
            topic: node.create_lifecycle_publisher(
                ros_type, topic, rclpy_qos(qos_profiles.NODE_PROFILES[topic]))
            for topic, ros_type in _PUBLISHED_TYPES.items()
        }

    def publish(self, topic: str, msg: Any) -> None:
        publisher = self.publishers[topic]
        if publisher.is_activated:
            publisher.publish(_to_ros(msg, _PUBLISHED_TYPES[topic]))


class RehabRobotLifecycleNode(Node):
    """The rehab robot node, managed (lifecycle) flavour."""

    def __init__(self, node_name: str = NODE_NAME, **kwargs: Any) -> None:
        super().__init__(node_name, **kwargs)
        self.declare_parameter("config_file", "")
        self._body: RobotNodeBody | None = None
        self._outlet: _LifecycleOutlet | None = None
        self._entities: list[Any] = []

    # ------------------------------------------------------------------ lifecycle

    def on_configure(self, state: State) -> TransitionCallbackReturn:
        config_file = self.get_parameter("config_file").get_parameter_value().string_value
        controller, driver, settings, clock = build_simulated(config_file or None, 0)
        self._clock = clock
        self._outlet = _LifecycleOutlet(self)
        body = RobotNodeBody(controller, driver, settings, clock, self._outlet)
        self._body = body
        self._entities = [
            self.create_subscription(
                _SUBSCRIBED_TYPES[sub.topic], sub.topic, self._from_ros_into(sub),
                rclpy_qos(qos_profiles.NODE_PROFILES[sub.topic]),
            )
            for sub in body.subscriptions()
        ]
        self._entities += [
            self.create_service(Trigger, name, self._trigger(handle))
            for name, handle in body.trigger_services().items()
        ]
        self._entities.append(self.create_service(SetBool, INTERFACE.enable, self._srv_enable))
        self.get_logger().info("configured: simulated robot, actuators disabled")
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state: State) -> TransitionCallbackReturn:
        # The loop runs from here on; the actuators stay off until the app, which must be
        # sending heartbeats, asks for them over ~/enable (honoured only while active).
        result = super().on_activate(state)  # the publishers first, so nothing is dropped
        if self._clock.now_s() == 0.0:
            self._clock.restart()  # first activation: the plant starts with the loop
        self._body.start()
        return result

    def on_deactivate(self, state: State) -> TransitionCallbackReturn:
        self._body.deactivate()
        return super().on_deactivate(state)

    def on_cleanup(self, state: State) -> TransitionCallbackReturn:
        self._release("node cleanup")
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state: State) -> TransitionCallbackReturn:
        self._release("node shutdown")
        return TransitionCallbackReturn.SUCCESS

    def on_error(self, state: State) -> TransitionCallbackReturn:
        if self._body is not None:
            self._body.make_safe("lifecycle error")
        return TransitionCallbackReturn.SUCCESS

    def _release(self, reason: str) -> None:
        if self._body is not None:
            self._body.shutdown(reason, stop_inputs=self._destroy_inputs)
        self._destroy_inputs()
        if self._outlet is not None:
            for publisher in self._outlet.publishers.values():
                self.destroy_lifecycle_publisher(publisher)
        self._body = self._outlet = None

    def _destroy_inputs(self) -> None:
        for entity in self._entities:
            if hasattr(entity, "topic_name"):
                self.destroy_subscription(entity)
            else:
                self.destroy_service(entity)
        self._entities = []

    # ------------------------------------------------------------------ callbacks

    def _from_ros_into(self, sub: Any) -> Any:
        # The copy is guarded like the handler: a message it cannot read latches the e-stop.
        return self._body.guarded(sub.topic,
                                  lambda ros_msg: sub.handle(_from_ros(ros_msg, sub.msg_type)))

    def _trigger(self, handle: Any) -> Any:
        def serve(_request: Any, response: Any) -> Any:
            reply = handle(m.TriggerRequest())
            response.success, response.message = reply.success, reply.message
            return response

        return serve

    def _srv_enable(self, request: Any, response: Any) -> Any:
        reply = self._body.handle_enable(m.SetBoolRequest(data=bool(request.data)))
        response.success, response.message = reply.success, reply.message
        return response


def rival_in_graph(node: Node, window_s: float = DEFAULT_UNIQUE_CHECK_S) -> str | None:
    """Watch the ROS graph for ``window_s``; describe another node of ``node``'s namespace
    and name if one shows (rclpy lists ``node`` itself once; a second entry is a rival)."""
    me = (node.get_name(), node.get_namespace())
    deadline_s = time.monotonic() + window_s
    while time.monotonic() < deadline_s:
        if node.get_node_names_and_namespaces().count(me) > 1:
            return "seen in the ROS graph"
        time.sleep(0.05)  # the graph fills in from discovery; nothing to wait on
    return None


def main(args: list[str] | None = None) -> None:
    """``rehab_robot_lifecycle_node``: the managed node (configure/activate it to run).

    Refuses to run, with one line on stderr and exit status 1, when a node of its name
    already runs on the domain (as the Cyclone DDS node does).
    """
    rclpy.init(args=args)
    node = RehabRobotLifecycleNode()
    try:
        ensure_unique_node(lambda: rival_in_graph(node), node.get_fully_qualified_name(),
                           "this ROS domain")
    except DuplicateNodeError as exc:
        node.destroy_node()
        rclpy.try_shutdown()
        raise SystemExit(f"rehab_robot_lifecycle_node: {exc}") from exc
    executor = MultiThreadedExecutor()
    executor.add_node(node)
    try:
        executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        node.get_logger().info("shutting down")
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


if __name__ == "__main__":
    main()
