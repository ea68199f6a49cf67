"""QoS profiles of the robot's interface, as rmw_cyclonedds would set them.

Every writer is pinned to the XCDR1 data representation: that is ROS 2's plain CDR (8-byte
alignment of 64-bit values, ``00 01`` encapsulation). Left to itself the Python binding
may pick XCDR2 for some types, which a ROS 2 node would not decode.
"""

from __future__ import annotations

from cyclonedds.core import Policy, Qos
from cyclonedds.util import duration

_XCDR1 = Policy.DataRepresentation(use_cdrv0_representation=True)


def reliable(depth: int) -> Qos:
    """Reliable, volatile, keep-last ``depth``: ROS 2's default profile for topics.

    Parameters
    ----------
    depth
        History depth (samples kept per writer/reader), >= 1.
    """
    if depth < 1:
        raise ValueError(f"depth must be >= 1, got {depth}")
    return Qos(
        Policy.Reliability.Reliable(max_blocking_time=duration(milliseconds=100)),
        Policy.Durability.Volatile,
        Policy.History.KeepLast(depth),
        _XCDR1,
    )


def latched(depth: int = 1) -> Qos:
    """Reliable, transient-local, keep-last: late joiners get the last ``depth`` samples.

    Used for the robot status and transitions, so a console that starts after the node
    sees the current state at once.
    """
    return Qos(
        Policy.Reliability.Reliable(max_blocking_time=duration(milliseconds=100)),
        Policy.Durability.TransientLocal,
        Policy.History.KeepLast(depth),
        _XCDR1,
    )


def service() -> Qos:
    """Reliable, keep-all: what rmw_cyclonedds uses for service request and reply topics."""
    return Qos(
        Policy.Reliability.Reliable(max_blocking_time=duration(seconds=1)),
        Policy.Durability.Volatile,
        Policy.History.KeepAll,
        _XCDR1,
    )
