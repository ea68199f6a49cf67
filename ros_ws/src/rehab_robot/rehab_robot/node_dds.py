"""The robot node over Cyclone DDS, speaking ROS 2's wire format (for hosts without rclpy).

A thin adapter: the controller (:mod:`rehab_robot.core`) decides everything; this module
runs its 500 Hz tick on deadlines of the monotonic clock and translates between the
controller and the ROS 2 interface of :class:`rehab_robot.transport.names.RobotInterface`:

- publishes ``/joint_states`` (sensor_msgs/JointState, reliable, ``rates.joint_states_hz``)
  from the control thread, right after the tick that produced the sample;
- publishes ``~/status`` (rehab_interfaces/RobotStatus, transient-local) at
  ``rates.status_hz`` and at once after a command; ``~/transitions`` as they happen;
  ``/diagnostics`` at ``rates.diagnostics_hz`` (the controller's entries plus the loop's
  timing);
- subscribes to ``~/exercise_command``, ``~/heartbeat``, ``~/form_feedback``;
- serves ``~/estop``, ``~/reset``, ``~/pause``, ``~/resume``, ``~/finish`` (std_srvs/Trigger)
  and ``~/enable`` (std_srvs/SetBool).

Threads: the control thread (tick + joint states), the executor thread (subscriptions and
services) and the publisher thread (status, transitions, diagnostics). The controller is
only ever called under one lock. Any exception in the control path latches the e-stop (and,
if even that fails, disables the drives) and ends the node: the robot never keeps running
on a controller in an unknown state. The heartbeat watchdog is the controller's.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rehab_robot.core.api import (
    ActuatorDriver,
    DiagnosticStatus,
    ReasonCode,
    RobotControllerApi,
)
from rehab_robot.realtime import (
    DEFAULT_RT_PRIORITY,
    CycleClock,
    DeadlineSchedule,
    LatenessHistogram,
    LoopTiming,
    RateGate,
    set_realtime_priority,
)
from rehab_robot.transport import convert
from rehab_robot.transport import qos as qos_profiles
from rehab_robot.transport import ros_types as m
from rehab_robot.transport.graph import (
    DEFAULT_NAMESPACE,
    DiscoveryAnnouncer,
    DuplicateNodeError,
    ensure_unique_node,
)
from rehab_robot.transport.names import INTERFACE, NODE_NAME
from rehab_robot.transport.participant import (
    Executor,
    RosParticipant,
    ServiceServer,
    ensure_cyclonedds_uri,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NodeSettings:
    """How the node runs (rates from ``RobotConfig.rates``).

    Parameters
    ----------
    control_hz, joint_states_hz, status_hz, diagnostics_hz
        Loop and publication rates (Hz, > 0); joint states must not exceed the control rate.
    domain_id
        DDS domain (ROS_DOMAIN_ID).
    spin_s
        Busy-wait before each control deadline (s): trades CPU for lateness.
    hardware_id
        ``hardware_id`` of the diagnostics (``simulated``, a drive's serial number).
    rt_priority
        0: normal scheduling. 1-99: run the control thread under SCHED_FIFO at this
        priority (as ros2_control's realtime loops do; needs root or an rtprio limit).
    """

    control_hz: float
    joint_states_hz: float
    status_hz: float
    diagnostics_hz: float
    domain_id: int = 0
    spin_s: float = 0.0003
    hardware_id: str = "simulated"
    rt_priority: int = DEFAULT_RT_PRIORITY

    def __post_init__(self) -> None:
        for name in ("control_hz", "joint_states_hz", "status_hz", "diagnostics_hz"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if self.joint_states_hz > self.control_hz:
            raise ValueError("joint_states_hz cannot exceed control_hz")
        if not 0 <= self.rt_priority <= 99:
            raise ValueError(f"rt_priority must be 0-99, got {self.rt_priority}")
        if not 0 <= self.domain_id <= 232:
            raise ValueError(f"domain_id must be 0-232, got {self.domain_id}")


class DdsRobotNode:
    """The robot node over Cyclone DDS.

    Parameters
    ----------
    controller
        The controller facade (the node's only contact with the robot's logic).
    driver
        The driver the controller commands; the node disables it as a last resort when the
        controller itself fails, and closes it on shutdown.
    settings
        Rates and DDS domain.
    clock
        The controller's clock: the loop schedules on its running time and latches each
        tick's start as the controller's time.
    """

    def __init__(
        self,
        controller: RobotControllerApi,
        driver: ActuatorDriver,
        settings: NodeSettings,
        clock: CycleClock,
    ) -> None:
        self._controller = controller
        self._clock = clock
        self._now_s = clock.monotonic_s
        self._driver = driver
        self.settings = settings
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._publish_now = threading.Event()
        self._shut_down = False
        self._timing = LoopTiming(0.0, 0.0, 0.0, 0.0, 0, 0)
        self._histogram = LatenessHistogram()
        self.fatal_error: str = ""
        self.joint_states_published = 0
        self._last_joint_state_ns = 0

        self._rp = RosParticipant(settings.domain_id, NODE_NAME)
        rp = self._rp
        self._pub_joint_states = rp.publisher(
            INTERFACE.joint_states, m.JointState, qos_profiles.reliable(50)
        )
        self._pub_status = rp.publisher(INTERFACE.status, m.RobotStatus, qos_profiles.latched(1))
        self._pub_transitions = rp.publisher(
            INTERFACE.transitions, m.StateTransition, qos_profiles.latched(20)
        )
        self._pub_diagnostics = rp.publisher(
            INTERFACE.diagnostics, m.DiagnosticArray, qos_profiles.reliable(10)
        )
        self._executor = Executor(rp, name="rehab-robot-executor")
        self._executor.add(
            rp.reader(INTERFACE.exercise_command, m.ExerciseCommand, qos_profiles.reliable(10)),
            self._guarded("exercise_command", self._on_exercise_command),
        )
        self._executor.add(
            rp.reader(INTERFACE.heartbeat, m.Heartbeat, qos_profiles.reliable(5)),
            self._guarded("heartbeat", self._on_heartbeat),
        )
        self._executor.add(
            rp.reader(INTERFACE.form_feedback, m.FormFeedback, qos_profiles.reliable(10)),
            self._guarded("form_feedback", self._on_form_feedback),
        )
        trigger_services: dict[str, Callable[[], tuple[bool, str]]] = {
            INTERFACE.estop: self._estop,
            INTERFACE.reset: self._locked(self._controller.reset),
            INTERFACE.pause: self._locked(self._controller.pause),
            INTERFACE.resume: self._locked(self._controller.resume),
            INTERFACE.finish: self._locked(self._controller.finish_exercise),
        }
        self._services = [
            ServiceServer(
                rp,
                name,
                m.TriggerRequest,
                m.TriggerResponse,
                self._trigger_handler(name, action),
                self._executor,
            )
            for name, action in trigger_services.items()
        ]
        self._services.append(
            ServiceServer(
                rp,
                INTERFACE.enable,
                m.SetBoolRequest,
                m.SetBoolResponse,
                self._enable_handler,
                self._executor,
            )
        )
        # Last: the entry lists every endpoint created above.
        self._announcer = DiscoveryAnnouncer(rp, DEFAULT_NAMESPACE, NODE_NAME)
        self._control_thread = threading.Thread(
            target=self._control_loop, name="rehab-robot-control", daemon=True
        )
        self._publisher_thread = threading.Thread(
            target=self._publish_loop, name="rehab-robot-publisher", daemon=True
        )

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Announce the node on ros_discovery_info; start the control loop, the executor and
        the publisher."""
        self._announcer.announce()
        self._clock.restart()
        self._control_thread.start()
        self._executor.start()
        self._publisher_thread.start()
        logger.info(
            "rehab robot node up: control %.0f Hz, joint states %.0f Hz, domain %d",
            self.settings.control_hz, self.settings.joint_states_hz, self.settings.domain_id,
        )

    def request_stop(self) -> None:
        """Ask the node to stop (safe from a signal handler); :meth:`wait` then returns."""
        self._stop.set()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the node stops (shutdown or fatal error); return whether it has."""
        return self._stop.wait(timeout_s)

    def shutdown(self, reason: str = "node shutdown") -> None:
        """Stop the robot (latched e-stop: zero torque), stop the threads, leave the graph.

        Idempotent: later calls do nothing.
        """
        if self._shut_down:
            return
        self._shut_down = True
        self._stop.set()
        self._publish_now.set()
        for thread in (self._control_thread, self._publisher_thread):
            if thread.is_alive() and thread is not threading.current_thread():
                thread.join(2.0)
        self._make_safe(reason, ReasonCode.NODE_SHUTDOWN)
        self._executor.stop()
        try:
            self._publish_status_and_transitions()
        finally:
            self._driver.close()
            self._rp.close()

    @property
    def controller(self) -> RobotControllerApi:
        """The controller this node adapts."""
        return self._controller

    @property
    def timing(self) -> LoopTiming:
        """The control loop's timing over its recent window."""
        return self._timing

    # ------------------------------------------------------------------ control thread

    def _control_loop(self) -> None:
        settings = self.settings
        if settings.rt_priority:
            set_realtime_priority(settings.rt_priority, "the control loop")
        schedule = DeadlineSchedule(
            1.0 / settings.control_hz, self._now_s, time.sleep, spin_s=settings.spin_s
        )
        joint_gate = RateGate(settings.joint_states_hz, schedule.next_deadline_s)
        try:
            while not self._stop.is_set():
                start_s = schedule.wait()
                with self._lock:
                    self._clock.latch(start_s)
                    self._controller.tick()
                    sample = self._controller.joint_sample() if joint_gate.due(start_s) else None
                if sample is not None:
                    stamp_ns = time.time_ns()
                    self._pub_joint_states.write(convert.joint_state_msg(sample, stamp_ns))
                    self.joint_states_published += 1
                    self._last_joint_state_ns = stamp_ns
                if schedule.ticks % 50 == 0:
                    self._timing = schedule.timing()
                    self._histogram = schedule.histogram
        except Exception as exc:
            logger.exception("control loop failed; stopping the robot")
            self._fail(f"internal error in control loop: {exc!r}")

    # ------------------------------------------------------------------ publisher thread

    def _publish_loop(self) -> None:
        period_s = 1.0 / self.settings.status_hz
        diagnostics_gate = RateGate(self.settings.diagnostics_hz, self._now_s())
        try:
            while not self._stop.is_set():
                self._publish_now.wait(period_s)
                self._publish_now.clear()
                self._publish_status_and_transitions()
                if diagnostics_gate.due(self._now_s()):
                    self._publish_diagnostics()
        except Exception as exc:
            logger.exception("status publisher failed; stopping the robot")
            self._fail(f"internal error in status publisher: {exc!r}")

    def _publish_status_and_transitions(self) -> None:
        with self._lock:
            status = self._controller.status()
            transitions = self._controller.drain_transitions()
            mono_now_s = self._now_s()
        wall_now_ns = time.time_ns()
        # The supervisor has logged each transition already; here they are only published.
        for msg in convert.transition_msgs(transitions, mono_now_s, wall_now_ns):
            self._pub_transitions.write(msg)
        self._pub_status.write(
            convert.status_msg(status, wall_now_ns, self._timing.rate_hz)
        )

    def _publish_diagnostics(self) -> None:
        with self._lock:
            entries = list(self._controller.diagnostics())
        timing = self._timing
        hist = self._histogram
        late = timing.lateness_p99_ms > 1000.0 / self.settings.control_hz
        entries.append(
            DiagnosticStatus(
                name=f"{NODE_NAME}: node loop timing",
                level=1 if late else 0,
                message="late ticks" if late else "on time",
                values={
                    "rate_hz": f"{timing.rate_hz:.1f}",
                    "lateness_p50_ms": f"{timing.lateness_p50_ms:.3f}",
                    "lateness_p99_ms": f"{timing.lateness_p99_ms:.3f}",
                    "lateness_max_ms": f"{timing.lateness_max_ms:.3f}",
                    "missed_deadlines": str(timing.missed_deadlines),
                    # Since the node started (the others cover the last second).
                    "total_lateness_p50_ms": f"{hist.quantile(0.50) * 1e3:.3f}",
                    "total_lateness_p99_ms": f"{hist.quantile(0.99) * 1e3:.3f}",
                    "total_lateness_max_ms": f"{hist.max_s * 1e3:.3f}",
                    "ticks": str(timing.ticks),
                    "joint_states_published": str(self.joint_states_published),
                    "joint_states_last_stamp_ns": str(self._last_joint_state_ns),
                },
            )
        )
        self._pub_diagnostics.write(
            convert.diagnostics_msg(entries, time.time_ns(), self.settings.hardware_id)
        )

    # ------------------------------------------------------------------ executor callbacks

    def _guarded(self, what: str, handler: Callable[[Any], None]) -> Callable[[Any], None]:
        """Wrap a subscription callback: a failure in it latches the e-stop."""

        def run(msg: Any) -> None:
            try:
                handler(msg)
            except Exception as exc:
                logger.exception("%s handler failed; e-stop", what)
                self._make_safe(f"internal error handling {what}: {exc!r}")

        return run

    def _on_exercise_command(self, msg: m.ExerciseCommand) -> None:
        accepted, _reason = apply_exercise_command(self._controller, self._lock, msg)
        if accepted:
            logger.info("exercise %r (command %d) accepted", msg.exercise_id, msg.command_seq)
        # A refusal is logged by the controller, with its code.
        self._publish_now.set()

    def _on_heartbeat(self, msg: m.Heartbeat) -> None:
        with self._lock:
            self._controller.heartbeat()

    def _on_form_feedback(self, msg: m.FormFeedback) -> None:
        feedback = convert.form_feedback_from_msg(msg)
        with self._lock:
            self._controller.form_feedback(feedback)

    def _locked(self, action: Callable[[], tuple[bool, str]]) -> Callable[[], tuple[bool, str]]:
        """Return ``action`` run under the controller lock."""

        def run() -> tuple[bool, str]:
            with self._lock:
                return action()

        return run

    def _estop(self) -> tuple[bool, str]:
        # The controller zeroes the torque inside this call; the lock waits at most for
        # the tick in progress.
        with self._lock:
            self._controller.estop("e-stop requested over ~/estop")
        return True, "e-stop latched; reset to clear"

    def _trigger_handler(
        self, name: str, action: Callable[[], tuple[bool, str]]
    ) -> Callable[[m.TriggerRequest], m.TriggerResponse]:
        def handle(_request: m.TriggerRequest) -> m.TriggerResponse:
            try:
                ok, message = action()
            except Exception as exc:
                logger.exception("service %s failed; e-stop", name)
                self._make_safe(f"internal error in {name}: {exc!r}")
                return m.TriggerResponse(success=False, message=f"internal error: {exc!r}")
            self._publish_now.set()
            return m.TriggerResponse(success=ok, message=message)

        return handle

    def _enable_handler(self, request: m.SetBoolRequest) -> m.SetBoolResponse:
        try:
            with self._lock:
                ok, message = self._controller.enable(bool(request.data))
        except Exception as exc:
            logger.exception("service enable failed; e-stop")
            self._make_safe(f"internal error in enable: {exc!r}")
            return m.SetBoolResponse(success=False, message=f"internal error: {exc!r}")
        self._publish_now.set()
        return m.SetBoolResponse(success=ok, message=message)

    # ------------------------------------------------------------------ failure handling

    def _make_safe(self, reason: str, code: ReasonCode = ReasonCode.INTERNAL_ERROR) -> None:
        """Latch the e-stop; if the controller cannot, disable the drives directly.

        The lock is awaited for a bounded time only: if another thread holds it forever
        (a hung controller call), the drives are disabled without the controller.
        """
        if not self._lock.acquire(timeout=0.5):
            logger.error("controller busy for 0.5 s; disabling the drives directly (%s)", reason)
            self._driver.enable(False)
            return
        try:
            self._controller.estop(reason, code)
        except Exception:
            logger.exception("controller e-stop failed; disabling the drives directly")
            self._driver.enable(False)
        finally:
            self._lock.release()

    def _fail(self, reason: str) -> None:
        """Make the robot safe and end the node (called from a failed worker thread)."""
        self.fatal_error = reason
        self._make_safe(reason)
        self._stop.set()


# ---------------------------------------------------------------------- process entry point


def build_simulated(
    config_path: str | None, domain_id: int, rt_priority: int = DEFAULT_RT_PRIORITY
) -> tuple[Any, Any, NodeSettings, CycleClock]:
    """Build the controller over the simulated robot and patient from ``robot.yaml``.

    Returns
    -------
    tuple
        ``(controller, driver, settings, clock)``.
    """
    from rehab_robot.core.config import load_config
    from rehab_robot.core.simulation import build_simulated_robot

    config = load_config(config_path)
    clock = CycleClock()
    controller, driver = build_simulated_robot(config, clock)
    settings = NodeSettings(
        control_hz=config.rates.control_hz,
        joint_states_hz=config.rates.joint_states_hz,
        status_hz=config.rates.status_hz,
        diagnostics_hz=config.rates.diagnostics_hz,
        domain_id=domain_id,
        rt_priority=rt_priority,
    )
    return controller, driver, settings, clock


def apply_exercise_command(controller: RobotControllerApi, lock: threading.Lock,
                           msg: m.ExerciseCommand) -> tuple[bool, str]:
    """Decode and hand an exercise command to the controller (under ``lock``); return
    ``(accepted, reason)``. A malformed message is refused (``MALFORMED_COMMAND``) through
    the controller too, so the status answers every command by its ``command_seq``."""
    try:
        cmd = convert.exercise_command_from_msg(msg)
    except convert.MessageError as exc:
        reason = f"malformed command: {exc}"
        with lock:
            controller.refuse_command(int(msg.command_seq), msg.exercise_id,
                                      ReasonCode.MALFORMED_COMMAND, reason)
        return False, reason
    with lock:
        return controller.command_exercise(cmd)


def tune_interpreter_for_control() -> None:
    """Keep the cyclic garbage collector from stalling control ticks.

    Objects alive after start-up (configuration, DDS entities, the controller) are frozen
    out of the collector, whose full collections would otherwise walk them during the run.
    The GIL switch interval stays at CPython's 5 ms on purpose: a shorter one lets the DDS
    and status threads cut into a tick between its clock reading and its sensor reading,
    which the supervisor's sensor-sanity checks see as stale or jumping encoders.
    """
    gc.collect()
    gc.freeze()


DEFAULT_UNIQUE_CHECK_S = 1.5
"""How long a starting node listens for another node of its name on the domain (s)."""


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
    from rehab_robot.parent import set_parent_death_signal, watch_parent_pipe

    ensure_cyclonedds_uri()
    if domain_id is None:
        domain_id = int(os.environ.get("ROS_DOMAIN_ID", "0"))
    if parent_death_signal:
        set_parent_death_signal(signal.SIGTERM)
    parent_gone = threading.Event()
    if exit_with_parent:
        watch_parent_pipe(parent_gone.set)
    ensure_unique_node(domain_id, DEFAULT_NAMESPACE, NODE_NAME, unique_check_s)
    controller, driver, settings, clock = build_simulated(config_path, domain_id, rt_priority)
    node = DdsRobotNode(controller, driver, settings, clock)
    if exit_with_parent:
        def stop_when_parent_gone() -> None:
            parent_gone.wait()
            logger.warning("stdin closed: the process that started the node is gone; "
                           "stopping")
            node.request_stop()

        threading.Thread(target=stop_when_parent_gone, name="parent-gone", daemon=True).start()

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
