"""The robot node's body: what the node does, whichever middleware carries its messages.

Both node adapters, :mod:`rehab_robot.node_dds` (Cyclone DDS) and
:mod:`rehab_robot.node_rclpy` (an rclpy lifecycle node), drive one :class:`RobotNodeBody`.
The body owns:

- the control thread: the controller's tick on deadlines of the monotonic clock, and
  ``/joint_states`` at ``rates.joint_states_hz`` right after the tick that produced it;
- the publisher thread: ``~/status`` at ``rates.status_hz`` and at once after a command
  (with the *measured* control rate), ``~/transitions`` as they happen, ``/diagnostics`` at
  ``rates.diagnostics_hz`` (the controller's entries plus the loop's timing);
- the handlers of ``~/exercise_command``, ``~/heartbeat``, ``~/form_feedback`` and of the
  services ``~/estop``, ``~/reset``, ``~/pause``, ``~/resume``, ``~/finish``
  (std_srvs/Trigger) and ``~/enable`` (std_srvs/SetBool), all guarded alike: any exception
  in one latches the e-stop (and, if even that fails, disables the drives);
- failure handling: any exception in the control thread or the publisher thread makes the
  robot safe and ends the node.

An adapter only translates: it hands the body the messages it receives (as the IDL types
of :mod:`rehab_robot.transport.ros_types`), and the body hands it messages to publish
through a :class:`MessageOutlet`, keyed by the topic's name in
:data:`~rehab_robot.transport.names.INTERFACE`. The controller is only ever called under
one lock.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

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
from rehab_robot.transport import ros_types as m
from rehab_robot.transport.names import INTERFACE, NODE_NAME

logger = logging.getLogger(__name__)

DEFAULT_UNIQUE_CHECK_S = 1.5
"""How long a starting node listens for another node of its name on the domain (s)."""


class DuplicateNodeError(RuntimeError):
    """A node of the same namespace and name already runs on the domain."""


def ensure_unique_node(find_rival: Callable[[], str | None], qualified_name: str,
                       where: str) -> None:
    """Refuse to start next to a node of the same name.

    Two robot nodes on one domain would both obey every command (an e-stop, an exercise),
    and their statuses would blend in every client.

    Parameters
    ----------
    find_rival
        The adapter's look at the graph: a description of a rival node (``participant
        <gid>``), or ``None`` if there is none.
    qualified_name
        The node's fully qualified name (``/rehab_robot``).
    where
        The graph looked at, for the message (``DDS domain 0``).

    Raises
    ------
    DuplicateNodeError
        If ``find_rival`` finds one.
    """
    rival = find_rival()
    if rival is not None:
        raise DuplicateNodeError(
            f"a node named {qualified_name} already runs on {where} ({rival}); stop it first "
            "or use another ROS_DOMAIN_ID")


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


class MessageOutlet(Protocol):
    """Where the body's messages go: the adapter's publishers."""

    def publish(self, topic: str, msg: Any) -> None:
        """Publish ``msg`` (a :mod:`~rehab_robot.transport.ros_types` message) on ``topic``
        (a name of :data:`~rehab_robot.transport.names.INTERFACE`)."""


@dataclass(frozen=True)
class Subscription:
    """A topic the node listens to, with the body's guarded handler for its messages."""

    topic: str
    msg_type: type
    handle: Callable[[Any], None]


