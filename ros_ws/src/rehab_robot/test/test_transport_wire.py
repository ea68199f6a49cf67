"""The bytes the transport puts on the wire are ROS 2's, checked against rosbags' encoder.

For every message type the node sends or receives, a sample with awkward values (odd-length
strings and sequences, so that every alignment rule of CDR is exercised) is encoded by
Cyclone DDS exactly as our writers encode it (XCDR1, the representation pinned in
``transport.qos``), and compared byte for byte with ``rosbags``' ROS 2 CDR serializer fed the
same values through its own type definitions: the Humble store for the standard messages,
and the ``.msg`` files of ``rehab_interfaces`` for ours. Services carry the rmw_cyclonedds
request header (uint64 writer handle + int64 sequence number) before the ROS fields.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np
import pytest
from cyclonedds.core import Policy
from cyclonedds.domain import DomainParticipant
from cyclonedds.pub import DataWriter
from cyclonedds.topic import Topic
from rosbags.interfaces import Nodetype
from rosbags.typesys import Stores, get_types_from_msg, get_typestore

from rehab_robot.transport import names, qos
from rehab_robot.transport import ros_types as m

INTERFACES = Path(__file__).resolve().parents[2] / "rehab_interfaces" / "msg"
HEADER_FIELDS = ("client_guid", "sequence_number")

# The std_srvs definitions (rosbags' stores carry messages only). rosidl gives an empty
# request the member ``uint8 structure_needs_at_least_one_member``.
STD_SRVS = {
    "std_srvs/srv/Trigger_Request": "uint8 structure_needs_at_least_one_member",
    "std_srvs/srv/Trigger_Response": "bool success\nstring message",
    "std_srvs/srv/SetBool_Request": "bool data",
    "std_srvs/srv/SetBool_Response": "bool success\nstring message",
}


@pytest.fixture(scope="module")
def typestore():
    store = get_typestore(Stores.ROS2_HUMBLE)
    for path in sorted(INTERFACES.glob("*.msg")):
        store.register(get_types_from_msg(path.read_text(), f"rehab_interfaces/msg/{path.stem}"))
    for name, text in STD_SRVS.items():
        # rosbags names parsed types pkg/msg/T; register them under their srv name.
        parsed_name = name.replace("/srv/", "/msg/")
        store.register({name: get_types_from_msg(text, parsed_name)[parsed_name]})
    return store


def ros_type_name(sample) -> str:
    """``pkg::msg::dds_::T_`` -> ``pkg/msg/T`` (the rmw_cyclonedds mangling, reversed)."""
    pkg, kind, dds, name = type(sample).__idl_typename__.replace(".", "::").split("::")
    assert dds == "dds_"
    assert name.endswith("_")
    return f"{pkg}/{kind}/{name[:-1]}"


def to_rosbags(store, typename: str, sample):
    """Build the rosbags message of ``typename`` from the IDL sample, field by field."""
    _, fields = store.fielddefs[typename]
    values = {}
    for fname, (nodetype, detail) in fields:
        value = getattr(sample, fname)
        if nodetype == Nodetype.NAME:
            values[fname] = to_rosbags(store, detail, value)
        elif nodetype == Nodetype.SEQUENCE:
            (elem_type, elem_detail), _bound = detail
            if elem_type == Nodetype.NAME:
                values[fname] = [to_rosbags(store, elem_detail, v) for v in value]
            elif elem_detail[0] == "string":
                values[fname] = list(value)
            else:
                values[fname] = np.array(value, dtype=np.dtype(elem_detail[0]))
        else:
            values[fname] = value
    return store.types[typename](**values)


def header(frame_id: str = "base_link") -> m.Header:
    return m.Header(stamp=m.Time(sec=1_732_400_123, nanosec=987_654_321), frame_id=frame_id)


SAMPLES = [
    m.JointState(
        header=header(""),
        name=["shoulder_flexion", "elbow_flexion"],
        position=[0.25, -1.5],
        velocity=[0.0, 3.25],
        effort=[1.5, -0.125],
    ),
    m.JointState(header=header("a"), name=["x"], position=[math.pi], velocity=[], effort=[]),
    m.DiagnosticArray(
        header=header("abc"),
        status=[
            m.DiagnosticStatus(
                level=2,
                name="rehab_robot: control loop",
                message="late",
                hardware_id="sim",
                values=[m.KeyValue("p99_ms", "0.8"), m.KeyValue("k", "")],
            ),
            m.DiagnosticStatus(level=0, name="w", message="", hardware_id="", values=[]),
        ],
    ),
    m.RobotStatus(
        header=header(),
        state=4,
        mode=1,
        reason="heartbeat lost (0.52 s > 0.5 s)",
        reason_code="watchdog",
        fault="",
        assistance=0.625,
        interaction_torque_nm=[0.5, -2.0],
        rep=3,
        reps_total=10,
        heartbeat_age_s=0.52,
        last_command_id="elbow_flexion",
        last_command_seq=4_000_000_001,
        last_command_accepted=False,
        last_command_code="rom_outside_limits",
        last_command_reason="end_deg[0]=170 outside ROM",
        control_rate_hz=499.5,
    ),
    m.StateTransition(header=header("r"), from_state=2, to_state=6, reason="e-stop: service",
                      reason_code="estop"),
    m.ExerciseCommand(
        header=header("ab"),
        exercise_id="elbow_flexion",
        command_seq=3,
        mode=0,
        joint_names=["elbow_flexion"],
        start_deg=[10.0],
        end_deg=[90.0],
        reps=5,
        tempo_s=2.0,
        hold_s=0.5,
        assistance=1.0,
        resistance=0.0,
        rom_min_deg=[0.0],
        rom_max_deg=[120.0],
    ),
    m.Heartbeat(header=header("x"), client_id="console-1", seq=4_000_000_000),
    m.PoseLandmarks(header=header("c"), x_m=[0.5, -0.25], y_m=[1.0, 0.0], z_m=[0.0, 2.0],
                    visibility=[0.75, 1.0]),
    m.RepEvent(header=header(), exercise_id="shoulder_abduction_bilateral", set_index=1,
               rep_index=2, t_start_s=1.5, t_peak_s=2.0, t_end_s=2.75, rom_deg=110.5,
               peak_velocity_deg_s=90.0, form_score=85.0, assistance=-1.0, uncertain=True,
               model_probability=0.875, model_reference=True),
    m.FormFeedback(header=header(), score=87.5, compensation="trunk_lean", severity=0.25),
    m.TriggerRequest(client_guid=0x1234_5678_9ABC_DEF0, sequence_number=7),
    m.TriggerResponse(
        client_guid=0x1234_5678_9ABC_DEF0, sequence_number=7, success=True, message="stopped"
    ),
    m.SetBoolRequest(client_guid=2**64 - 1, sequence_number=2**62, data=True),
    m.SetBoolResponse(client_guid=1, sequence_number=1, success=False, message="refused: e"),
]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: type(s).__name__)
def test_cdr_bytes_equal_rosbags_serializer(typestore, sample):
    typename = ros_type_name(sample)
    ours = sample.serialize(use_version_2=False)
    ros_msg = to_rosbags(typestore, typename, sample)
    expected_body = bytes(typestore.serialize_cdr(ros_msg, typename))
    is_service = typename.split("/")[1] == "srv"
    if is_service:
        # The request header sits after the encapsulation and before the ROS fields, and
        # (16 bytes, 8-aligned) leaves the alignment of what follows unchanged.
        guid, seq = sample.client_guid, sample.sequence_number
        expected = expected_body[:4] + struct.pack("<Qq", guid, seq) + expected_body[4:]
    else:
        expected = expected_body
    assert ours[:4] == b"\x00\x01\x00\x00"  # CDR_LE, the plain encapsulation of ROS 2
    assert ours.hex() == expected.hex()


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: type(s).__name__)
def test_rosbags_bytes_decode_to_the_same_sample(typestore, sample):
    """The other direction: what a ROS 2 node sends decodes to the same values here."""
    typename = ros_type_name(sample)
    ros_bytes = bytes(typestore.serialize_cdr(to_rosbags(typestore, typename, sample), typename))
    if typename.split("/")[1] == "srv":
        header_bytes = struct.pack("<Qq", sample.client_guid, sample.sequence_number)
        ros_bytes = ros_bytes[:4] + header_bytes + ros_bytes[4:]
    assert type(sample).deserialize(ros_bytes) == sample


def test_every_interface_message_is_mirrored(typestore):
    """Each .msg of rehab_interfaces has an IDL type, and their fields agree in order."""
    mirrored = {ros_type_name(s): type(s) for s in SAMPLES}
    for path in sorted(INTERFACES.glob("*.msg")):
        typename = f"rehab_interfaces/msg/{path.stem}"
        assert typename in mirrored, f"{typename} has no IDL mirror in ros_types"
        ros_fields = [f for f, _ in typestore.fielddefs[typename][1]]
        assert list(mirrored[typename].__annotations__) == ros_fields


def test_writers_encode_plain_cdr():
    """The QoS pins XCDR1, so the writer encodes with ``use_version_2=False`` as above."""
    for profile in (qos.reliable(10), qos.latched(), qos.service()):
        assert profile[Policy.DataRepresentation] == Policy.DataRepresentation(
            use_cdrv0_representation=True
        )
    participant = DomainParticipant(0)
    topic = Topic(participant, names.dds_topic("/joint_states"), m.JointState)
    writer = DataWriter(participant, topic, qos=qos.reliable(10))
    # What DataWriter.write passes to serialize(); the binding exposes no public getter.
    assert writer._use_version_2 is False
    participant.__del__()


@pytest.mark.parametrize(
    ("ros_name", "dds_name"),
    [
        ("/joint_states", "rt/joint_states"),
        ("/diagnostics", "rt/diagnostics"),
        ("~/status", "rt/rehab_robot/status"),
        ("~/heartbeat", "rt/rehab_robot/heartbeat"),
    ],
)
def test_topic_names_follow_rmw_cyclonedds(ros_name, dds_name):
    assert names.dds_topic(ros_name) == dds_name


def test_service_names_and_types_follow_rmw_cyclonedds():
    assert names.dds_request_topic("~/estop") == "rq/rehab_robot/estopRequest"
    assert names.dds_reply_topic("~/enable") == "rr/rehab_robot/enableReply"
    assert m.TriggerRequest.__idl_typename__.replace(".", "::") == (
        "std_srvs::srv::dds_::Trigger_Request_"
    )
    assert m.JointState.__idl_typename__.replace(".", "::") == "sensor_msgs::msg::dds_::JointState_"


def test_discovery_info_bytes_equal_rosbags_jazzy_serializer():
    """ros_discovery_info in ROS 2 Jazzy's layout (16-byte GIDs), as rmw_cyclonedds sends it."""
    store = get_typestore(Stores.ROS2_JAZZY)
    gid_type = store.types["rmw_dds_common/msg/Gid"]
    node_type = store.types["rmw_dds_common/msg/NodeEntitiesInfo"]
    info_type = store.types["rmw_dds_common/msg/ParticipantEntitiesInfo"]
    gids = [bytes(range(i, i + 16)) for i in (0, 16, 32)]
    ours = m.ParticipantEntitiesInfo(
        gid=m.Gid(data=gids[0]),
        node_entities_info_seq=[
            m.NodeEntitiesInfo(node_namespace="/", node_name="rehab_robot",
                               reader_gid_seq=[m.Gid(data=gids[1])],
                               writer_gid_seq=[m.Gid(data=gids[2]), m.Gid(data=gids[1])]),
            m.NodeEntitiesInfo(node_namespace="/ab", node_name="c", reader_gid_seq=[],
                               writer_gid_seq=[]),
        ],
    )

    def gid(data: bytes):
        return gid_type(data=np.frombuffer(data, dtype=np.uint8))

    ros_msg = info_type(
        gid=gid(gids[0]),
        node_entities_info_seq=[
            node_type(node_namespace="/", node_name="rehab_robot", reader_gid_seq=[gid(gids[1])],
                      writer_gid_seq=[gid(gids[2]), gid(gids[1])]),
            node_type(node_namespace="/ab", node_name="c", reader_gid_seq=[], writer_gid_seq=[]),
        ],
    )
    expected = bytes(store.serialize_cdr(ros_msg, "rmw_dds_common/msg/ParticipantEntitiesInfo"))
    assert ours.serialize(use_version_2=False).hex() == expected.hex()
    assert m.ParticipantEntitiesInfo.deserialize(expected) == ours
    assert m.ParticipantEntitiesInfo.__idl_typename__.replace(".", "::") == (
        "rmw_dds_common::msg::dds_::ParticipantEntitiesInfo_"
    )
