"""ROS 2 names of the robot's interface and their DDS spelling under rmw_cyclonedds.

rmw_cyclonedds maps a fully qualified ROS topic ``/a/b`` to the DDS topic ``rt/a/b``, a
service ``/a/s`` to ``rq/a/sRequest`` (requests) and ``rr/a/sReply`` (replies), and a ROS
type ``pkg/msg/T`` to the DDS type ``pkg::msg::dds_::T_`` (the type names are set on the
classes in :mod:`rehab_robot.transport.ros_types`).
"""

from __future__ import annotations

from dataclasses import dataclass

NODE_NAME = "rehab_robot"

TOPIC_PREFIX = "rt"
REQUEST_PREFIX = "rq"
REPLY_PREFIX = "rr"


def _absolute(ros_name: str, node_name: str = NODE_NAME) -> str:
    """Expand ``~/x`` to ``/<node>/x`` and check the result is absolute.

    Raises
    ------
    ValueError
        If the name is relative (the node has no namespace to resolve it against) or empty.
    """
    if ros_name.startswith("~/"):
        return f"/{node_name}/{ros_name[2:]}"
    if not ros_name.startswith("/") or len(ros_name) < 2:
        raise ValueError(f"ROS name must be absolute or start with '~/': {ros_name!r}")
    return ros_name


def dds_topic(ros_name: str, node_name: str = NODE_NAME) -> str:
    """Return the DDS topic name of a ROS 2 topic.

    Examples
    --------
    >>> dds_topic("/joint_states")
    'rt/joint_states'
    >>> dds_topic("~/status")
    'rt/rehab_robot/status'
    """
    return TOPIC_PREFIX + _absolute(ros_name, node_name)


def dds_request_topic(ros_service: str, node_name: str = NODE_NAME) -> str:
    """Return the DDS topic carrying a ROS 2 service's requests.

    Examples
    --------
    >>> dds_request_topic("~/estop")
    'rq/rehab_robot/estopRequest'
    """
    return REQUEST_PREFIX + _absolute(ros_service, node_name) + "Request"


def dds_reply_topic(ros_service: str, node_name: str = NODE_NAME) -> str:
    """Return the DDS topic carrying a ROS 2 service's replies.

    Examples
    --------
    >>> dds_reply_topic("~/estop")
    'rr/rehab_robot/estopReply'
    """
    return REPLY_PREFIX + _absolute(ros_service, node_name) + "Reply"


@dataclass(frozen=True)
class RobotInterface:
    """The ROS 2 names of the robot node's interface (one place, used by node and client).

    Topics owned by the node sit under its name (``~/``); ``/joint_states`` and
    ``/diagnostics`` are the ROS-wide conventional names.
    """

    joint_states: str = "/joint_states"
    diagnostics: str = "/diagnostics"
    status: str = "~/status"
    transitions: str = "~/transitions"
    exercise_command: str = "~/exercise_command"
    heartbeat: str = "~/heartbeat"
    form_feedback: str = "~/form_feedback"
    estop: str = "~/estop"
    reset: str = "~/reset"
    enable: str = "~/enable"
    pause: str = "~/pause"
    resume: str = "~/resume"
    finish: str = "~/finish"


INTERFACE = RobotInterface()
