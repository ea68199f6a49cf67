"""The core stays pure: importing all of it pulls in no ROS, DDS, CAN, Qt or MediaPipe.

Checked in a fresh interpreter, so modules imported by other tests do not hide a leak.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import rehab_robot.core

FORBIDDEN = ("rclpy", "cyclonedds", "can", "canopen", "PyQt6", "pyqtgraph", "mediapipe",
             "rehab_robot.transport", "rehab_robot.drivers", "rehab_robot.node_body",
             "rehab_robot.node_dds", "rehab_robot.node_rclpy", "rehab")


def test_core_imports_no_ros_dds_can_or_qt() -> None:
    modules = [f"rehab_robot.core.{m.name}" for m in pkgutil.iter_modules(
        rehab_robot.core.__path__)]
    assert "rehab_robot.core.controller" in modules
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    loaded = json.loads(out.stdout)
    leaks = [m for m in loaded for f in FORBIDDEN if m == f or m.startswith(f + ".")]
    assert leaks == []
