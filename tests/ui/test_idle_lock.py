"""The idle lock: locks after the timeout without input, never before; unlocks on demand."""

from __future__ import annotations

import pytest

from rehab.errors import ValidationError
from rehab.ui.models.idle import DEFAULT_IDLE_LOCK_S, IdleLockModel


class FakeClock:
    def __init__(self) -> None:
        self.t_s = 100.0

    def __call__(self) -> float:
        return self.t_s


def test_locks_after_default_fifteen_minutes_idle() -> None:
    clock = FakeClock()
    lock = IdleLockModel(clock=clock)
    seen: list[bool] = []
    lock.changed.connect(seen.append)
    assert DEFAULT_IDLE_LOCK_S == 900
    clock.t_s += 899
    assert lock.poll() is False
    clock.t_s += 1
    assert lock.poll() is True and seen == [True]
    assert lock.poll() is True and seen == [True]  # emitted once


def test_input_restarts_the_idle_time() -> None:
    clock = FakeClock()
    lock = IdleLockModel(60, clock=clock)
    for _ in range(10):
        clock.t_s += 50
        lock.activity()
        assert lock.poll() is False


def test_input_while_locked_does_not_unlock() -> None:
    clock = FakeClock()
    lock = IdleLockModel(60, clock=clock)
    clock.t_s += 60
    lock.poll()
    lock.activity()
    assert lock.poll() is True
    lock.unlock()
    assert lock.poll() is False
    clock.t_s += 60
    assert lock.poll() is True


def test_timeout_must_be_positive() -> None:
    with pytest.raises(ValidationError):
        IdleLockModel(0)
