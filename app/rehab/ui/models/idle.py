"""The console's idle lock: after a stretch without input it asks for the password again.

Locking only hides the screens behind the password prompt: it never stops, pauses or
touches a running session, and the live screen's E-STOP stays reachable (the view keeps
its own E-STOP on the lock screen while a session runs). The clock is injected, so the
lock is tested without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rehab.errors import ValidationError
from rehab.ui.models.observable import Emitter

DEFAULT_IDLE_LOCK_S = 15 * 60.0
"""Default idle time before the console locks (15 min, the issue's default)."""

Clock = Callable[[], float]


class IdleLockModel:
    """Tracks input and locks the console after ``timeout_s`` without any.

    Parameters
    ----------
    timeout_s
        Idle seconds before locking (> 0).
    clock
        Monotonic seconds (``time.monotonic``; a fake in tests).

    Examples
    --------
    >>> now = [0.0]
    >>> lock = IdleLockModel(60, clock=lambda: now[0])
    >>> now[0] = 61; lock.poll()
    True
    """

    def __init__(self, timeout_s: float = DEFAULT_IDLE_LOCK_S,
                 clock: Clock = time.monotonic) -> None:
        if not timeout_s > 0:
            raise ValidationError("idle_lock_s", "validation.positive", value=timeout_s)
        self.timeout_s, self._clock = timeout_s, clock
        self._last_input = clock()
        self.locked = False
        self.changed = Emitter()  # (bool locked)

    def activity(self) -> None:
        """Input happened (a key, a click, a touch): the idle time starts again."""
        if not self.locked:
            self._last_input = self._clock()

    def poll(self) -> bool:
        """Lock when idle for ``timeout_s``; return whether the console is locked."""
        if not self.locked and self._clock() - self._last_input >= self.timeout_s:
            self.locked = True
            self.changed.emit(True)
        return self.locked

    def unlock(self) -> None:
        """The logged-in user typed their password again."""
        self.locked = False
        self._last_input = self._clock()
        self.changed.emit(False)
