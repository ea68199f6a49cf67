"""The robot node over Cyclone DDS, speaking ROS 2's wire format (for hosts without rclpy).

A thin adapter around :class:`rehab_robot.node_body.RobotNodeBody`, which does everything
the node does (control loop, publications, handlers, failure handling). This module only
carries the body's messages over Cyclone DDS as rmw_cyclonedds would, with the QoS of
:data:`rehab_robot.transport.qos.NODE_PROFILES`: writers for its publications, an executor
thread for its subscriptions and services (std_srvs calls with the rmw_cyclonedds request
header), the node's entry on ``ros_discovery_info``, and the process entry point.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from typing import Any

from rehab_robot.core.api import ActuatorDriver, RobotControllerApi
from rehab_robot.node_body import (
    DEFAULT_UNIQUE_CHECK_S,
    DuplicateNodeError,
    NodeSettings,
    RobotNodeBody,
    build_simulated,
    ensure_unique_node,
    tune_interpreter_for_control,
)
from rehab_robot.parent import ParentWatch
from rehab_robot.realtime import (
    DEFAULT_RT_PRIORITY,
    CycleClock,
    LoopTiming,
    dds_thread_ids,
    raise_message_path,
)
from rehab_robot.transport import qos as qos_profiles
from rehab_robot.transport import ros_types as m
from rehab_robot.transport.graph import (
    DEFAULT_NAMESPACE,
    DiscoveryAnnouncer,
    find_node,
    qualified_name,
)
from rehab_robot.transport.names import INTERFACE, NODE_NAME
from rehab_robot.transport.participant import (
    Executor,
    RosParticipant,
    ServiceServer,
    ensure_cyclonedds_uri,
)

logger = logging.getLogger(__name__)

_PUBLISHED_TYPES: dict[str, type] = {
    INTERFACE.joint_states: m.JointState,
    INTERFACE.status: m.RobotStatus,
    INTERFACE.transitions: m.StateTransition,
    INTERFACE.diagnostics: m.DiagnosticArray,
}


class _DdsOutlet:
    """The body's publications as DDS writers."""

    def __init__(self, rp: RosParticipant) -> None:
        self._writers = {
            topic: rp.publisher(topic, msg_type, qos_profiles.dds_qos(
                qos_profiles.NODE_PROFILES[topic]))
            for topic, msg_type in _PUBLISHED_TYPES.items()
        }

    def publish(self, topic: str, msg: Any) -> None:
        self._writers[topic].write(msg)


