"""The app's client of the robot node (``rehab_robot``) over ROS 2 / Cyclone DDS.

Public surface: :class:`RobotClient` (commands, heartbeats, telemetry, link state),
:class:`RobotPrescription` (a validated exercise for the robot), :class:`LinkState`, the
received values in :mod:`rehab.robot.messages`, and :func:`connect` which builds a client
over Cyclone DDS. Only :mod:`rehab.robot.dds_transport` imports ``cyclonedds``.
"""

from __future__ import annotations

from rehab.robot.client import ClientSettings, RobotClient, RobotConflictError, RobotTransport
from rehab.robot.link import LinkSettings, LinkState, RobotLink
from rehab.robot.messages import RemoteDiagnostic, RemoteStatus, RemoteTransition, Telemetry
from rehab.robot.prescription import RobotPrescription

__all__ = [
    "ClientSettings",
    "LinkSettings",
    "LinkState",
    "RemoteDiagnostic",
    "RemoteStatus",
    "RemoteTransition",
    "RobotClient",
    "RobotConflictError",
    "RobotLink",
    "RobotPrescription",
    "RobotTransport",
    "Telemetry",
    "connect",
]


def connect(
    domain_id: int | None = None, settings: ClientSettings | None = None, *,
    heartbeat_process: bool = True,
) -> RobotClient:
    """Return a started :class:`RobotClient` over Cyclone DDS (loopback by default).

    Heartbeats come from a child process (:mod:`rehab.robot.heartbeat`) unless
    ``heartbeat_process`` is False, so the app's own load cannot starve them.

    Raises
    ------
    rehab.errors.RobotError
        If DDS cannot start.
    """
    from rehab.robot.dds_transport import DdsRobotTransport
    from rehab.robot.heartbeat import HeartbeatProcess

    settings = settings or ClientSettings()
    transport = DdsRobotTransport(domain_id, client_id=settings.client_id)
    sender = HeartbeatProcess(transport.domain_id, settings.client_id,
                              settings.heartbeat_period_s) if heartbeat_process else None
    return RobotClient(transport, settings, heartbeat_sender=sender).start()
