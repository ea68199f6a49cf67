"""ROS 2 message types as Cyclone DDS IDL structs, laid out as rmw_cyclonedds lays them out.

Each class here is the DDS type that a ROS 2 node using ``rmw_cyclonedds_cpp`` registers for
the same ROS message: the type name is ``<pkg>::msg::dds_::<Msg>_`` (services:
``<pkg>::srv::dds_::<Srv>_Request_`` / ``_Response_``), the fields are those of the ``.msg``
in declaration order, and the sample is plain (XCDR1, "classic") little-endian CDR with the
``00 01 00 00`` encapsulation header. Writers must therefore be created with the XCDR1 data
representation (see :mod:`rehab_robot.transport.qos`); the byte-for-byte equality with the
ROS 2 CDR encoder of the ``rosbags`` package is tested in ``test/test_transport_wire.py``.

Service samples carry, before the request or reply fields, the 16-byte request header of
rmw_cyclonedds (``cdds_request_header_t``: ``uint64 guid`` of the client's request writer,
``int64 seq``), which the server copies into its reply so the client can match it.

The rehab_interfaces types mirror ``ros_ws/src/rehab_interfaces/msg/*.msg``; constants of a
``.msg`` are not part of the wire format and live in :mod:`rehab_robot.transport.convert`.
"""

# No ``from __future__ import annotations``: cyclonedds resolves the field annotations at
# run time and cannot resolve them from strings.
from dataclasses import dataclass, field

from cyclonedds.idl import IdlStruct
from cyclonedds.idl.types import (
    array,
    bounded_str,
    float32,
    float64,
    int32,
    int64,
    sequence,
    uint8,
    uint32,
    uint64,
)

# ---------------------------------------------------------------- builtin_interfaces / std_msgs


@dataclass
class Time(IdlStruct, typename="builtin_interfaces::msg::dds_::Time_"):
    """builtin_interfaces/msg/Time."""

    sec: int32 = 0
    nanosec: uint32 = 0


@dataclass
class Header(IdlStruct, typename="std_msgs::msg::dds_::Header_"):
    """std_msgs/msg/Header."""

    stamp: Time = field(default_factory=Time)
    frame_id: str = ""


# ---------------------------------------------------------------- sensor_msgs / diagnostic_msgs


@dataclass
class JointState(IdlStruct, typename="sensor_msgs::msg::dds_::JointState_"):
    """sensor_msgs/msg/JointState."""

    header: Header = field(default_factory=Header)
    name: sequence[str] = field(default_factory=list)
    position: sequence[float64] = field(default_factory=list)
    velocity: sequence[float64] = field(default_factory=list)
    effort: sequence[float64] = field(default_factory=list)


@dataclass
class KeyValue(IdlStruct, typename="diagnostic_msgs::msg::dds_::KeyValue_"):
    """diagnostic_msgs/msg/KeyValue."""

    key: str = ""
    value: str = ""


@dataclass
class DiagnosticStatus(IdlStruct, typename="diagnostic_msgs::msg::dds_::DiagnosticStatus_"):
    """diagnostic_msgs/msg/DiagnosticStatus (``level`` is a ROS ``byte``: one octet)."""

    level: uint8 = 0
    name: str = ""
    message: str = ""
    hardware_id: str = ""
    values: sequence[KeyValue] = field(default_factory=list)


@dataclass
class DiagnosticArray(IdlStruct, typename="diagnostic_msgs::msg::dds_::DiagnosticArray_"):
    """diagnostic_msgs/msg/DiagnosticArray."""

    header: Header = field(default_factory=Header)
    status: sequence[DiagnosticStatus] = field(default_factory=list)


# ---------------------------------------------------------------- std_srvs (with request header)
# rosidl gives an empty request the member ``uint8 structure_needs_at_least_one_member``.


@dataclass
class TriggerRequest(IdlStruct, typename="std_srvs::srv::dds_::Trigger_Request_"):
    """std_srvs/srv/Trigger request, preceded by the rmw_cyclonedds request header."""

    client_guid: uint64 = 0
    sequence_number: int64 = 0
    structure_needs_at_least_one_member: uint8 = 0


@dataclass
class TriggerResponse(IdlStruct, typename="std_srvs::srv::dds_::Trigger_Response_"):
    """std_srvs/srv/Trigger response, preceded by the request header it answers."""

    client_guid: uint64 = 0
    sequence_number: int64 = 0
    success: bool = False
    message: str = ""


@dataclass
class SetBoolRequest(IdlStruct, typename="std_srvs::srv::dds_::SetBool_Request_"):
    """std_srvs/srv/SetBool request, preceded by the rmw_cyclonedds request header."""

    client_guid: uint64 = 0
    sequence_number: int64 = 0
    data: bool = False


@dataclass
class SetBoolResponse(IdlStruct, typename="std_srvs::srv::dds_::SetBool_Response_"):
    """std_srvs/srv/SetBool response, preceded by the request header it answers."""

    client_guid: uint64 = 0
    sequence_number: int64 = 0
    success: bool = False
    message: str = ""


# ---------------------------------------------------------------- rehab_interfaces


