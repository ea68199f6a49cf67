"""Stored UTC times read in the therapist's time zone (no Qt)."""

from __future__ import annotations

import time

import pytest

from rehab.ui.models.localtime import local_time


@pytest.mark.parametrize(("tz", "expected"), [("Asia/Seoul", "2024-03-01 09:30"),
                                              ("UTC", "2024-03-01 00:30"),
                                              ("America/New_York", "2024-02-29 19:30")])
def test_local_time(monkeypatch: pytest.MonkeyPatch, tz: str, expected: str) -> None:
    monkeypatch.setenv("TZ", tz)
    time.tzset()
    try:
        assert local_time("2024-03-01T00:30:00+00:00") == expected
    finally:
        monkeypatch.undo()
        time.tzset()
