"""The heartbeat sender runs at the control loop's real-time priority where allowed.

The child process's sending thread asks for SCHED_FIFO at the node's default priority;
where the system refuses, it runs at normal priority after one warning.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from pathlib import Path

import pytest

from rehab.robot.heartbeat import HeartbeatProcess
from rehab_robot import realtime
from rehab_robot.realtime import DEFAULT_RT_PRIORITY, set_realtime_priority
from rehab_robot.transport.participant import default_cyclonedds_uri


def _fifo_allowed() -> bool:
    """Probe on a throwaway thread (the policy is per thread; it ends with the thread)."""
    result: list[bool] = []

    def probe() -> None:
        try:
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(DEFAULT_RT_PRIORITY))
            result.append(True)
        except PermissionError:
            result.append(False)

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return result[0]


def _fifo_threads(pid: int) -> list[tuple[int, int]]:
    """(tid, priority) of the threads of ``pid`` under SCHED_FIFO."""
    out = []
    for tid in (int(t) for t in os.listdir(f"/proc/{pid}/task")):
        try:
            if os.sched_getscheduler(tid) == os.SCHED_FIFO:
                out.append((tid, os.sched_getparam(tid).sched_priority))
        except ProcessLookupError:
            continue
    return out


def test_refusal_is_one_warning_and_normal_priority(monkeypatch, caplog):
    def refuse(*_args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(realtime.os, "sched_setscheduler", refuse)
    with caplog.at_level(logging.WARNING, logger="rehab_robot.realtime"):
        assert set_realtime_priority(DEFAULT_RT_PRIORITY, "the heartbeat sender") is False
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "the heartbeat sender" in warnings[0].getMessage()
    assert "normal priority" in warnings[0].getMessage()


def test_priority_must_be_a_fifo_priority():
    with pytest.raises(ValueError, match="1-99"):
        set_realtime_priority(0)
    with pytest.raises(ValueError, match="rt_priority"):
        HeartbeatProcess(0, "x", rt_priority=100)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_heartbeat_child_sends_from_a_fifo_thread_where_allowed():
    os.environ.setdefault("CYCLONEDDS_URI", default_cyclonedds_uri())
    sender = HeartbeatProcess(random.randint(100, 230), "priority-test")
    sender.start()
    try:
        pid = sender.pid
        assert pid is not None
        if not _fifo_allowed():
            # Refused here: the child runs on at normal priority (after its one warning).
            deadline = time.monotonic() + 5.0
            while time.monotonic() < deadline and sender.alive:
                assert _fifo_threads(pid) == []
                time.sleep(0.1)
            assert sender.alive
            return
        deadline = time.monotonic() + 20.0
        while not (fifo := _fifo_threads(pid)):
            assert time.monotonic() < deadline, "no SCHED_FIFO thread in the heartbeat child"
            assert sender.alive
            time.sleep(0.05)
        # The sending thread alone, at the control loop's default priority: the DDS and
        # stdin threads, created before, keep normal scheduling.
        assert [prio for _tid, prio in fifo] == [DEFAULT_RT_PRIORITY]
    finally:
        sender.stop()
