"""The robot transport over Cyclone DDS in ROS 2's wire format (the app's only DDS module).

Reuses the ROS 2 types, names and QoS of :mod:`rehab_robot.transport`, so the app speaks
exactly what the node (or any ROS 2 node under rmw_cyclonedds) speaks. Incoming messages
are translated to :mod:`rehab.robot.messages` values on an executor thread and handed to
the client; DDS errors become :class:`rehab.errors.RobotError`.
"""

from __future__ import annotations

import logging
import os
import time

from cyclonedds.core import DDSException
from cyclonedds.pub import DataWriter

from rehab.errors import RobotError
from rehab.robot.client import TransportSink
from rehab.robot.messages import RemoteDiagnostic, RemoteStatus, RemoteTransition, Telemetry
from rehab_robot.core.api import ExerciseCommand, FormFeedback
from rehab_robot.transport import convert
from rehab_robot.transport import qos as qos_profiles
from rehab_robot.transport import ros_types as m
from rehab_robot.transport.names import INTERFACE, NODE_NAME
from rehab_robot.transport.participant import (
    Executor,
    RosParticipant,
    SampleSource,
    ServiceClient,
    ServiceUnavailableError,
    ensure_cyclonedds_uri,
)

logger = logging.getLogger(__name__)


def _seconds(stamp: m.Time) -> float:
    return convert.stamp_to_ns(stamp) / 1e9


def telemetry_from_msg(msg: m.JointState, received_s: float) -> Telemetry:
    """Return the app's telemetry value of a sensor_msgs/JointState."""
    return Telemetry(
        stamp_s=_seconds(msg.header.stamp),
        received_s=received_s,
        names=tuple(msg.name),
        position_rad=tuple(msg.position),
        velocity_rad_s=tuple(msg.velocity),
        effort_nm=tuple(msg.effort),
    )


def status_from_msg(msg: m.RobotStatus) -> RemoteStatus:
    """Return the app's status value of a rehab_interfaces/RobotStatus."""
    return RemoteStatus(
        stamp_s=_seconds(msg.header.stamp),
        state=convert.STATES_BY_CODE[msg.state],
        mode=convert.MODES_BY_CODE[msg.mode],
        reason=msg.reason,
        reason_code=msg.reason_code,
        fault=msg.fault,
        assistance=msg.assistance,
        interaction_torque_nm=tuple(msg.interaction_torque_nm),
        rep=msg.rep,
        reps_total=msg.reps_total,
        heartbeat_age_s=msg.heartbeat_age_s if msg.heartbeat_age_s >= 0 else None,
        last_command_id=msg.last_command_id,
        last_command_seq=msg.last_command_seq,
        last_command_accepted=msg.last_command_accepted,
        last_command_code=msg.last_command_code,
        last_command_reason=msg.last_command_reason,
        control_rate_hz=msg.control_rate_hz,
    )


def transition_from_msg(msg: m.StateTransition) -> RemoteTransition:
    """Return the app's value of a rehab_interfaces/StateTransition."""
    return RemoteTransition(
        stamp_s=_seconds(msg.header.stamp),
        from_state=convert.STATES_BY_CODE[msg.from_state],
        to_state=convert.STATES_BY_CODE[msg.to_state],
        reason=msg.reason,
        reason_code=msg.reason_code,
    )


def diagnostics_from_msg(msg: m.DiagnosticArray) -> tuple[RemoteDiagnostic, ...]:
    """Return the app's values of a diagnostic_msgs/DiagnosticArray."""
    return tuple(
        RemoteDiagnostic(
            name=s.name,
            level=s.level,
            message=s.message,
            values=tuple((kv.key, kv.value) for kv in s.values),
        )
        for s in msg.status
    )


