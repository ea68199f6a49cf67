"""A session survives a hard kill: everything committed reads back, then 'interrupted'."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np

import rehab
from rehab.store import SessionStatus, Store


def test_sigkill_mid_stream_loses_nothing_committed(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("_crash_writer.py")), str(data_dir)],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(
            # the child imports the same rehab as this process (a worktree, not an install)
            [str(Path(rehab.__file__).resolve().parents[1]), str(Path(__file__).parents[2])])})
    assert child.stdout is not None
    session_id = int(child.stdout.readline().split()[1])
    committed: list[tuple[int, float]] = []
    while len(committed) < 300:  # let it write for a while, then kill it mid-stream
        line = child.stdout.readline()
        assert line, "writer died on its own"
        committed.append((int(line.split()[1]), float(line.split()[2])))
    # Another process opening the store while the writer lives must leave its session alone.
    with Store.open(data_dir).as_system() as observer:
        assert observer.interrupted_on_open == []
        assert observer.sessions.get(session_id).status is SessionStatus.RUNNING
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    child.stdout.close()

    with Store.open(data_dir).as_system() as store:
        assert store.check().integrity == ("ok",)
        assert store.interrupted_on_open == [session_id]
        session = store.sessions.get(session_id)
        assert session.status is SessionStatus.INTERRUPTED and session.ended_at
        reps = {r.rep_index: r.rom_deg for r in store.sessions.reps(session_id)}
        assert all(reps[i] == rom for i, rom in committed)  # every acknowledged rep is there
        robot = store.streams.read(session_id, "robot")
        # Chunks are committed before each acknowledged rep: the telemetry up to the last
        # acknowledged rep's end, minus at most two still-buffered chunks (2 x 0.25 s),
        # is there, exact.
        t_last_rep = max(r.t_end_s for r in store.sessions.reps(session_id))
        assert robot.t_s[-1] >= t_last_rep - 2 * 0.25 - 1e-9
        expected = np.sin(robot.t_s)[:, None] * np.arange(1, 7)
        assert np.array_equal(robot.values, expected.astype(np.float32))
        assert np.allclose(np.diff(robot.t_s), 1 / 200.0)
        alerts = store.sessions.events(session_id)
        assert "interrupted" in alerts[-1].message
    with Store.open(data_dir).as_system() as again:  # recovery happens once
        assert again.interrupted_on_open == []
