"""Publishers, subscriptions and services over one Cyclone DDS participant, ROS 2 style.

A ROS 2 service under rmw_cyclonedds is two topics: requests on ``rq/<name>Request`` and
replies on ``rr/<name>Reply``, each sample led by the 16-byte request header (``uint64``
instance handle of the client's request writer, ``int64`` sequence number). The server
copies the header into its reply; the client keeps the replies whose header carries its own
writer handle and the sequence number it is waiting for.

Incoming samples are dispatched by :class:`Executor`, a thread blocked in a DDS waitset (the
counterpart of an rclpy executor), so that callbacks never run on Cyclone's receive threads.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from cyclonedds.core import (
    DDSException,
    GuardCondition,
    InstanceState,
    Qos,
    ReadCondition,
    SampleState,
    ViewState,
    WaitSet,
)
from cyclonedds.domain import DomainParticipant
from cyclonedds.pub import DataWriter
from cyclonedds.sub import DataReader
from cyclonedds.topic import Topic

from rehab_robot.transport import names
from rehab_robot.transport import qos as qos_profiles

logger = logging.getLogger(__name__)

T = TypeVar("T")
Req = TypeVar("Req")
Rep = TypeVar("Rep")

_ANY_SAMPLE = SampleState.Any | ViewState.Any | InstanceState.Any


CYCLONEDDS_URI_ENV = "CYCLONEDDS_URI"


def default_cyclonedds_uri() -> str:
    """Return the URI of the loopback-only Cyclone DDS configuration of the package."""
    from rehab_robot.core.config import find_config_file

    return Path(find_config_file("cyclonedds_loopback.xml")).as_uri()


def ensure_cyclonedds_uri() -> str:
    """Default ``CYCLONEDDS_URI`` to the loopback configuration; return the one in force.

    Cyclone DDS reads the variable when the first participant of the process is created,
    so call this before creating one. An explicit setting is left alone.
    """
    if not os.environ.get(CYCLONEDDS_URI_ENV):
        os.environ[CYCLONEDDS_URI_ENV] = default_cyclonedds_uri()
    return os.environ[CYCLONEDDS_URI_ENV]


class ServiceUnavailableError(RuntimeError):
    """No server matched the service, or it did not reply in time."""


class SampleSource:
    """Names the DDS participant that wrote each sample a reader takes.

    The sample info gives the writer's instance handle; the matched-publication data of
    that handle gives its participant's GUID, cached per writer. ``""`` when the writer is
    already gone (it left between the sample and the look-up).

    Parameters
    ----------
    reader
        The reader the samples come from.
    """

    def __init__(self, reader: DataReader) -> None:
        self._reader = reader
        self._by_writer: dict[int, str] = {}

    def __call__(self, sample: Any) -> str:
        """Return the writing participant's GUID (hex) of a taken ``sample``."""
        handle = sample.sample_info.publication_handle
        source = self._by_writer.get(handle)
        if source is None:
            try:
                endpoint = self._reader.get_matched_publication_data(handle)
            except DDSException:
                return ""
            if endpoint is None:
                return ""
            source = endpoint.participant_key.hex
            self._by_writer[handle] = source
        return source


@dataclass
class _Dispatch:
    reader: DataReader
    condition: ReadCondition
    handle: Callable[[Any], None]