class DdsRobotTransport:
    """:class:`rehab.robot.client.RobotTransport` over Cyclone DDS.

    Parameters
    ----------
    domain_id
        DDS domain; default ``$ROS_DOMAIN_ID`` or 0.
    client_id
        Put in heartbeats.

    Raises
    ------
    RobotError
        If Cyclone DDS cannot start (bad ``CYCLONEDDS_URI``, no loopback interface).
    """

    def __init__(self, domain_id: int | None = None, client_id: str = "rehab-app") -> None:
        ensure_cyclonedds_uri()
        if domain_id is None:
            domain_id = int(os.environ.get("ROS_DOMAIN_ID", "0"))
        self.domain_id = domain_id
        self._client_id = client_id
        try:
            self._rp = RosParticipant(domain_id, NODE_NAME)
        except DDSException as exc:
            raise RobotError(f"cannot start Cyclone DDS on domain {domain_id}: {exc}") from exc
        rp = self._rp
        self._pub_heartbeat = rp.publisher(
            INTERFACE.heartbeat, m.Heartbeat, qos_profiles.reliable(5)
        )
        self._pub_exercise = rp.publisher(
            INTERFACE.exercise_command, m.ExerciseCommand, qos_profiles.reliable(10)
        )
        self._pub_feedback = rp.publisher(
            INTERFACE.form_feedback, m.FormFeedback, qos_profiles.reliable(10)
        )
        self._clients = {
            "estop": ServiceClient(rp, INTERFACE.estop, m.TriggerRequest, m.TriggerResponse),
            "reset": ServiceClient(rp, INTERFACE.reset, m.TriggerRequest, m.TriggerResponse),
            "pause": ServiceClient(rp, INTERFACE.pause, m.TriggerRequest, m.TriggerResponse),
            "resume": ServiceClient(rp, INTERFACE.resume, m.TriggerRequest, m.TriggerResponse),
            "finish": ServiceClient(rp, INTERFACE.finish, m.TriggerRequest, m.TriggerResponse),
            "enable": ServiceClient(rp, INTERFACE.enable, m.SetBoolRequest, m.SetBoolResponse),
        }
        self._executor = Executor(rp, name="rehab-robot-client")

    def start(self, sink: TransportSink) -> None:
        """Subscribe to the node's topics and deliver them to ``sink``, each with its
        source (the writing participant's GUID), so the client can tell two nodes apart."""
        rp = self._rp
        # Volatile readers match the node's transient-local writers; asking for
        # transient-local too gets the last status at once on joining.
        subscriptions = (
            (INTERFACE.joint_states, m.JointState, qos_profiles.reliable(200),
             lambda msg, src: sink.on_telemetry(telemetry_from_msg(msg, time.time()), src)),
            (INTERFACE.status, m.RobotStatus, qos_profiles.latched(1),
             lambda msg, src: sink.on_status(status_from_msg(msg), src)),
            (INTERFACE.transitions, m.StateTransition, qos_profiles.latched(20),
             lambda msg, src: sink.on_transition(transition_from_msg(msg), src)),
            (INTERFACE.diagnostics, m.DiagnosticArray, qos_profiles.reliable(10),
             lambda msg, src: sink.on_diagnostics(diagnostics_from_msg(msg), src)),
        )
        for topic, msg_type, qos, deliver in subscriptions:
            reader = rp.reader(topic, msg_type, qos)
            source = SampleSource(reader)
            self._executor.add(reader, lambda msg, d=deliver, s=source: d(msg, s(msg)))
        for name, client in self._clients.items():
            client.on_reply_source = (
                lambda src, what=f"{name} reply": sink.note_source(src, what))
        self._executor.start()

    def send_heartbeat(self, seq: int) -> None:
        """Publish one heartbeat."""
        self._write(
            self._pub_heartbeat,
            m.Heartbeat(header=convert.header_now(), client_id=self._client_id, seq=seq),
        )

    def send_exercise(self, command: ExerciseCommand) -> None:
        """Publish an exercise command."""
        self._write(self._pub_exercise, convert.exercise_command_msg(command, time.time_ns()))

    def send_form_feedback(self, feedback: FormFeedback) -> None:
        """Publish form feedback (stamped now; ``feedback.t_s`` is informative)."""
        self._write(
            self._pub_feedback,
            m.FormFeedback(
                header=convert.header_now(),
                score=feedback.score,
                compensation=feedback.compensation,
                severity=feedback.severity,
            ),
        )

    def _write(self, writer: DataWriter, msg: object) -> None:
        try:
            writer.write(msg)
        except DDSException as exc:
            raise RobotError(f"cannot publish on {writer.topic.name}: {exc}") from exc

    def call(self, service: str, value: bool | None, timeout_s: float) -> tuple[bool, str]:
        """Call a robot service; ``(success, message)``.

        Raises
        ------
        RobotError
            If the service is unknown or no node answers in time.
        """
        client = self._clients.get(service)
        if client is None:
            raise RobotError(f"unknown robot service {service!r}")
        request = m.SetBoolRequest(data=bool(value)) if service == "enable" else m.TriggerRequest()
        try:
            reply = client.call(request, timeout_s)
        except DDSException as exc:
            raise RobotError(f"robot service {service} failed: {exc}") from exc
        except ServiceUnavailableError as exc:
            raise RobotError(
                f"robot node not answering on DDS domain {self.domain_id}: {exc}"
            ) from exc
        return reply.success, reply.message

    def close(self) -> None:
        """Stop the executor and leave the graph."""
        self._executor.stop()
        self._rp.close()
