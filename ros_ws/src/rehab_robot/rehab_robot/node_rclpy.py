"""The robot node as an rclpy lifecycle node (for hosts with ROS 2 installed).

The same thin adapter as :mod:`rehab_robot.node_dds`, over rclpy instead of raw Cyclone DDS,
with the ROS 2 managed-node lifecycle (ros2/demos ``lifecycle_py/talker.py`` is the model):

- ``configure``: load ``robot.yaml``, build the driver and the controller, create the
  lifecycle publishers, subscriptions and services (the actuators stay disabled);
- ``activate``: start the 500 Hz control thread; ``~/enable`` may now power the actuators
  (the app asks for it once it is sending heartbeats);
- ``deactivate``: disable the actuators (torque ramps down), stop the control thread;
- ``cleanup`` / ``shutdown``: latch the e-stop, close the driver, destroy the entities;
- ``error``: latch the e-stop (any exception in a transition or in the control path).

rclpy is not on PyPI, so this module imports only where ROS 2 is sourced; elsewhere
importing it raises ImportError with that explanation. Messages are built from the same
translations as the DDS node (:mod:`rehab_robot.transport.convert`), copied field by field
into the rclpy message classes with ``rosidl_runtime_py``.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

try:
    import rclpy
    from diagnostic_msgs.msg import DiagnosticArray
    from rclpy.executors import ExternalShutdownException, MultiThreadedExecutor
    from rclpy.lifecycle import Node, State, TransitionCallbackReturn
    from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
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

from rehab_robot.core.api import DiagnosticStatus, ReasonCode
from rehab_robot.node_dds import NodeSettings, apply_exercise_command, build_simulated
from rehab_robot.realtime import DeadlineSchedule, RateGate
from rehab_robot.transport import convert
from rehab_robot.transport import ros_types as m
from rehab_robot.transport.names import INTERFACE, NODE_NAME


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


class RehabRobotLifecycleNode(Node):
    """The rehab robot node, managed (lifecycle) flavour."""

    def __init__(self, node_name: str = NODE_NAME, **kwargs: Any) -> None:
        super().__init__(node_name, **kwargs)
        self.declare_parameter("config_file", "")
        self._controller: Any = None
        self._driver: Any = None
        self._settings: NodeSettings | None = None
        self._lock = threading.Lock()
        self._running = threading.Event()
        self._thread: threading.Thread | None = None
        self._entities: list[Any] = []

    # ------------------------------------------------------------------ lifecycle

    def on_configure(self, state: State) -> TransitionCallbackReturn:
        config_file = self.get_parameter("config_file").get_parameter_value().string_value
        self._controller, self._driver, self._settings, clock = build_simulated(
            config_file or None, 0
        )
        self._clock = clock
        self._now_s = clock.monotonic_s
        reliable = QoSProfile(depth=50, reliability=ReliabilityPolicy.RELIABLE)
        latched = QoSProfile(
            depth=20,
            reliability=ReliabilityPolicy.RELIABLE,
            durability=DurabilityPolicy.TRANSIENT_LOCAL,
        )
        self._pub_joint_states = self.create_lifecycle_publisher(
            JointState, INTERFACE.joint_states, reliable
        )
        self._pub_status = self.create_lifecycle_publisher(RobotStatus, INTERFACE.status, latched)
        self._pub_transitions = self.create_lifecycle_publisher(
            StateTransition, INTERFACE.transitions, latched
        )
        self._pub_diagnostics = self.create_lifecycle_publisher(
            DiagnosticArray, INTERFACE.diagnostics, 10
        )
        self._entities = [
            self.create_subscription(
                ExerciseCommand, INTERFACE.exercise_command, self._on_exercise_command, 10
            ),
            self.create_subscription(Heartbeat, INTERFACE.heartbeat, self._on_heartbeat, 5),
            self.create_subscription(FormFeedback, INTERFACE.form_feedback, self._on_feedback, 10),
            self.create_service(Trigger, INTERFACE.estop, self._srv_estop),
            self.create_service(Trigger, INTERFACE.reset, self._trigger(lambda c: c.reset())),
            self.create_service(Trigger, INTERFACE.pause, self._trigger(lambda c: c.pause())),
            self.create_service(Trigger, INTERFACE.resume, self._trigger(lambda c: c.resume())),
            self.create_service(
                Trigger, INTERFACE.finish, self._trigger(lambda c: c.finish_exercise())
            ),
            self.create_service(SetBool, INTERFACE.enable, self._srv_enable),
        ]
        self._status_timer = self.create_timer(1.0 / self._settings.status_hz, self._publish_status)
        self._diag_timer = self.create_timer(
            1.0 / self._settings.diagnostics_hz, self._publish_diagnostics
        )
        self.get_logger().info("configured: simulated robot, actuators disabled")
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state: State) -> TransitionCallbackReturn:
        # The loop runs from here on; the actuators stay off until the app, which must be
        # sending heartbeats, asks for them over ~/enable (honoured only while active).
        if self._clock.now_s() == 0.0:
            self._clock.restart()  # first activation: the plant starts with the loop
        self._running.set()
        self._thread = threading.Thread(target=self._control_loop, daemon=True)
        self._thread.start()
        return super().on_activate(state)

    def on_deactivate(self, state: State) -> TransitionCallbackReturn:
        with self._lock:
            self._controller.enable(False)
        # Keep ticking while the torque ramps down (the control thread does it), then stop.
        deadline_s = time.monotonic() + 2.0
        while time.monotonic() < deadline_s:
            with self._lock:
                torque_nm = self._controller.joint_sample().effort_nm
            if all(t == 0.0 for t in torque_nm):
                break
            time.sleep(0.01)
        self._stop_loop()
        return super().on_deactivate(state)

    def on_cleanup(self, state: State) -> TransitionCallbackReturn:
        self._release("cleanup")
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state: State) -> TransitionCallbackReturn:
        self._release("shutdown")
        return TransitionCallbackReturn.SUCCESS

    def on_error(self, state: State) -> TransitionCallbackReturn:
        if self._controller is not None:
            with self._lock:
                self._controller.estop("lifecycle error", ReasonCode.INTERNAL_ERROR)
        return TransitionCallbackReturn.SUCCESS

    def _release(self, why: str) -> None:
        self._stop_loop()
        if self._controller is not None:
            with self._lock:
                self._controller.estop(f"node {why}", ReasonCode.NODE_SHUTDOWN)
            self._driver.close()
        for entity in self._entities:
            if hasattr(entity, "topic_name"):
                self.destroy_subscription(entity)
            else:
                self.destroy_service(entity)
        self._entities = []
        for timer in (getattr(self, "_status_timer", None), getattr(self, "_diag_timer", None)):
            if timer is not None:
                self.destroy_timer(timer)
        for pub in ("_pub_joint_states", "_pub_status", "_pub_transitions", "_pub_diagnostics"):
            if hasattr(self, pub):
                self.destroy_lifecycle_publisher(getattr(self, pub))
                delattr(self, pub)
        self._controller = self._driver = None

    def _stop_loop(self) -> None:
        self._running.clear()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None

    # ------------------------------------------------------------------ control loop

    def _control_loop(self) -> None:
        settings = self._settings
        schedule = DeadlineSchedule(1.0 / settings.control_hz, self._now_s, time.sleep)
        gate = RateGate(settings.joint_states_hz, schedule.next_deadline_s)
        try:
            while self._running.is_set():
                start_s = schedule.wait()
                with self._lock:
                    self._clock.latch(start_s)
                    self._controller.tick()
                    sample = self._controller.joint_sample() if gate.due(start_s) else None
                if sample is not None:
                    msg = convert.joint_state_msg(sample, time.time_ns())
                    self._pub_joint_states.publish(_to_ros(msg, JointState))
        except Exception as exc:
            self.get_logger().fatal(f"control loop failed, e-stop: {exc!r}")
            with self._lock:
                self._controller.estop(f"internal error in control loop: {exc!r}",
                                       ReasonCode.INTERNAL_ERROR)
            raise

    # ------------------------------------------------------------------ publishers

    def _publish_status(self) -> None:
        if not self._pub_status.is_activated:
            return
        with self._lock:
            status = self._controller.status()
            transitions = self._controller.drain_transitions()
            mono_now_s = self._now_s()
        now_ns = time.time_ns()
        for msg in convert.transition_msgs(transitions, mono_now_s, now_ns):
            self._pub_transitions.publish(_to_ros(msg, StateTransition))
        msg = convert.status_msg(status, now_ns, self._settings.control_hz)
        self._pub_status.publish(_to_ros(msg, RobotStatus))

    def _publish_diagnostics(self) -> None:
        if not self._pub_diagnostics.is_activated:
            return
        with self._lock:
            entries: list[DiagnosticStatus] = list(self._controller.diagnostics())
        msg = convert.diagnostics_msg(entries, time.time_ns(), "simulated")
        self._pub_diagnostics.publish(_to_ros(msg, DiagnosticArray))

    # ------------------------------------------------------------------ callbacks

    def _on_exercise_command(self, ros_msg: Any) -> None:
        msg = _from_ros(ros_msg, m.ExerciseCommand)
        apply_exercise_command(self._controller, self._lock, msg)

    def _on_heartbeat(self, _msg: Any) -> None:
        with self._lock:
            self._controller.heartbeat()

    def _on_feedback(self, ros_msg: Any) -> None:
        feedback = convert.form_feedback_from_msg(_from_ros(ros_msg, m.FormFeedback))
        with self._lock:
            self._controller.form_feedback(feedback)

    def _srv_estop(self, _request: Any, response: Any) -> Any:
        with self._lock:
            self._controller.estop("e-stop requested over ~/estop")
        response.success, response.message = True, "e-stop latched; reset to clear"
        return response

    def _trigger(self, action: Any) -> Any:
        def handle(_request: Any, response: Any) -> Any:
            with self._lock:
                response.success, response.message = action(self._controller)
            return response

        return handle

    def _srv_enable(self, request: Any, response: Any) -> Any:
        if request.data and not self._running.is_set():
            response.success, response.message = False, "node is not active"
            return response
        with self._lock:
            response.success, response.message = self._controller.enable(bool(request.data))
        return response


def main(args: list[str] | None = None) -> None:
    """``rehab_robot_lifecycle_node``: the managed node (configure/activate it to run)."""
    rclpy.init(args=args)
    node = RehabRobotLifecycleNode()
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