class RosParticipant:
    """One DDS participant hosting a ROS 2 node's endpoints.

    Parameters
    ----------
    domain_id
        The DDS domain (ROS_DOMAIN_ID), 0-232.
    node_name
        Resolves ``~/`` names (``~/status`` -> ``/<node_name>/status``).

    Notes
    -----
    The network configuration comes from ``CYCLONEDDS_URI`` (for tests and the default
    setup: ``config/cyclonedds_loopback.xml``, loopback only).
    """

    def __init__(self, domain_id: int = 0, node_name: str = names.NODE_NAME) -> None:
        self.node_name = node_name
        self.participant = DomainParticipant(domain_id)
        self._topics: dict[str, Topic] = {}
        # The node's endpoints, for its entry in ros_discovery_info.
        self.readers: list[DataReader] = []
        self.writers: list[DataWriter] = []

    def topic(self, dds_name: str, msg_type: type) -> Topic:
        """Return the topic ``dds_name`` of ``msg_type`` (created once per participant)."""
        existing = self._topics.get(dds_name)
        if existing is None:
            existing = Topic(self.participant, dds_name, msg_type)
            self._topics[dds_name] = existing
        return existing

    def publisher(self, ros_topic: str, msg_type: type, qos: Qos) -> DataWriter:
        """Return a writer for the ROS 2 topic ``ros_topic``."""
        topic = self.topic(names.dds_topic(ros_topic, self.node_name), msg_type)
        writer = DataWriter(self.participant, topic, qos=qos)
        self.writers.append(writer)
        return writer

    def reader(self, ros_topic: str, msg_type: type, qos: Qos) -> DataReader:
        """Return a reader for the ROS 2 topic ``ros_topic``."""
        topic = self.topic(names.dds_topic(ros_topic, self.node_name), msg_type)
        reader = DataReader(self.participant, topic, qos=qos)
        self.readers.append(reader)
        return reader

    def close(self) -> None:
        """Delete the participant and every endpoint on it (peers see them leave at once)."""
        self._topics.clear()
        self.readers.clear()
        self.writers.clear()
        participant, self.participant = self.participant, None
        if participant is not None:
            # Deleting the participant deletes its children and tells peers at once,
            # instead of leaving them to wait for the lease to expire.
            participant.__del__()


class Executor:
    """A thread that waits on DDS read conditions and runs the matching callbacks.

    Callbacks run one at a time, on this thread, in arrival order per reader. An exception
    in a callback is logged and does not stop the executor (the node's own error handling
    decides what a failure means for the robot).
    """

    def __init__(self, rp: RosParticipant, name: str = "dds-executor") -> None:
        self._rp = rp
        self._waitset = WaitSet(rp.participant)
        self._wakeup = GuardCondition(rp.participant)
        self._waitset.attach(self._wakeup)
        self._dispatch: list[_Dispatch] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def add(self, reader: DataReader, handle: Callable[[Any], None]) -> None:
        """Run ``handle(sample)`` for every valid sample arriving on ``reader``."""
        condition = ReadCondition(reader, _ANY_SAMPLE)
        self._waitset.attach(condition)
        self._dispatch.append(_Dispatch(reader, condition, handle))

    def start(self) -> None:
        """Start dispatching."""
        self._thread.start()

    def stop(self, timeout_s: float = 2.0) -> None:
        """Stop dispatching and join the thread."""
        self._stop.set()
        self._wakeup.set(True)
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def spin_once(self, timeout_s: float) -> int:
        """Wait up to ``timeout_s`` for samples and dispatch them; return how many."""
        self._waitset.wait(int(timeout_s * 1e9))
        handled = 0
        for entry in self._dispatch:
            for sample in entry.reader.take(N=64, condition=entry.condition):
                if not sample.sample_info.valid_data:
                    continue
                handled += 1
                try:
                    entry.handle(sample)
                except Exception:
                    # Logged with its traceback; the callback owner decides what a failure
                    # means (the node's handlers put the robot in a safe state themselves).
                    logger.exception("callback for %s failed", entry.reader.topic.name)
        return handled

    def _run(self) -> None:
        while not self._stop.is_set():
            self.spin_once(0.1)


class ServiceServer(Generic[Req, Rep]):
    """A ROS 2 service server under rmw_cyclonedds' naming and request header.

    Parameters
    ----------
    rp
        The participant.
    ros_service
        ROS 2 service name (``~/estop``).
    request_type, response_type
        The IDL request and response types (leading ``client_guid``, ``sequence_number``).
    handler
        ``handler(request) -> response``: builds the response fields; the header is copied
        from the request here.
    executor
        Dispatches the requests.
    """

    def __init__(
        self,
        rp: RosParticipant,
        ros_service: str,
        request_type: type[Req],
        response_type: type[Rep],
        handler: Callable[[Req], Rep],
        executor: Executor,
    ) -> None:
        qos = qos_profiles.service()
        req_topic = rp.topic(names.dds_request_topic(ros_service, rp.node_name), request_type)
        rep_topic = rp.topic(names.dds_reply_topic(ros_service, rp.node_name), response_type)
        self._reader = DataReader(rp.participant, req_topic, qos=qos)
        self._writer = DataWriter(rp.participant, rep_topic, qos=qos)
        rp.readers.append(self._reader)
        rp.writers.append(self._writer)
        self._handler = handler
        self.name = ros_service
        executor.add(self._reader, self._on_request)

    def _on_request(self, request: Any) -> None:
        response = self._handler(request)
        response.client_guid = request.client_guid
        response.sequence_number = request.sequence_number
        self._writer.write(response)


