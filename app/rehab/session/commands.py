"""What screens and signal handlers ask of a running session, as typed values.

The session's worker thread takes these from a queue between frames, so every call on
:class:`~rehab.session.runner.SessionRunner` returns at once, from any thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from rehab.store.models import Cause


@dataclass(frozen=True)
class Pause:
    """Pause the session and hold the robot; ``cause`` is who asked (therapist, patient)."""

    cause: Cause


@dataclass(frozen=True)
class Resume:
    """Continue a paused session (the camera is reopened and the robot re-enabled)."""


@dataclass(frozen=True)
class Stop:
    """End the session early: by a person (``stopped``) or a signal (``aborted``)."""

    cause: Cause
    reason: str = ""


@dataclass(frozen=True)
class EStop:
    """The therapist's emergency stop (the robot's e-stop was already called)."""


Command = Pause | Resume | Stop | EStop
