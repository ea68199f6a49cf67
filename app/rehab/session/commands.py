"""What screens and signal handlers ask of a running session, as typed values.

The session's worker thread takes these from a queue between frames, so every call on
:class:`~rehab.session.runner.SessionRunner` returns at once, from any thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from rehab.messages import Message
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
    reason: str | Message = ""
    """Why, for people (a :class:`~rehab.messages.Message`); a plain string is English."""


@dataclass(frozen=True)
class EStop:
    """The therapist's emergency stop (the robot's e-stop was already called)."""


@dataclass(frozen=True)
class BeginSet:
    """The patient screen's lead-in (framing, demonstration, countdown) is over: the set
    the session holds in READY may start (only with ``RunnerSettings.wait_for_patient``)."""


@dataclass(frozen=True)
class SkipRest:
    """End the present rest now (the patient or the therapist is ready)."""


@dataclass(frozen=True)
class ExtendRest:
    """Lengthen the present rest by ``seconds`` (the patient asked for more)."""

    seconds: float


Command = Pause | Resume | Stop | EStop | BeginSet | SkipRest | ExtendRest
