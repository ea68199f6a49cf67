"""The state of the app's link to the robot node: connected, stale or lost (pure).

Driven by an injected clock: every message from the node (status, joint states) counts as
a sign of life. The thresholds are chosen against the node's publication rates: status comes
at 20 Hz and joint states at 200 Hz, so half a second of silence is already abnormal
(stale: show it, keep going) and two seconds means the node or the network is gone (lost:
the session must treat the robot as unavailable).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass


class LinkState(enum.Enum):
    """How fresh the last message from the robot node is."""

    CONNECTED = "connected"
    STALE = "stale"
    LOST = "lost"


@dataclass(frozen=True)
class LinkSettings:
    """Silence thresholds of the link (s).

    Parameters
    ----------
    stale_after_s
        Silence after which the link is STALE, > 0.
    lost_after_s
        Silence after which the link is LOST, > ``stale_after_s``.
    """

    stale_after_s: float = 0.5
    lost_after_s: float = 2.0

    def __post_init__(self) -> None:
        if not self.stale_after_s > 0:
            raise ValueError(f"stale_after_s must be > 0, got {self.stale_after_s}")
        if not self.lost_after_s > self.stale_after_s:
            raise ValueError("lost_after_s must exceed stale_after_s")


class RobotLink:
    """Tracks the age of the last message from the robot node.

    Parameters
    ----------
    now_s
        Monotonic clock (s), injected.
    settings
        Thresholds.

    Examples
    --------
    >>> t = [0.0]
    >>> link = RobotLink(lambda: t[0])
    >>> link.state()
    <LinkState.LOST: 'lost'>
    >>> link.heard()
    >>> t[0] = 0.6
    >>> link.state()
    <LinkState.STALE: 'stale'>
    """

    def __init__(self, now_s: Callable[[], float], settings: LinkSettings | None = None) -> None:
        self._now_s = now_s
        self.settings = settings or LinkSettings()
        self._last_s = -math.inf

    def heard(self) -> None:
        """Record a message from the node, now."""
        self._last_s = self._now_s()

    @property
    def ever_heard(self) -> bool:
        """Whether any message has arrived since the link was created."""
        return self._last_s > -math.inf

    def silence_s(self) -> float:
        """Seconds since the last message (``inf`` if none yet)."""
        return self._now_s() - self._last_s

    def state(self) -> LinkState:
        """Return the link state now."""
        silence_s = self.silence_s()
        if silence_s < self.settings.stale_after_s:
            return LinkState.CONNECTED
        if silence_s < self.settings.lost_after_s:
            return LinkState.STALE
        return LinkState.LOST


class SourceGuard:
    """Notices when more than one robot node answers (pure, injected clock).

    Every message from the node carries its source (the DDS participant that wrote it).
    One robot node is one source; two sources heard within ``window_s`` of each other are
    two robot nodes on one domain, whose statuses and telemetry must not be blended. A
    node that restarts is a new source too, but the old one has been silent for longer
    than the window by then (start-up takes seconds).

    Parameters
    ----------
    now_s
        Monotonic clock (s), injected.
    window_s
        How recently the other source must have been heard to count (s), > 0.

    Examples
    --------
    >>> t = [0.0]
    >>> guard = SourceGuard(lambda: t[0])
    >>> guard.note("node-a") is None
    True
    >>> guard.note("node-b")
    'node-a'
    >>> t[0] = 5.0
    >>> guard.note("node-c") is None   # a and b long silent: a restarted node
    True
    """

    def __init__(self, now_s: Callable[[], float], window_s: float = 1.0) -> None:
        if not window_s > 0:
            raise ValueError(f"window_s must be > 0, got {window_s}")
        self._now_s = now_s
        self.window_s = window_s
        self._last_heard_s: dict[str, float] = {}

    def note(self, source: str) -> str | None:
        """Record a message from ``source`` now; return another recently heard source, if
        any (``""``, an unknown source, is not recorded)."""
        if not source:
            return None
        now = self._now_s()
        self._last_heard_s[source] = now
        for other, heard_s in self._last_heard_s.items():
            if other != source and now - heard_s <= self.window_s:
                return other
        return None
