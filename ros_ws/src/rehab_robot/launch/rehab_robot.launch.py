"""Launch the rehab robot as a managed (lifecycle) node and bring it to ``active``.

    ros2 launch rehab_robot rehab_robot.launch.py [config_file:=/path/robot.yaml]

The node starts unconfigured; this file asks for ``configure`` at start and ``activate``
once it is inactive (the actuators are enabled only in ``active``). Cyclone DDS is pinned to
the loopback configuration of the package unless ``CYCLONEDDS_URI`` is already set.
"""

import os

import launch
from ament_index_python.packages import get_package_share_directory
from launch.actions import (
    DeclareLaunchArgument,
    EmitEvent,
    RegisterEventHandler,
    SetEnvironmentVariable,
)
from launch.events import matches_action
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import LifecycleNode
from launch_ros.event_handlers import OnStateTransition
from launch_ros.events.lifecycle import ChangeState
from lifecycle_msgs.msg import Transition


def generate_launch_description() -> launch.LaunchDescription:
    share = get_package_share_directory("rehab_robot")
    loopback = "file://" + os.path.join(share, "config", "cyclonedds_loopback.xml")
    node = LifecycleNode(
        package="rehab_robot",
        executable="rehab_robot_lifecycle_node",
        name="rehab_robot",
        namespace="",
        output="screen",
        parameters=[{"config_file": LaunchConfiguration("config_file")}],
    )
    configure = EmitEvent(
        event=ChangeState(
            lifecycle_node_matcher=matches_action(node),
            transition_id=Transition.TRANSITION_CONFIGURE,
        )
    )
    activate_when_inactive = RegisterEventHandler(
        OnStateTransition(
            target_lifecycle_node=node,
            goal_state="inactive",
            entities=[
                EmitEvent(
                    event=ChangeState(
                        lifecycle_node_matcher=matches_action(node),
                        transition_id=Transition.TRANSITION_ACTIVATE,
                    )
                )
            ],
        )
    )
    return launch.LaunchDescription(
        [
            DeclareLaunchArgument(
                "config_file",
                default_value=os.path.join(share, "config", "robot.yaml"),
                description="robot.yaml with joints, limits, gains and rates",
            ),
            SetEnvironmentVariable("RMW_IMPLEMENTATION", "rmw_cyclonedds_cpp"),
            SetEnvironmentVariable(
                "CYCLONEDDS_URI", os.environ.get("CYCLONEDDS_URI", loopback)
            ),
            activate_when_inactive,
            node,
            configure,
        ]
    )
