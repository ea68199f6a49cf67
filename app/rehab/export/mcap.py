"""rosbag2 recordings (MCAP storage), one bag per session, written with rosbags.

Topics, at the recorded times:

- ``/joint_states`` (sensor_msgs/msg/JointState): the robot's joint encoders, velocity
  and torque, as the robot node published them.
- ``/rehab_robot/transitions`` (rehab_interfaces/msg/StateTransition): the robot's state
  changes as recorded (their free-text reason is left out; ``reason_code`` keeps the
  cause code).
- ``/pose/landmarks`` (rehab_interfaces/msg/PoseLandmarks): the camera's 33 world
  landmarks per frame.
- ``/reps`` (rehab_interfaces/msg/RepEvent): each counted rep, at its end.

The robot's periodic RobotStatus is not kept by the store, so it is not in the bag.
Times are relative (MCAP's clock is unsigned nanoseconds since 1970, which a date shifted
to 1925 cannot be): 1970-01-01 00:00 UTC is midnight of the subject's first session day,
so a session on day ``d`` at 10:00 starts at ``d`` days + 10 h. The message definitions
are this package's copies of ``rehab_interfaces/msg`` (kept identical by a test).
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from rosbags.rosbag2 import StoragePlugin, Writer
from rosbags.typesys import Stores, get_types_from_msg, get_typestore
from rosbags.typesys.store import Typestore

from rehab.export.deid import parse_date
from rehab.export.reader import ExportDataset, ExportedSession
from rehab.export.run import Progress

ROSBAG_VERSION = 9
MESSAGES = ("PoseLandmarks", "RepEvent", "StateTransition")
_STATES = {"idle": 0, "enabled": 1, "running": 2, "paused": 3, "safe_stop": 4, "fault": 5,
           "estop": 6}
_TRANSITION = re.compile(r"^robot (\w+) -> (\w+)")


def typestore() -> Typestore:
    """ROS 2 Humble's types plus rehab_interfaces' (from this package's copies)."""
    store = get_typestore(Stores.ROS2_HUMBLE)
    folder = resources.files("rehab.export") / "msg"
    for name in MESSAGES:
        text = (folder / f"{name}.msg").read_text(encoding="utf-8")
        store.register(get_types_from_msg(text, f"rehab_interfaces/msg/{name}"))
    return store


class _Bag:
    """One session's bag: its connections, message classes and session clock origin."""

    def __init__(self, writer: Writer, types: Typestore, t0_ns: int) -> None:
        self.writer, self.types, self.t0_ns = writer, types, t0_ns
        self.connections: dict[str, Any] = {}

    def stamp(self, t_s: float) -> tuple[Any, int]:
        ns = self.t0_ns + round(t_s * 1e9)
        time = self.types.types["builtin_interfaces/msg/Time"](sec=ns // 10**9,
                                                               nanosec=ns % 10**9)
        return self.types.types["std_msgs/msg/Header"](stamp=time, frame_id=""), ns

    def write(self, topic: str, msgtype: str, msg: Any, ns: int) -> None:
        conn = self.connections.get(topic)
        if conn is None:
            conn = self.writer.add_connection(topic, msgtype, typestore=self.types)
            self.connections[topic] = conn
        self.writer.write(conn, ns, self.types.serialize_cdr(msg, msgtype))


def _session_t0_ns(item: ExportedSession) -> int:
    subject, started = item.subject, item.session.started_at
    shifted = subject.datetime(started)
    day = subject.day(parse_date(started))
    seconds_of_day = shifted.hour * 3600 + shifted.minute * 60 + shifted.second
    return (day * 86400 + seconds_of_day) * 10**9


def _joint_states(bag: _Bag, dataset: ExportDataset, item: ExportedSession) -> int:
    joint_state = bag.types.types["sensor_msgs/msg/JointState"]
    n = 0
    for chunk in dataset.chunks(item, "robot"):
        joints = [c.split(".")[0] for c in chunk.columns[0::3]]
        # Per quantity, contiguous (the serializer views the arrays' bytes).
        position, velocity, effort = (np.ascontiguousarray(chunk.values[:, k::3], np.float64)
                                      for k in range(3))
        for i, t in enumerate(chunk.t_s):
            header, ns = bag.stamp(float(t))
            bag.write("/joint_states", "sensor_msgs/msg/JointState", joint_state(
                header=header, name=joints, position=position[i], velocity=velocity[i],
                effort=effort[i]), ns)
        n += len(chunk.t_s)
    return n


def _landmarks(bag: _Bag, dataset: ExportDataset, item: ExportedSession) -> int:
    msg = bag.types.types["rehab_interfaces/msg/PoseLandmarks"]
    n = 0
    for chunk in dataset.chunks(item, "pose"):
        frames = chunk.values.reshape(len(chunk.t_s), 33, 4)
        x, y, z, vis = (np.ascontiguousarray(frames[:, :, k]) for k in range(4))
        for i, t in enumerate(chunk.t_s):
            header, ns = bag.stamp(float(t))
            bag.write("/pose/landmarks", "rehab_interfaces/msg/PoseLandmarks", msg(
                header=header, x_m=x[i], y_m=y[i], z_m=z[i], visibility=vis[i]), ns)
        n += len(chunk.t_s)
    return n


def _reps(bag: _Bag, dataset: ExportDataset, item: ExportedSession) -> int:
    msg = bag.types.types["rehab_interfaces/msg/RepEvent"]
    sets = {s.id: s for s in dataset.sets(item)}
    reps = sorted(dataset.reps(item), key=lambda r: r.t_end_s)
    for r in reps:
        header, ns = bag.stamp(r.t_end_s)
        s = sets[r.set_id]
        bag.write("/reps", "rehab_interfaces/msg/RepEvent", msg(
            header=header, exercise_id=s.exercise_id, set_index=s.set_index,
            rep_index=r.rep_index, t_start_s=r.t_start_s, t_peak_s=r.t_peak_s,
            t_end_s=r.t_end_s, rom_deg=r.rom_deg, peak_velocity_deg_s=r.peak_velocity_deg_s,
            form_score=r.form_score, assistance=-1.0 if r.assistance is None
            else r.assistance, uncertain=r.uncertain,
            model_probability=-1.0 if r.model_probability is None else r.model_probability,
            model_reference=bool(r.model_reference)), ns)
    return len(reps)


def _transitions(bag: _Bag, dataset: ExportDataset, item: ExportedSession) -> int:
    msg = bag.types.types["rehab_interfaces/msg/StateTransition"]
    n = 0
    for event in dataset.events(item):
        match = _TRANSITION.match(event.message) if event.source == "robot" else None
        if match is None or event.t_s is None or not set(match.groups()) <= set(_STATES):
            continue
        header, ns = bag.stamp(event.t_s)
        bag.write("/rehab_robot/transitions", "rehab_interfaces/msg/StateTransition", msg(
            header=header, from_state=_STATES[match[1]], to_state=_STATES[match[2]],
            reason="", reason_code="" if event.cause is None else str(event.cause)), ns)
        n += 1
    return n


def write(dataset: ExportDataset, folder: Path, progress: Progress) -> dict[str, int]:
    """Write one rosbag2 MCAP bag per session: ``sub-<label>/ses-<NN>/``."""
    types = typestore()
    counts = {"bags": 0, "joint_states": 0, "landmarks": 0, "reps": 0, "transitions": 0}
    for item in dataset.sessions:
        path = folder / f"sub-{item.subject.label}" / f"ses-{item.label}"
        path.parent.mkdir(exist_ok=True)
        with Writer(path, version=ROSBAG_VERSION, storage_plugin=StoragePlugin.MCAP) as w:
            bag = _Bag(w, types, _session_t0_ns(item))
            streams = dataset.streams(item)
            if "robot" in streams:
                counts["joint_states"] += _joint_states(bag, dataset, item)
            counts["transitions"] += _transitions(bag, dataset, item)
            if "pose" in streams:
                counts["landmarks"] += _landmarks(bag, dataset, item)
            counts["reps"] += _reps(bag, dataset, item)
        counts["bags"] += 1
        progress(1)
    return counts
