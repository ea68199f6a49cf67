"""The link state model: connected, stale, lost from the age of the last message."""

from __future__ import annotations

import pytest

from rehab.robot import LinkSettings, LinkState, RobotLink


class FakeMonotonic:
    def __init__(self) -> None:
        self.t_s = 100.0

    def __call__(self) -> float:
        return self.t_s


@pytest.mark.parametrize(
    ("silence_s", "expected"),
    [
        (0.0, LinkState.CONNECTED),
        (0.499, LinkState.CONNECTED),
        (0.5, LinkState.STALE),
        (1.999, LinkState.STALE),
        (2.0, LinkState.LOST),
        (60.0, LinkState.LOST),
    ],
)
def test_state_follows_silence(silence_s, expected):
    clock = FakeMonotonic()
    link = RobotLink(clock, LinkSettings(stale_after_s=0.5, lost_after_s=2.0))
    link.heard()
    clock.t_s += silence_s
    assert link.state() is expected
    assert link.silence_s() == pytest.approx(silence_s)


def test_lost_until_first_message_then_recovers():
    clock = FakeMonotonic()
    link = RobotLink(clock)
    assert link.state() is LinkState.LOST
    assert not link.ever_heard
    link.heard()
    assert link.state() is LinkState.CONNECTED
    clock.t_s += 5.0
    assert link.state() is LinkState.LOST
    link.heard()
    assert link.state() is LinkState.CONNECTED
    assert link.ever_heard


@pytest.mark.parametrize(("stale", "lost"), [(0.0, 1.0), (1.0, 1.0), (2.0, 1.0), (-1.0, 1.0)])
def test_settings_refuse_inconsistent_thresholds(stale, lost):
    with pytest.raises(ValueError, match="must"):
        LinkSettings(stale_after_s=stale, lost_after_s=lost)