@dataclass
class ExerciseCommand(IdlStruct, typename="rehab_interfaces::msg::dds_::ExerciseCommand_"):
    """rehab_interfaces/msg/ExerciseCommand."""

    header: Header = field(default_factory=Header)
    exercise_id: str = ""
    command_seq: uint32 = 0
    mode: uint8 = 0
    joint_names: sequence[str] = field(default_factory=list)
    start_deg: sequence[float64] = field(default_factory=list)
    end_deg: sequence[float64] = field(default_factory=list)
    reps: uint32 = 0
    tempo_s: float64 = 0.0
    hold_s: float64 = 0.0
    assistance: float64 = 0.0
    resistance: float64 = 0.0
    rom_min_deg: sequence[float64] = field(default_factory=list)
    rom_max_deg: sequence[float64] = field(default_factory=list)


@dataclass
class FormFeedback(IdlStruct, typename="rehab_interfaces::msg::dds_::FormFeedback_"):
    """rehab_interfaces/msg/FormFeedback."""

    header: Header = field(default_factory=Header)
    score: float64 = 0.0
    compensation: str = ""
    severity: float64 = 0.0


@dataclass
class Heartbeat(IdlStruct, typename="rehab_interfaces::msg::dds_::Heartbeat_"):
    """rehab_interfaces/msg/Heartbeat."""

    header: Header = field(default_factory=Header)
    client_id: str = ""
    seq: uint32 = 0


@dataclass
class StateTransition(IdlStruct, typename="rehab_interfaces::msg::dds_::StateTransition_"):
    """rehab_interfaces/msg/StateTransition."""

    header: Header = field(default_factory=Header)
    from_state: uint8 = 0
    to_state: uint8 = 0
    reason: str = ""
    reason_code: str = ""


@dataclass
class PoseLandmarks(IdlStruct, typename="rehab_interfaces::msg::dds_::PoseLandmarks_"):
    """rehab_interfaces/msg/PoseLandmarks (written to exported recordings)."""

    header: Header = field(default_factory=Header)
    x_m: sequence[float32] = field(default_factory=list)
    y_m: sequence[float32] = field(default_factory=list)
    z_m: sequence[float32] = field(default_factory=list)
    visibility: sequence[float32] = field(default_factory=list)


@dataclass
class RepEvent(IdlStruct, typename="rehab_interfaces::msg::dds_::RepEvent_"):
    """rehab_interfaces/msg/RepEvent (written to exported recordings)."""

    header: Header = field(default_factory=Header)
    exercise_id: str = ""
    set_index: uint32 = 0
    rep_index: uint32 = 0
    t_start_s: float64 = 0.0
    t_peak_s: float64 = 0.0
    t_end_s: float64 = 0.0
    rom_deg: float64 = 0.0
    peak_velocity_deg_s: float64 = 0.0
    form_score: float64 = 0.0
    assistance: float64 = -1.0
    uncertain: bool = False
    model_probability: float64 = -1.0  # the learned model's opinion, -1 for none
    model_reference: bool = False


@dataclass
class RobotStatus(IdlStruct, typename="rehab_interfaces::msg::dds_::RobotStatus_"):
    """rehab_interfaces/msg/RobotStatus."""

    header: Header = field(default_factory=Header)
    state: uint8 = 0
    mode: uint8 = 0
    reason: str = ""
    reason_code: str = ""
    fault: str = ""
    assistance: float64 = 0.0
    interaction_torque_nm: sequence[float64] = field(default_factory=list)
    rep: uint32 = 0
    reps_total: uint32 = 0
    heartbeat_age_s: float64 = 0.0
    last_command_id: str = ""
    last_command_seq: uint32 = 0
    last_command_accepted: bool = False
    last_command_code: str = ""
    last_command_reason: str = ""
    control_rate_hz: float64 = 0.0


# ---------------------------------------------------------------- rmw_dds_common (the ROS graph)
# What every rmw_cyclonedds participant publishes on the DDS topic ``ros_discovery_info``
# so that ROS 2 tools (``ros2 node list``) see its nodes. Layout of ROS 2 Jazzy, where a Gid
# is 16 bytes (``char[16] data``); Humble and older used 24 bytes and do not interoperate
# on this topic.

GID_SIZE = 16


@dataclass
class Gid(IdlStruct, typename="rmw_dds_common::msg::dds_::Gid_"):
    """rmw_dds_common/msg/Gid (Jazzy): a DDS GUID, 16 bytes."""

    data: array[uint8, GID_SIZE] = field(default_factory=lambda: [0] * GID_SIZE)


@dataclass
class NodeEntitiesInfo(IdlStruct, typename="rmw_dds_common::msg::dds_::NodeEntitiesInfo_"):
    """rmw_dds_common/msg/NodeEntitiesInfo: one ROS node and its endpoints' GIDs."""

    node_namespace: bounded_str[256] = "/"
    node_name: bounded_str[256] = ""
    reader_gid_seq: sequence[Gid] = field(default_factory=list)
    writer_gid_seq: sequence[Gid] = field(default_factory=list)


@dataclass
class ParticipantEntitiesInfo(
    IdlStruct, typename="rmw_dds_common::msg::dds_::ParticipantEntitiesInfo_"
):
    """rmw_dds_common/msg/ParticipantEntitiesInfo: a participant and the nodes it hosts."""

    gid: Gid = field(default_factory=Gid)
    node_entities_info_seq: sequence[NodeEntitiesInfo] = field(default_factory=list)
