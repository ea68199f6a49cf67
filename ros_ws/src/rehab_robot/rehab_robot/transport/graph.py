"""The ROS graph: announce the node on ``ros_discovery_info``; refuse a second one.

rmw_cyclonedds maps ROS nodes onto DDS participants through the DDS topic
``ros_discovery_info`` (rmw_dds_common/msg/ParticipantEntitiesInfo, reliable,
transient-local, keep-last 1): each participant publishes its GID and, per node it hosts,
the namespace, the name and the GIDs of the node's readers and writers. ``ros2 node list``
reads it. :class:`DiscoveryAnnouncer` publishes the robot node's entry the same way (Jazzy
layout, 16-byte GIDs; see :mod:`rehab_robot.transport.ros_types`).

:func:`find_node` listens to the same topic for a short window, so that the node can refuse
to start when a node of the same name already runs on the domain: two robot nodes on one
domain would both obey every command (an e-stop, an exercise), and their statuses would
blend in every client.
"""

from __future__ import annotations

import logging
import time
import uuid

from cyclonedds.core import Entity
from cyclonedds.pub import DataWriter
from cyclonedds.sub import DataReader

from rehab_robot.transport import qos as qos_profiles
from rehab_robot.transport import ros_types as m
from rehab_robot.transport.participant import RosParticipant

logger = logging.getLogger(__name__)

DISCOVERY_TOPIC = "ros_discovery_info"
"""The DDS topic name itself (no ``rt/`` prefix: it is not a ROS topic)."""

DEFAULT_NAMESPACE = "/"

_U64 = 0xFFFF_FFFF_FFFF_FFFF


class DuplicateNodeError(RuntimeError):
    """A node of the same namespace and name already runs on the DDS domain."""


def gid(entity_or_guid: Entity | uuid.UUID) -> m.Gid:
    """Return the rmw_dds_common GID (Jazzy: the 16-byte DDS GUID) of an entity."""
    guid = entity_or_guid if isinstance(entity_or_guid, uuid.UUID) else entity_or_guid.guid
    return m.Gid(data=guid.bytes)


def qualified_name(namespace: str, name: str) -> str:
    """``/ns`` + ``node`` -> ``/ns/node``; ``/`` + ``node`` -> ``/node``."""
    return namespace.rstrip("/") + "/" + name


class DiscoveryAnnouncer:
    """Publishes a participant's ROS node on ``ros_discovery_info``, as rmw_cyclonedds does.

    Parameters
    ----------
    rp
        The node's participant; its endpoints (``rp.readers``, ``rp.writers``) are listed
        when :meth:`announce` is called, so call it once they all exist.
    namespace, node_name
        The node's ROS namespace and name.
    """

    def __init__(self, rp: RosParticipant, namespace: str = DEFAULT_NAMESPACE,
                 node_name: str | None = None) -> None:
        self._rp = rp
        self.namespace = namespace
        self.node_name = node_name or rp.node_name
        topic = rp.topic(DISCOVERY_TOPIC, m.ParticipantEntitiesInfo)
        # Not in rp.writers: rmw lists this writer under the participant, not the node.
        self._writer = DataWriter(rp.participant, topic, qos=qos_profiles.latched(1))

    def info(self) -> m.ParticipantEntitiesInfo:
        """The entry as it stands: the participant's GID and the node's endpoints."""
        node = m.NodeEntitiesInfo(
            node_namespace=self.namespace,
            node_name=self.node_name,
            reader_gid_seq=[gid(r) for r in self._rp.readers],
            writer_gid_seq=[gid(w) for w in self._rp.writers],
        )
        return m.ParticipantEntitiesInfo(gid=gid(self._rp.participant),
                                         node_entities_info_seq=[node])

    def announce(self) -> None:
        """Publish (again) the entry; late joiners get the last one (transient-local)."""
        self._writer.write(self.info())


def find_node(domain_id: int, namespace: str, node_name: str, window_s: float) -> str | None:
    """Listen to ``ros_discovery_info`` for up to ``window_s``; return the GID (hex) of a
    participant already hosting ``namespace``/``node_name``, or ``None``.

    Uses a participant of its own that publishes nothing, so a node that is refused leaves
    no trace its rival's clients could hear. Returns as soon as a live match is found;
    otherwise waits the whole window (discovery on loopback takes ~0.1-1 s, and a running
    node's entry arrives at once on matching, being transient-local).

    Parameters
    ----------
    domain_id
        The DDS domain.
    namespace, node_name
        The node to look for.
    window_s
        How long to listen (s), >= 0; 0 does not look.
    """
    if window_s <= 0:
        return None
    rp = RosParticipant(domain_id, node_name)
    try:
        topic = rp.topic(DISCOVERY_TOPIC, m.ParticipantEntitiesInfo)
        # A deep reader history: the topic is keyless, so depth 1 would keep one entry of
        # all participants together.
        reader = DataReader(rp.participant, topic, qos=qos_profiles.latched(100))
        deadline_s = time.monotonic() + window_s
        while True:
            found = _match(reader, namespace, node_name)
            if found is not None or time.monotonic() >= deadline_s:
                return found
            # Discovery happens in Cyclone's threads; nothing to wait on but time.
            time.sleep(0.05)
    finally:
        rp.close()


def _match(reader: DataReader, namespace: str, node_name: str) -> str | None:
    # The binding hands out the same uint64 handle signed here and unsigned there.
    alive = {h & _U64 for h in reader.get_matched_publications()}
    for sample in reader.take(N=100):
        if not sample.sample_info.valid_data:
            continue
        # An entry whose writer has left already (a node that just stopped) is no rival.
        if sample.sample_info.publication_handle & _U64 not in alive:
            continue
        for node in sample.node_entities_info_seq:
            if (node.node_namespace, node.node_name) == (namespace, node_name):
                return bytes(sample.gid.data).hex()
    return None


def ensure_unique_node(domain_id: int, namespace: str, node_name: str, window_s: float) -> None:
    """Raise :class:`DuplicateNodeError` if :func:`find_node` finds the node on the domain.

    There is a short race left: two nodes started within the same window both start. The
    window is for the usual mistake, a second ``rehab robot sim`` next to a running one.
    """
    other = find_node(domain_id, namespace, node_name, window_s)
    if other is not None:
        raise DuplicateNodeError(
            f"a node named {qualified_name(namespace, node_name)} already runs on DDS domain "
            f"{domain_id} (participant {other}); stop it first or use another ROS_DOMAIN_ID")
