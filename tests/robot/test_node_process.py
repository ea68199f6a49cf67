"""The robot node as a process: it dies with the app, and it is the only one on its domain.

Real node processes on loopback DDS, each test on a domain of its own. Waits poll a
condition with a deadline (process exit, discovery), never a fixed sleep.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from cyclonedds.sub import DataReader

from rehab.cli import cli
from rehab.robot import ClientSettings, connect
from rehab_robot.transport import qos
from rehab_robot.transport import ros_types as m
from rehab_robot.transport.graph import DISCOVERY_TOPIC, find_node
from rehab_robot.transport.names import INTERFACE, NODE_NAME
from rehab_robot.transport.participant import RosParticipant, default_cyclonedds_uri

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent


def _env(domain_id: int) -> dict[str, str]:
    os.environ["CYCLONEDDS_URI"] = default_cyclonedds_uri()
    env = dict(os.environ)
    env["ROS_DOMAIN_ID"] = str(domain_id)
    return env


def _gone(pid: int) -> bool:
    """Whether ``pid`` has exited (a zombie waiting for its new parent to reap it counts)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def _poll(predicate, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while not (result := predicate()):
        assert time.monotonic() < deadline, what
        time.sleep(0.05)
    return result


@pytest.mark.parametrize("mode", ["main", "worker"],
                         ids=["started-from-main-thread", "started-from-worker-thread"])
def test_node_started_by_the_app_dies_when_the_app_is_killed(tmp_path: Path, mode: str):
    domain_id = random.randint(100, 230)
    log = tmp_path / "node.log"
    app = subprocess.Popen(
        [sys.executable, str(HERE / "node_parent_process.py"), str(domain_id), str(log), mode],
        stdout=subprocess.PIPE, env=_env(domain_id), text=True,
    )
    node_pid = None
    try:
        node_pid = int(app.stdout.readline())
        # Up and running: the node has announced itself on the domain.
        _poll(lambda: "rehab robot node up" in log.read_text(), 30.0, "node never came up")
        os.kill(app.pid, signal.SIGKILL)
        app.wait(timeout=5)
        _poll(lambda: _gone(node_pid), 10.0, f"node {node_pid} outlived its app\n"
              + log.read_text())
    finally:
        if node_pid is not None and not _gone(node_pid):
            os.kill(node_pid, signal.SIGKILL)
        if app.poll() is None:
            app.kill()
            app.wait(timeout=5)
        app.stdout.close()
    text = log.read_text()
    # It made the robot safe on the way out (the latched e-stop of a shutdown).
    assert "node_shutdown" in text, text
    if mode == "worker":
        # No parent-death signal from a worker thread: the pipe alone ended it.
        assert "stdin closed" in text, text


@pytest.fixture(scope="module")
def running_node(tmp_path_factory) -> Iterator[int]:
    domain_id = random.randint(100, 230)
    log = tmp_path_factory.mktemp("node") / "node.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rehab_robot.node_dds", "--domain-id", str(domain_id)],
            stdout=out, stderr=subprocess.STDOUT, env=_env(domain_id),
        )
    watcher = connect(domain_id, ClientSettings(client_id="ready", send_heartbeats=False))
    try:
        watcher.wait_for(lambda: watcher.status is not None, timeout_s=30.0)
    finally:
        watcher.close()
    yield domain_id
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=10) == 0, log.read_text()


def test_node_announces_itself_on_ros_discovery_info(running_node: int):
    assert find_node(running_node, "/", NODE_NAME, window_s=5.0) is not None
    assert find_node(running_node, "/", "some_other_node", window_s=0.5) is None
    rp = RosParticipant(running_node)
    try:
        reader = DataReader(rp.participant, rp.topic(DISCOVERY_TOPIC, m.ParticipantEntitiesInfo),
                            qos=qos.latched(10))
        entry = _poll(lambda: next(iter(reader.take(N=10)), None), 5.0, "no entry")
    finally:
        rp.close()
    (node,) = entry.node_entities_info_seq
    assert (node.node_namespace, node.node_name) == ("/", NODE_NAME)
    # Four publishers and two subscriptions besides the heartbeat one, six services with a
    # reader and a writer each: every endpoint is listed, each a distinct 16-byte GID.
    gids = [bytes(g.data) for g in (*node.reader_gid_seq, *node.writer_gid_seq)]
    assert len(node.writer_gid_seq) == 4 + 6
    assert len(node.reader_gid_seq) == 3 + 6
    assert len(set(gids)) == len(gids)
    assert all(len(g) == 16 for g in gids)
    assert bytes(entry.gid.data) not in gids


def test_a_second_node_on_the_domain_refuses_to_start_with_one_line(running_node: int):
    second = subprocess.run(
        [str(Path(sys.executable).parent / "rehab"), "robot", "sim", "--domain-id",
         str(running_node), "--duration-s", "5"],
        capture_output=True, text=True, env=_env(running_node), timeout=60,
    )
    assert second.returncode != 0
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1, second.stderr
    assert "already runs on DDS domain" in lines[0]
    assert "/rehab_robot" in lines[0]


def test_a_client_that_hears_two_robot_nodes_refuses(running_node: int):
    """A rogue second status publisher (a node started without the check, an old build)
    next to the real node: `rehab robot status` must not blend them."""
    rogue = RosParticipant(running_node)
    stop = threading.Event()
    try:
        writer = rogue.publisher(INTERFACE.status, m.RobotStatus, qos.latched(1))

        def publish() -> None:
            while not stop.wait(0.05):
                writer.write(m.RobotStatus(state=2, reason="rogue"))

        threading.Thread(target=publish, daemon=True).start()
        result = CliRunner().invoke(
            cli, ["robot", "status", "--domain-id", str(running_node), "--wait-s", "2"]
        )
    finally:
        stop.set()
        rogue.close()
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"two robot nodes answer on DDS domain {running_node}" in lines[0]
    assert "state:" not in result.stdout