class RobotNodeBody:
    """The robot node, apart from its middleware.

    Parameters
    ----------
    controller
        The controller facade (the node's only contact with the robot's logic).
    driver
        The driver the controller commands; the body disables it as a last resort when the
        controller itself fails, and closes it on shutdown.
    settings
        Rates and diagnostics' hardware id.
    clock
        The controller's clock: the loop schedules on its running time and latches each
        tick's start as the controller's time.
    outlet
        The adapter's publishers.
    """

    def __init__(self, controller: RobotControllerApi, driver: ActuatorDriver,
                 settings: NodeSettings, clock: CycleClock, outlet: MessageOutlet) -> None:
        self._controller = controller
        self._driver = driver
        self.settings = settings
        self._clock = clock
        self._now_s = clock.monotonic_s
        self._outlet = outlet
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._running = threading.Event()
        self._publish_now = threading.Event()
        self._threads: list[threading.Thread] = []
        self._shut_down = False
        self._timing = LoopTiming(0.0, 0.0, 0.0, 0.0, 0, 0)
        self._histogram = LatenessHistogram()
        self.fatal_error: str = ""
        self.joint_states_published = 0
        self._last_joint_state_ns = 0

    # ------------------------------------------------------------------ what adapters wire

    def subscriptions(self) -> list[Subscription]:
        """The topics to subscribe to, each with its guarded handler."""
        return [
            Subscription(INTERFACE.exercise_command, m.ExerciseCommand,
                         self.guarded("exercise_command", self._on_exercise_command)),
            Subscription(INTERFACE.heartbeat, m.Heartbeat,
                         self.guarded("heartbeat", self._on_heartbeat)),
            Subscription(INTERFACE.form_feedback, m.FormFeedback,
                         self.guarded("form_feedback", self._on_form_feedback)),
        ]

    def trigger_services(self) -> dict[str, Callable[[m.TriggerRequest], m.TriggerResponse]]:
        """The std_srvs/Trigger services by name, each with its guarded handler."""
        actions: dict[str, Callable[[], tuple[bool, str]]] = {
            INTERFACE.estop: self._estop,
            INTERFACE.reset: self._controller.reset,
            INTERFACE.pause: self._controller.pause,
            INTERFACE.resume: self._controller.resume,
            INTERFACE.finish: self._controller.finish_exercise,
        }
        return {name: self._trigger_handler(name, action) for name, action in actions.items()}

    def handle_enable(self, request: m.SetBoolRequest) -> m.SetBoolResponse:
        """``~/enable`` (std_srvs/SetBool): power the actuators on or off.

        Powering on is refused while the control loop is not running (an inactive
        lifecycle node, a node that stopped on a fatal error).
        """
        if request.data and not self._running.is_set():
            return m.SetBoolResponse(success=False, message="node is not active")
        try:
            with self._lock:
                ok, message = self._controller.enable(bool(request.data))
        except Exception as exc:
            logger.exception("service enable failed; e-stop")
            self.make_safe(f"internal error in enable: {exc!r}")
            return m.SetBoolResponse(success=False, message=f"internal error: {exc!r}")
        self._publish_now.set()
        return m.SetBoolResponse(success=ok, message=message)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start the control loop and the publisher (again, after :meth:`stop_threads`)."""
        if self._threads:
            raise RuntimeError("the node's threads are running already")
        self._stop.clear()
        self._running.set()
        self._threads = [
            threading.Thread(target=self._control_loop, name="rehab-robot-control",
                             daemon=True),
            threading.Thread(target=self._publish_loop, name="rehab-robot-publisher",
                             daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def request_stop(self) -> None:
        """Ask the node to stop (safe from a signal handler); :meth:`wait` then returns."""
        self._stop.set()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the node stops (shutdown or fatal error); return whether it has."""
        return self._stop.wait(timeout_s)

    def stop_threads(self) -> None:
        """Stop the control loop and the publisher (each given 2 s to finish)."""
        self._stop.set()
        self._publish_now.set()
        for thread in self._threads:
            if thread.is_alive() and thread is not threading.current_thread():
                thread.join(2.0)
        self._threads = []
        self._running.clear()

    def deactivate(self, ramp_down_s: float = 2.0) -> None:
        """Disable the actuators, keep ticking while their torque ramps down (at most
        ``ramp_down_s``), then stop the threads; the robot keeps its state otherwise."""
        with self._lock:
            self._controller.enable(False)
        deadline_s = time.monotonic() + ramp_down_s
        while time.monotonic() < deadline_s and self._running.is_set():
            with self._lock:
                torque_nm = self._controller.joint_sample().effort_nm
            if all(t == 0.0 for t in torque_nm):
                break
            time.sleep(0.01)  # the control thread ramps the torque; nothing to wait on
        self.stop_threads()

    def shutdown(self, reason: str = "node shutdown",
                 stop_inputs: Callable[[], None] | None = None) -> None:
        """Stop the robot (latched e-stop: zero torque), stop the threads, publish the last
        status, close the driver.

        Parameters
        ----------
        reason
            The e-stop's reason.
        stop_inputs
            The adapter's way to stop delivering messages and service calls, called once the
            robot is safe and before the last status is published.

        Idempotent: later calls do nothing.
        """
        if self._shut_down:
            return
        self._shut_down = True
        self.stop_threads()
        self.make_safe(reason, ReasonCode.NODE_SHUTDOWN)
        if stop_inputs is not None:
            stop_inputs()
        try:
            self._publish_status_and_transitions()
        finally:
            self._driver.close()

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
                    self._outlet.publish(INTERFACE.joint_states,
                                         convert.joint_state_msg(sample, stamp_ns))
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
            self._outlet.publish(INTERFACE.transitions, msg)
        self._outlet.publish(INTERFACE.status,
                             convert.status_msg(status, wall_now_ns, self._timing.rate_hz))

    def _publish_diagnostics(self) -> None:
        with self._lock:
            entries = list(self._controller.diagnostics())
        entries.append(self._loop_timing_entry())
        self._outlet.publish(
            INTERFACE.diagnostics,
            convert.diagnostics_msg(entries, time.time_ns(), self.settings.hardware_id),
        )

    def _loop_timing_entry(self) -> DiagnosticStatus:
        timing = self._timing
        hist = self._histogram
        late = timing.lateness_p99_ms > 1000.0 / self.settings.control_hz
        return DiagnosticStatus(
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

    # ------------------------------------------------------------------ message handlers

    def guarded(self, what: str, handler: Callable[[Any], None]) -> Callable[[Any], None]:
        """Wrap a message handler: a failure in it latches the e-stop (the safe state)."""

        def run(msg: Any) -> None:
            try:
                handler(msg)
            except Exception as exc:
                logger.exception("%s handler failed; e-stop", what)
                self.make_safe(f"internal error handling {what}: {exc!r}")

        return run

    def _on_exercise_command(self, msg: m.ExerciseCommand) -> None:
        accepted, _reason = self._apply_exercise_command(msg)
        if accepted:
            logger.info("exercise %r (command %d) accepted", msg.exercise_id, msg.command_seq)
        # A refusal is logged by the controller, with its code.
        self._publish_now.set()

    def _apply_exercise_command(self, msg: m.ExerciseCommand) -> tuple[bool, str]:
        # A malformed message is refused (MALFORMED_COMMAND) through the controller too, so
        # the status answers every command by its command_seq.
        try:
            cmd = convert.exercise_command_from_msg(msg)
        except convert.MessageError as exc:
            reason = f"malformed command: {exc}"
            with self._lock:
                self._controller.refuse_command(int(msg.command_seq), msg.exercise_id,
                                                ReasonCode.MALFORMED_COMMAND, reason)
            return False, reason
        with self._lock:
            return self._controller.command_exercise(cmd)

    def _on_heartbeat(self, msg: m.Heartbeat) -> None:
        with self._lock:
            self._controller.heartbeat()

    def _on_form_feedback(self, msg: m.FormFeedback) -> None:
        feedback = convert.form_feedback_from_msg(msg)
        with self._lock:
            self._controller.form_feedback(feedback)

    def _estop(self) -> tuple[bool, str]:
        # The controller zeroes the torque inside this call; the lock waits at most for
        # the tick in progress.
        self._controller.estop("e-stop requested over ~/estop")
        return True, "e-stop latched; reset to clear"

    def _trigger_handler(
        self, name: str, action: Callable[[], tuple[bool, str]]
    ) -> Callable[[m.TriggerRequest], m.TriggerResponse]:
        def handle(_request: m.TriggerRequest) -> m.TriggerResponse:
            try:
                with self._lock:
                    ok, message = action()
            except Exception as exc:
                logger.exception("service %s failed; e-stop", name)
                self.make_safe(f"internal error in {name}: {exc!r}")
                return m.TriggerResponse(success=False, message=f"internal error: {exc!r}")
            self._publish_now.set()
            return m.TriggerResponse(success=ok, message=message)

        return handle

    # ------------------------------------------------------------------ failure handling

    def make_safe(self, reason: str, code: ReasonCode = ReasonCode.INTERNAL_ERROR) -> None:
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
        self._running.clear()
        self.make_safe(reason)
        self._stop.set()


# ---------------------------------------------------------------------- process set-up


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


def tune_interpreter_for_control() -> None:
    """Keep the cyclic garbage collector from stalling control ticks.

    Objects alive after start-up (configuration, middleware entities, the controller) are
    frozen out of the collector, whose full collections would otherwise walk them during
    the run. The GIL switch interval stays at CPython's 5 ms on purpose: a shorter one lets
    the middleware and status threads cut into a tick between its clock reading and its
    sensor reading, which the supervisor's sensor-sanity checks see as stale or jumping
    encoders.
    """
    gc.collect()
    gc.freeze()