class ServiceClient(Generic[Req, Rep]):
    """A ROS 2 service client under rmw_cyclonedds' naming and request header.

    Thread-safe: concurrent calls are serialised. Each call waits on this client's own
    waitset for the reply, so it does not need an executor.
    """

    _sequence = itertools.count(1)
    _sequence_lock = threading.Lock()

    def __init__(
        self,
        rp: RosParticipant,
        ros_service: str,
        request_type: type[Req],
        response_type: type[Rep],
    ) -> None:
        qos = qos_profiles.service()
        req_topic = rp.topic(names.dds_request_topic(ros_service, rp.node_name), request_type)
        rep_topic = rp.topic(names.dds_reply_topic(ros_service, rp.node_name), response_type)
        self._writer = DataWriter(rp.participant, req_topic, qos=qos)
        self._reader = DataReader(rp.participant, rep_topic, qos=qos)
        rp.readers.append(self._reader)
        rp.writers.append(self._writer)
        self._condition = ReadCondition(self._reader, _ANY_SAMPLE)
        self._waitset = WaitSet(rp.participant)
        self._waitset.attach(self._condition)
        # rmw_cyclonedds puts the request writer's instance handle in the header, a uint64;
        # the Python binding hands it out as a signed 64-bit integer.
        self.client_guid = self._writer.get_instance_handle() & 0xFFFF_FFFF_FFFF_FFFF
        self.name = ros_service
        self._lock = threading.Lock()
        self._source = SampleSource(self._reader)
        self.on_reply_source: Callable[[str], None] | None = None
        """Called with the server participant's GUID of every reply addressed to this
        client (two servers answer one request with two replies)."""

    def is_ready(self) -> bool:
        """Return whether a server's request reader and reply writer are both matched."""
        return (
            self._writer.get_publication_matched_status().current_count > 0
            and self._reader.get_subscription_matched_status().current_count > 0
        )

    def wait_for_service(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for a server (discovery on loopback takes ~0.1-2 s)."""
        deadline = time.monotonic() + timeout_s
        while not self.is_ready():
            if time.monotonic() >= deadline:
                return False
            # Matching is reported by DDS discovery in another process; there is no
            # condition to wait on for it in the Python binding, so poll briefly.
            time.sleep(0.01)
        return True

    def call(self, request: Req, timeout_s: float) -> Rep:
        """Send ``request`` and return the matching response.

        Raises
        ------
        ServiceUnavailableError
            If no server is matched within ``timeout_s`` or no reply arrives in time.
        """
        deadline = time.monotonic() + timeout_s
        with self._lock:
            if not self.wait_for_service(timeout_s):
                raise ServiceUnavailableError(f"no server for {self.name} within {timeout_s} s")
            with self._sequence_lock:
                seq = next(self._sequence)
            request.client_guid = self.client_guid
            request.sequence_number = seq
            self._writer.write(request)
            while True:
                remaining_s = deadline - time.monotonic()
                if remaining_s <= 0:
                    raise ServiceUnavailableError(f"{self.name}: no reply within {timeout_s} s")
                self._waitset.wait(int(remaining_s * 1e9))
                for reply in self._reader.take(N=16, condition=self._condition):
                    if not reply.sample_info.valid_data:
                        continue
                    # Replies to other clients of this service arrive here too.
                    if reply.client_guid != self.client_guid:
                        continue
                    if self.on_reply_source is not None:
                        self.on_reply_source(self._source(reply))
                    if reply.sequence_number == seq:
                        return reply
