"""The app's client of the robot node: commands, heartbeats, telemetry and link state.

:class:`RobotClient` holds what the app knows about the robot and sends what it asks for;
the wire is behind the small :class:`RobotTransport` port, implemented over Cyclone DDS by
:mod:`rehab.robot.dds_transport` (the only module of the app that imports ``cyclonedds``).

The client sends heartbeats from its own thread while it runs; if the app dies or hangs,
they stop and the robot's watchdog stops the robot. A client that only watches (the
``rehab robot status`` command) is created with ``send_heartbeats=False``.

Each exercise command gets a fresh number (:meth:`RobotClient.send_exercise` returns it);
the node echoes it in ``status.last_command_seq`` with the outcome, so the caller waits for
its own command's answer, never an earlier one's.

One robot node per domain: messages carry their source (the DDS participant that wrote
them); when two sources answer, the client refuses to go on (:class:`RobotConflictError`,
link LOST) rather than blend two robots' statuses and telemetry.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from rehab.errors import RobotError
from rehab.robot.link import LinkSettings, LinkState, RobotLink, SourceGuard
from rehab.robot.messages import RemoteDiagnostic, RemoteStatus, RemoteTransition, Telemetry
from rehab.robot.prescription import RobotPrescription
from rehab_robot.core.api import ExerciseCommand, FormFeedback

logger = logging.getLogger(__name__)

T = TypeVar("T")

SERVICES = ("estop", "reset", "enable", "pause", "resume", "finish")

_COMMAND_SEQ_MAX = 0xFFFF_FFFF  # uint32 on the wire; 0 means "no command yet"


class RobotConflictError(RobotError):
    """More than one robot node answers on the domain: nothing they say can be trusted."""


class TransportSink(Protocol):
    """Where a transport delivers what arrives from the node (called on its thread).

    ``source`` identifies the sender (a DDS participant GUID); ``""`` if the transport
    cannot tell.
    """

    def on_telemetry(self, sample: Telemetry, source: str = "") -> None: ...

    def on_status(self, status: RemoteStatus, source: str = "") -> None: ...

    def on_transition(self, transition: RemoteTransition, source: str = "") -> None: ...

    def on_diagnostics(self, entries: tuple[RemoteDiagnostic, ...], source: str = "") -> None:
        ...

    def note_source(self, source: str, what: str) -> None: ...


class RobotTransport(Protocol):
    """The wire to the robot node (DDS in production)."""

    def start(self, sink: TransportSink) -> None:
        """Start delivering incoming messages to ``sink``."""
        ...

    def send_heartbeat(self, seq: int) -> None:
        """Publish one heartbeat."""
        ...

    def send_exercise(self, command: ExerciseCommand) -> None:
        """Publish an exercise command."""
        ...

    def send_form_feedback(self, feedback: FormFeedback) -> None:
        """Publish form feedback."""
        ...

    def call(self, service: str, value: bool | None, timeout_s: float) -> tuple[bool, str]:
        """Call one of :data:`SERVICES` (``value`` for ``enable``); ``(success, message)``.

        Raises
        ------
        RobotError
            If no node answers within ``timeout_s``.
        """
        ...

    def close(self) -> None:
        """Leave the graph."""
        ...


@dataclass(frozen=True)
class ClientSettings:
    """How the client behaves.

    Parameters
    ----------
    client_id
        Sent in heartbeats (which console or screen this is).
    heartbeat_period_s
        Heartbeat period (s); well below the robot's watchdog timeout (0.2 s by default).
    service_timeout_s
        How long a service call waits for the node (s).
    telemetry_buffer
        Joint-state samples kept for :meth:`RobotClient.drain_telemetry` (oldest dropped).
    send_heartbeats
        False for a client that only watches and must not keep the robot alive.
    link
        Connection-state thresholds.
    conflict_window_s
        Two message sources heard within this time (s) are two robot nodes.
    """

    client_id: str = "rehab-app"
    heartbeat_period_s: float = 0.05
    service_timeout_s: float = 3.0
    telemetry_buffer: int = 4000
    send_heartbeats: bool = True
    link: LinkSettings = field(default_factory=LinkSettings)
    conflict_window_s: float = 1.0

    def __post_init__(self) -> None:
        if not 0 < self.heartbeat_period_s <= 1.0:
            raise ValueError("heartbeat_period_s must be in (0, 1] s")
        if not self.service_timeout_s > 0:
            raise ValueError("service_timeout_s must be > 0")
        if self.telemetry_buffer < 1:
            raise ValueError("telemetry_buffer must be >= 1")
        if not self.conflict_window_s > 0:
            raise ValueError("conflict_window_s must be > 0")


class HeartbeatSender(Protocol):
    """Sends heartbeats somewhere other than a thread of this process."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class RobotClient:
    """The app's handle on the robot node.

    Parameters
    ----------
    transport
        The wire (for example :class:`rehab.robot.dds_transport.DdsRobotTransport`).
    settings
        Behaviour.
    now_s
        Monotonic clock for the link state (injected).
    heartbeat_sender
        Sends the heartbeats instead of a thread of this process (see
        :mod:`rehab.robot.heartbeat`); None uses a thread over ``transport``.

    Examples
    --------
    >>> from rehab.robot.dds_transport import DdsRobotTransport  # doctest: +SKIP
    >>> with RobotClient(DdsRobotTransport()) as robot:  # doctest: +SKIP
    ...     robot.wait_for(lambda: robot.status is not None, timeout_s=3.0)
    ...     robot.enable(True)
    """

    def __init__(
        self,
        transport: RobotTransport,
        settings: ClientSettings | None = None,
        now_s: Callable[[], float] = time.monotonic,
        heartbeat_sender: HeartbeatSender | None = None,
    ) -> None:
        self._transport = transport
        self._heartbeat_sender = heartbeat_sender
        self.settings = settings or ClientSettings()
        self.link = RobotLink(now_s, self.settings.link)
        self._sources = SourceGuard(now_s, self.settings.conflict_window_s)
        self.conflict: RobotConflictError | None = None
        self._command_seq = itertools.count(1)
        self._changed = threading.Condition()
        self._telemetry: deque[Telemetry] = deque(maxlen=self.settings.telemetry_buffer)
        self._transitions: list[RemoteTransition] = []
        self.status: RemoteStatus | None = None
        self.latest_telemetry: Telemetry | None = None
        self.diagnostics: tuple[RemoteDiagnostic, ...] = ()
        self.telemetry_count = 0
        self._stop = threading.Event()
        self._heartbeat_thread: threading.Thread | None = None
        self._heartbeat_seq = 0
        self._started = False

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> RobotClient:
        """Start receiving and, unless disabled, sending heartbeats (once; then a no-op)."""
        if self._started:
            return self
        self._started = True
        self._transport.start(self)
        if self.settings.send_heartbeats and self._heartbeat_sender is not None:
            self._heartbeat_sender.start()
        elif self.settings.send_heartbeats:
            self._heartbeat_thread = threading.Thread(
                target=self._heartbeat_loop, name="rehab-robot-heartbeat", daemon=True
            )
            self._heartbeat_thread.start()
        return self

    def close(self) -> None:
        """Stop heartbeats and leave the graph (the robot's watchdog then stops it); once."""
        if self._stop.is_set():
            return
        self._stop.set()
        if self._heartbeat_thread is not None:
            self._heartbeat_thread.join(2.0)
        if self._heartbeat_sender is not None:
            self._heartbeat_sender.stop()
        self._transport.close()

    def __enter__(self) -> RobotClient:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _heartbeat_loop(self) -> None:
        period_s = self.settings.heartbeat_period_s
        next_s = time.monotonic()
        while not self._stop.is_set():
            self._heartbeat_seq += 1
            try:
                self._transport.send_heartbeat(self._heartbeat_seq)
            except RobotError:
                # Keep trying: the robot's watchdog stops it while heartbeats fail, and
                # the link state shows the problem to the therapist.
                logger.exception("heartbeat %d not sent", self._heartbeat_seq)
            next_s += period_s
            # Deadline schedule: a slow send does not stretch the period.
            self._stop.wait(max(0.0, next_s - time.monotonic()))

    # ------------------------------------------------------------------ incoming (sink)

    def note_source(self, source: str, what: str) -> None:
        """Transport callback: a message (``what``) came from ``source``.

        A second source heard while the first still speaks latches :attr:`conflict`:
        from then on the client takes nothing from either, its link is LOST, and its
        commands (but the e-stop) and waits raise :class:`RobotConflictError`.
        """
        with self._changed:
            self._note_source_locked(source, what)

    def _note_source_locked(self, source: str, what: str) -> bool:
        """Record ``source``; return whether the client still trusts what it hears."""
        if self.conflict is not None:
            return False
        other = self._sources.note(source)
        if other is None:
            return True
        domain = getattr(self._transport, "domain_id", "?")
        self.conflict = RobotConflictError(
            f"two robot nodes answer on DDS domain {domain} (participants {other} and "
            f"{source}, heard in its {what}): stop one of them; nothing from either is used")
        logger.error("%s", self.conflict)
        self._changed.notify_all()
        return False

    def on_telemetry(self, sample: Telemetry, source: str = "") -> None:
        """Transport callback: a joint-state sample arrived."""
        with self._changed:
            if not self._note_source_locked(source, "joint states"):
                return
            self.link.heard()
            self._telemetry.append(sample)
            self.latest_telemetry = sample
            self.telemetry_count += 1
            self._changed.notify_all()

    def on_status(self, status: RemoteStatus, source: str = "") -> None:
        """Transport callback: a status arrived."""
        with self._changed:
            if not self._note_source_locked(source, "status"):
                return
            self.link.heard()
            self.status = status
            self._changed.notify_all()

    def on_transition(self, transition: RemoteTransition, source: str = "") -> None:
        """Transport callback: a state transition arrived."""
        with self._changed:
            if not self._note_source_locked(source, "transitions"):
                return
            self._transitions.append(transition)
            self._changed.notify_all()

    def on_diagnostics(self, entries: tuple[RemoteDiagnostic, ...], source: str = "") -> None:
        """Transport callback: a diagnostics array arrived."""
        with self._changed:
            if not self._note_source_locked(source, "diagnostics"):
                return
            self.diagnostics = entries
            self._changed.notify_all()

    # ------------------------------------------------------------------ queries

    def link_state(self) -> LinkState:
        """Connected, stale or lost, from the age of the last message; LOST for good once
        two robot nodes have answered (see :attr:`conflict`)."""
        if self.conflict is not None:
            return LinkState.LOST
        return self.link.state()

    def drain_telemetry(self) -> list[Telemetry]:
        """Return and forget the buffered joint-state samples, oldest first."""
        with self._changed:
            samples = list(self._telemetry)
            self._telemetry.clear()
        return samples

    def transitions(self) -> list[RemoteTransition]:
        """Return every transition received so far, oldest first."""
        with self._changed:
            return list(self._transitions)

    def wait_for(self, predicate: Callable[[], T], timeout_s: float) -> T:
        """Wait until ``predicate()`` is truthy (re-checked on every message); return it.

        Raises
        ------
        RobotConflictError
            As soon as two robot nodes answer.
        RobotError
            If it is still falsy after ``timeout_s``.
        """
        with self._changed:
            result = self._changed.wait_for(
                lambda: self.conflict is not None or predicate(), timeout_s)
            if self.conflict is not None:
                raise self.conflict
        if not result:
            raise RobotError(f"robot: condition not met within {timeout_s:.1f} s")
        return result

    # ------------------------------------------------------------------ commands

    def send_exercise(self, prescription: RobotPrescription) -> int:
        """Send an exercise; return its command number (``command_seq``).

        The node answers in the status: once ``status.last_command_seq`` equals the returned
        number, ``status.last_command_accepted`` / ``last_command_code`` /
        ``last_command_reason`` are this command's outcome. Numbers increase per client
        from 1 (a uint32; after 2**32 - 1 they start again at 1).

        Raises
        ------
        RobotConflictError
            If two robot nodes answer on the domain.
        RobotError
            If the command cannot be published.

        Examples
        --------
        >>> seq = robot.send_exercise(prescription)  # doctest: +SKIP
        >>> status = robot.wait_for(  # doctest: +SKIP
        ...     lambda: robot.status if robot.status.last_command_seq == seq else None, 3.0)
        """
        self._check_no_conflict()
        seq = (next(self._command_seq) - 1) % _COMMAND_SEQ_MAX + 1
        command = dataclasses.replace(prescription.to_command(), command_seq=seq)
        self._transport.send_exercise(command)
        return seq

    def send_form_feedback(self, score: float, compensation: str, severity: float) -> None:
        """Send the camera's form assessment (score 0-100, severity 0-1)."""
        self._check_no_conflict()
        self._transport.send_form_feedback(
            FormFeedback(
                t_s=time.time(), score=score, compensation=compensation, severity=severity
            )
        )

    def estop(self) -> str:
        """Emergency stop (latched until :meth:`reset`); return the node's message.

        Sent even when two robot nodes answer: stopping both is the safe direction.
        """
        return self._call("estop", None)

    def reset(self) -> str:
        """Clear an e-stop, fault or safe stop."""
        return self._call("reset", None)

    def enable(self, on: bool) -> str:
        """Enable (``True``) or disable the actuators."""
        return self._call("enable", on)

    def pause(self) -> str:
        """Pause the running exercise."""
        return self._call("pause", None)

    def resume(self) -> str:
        """Resume a paused exercise."""
        return self._call("resume", None)

    def finish_exercise(self) -> str:
        """End the running or paused exercise now (the robot holds where it is, ENABLED);
        for when the app has counted the set. The status's ``reason_code`` then reads
        ``finished_on_request``.

        Raises
        ------
        RobotError
            If the robot refuses (no exercise running or paused) or does not answer.
        """
        return self._call("finish", None)

    def _check_no_conflict(self) -> None:
        if self.conflict is not None:
            raise self.conflict

    def _call(self, service: str, value: bool | None) -> str:
        if service != "estop":
            self._check_no_conflict()
        ok, message = self._transport.call(service, value, self.settings.service_timeout_s)
        if not ok:
            raise RobotError(f"robot refused {service}: {message}")
        return message
