"""QoS of the robot's interface: one table of profiles, read by both node adapters.

:data:`NODE_PROFILES` says, once, how each of the node's topics is delivered (reliability,
durability, history depth). The Cyclone DDS adapter turns a :class:`Profile` into a
``cyclonedds`` :class:`~cyclonedds.core.Qos` here (:func:`dds_qos`); the rclpy adapter turns
the same profile into an ``rclpy.qos.QoSProfile``.

Every DDS writer is pinned to the XCDR1 data representation: that is ROS 2's plain CDR
(8-byte alignment of 64-bit values, ``00 01`` encapsulation). Left to itself the Python
binding may pick XCDR2 for some types, which a ROS 2 node would not decode.
"""

from __future__ import annotations

from dataclasses import dataclass

from cyclonedds.core import Policy, Qos
from cyclonedds.util import duration

from rehab_robot.transport.names import INTERFACE

_XCDR1 = Policy.DataRepresentation(use_cdrv0_representation=True)


@dataclass(frozen=True)
class Profile:
    """A reliable QoS profile, independent of the middleware binding.

    Parameters
    ----------
    depth
        Keep-last history depth (samples per writer/reader), >= 1; ``None``: keep all.
    transient_local
        Late joiners get the last ``depth`` samples (ROS 2's "latched" topics).
    max_blocking_s
        How long a reliable write may block on a full history (s), > 0.
    """

    depth: int | None
    transient_local: bool = False
    max_blocking_s: float = 0.1

    def __post_init__(self) -> None:
        if self.depth is not None and self.depth < 1:
            raise ValueError(f"depth must be >= 1, got {self.depth}")
        if not self.max_blocking_s > 0:
            raise ValueError(f"max_blocking_s must be > 0, got {self.max_blocking_s}")


SERVICE = Profile(depth=None, max_blocking_s=1.0)
"""Reliable, keep-all: what rmw_cyclonedds uses for service request and reply topics."""

NODE_PROFILES: dict[str, Profile] = {
    INTERFACE.joint_states: Profile(50),
    # Latched, so a console that starts after the node sees the current state at once.
    INTERFACE.status: Profile(1, transient_local=True),
    INTERFACE.transitions: Profile(20, transient_local=True),
    INTERFACE.diagnostics: Profile(10),
    INTERFACE.exercise_command: Profile(10),
    INTERFACE.heartbeat: Profile(5),
    INTERFACE.form_feedback: Profile(10),
}
"""The robot node's side of each topic of :data:`~rehab_robot.transport.names.INTERFACE`."""


def dds_qos(profile: Profile) -> Qos:
    """Return the Cyclone DDS QoS of ``profile`` (XCDR1, as rmw_cyclonedds writes)."""
    history = (Policy.History.KeepAll if profile.depth is None
               else Policy.History.KeepLast(profile.depth))
    durability = (Policy.Durability.TransientLocal if profile.transient_local
                  else Policy.Durability.Volatile)
    blocking = duration(microseconds=round(profile.max_blocking_s * 1e6))
    return Qos(Policy.Reliability.Reliable(max_blocking_time=blocking), durability, history,
               _XCDR1)


def reliable(depth: int) -> Qos:
    """Reliable, volatile, keep-last ``depth`` (>= 1): ROS 2's default profile for topics."""
    return dds_qos(Profile(depth))


def latched(depth: int = 1) -> Qos:
    """Reliable, transient-local, keep-last ``depth``: late joiners get the last samples."""
    return dds_qos(Profile(depth, transient_local=True))


def service() -> Qos:
    """The QoS of service request and reply topics (:data:`SERVICE`)."""
    return dds_qos(SERVICE)
