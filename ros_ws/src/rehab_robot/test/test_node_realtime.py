"""Deadline scheduling of the node's control loop, on a fake clock (no sleeping)."""

from __future__ import annotations

import itertools

import pytest

from rehab_robot.realtime import CycleClock, DeadlineSchedule, RateGate, percentile


class FakeTime:
    """A monotonic clock whose sleeps overshoot by ``overshoot_s``, like Linux's."""

    def __init__(self, overshoot_s: float = 0.0) -> None:
        self.t_s = 10.0
        self.overshoot_s = overshoot_s
        self.sleeps: list[float] = []

    def now(self) -> float:
        # Each reading costs a little time, so spin loops terminate.
        self.t_s += 1e-6
        return self.t_s

    def sleep(self, dt_s: float) -> None:
        self.sleeps.append(dt_s)
        self.t_s += dt_s + self.overshoot_s


def test_deadlines_are_absolute_so_work_does_not_drift_the_loop():
    ft = FakeTime(overshoot_s=80e-6)
    schedule = DeadlineSchedule(0.002, ft.now, ft.sleep, spin_s=0.0003)
    t0 = schedule.next_deadline_s
    starts = []
    for _ in range(1000):
        starts.append(schedule.wait())
        ft.t_s += 0.0007  # the tick's work
    # The 1000th start is at its deadline t0 + 999 periods, not 1000 * (period + work).
    assert starts[-1] - (t0 + 999 * 0.002) == pytest.approx(0.0, abs=1e-4)
    timing = schedule.timing()
    # Sleeping 0.3 ms short of the deadline absorbs the 80 us overshoot: the spin lands
    # within a few clock readings of the deadline.
    assert timing.lateness_max_ms < 0.01
    assert timing.missed_deadlines == 0
    assert timing.rate_hz == pytest.approx(500.0, rel=1e-3)


def test_an_overrun_counts_as_missed_and_the_grid_rephases_without_burst():
    ft = FakeTime()
    schedule = DeadlineSchedule(0.002, ft.now, ft.sleep, spin_s=0.0)
    schedule.wait()
    ft.t_s += 0.0071  # one tick's work takes 3.5 periods
    start = schedule.wait()
    assert schedule.missed_deadlines == 1
    # No catch-up burst: the next tick is one full period after the late one.
    assert schedule.next_deadline_s == pytest.approx(start + 0.002)


@pytest.mark.parametrize("late_s", [0.0011, 0.0015, 0.00199])
def test_no_two_ticks_closer_than_half_a_period(late_s):
    ft = FakeTime()
    schedule = DeadlineSchedule(0.002, ft.now, ft.sleep, spin_s=0.0)
    first = schedule.wait()
    ft.t_s = first + 0.002 + late_s  # the second tick starts late, but within its period
    second = schedule.wait()
    third = schedule.wait()
    assert schedule.missed_deadlines == 0
    assert third - second >= 0.002 - 1e-5


def test_a_slightly_late_tick_keeps_the_grid():
    ft = FakeTime()
    schedule = DeadlineSchedule(0.002, ft.now, ft.sleep, spin_s=0.0)
    first = schedule.wait()
    ft.t_s = first + 0.002 + 0.0004
    schedule.wait()
    assert schedule.next_deadline_s == pytest.approx(first + 0.004, abs=1e-5)


def test_schedule_refuses_bad_parameters():
    ft = FakeTime()
    with pytest.raises(ValueError, match="period_s"):
        DeadlineSchedule(0.0, ft.now, ft.sleep)
    with pytest.raises(ValueError, match="spin_s"):
        DeadlineSchedule(0.002, ft.now, ft.sleep, spin_s=-1.0)


def test_rate_gate_gives_200_hz_out_of_500_hz_ticks():
    gate = RateGate(200.0, start_s=0.0)
    due = [k for k in range(5000) if gate.due(k * 0.002)]
    # 10 s of 500 Hz ticks: 2000 joint-state publications, at least 4 ms apart.
    assert len(due) == 2000
    assert min(b - a for a, b in itertools.pairwise(due)) >= 2


def test_rate_gate_restarts_after_a_stall_instead_of_bursting():
    gate = RateGate(100.0, start_s=0.0)
    assert gate.due(0.0)
    assert gate.due(1.0)  # a one-second stall
    assert not gate.due(1.005)
    assert gate.due(1.010)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([5.0], 0.99, 5.0),
        ([1.0, 2.0, 3.0], 0.5, 2.0),
        (list(map(float, range(1, 101))), 0.99, 99.0),
    ],
)
def test_percentile_nearest_rank(values, q, expected):
    assert percentile(values, q) == expected


def test_cycle_clock_holds_one_time_per_tick():
    ft = FakeTime()
    clock = CycleClock(ft.now)
    start = clock.monotonic_s()
    clock.latch(start)
    ft.t_s += 0.0015  # the tick runs on; the controller still sees the tick's time
    assert clock.now_s() == start
    assert clock.monotonic_s() > start + 0.0015
    with pytest.raises(ValueError, match="backwards"):
        clock.latch(start - 0.001)
    with pytest.raises(RuntimeError, match="before the first cycle"):
        clock.restart()


def test_cycle_clock_restart_counts_from_the_loop_start():
    ft = FakeTime()
    clock = CycleClock(ft.now)
    ft.t_s += 0.3  # building DDS entities
    clock.restart()
    assert clock.monotonic_s() < 0.001


def test_the_heartbeat_receive_path_can_run_under_sched_fifo():
    """A participant's DDS message threads are found by name and, where the system allows
    it, put under SCHED_FIFO below the control loop (else one warning, normal priority)."""
    import os

    from rehab_robot.realtime import dds_thread_ids, raise_message_path
    from rehab_robot.transport.participant import RosParticipant

    rp = RosParticipant(domain_id=7)
    try:
        threads = dds_thread_ids()
        assert threads, "a participant has receive and event threads"
        raised = raise_message_path(49, threads, "test threads")
        if raised:
            policies = {os.sched_getscheduler(tid) for tid in threads}
            assert policies == {os.SCHED_FIFO}
            assert {os.sched_getparam(tid).sched_priority for tid in threads} == {49}
    finally:
        rp.close()
    with pytest.raises(ValueError, match="1-99"):
        raise_message_path(0, threads, "test threads")
