"""Fixtures shared by every test: a fresh store per test, a settable wall clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from rehab.store import Store

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


class FakeWallClock:
    """A wall clock that only moves when told to."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.now = start or dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def wall_clock() -> FakeWallClock:
    return FakeWallClock()


@pytest.fixture
def fresh_store(tmp_path: Path, wall_clock: FakeWallClock) -> Iterator[Store]:
    """A new, migrated database file in a temporary data folder, acting as the system
    (tests of roles act as users with ``as_user``)."""
    with Store.open(tmp_path / "data", wall_clock=wall_clock) as store:
        yield store.as_system()
