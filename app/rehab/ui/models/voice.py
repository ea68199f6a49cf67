"""Speech for the patient's screen: one utterance at a time, never piling up.

:class:`SpeechPort` is what a speech engine offers (Qt's QtTextToSpeech, an espeak-ng WAV
player, or a recording fake in tests); :class:`Voice` decides what is said and when. It
keeps at most one utterance waiting: a more urgent one replaces it, a cue arriving within
the cool-down of the last one is dropped (the screen shows it anyway), and an urgent one
(the patient pressed STOP) interrupts whatever is being said. No Qt here: the caller ticks
:meth:`Voice.tick` from a timer, with an injected clock for tests.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

CUE_COOLDOWN_S = 4.0  # between two cues: a patient needs time to act on one
GAP_S = 0.3  # silence between two utterances
# An engine still "speaking" this long after starting is not waited on: speech-dispatcher
# with no audio device reports speaking forever, which would silence every later word.
STUCK_BASE_S, STUCK_PER_CHAR_S = 5.0, 0.3


class Priority(enum.IntEnum):
    """How much an utterance matters; a higher one replaces a waiting lower one."""

    CUE = 0  # a form cue: dropped within the cool-down
    COUNT = 1  # a rep count or a countdown number
    PHASE = 2  # what to do now (a phase change)
    URGENT = 3  # the patient pressed STOP: interrupts


class SpeechPort(Protocol):
    """A speech engine. Every call returns at once; speech plays in the background."""

    name: str

    def say(self, text: str, language: str) -> None:
        """Start saying ``text`` (``language``: ``ko`` or ``en``), replacing any speech."""
        ...

    def stop(self) -> None:
        """Stop speaking now."""
        ...

    def is_speaking(self) -> bool:
        ...


@dataclass(frozen=True)
class Utterance:
    text: str
    priority: Priority
    queued_at_s: float


class Voice:
    """What the patient hears, one utterance at a time.

    Parameters
    ----------
    port
        The speech engine, or None for text only.
    language
        The session's language.
    clock
        Monotonic seconds.
    """

    def __init__(self, port: SpeechPort | None, language: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.port, self.language, self._clock = port, language, clock
        self.muted = False
        self._waiting: Utterance | None = None
        self._last_cue_s = -1e9
        self._last_end_s = -1e9
        self._current: Utterance | None = None
        self._current_since_s = 0.0
        self._stuck_reported = False
        self.spoken: list[Utterance] = []  # the last few, for the screen and tests
        self.on_spoken: list[Callable[[Utterance], None]] = []

    def say(self, text: str, priority: Priority = Priority.PHASE) -> None:
        """Ask for ``text`` to be said; it may wait, replace a waiting one, or be dropped."""
        if not text or self.port is None or self.muted:
            return
        now = self._clock()
        if priority is Priority.CUE and now - self._last_cue_s < CUE_COOLDOWN_S:
            return
        new = Utterance(text, priority, now)
        if priority is Priority.URGENT:
            self.port.stop()
            self._waiting = None
            self._start(new)
            return
        if self._waiting is None or priority >= self._waiting.priority:
            self._waiting = new
        self.tick()

    def tick(self) -> None:
        """Start the waiting utterance when the engine is free (call every ~50 ms)."""
        if self.port is None or self._waiting is None:
            return
        now = self._clock()
        if self.port.is_speaking() and not self._stuck(now):
            self._last_end_s = now
            return
        if now - self._last_end_s < GAP_S and self.spoken:
            return
        waiting, self._waiting = self._waiting, None
        self._start(waiting)

    def _stuck(self, now: float) -> bool:
        current = self._current
        if current is None or now - self._current_since_s < \
                STUCK_BASE_S + STUCK_PER_CHAR_S * len(current.text):
            return False
        if not self._stuck_reported:
            self._stuck_reported = True
            log.warning("the speech engine (%s) still says it is speaking %.0f s after %r: "
                        "not waiting for it", getattr(self.port, "name", "?"),
                        now - self._current_since_s, current.text)
        assert self.port is not None
        self.port.stop()
        return True

    def _start(self, utterance: Utterance) -> None:
        assert self.port is not None
        self._current, self._current_since_s = utterance, self._clock()
        if utterance.priority is Priority.CUE:
            self._last_cue_s = self._clock()
        self.port.say(utterance.text, self.language)
        self._last_end_s = self._clock()
        self.spoken = [*self.spoken[-19:], utterance]
        for callback in self.on_spoken:
            callback(utterance)

    def set_muted(self, muted: bool) -> None:
        """Mute (stops the current speech) or unmute."""
        self.muted = muted
        if muted:
            self._waiting = None
            if self.port is not None:
                self.port.stop()