class DdsRobotNode:
    """The robot node over Cyclone DDS.

    Parameters
    ----------
    controller
        The controller facade (the node's only contact with the robot's logic).
    driver
        The driver the controller commands; disabled as a last resort when the controller
        itself fails, closed on shutdown.
    settings
        Rates and DDS domain.
    clock
        The controller's clock (see :class:`~rehab_robot.node_body.RobotNodeBody`).
    """

    def __init__(
        self,
        controller: RobotControllerApi,
        driver: ActuatorDriver,
        settings: NodeSettings,
        clock: CycleClock,
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._rp = RosParticipant(settings.domain_id, NODE_NAME)
        rp = self._rp
        self.body = RobotNodeBody(controller, driver, settings, clock, _DdsOutlet(rp))
        self._executor = Executor(rp, name="rehab-robot-executor")
        for sub in self.body.subscriptions():
            qos = qos_profiles.dds_qos(qos_profiles.NODE_PROFILES[sub.topic])
            self._executor.add(rp.reader(sub.topic, sub.msg_type, qos), sub.handle)
        self._services = [
            ServiceServer(rp, name, m.TriggerRequest, m.TriggerResponse, handle,
                          self._executor)
            for name, handle in self.body.trigger_services().items()
        ]
        self._services.append(
            ServiceServer(rp, INTERFACE.enable, m.SetBoolRequest, m.SetBoolResponse,
                          self.body.handle_enable, self._executor)
        )
        # Last: the entry lists every endpoint created above.
        self._announcer = DiscoveryAnnouncer(rp, DEFAULT_NAMESPACE, NODE_NAME)

    def start(self) -> None:
        """Announce the node on ros_discovery_info; start the control loop, the executor and
        the publisher."""
        self._announcer.announce()
        self._clock.restart()
        self.body.start()
        self._executor.start()
        if self.settings.rt_priority > 1:
            # The heartbeat's way in (DDS receive threads, the executor that hands it to
            # the controller) just below the control loop, so load cannot fake silence.
            raise_message_path(self.settings.rt_priority - 1,
                               [*dds_thread_ids(), self._executor.native_id],
                               "the heartbeat's receive path")
        logger.info(
            "rehab robot node up: control %.0f Hz, joint states %.0f Hz, domain %d",
            self.settings.control_hz, self.settings.joint_states_hz, self.settings.domain_id,
        )

    def request_stop(self) -> None:
        """Ask the node to stop (safe from a signal handler); :meth:`wait` then returns."""
        self.body.request_stop()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the node stops (shutdown or fatal error); return whether it has."""
        return self.body.wait(timeout_s)

    def shutdown(self, reason: str = "node shutdown") -> None:
        """Stop the robot (latched e-stop: zero torque), stop the threads, leave the graph.

        Idempotent: later calls do nothing.
        """
        try:
            self.body.shutdown(reason, stop_inputs=self._executor.stop)
        finally:
            self._rp.close()

    @property
    def controller(self) -> RobotControllerApi:
        """The controller this node adapts."""
        return self.body.controller

    @property
    def timing(self) -> LoopTiming:
        """The control loop's timing over its recent window."""
        return self.body.timing

    @property
    def fatal_error(self) -> str:
        """Why the node ended on its own ("" while it has not)."""
        return self.body.fatal_error

    @property
    def joint_states_published(self) -> int:
        """Joint states published since the node started."""
        return self.body.joint_states_published


# ---------------------------------------------------------------------- process entry point


def _dds_rival(domain_id: int, window_s: float) -> str | None:
    gid = find_node(domain_id, DEFAULT_NAMESPACE, NODE_NAME, window_s)
    return None if gid is None else f"participant {gid}"


def run_simulated(
    config_path: str | None = None,
    domain_id: int | None = None,
    duration_s: float | None = None,
    rt_priority: int = DEFAULT_RT_PRIORITY,
    *,
    unique_check_s: float = DEFAULT_UNIQUE_CHECK_S,
    exit_with_parent: bool = False,
    parent_death_signal: bool = False,
) -> int:
    """Run the node over the simulated robot until SIGINT/SIGTERM (or ``duration_s``).

    Parameters
    ----------
    config_path, domain_id, duration_s, rt_priority
        See :func:`main`.
    unique_check_s
        Listen this long (s) for a node of the same name on the domain before starting;
        0 skips the check.
    exit_with_parent
        Stop (robot made safe first) when stdin reaches end-of-file: the parent that holds
        the pipe's other end has died (see :mod:`rehab_robot.parent`).
    parent_death_signal
        Also ask for SIGTERM when the parent thread that started this process exits.

    Returns
    -------
    int
        Exit status: 0 after a clean shutdown, 1 after a fatal error in the control path.

    Raises
    ------
    DuplicateNodeError
        If a node of the same name already runs on the domain (nothing was published).
    """
    ensure_cyclonedds_uri()
    if domain_id is None:
        domain_id = int(os.environ.get("ROS_DOMAIN_ID", "0"))
    parent = ParentWatch(pipe=exit_with_parent, death_signal=parent_death_signal)
    ensure_unique_node(
        lambda: _dds_rival(domain_id, unique_check_s),
        qualified_name(DEFAULT_NAMESPACE, NODE_NAME), f"DDS domain {domain_id}",
    )
    controller, driver, settings, clock = build_simulated(config_path, domain_id, rt_priority)
    node = DdsRobotNode(controller, driver, settings, clock)
    parent.stop_with(node.request_stop)

    def stop(signum: int, _frame: object) -> None:
        logger.info("signal %d: shutting down", signum)
        node.request_stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    tune_interpreter_for_control()
    try:
        node.start()
        node.wait(duration_s)
    finally:
        node.shutdown()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if node.fatal_error:
        logger.error("node ended on a fatal error: %s", node.fatal_error)
        return 1
    return 0


def main(argv: list[str] | None = None) -> None:
    """``rehab_robot_node``: the robot node over Cyclone DDS with the simulated robot."""
    parser = argparse.ArgumentParser(prog="rehab_robot_node", description=main.__doc__)
    parser.add_argument("--config", help="robot.yaml (default: the package's)")
    parser.add_argument("--domain-id", type=int, help="DDS domain (default: $ROS_DOMAIN_ID or 0)")
    parser.add_argument("--duration-s", type=float, help="stop after this many seconds")
    parser.add_argument(
        "--rt-priority", type=int, default=DEFAULT_RT_PRIORITY,
        help="SCHED_FIFO priority of the control loop (0: normal scheduling)"
    )
    parser.add_argument(
        "--unique-check-s", type=float, default=DEFAULT_UNIQUE_CHECK_S,
        help="listen this long for another node of this name on the domain before starting, "
             "and refuse to start if there is one (0: do not check)"
    )
    parser.add_argument(
        "--exit-with-parent", action="store_true",
        help="stop (robot made safe) when stdin reaches end-of-file: for a parent that "
             "passes a pipe it never closes while it lives"
    )
    parser.add_argument(
        "--parent-death-signal", action="store_true",
        help="also get SIGTERM when the parent thread that started the node exits (Linux)"
    )
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        status = run_simulated(
            args.config, args.domain_id, args.duration_s, args.rt_priority,
            unique_check_s=args.unique_check_s, exit_with_parent=args.exit_with_parent,
            parent_death_signal=args.parent_death_signal,
        )
    except DuplicateNodeError as exc:
        sys.exit(f"rehab_robot_node: {exc}")  # one line on stderr, exit status 1
    sys.exit(status)


if __name__ == "__main__":
    main()
