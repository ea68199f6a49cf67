"""Build script for the ``rehab_robot`` ament_python package.

Plain setuptools only (no ament import at build time), so the same file builds with colcon
in a ROS 2 workspace and installs with ``pip install -e ros_ws/src/rehab_robot`` into the
app's virtual environment. The configuration files are installed into
``share/rehab_robot/config`` (where ROS 2 launch files look); the code finds them there or,
for an editable install, in the source tree (``rehab_robot.core.config.find_config_file``).
"""

from glob import glob

from setuptools import find_packages, setup

PACKAGE = "rehab_robot"

setup(
    name=PACKAGE,
    version="0.1.0",
    packages=find_packages(exclude=["test"]),
    data_files=[
        ("share/ament_index/resource_index/packages", [f"resource/{PACKAGE}"]),
        (f"share/{PACKAGE}", ["package.xml"]),
        (f"share/{PACKAGE}/config", glob("config/*")),
        (f"share/{PACKAGE}/launch", glob("launch/*.py")),
    ],
    # The core needs PyYAML (configuration); the drivers canopen/python-can (CiA 402); the
    # Cyclone DDS node needs cyclonedds. rclpy comes from the ROS 2 installation.
    install_requires=["setuptools", "PyYAML", "canopen", "python-can", "cyclonedds"],
    zip_safe=True,
    maintainer="Rehab robot team",
    maintainer_email="rehab@example.org",
    description="Rehabilitation robot node: safety supervisor, control modes, simulated plant.",
    license="Proprietary",
    entry_points={
        "console_scripts": [
            "rehab_robot_node = rehab_robot.node_dds:main",
            "rehab_robot_lifecycle_node = rehab_robot.node_rclpy:main",
        ],
    },
)
