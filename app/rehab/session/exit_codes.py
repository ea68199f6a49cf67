"""The exit codes of commands that run a session (documented in the README).

``0`` only for a completed session; a session stopped early, aborted by a fault, or
ended by a signal exits non-zero, so scripts and supervisors can tell them apart.
"""

from __future__ import annotations

from rehab.session.runner import SessionEnd
from rehab.store import Cause, SessionStatus

COMPLETED = 0
ERROR = 1
"""Nothing was run or stored properly: bad input, a camera or video without frames, an
unusable database, an error inside the session."""
USAGE = 2
"""Wrong options (click's own code)."""
STOPPED = 3
"""A person ended the session early (therapist, or the patient's STOP)."""
ABORTED = 4
"""A fault ended the session: camera lost, app stalled, robot link lost, robot
watchdog, fault, safe stop or refusal, e-stop."""
SIGNALLED = 128
"""Ended by signal N: ``128 + N`` (143 for SIGTERM, 130 for SIGINT, 129 for SIGHUP)."""


def exit_code(end: SessionEnd | None, *, error: bool, signum: int | None = None) -> int:
    """The exit code for a session that ended as ``end``.

    Examples
    --------
    >>> exit_code(SessionEnd(SessionStatus.COMPLETED, Cause.COMPLETED), error=False)
    0
    >>> exit_code(SessionEnd(SessionStatus.ABORTED, Cause.SIGNAL), error=False, signum=15)
    143
    """
    if signum is not None:
        return SIGNALLED + signum
    if error or end is None:
        return ERROR
    if end.status is SessionStatus.COMPLETED:
        return COMPLETED
    if end.status is SessionStatus.STOPPED:
        return STOPPED
    return ERROR if end.cause is Cause.ERROR else ABORTED
