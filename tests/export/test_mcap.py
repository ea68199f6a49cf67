"""rosbag2 MCAP export read back with the mcap and mcap-ros2-support packages."""

from __future__ import annotations

import collections
from pathlib import Path

import numpy as np
import pytest
import yaml
from mcap.reader import make_reader
from mcap_ros2.decoder import DecoderFactory

from rehab.export.mcap import MESSAGES
from rehab.export.reader import ExportSelection
from rehab.export.run import run_export
from rehab.store import Store
from tests.export.conftest import OLD_MODEL_PROBABILITY, Centre

INTERFACES = Path(__file__).resolve().parents[2] / "ros_ws" / "src" / "rehab_interfaces"


def test_the_packaged_message_definitions_are_those_of_rehab_interfaces() -> None:
    app_copies = Path(__file__).resolve().parents[2] / "app" / "rehab" / "export" / "msg"
    for name in MESSAGES:
        assert (app_copies / f"{name}.msg").read_bytes() == \
            (INTERFACES / "msg" / f"{name}.msg").read_bytes(), name
    assert all(f'"msg/{name}.msg"' in (INTERFACES / "CMakeLists.txt").read_text()
               for name in MESSAGES)


def _messages(out: Path) -> dict[str, list[tuple[int, object]]]:
    """The one session bag under ``out``: (log time ns, decoded message) per topic."""
    (bag,) = out.glob("sub-*/ses-01")
    metadata = yaml.safe_load((bag / "metadata.yaml").read_text())["rosbag2_bagfile_information"]
    assert metadata["storage_identifier"] == "mcap"
    (mcap_file,) = bag.glob("*.mcap")
    messages = collections.defaultdict(list)
    with mcap_file.open("rb") as stream:
        reader = make_reader(stream, decoder_factories=[DecoderFactory()])
        for _schema, channel, message, ros_msg in reader.iter_decoded_messages():
            messages[channel.topic].append((message.log_time, ros_msg))
    return messages


def test_each_rep_carries_the_model_opinion_and_whether_it_used_a_reference(
        centre: Centre, tmp_path: Path) -> None:
    out = tmp_path / "mcap"
    with Store.open(centre.data_dir).as_system() as store:
        run_export(store.as_user(centre.researcher_id), "mcap", out,
                   ExportSelection((centre.old_code,)))
    reps = [m for _, m in _messages(out)["/reps"]]
    assert [(m.model_probability, m.model_reference) for m in reps] == [
        (OLD_MODEL_PROBABILITY[0], True), (OLD_MODEL_PROBABILITY[1], False)]


def test_a_session_bag_replays_the_recorded_streams_and_reps(centre: Centre,
                                                             tmp_path: Path) -> None:
    out = tmp_path / "mcap"
    with Store.open(centre.data_dir).as_system() as store:
        run_export(store.as_user(centre.researcher_id), "mcap", out,
                   ExportSelection((centre.demo_code,)))
        patient = store.patients.by_code(centre.demo_code)
        (session,) = store.sessions.for_patient(patient.id)
        robot = store.streams.read(session.id, "robot")
        pose = store.streams.read(session.id, "pose")
        reps = store.sessions.reps(session.id)
    messages = _messages(out)
    assert {t: len(v) for t, v in messages.items()} == {
        "/joint_states": len(robot.t_s), "/pose/landmarks": len(pose.t_s),
        "/reps": len(reps), "/rehab_robot/transitions": 5}
    # At the recorded times: the spacing of the stamps is that of the stored samples.
    stamps = np.array([ns for ns, _ in messages["/joint_states"]], dtype=np.int64)
    assert np.allclose((stamps - stamps[0]) / 1e9, robot.t_s - robot.t_s[0], atol=1e-6)
    k = len(robot.t_s) // 2
    joint = messages["/joint_states"][k][1]
    assert list(joint.name) == [c.split(".")[0] for c in robot.columns[0::3]]
    assert np.allclose(joint.position, robot.values[k, 0::3].astype(np.float64))
    assert np.allclose(joint.effort, robot.values[k, 2::3].astype(np.float64))
    frame = messages["/pose/landmarks"][k // 10][1]
    expected = pose.values[k // 10].reshape(33, 4)
    np.testing.assert_array_equal(np.asarray(frame.y_m, np.float32), expected[:, 1])
    by_end = sorted(reps, key=lambda r: r.t_end_s)
    assert [m.rom_deg for _, m in messages["/reps"]] == [r.rom_deg for r in by_end]
    assert [m.uncertain for _, m in messages["/reps"]] == [r.uncertain for r in by_end]
    # The demo session's reps have no model opinion: -1, never a made-up probability.
    assert [m.model_probability for _, m in messages["/reps"]] == [
        -1.0 if r.model_probability is None else r.model_probability for r in by_end]
    rep_ns = messages["/reps"][0][0]
    assert (rep_ns - stamps[0]) / 1e9 == pytest.approx(by_end[0].t_end_s - robot.t_s[0], abs=1e-6)
    # Relative clock: 1970-01-01 is the first session's day, so times are under a day.
    assert stamps[0] < 86400 * 10**9

