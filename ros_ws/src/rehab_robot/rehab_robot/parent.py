"""Let a node started by another process die with it, however that process dies.

A robot node that outlives the app that started it keeps its actuators under a controller
nobody is watching (its watchdog stops the exercise, but the process and its 500 Hz loop
stay, orphaned). Two mechanisms, both Linux-friendly, neither needing the parent's
cooperation at its death:

- :func:`watch_parent_pipe`: the parent passes a pipe as the node's stdin and never writes
  to it; when the parent dies, however (SIGKILL included), the kernel closes its end and
  the node reads end-of-file. This is the primary mechanism.
- :func:`set_parent_death_signal`: ``prctl(PR_SET_PDEATHSIG, SIGTERM)``. The kernel sends
  the signal when the *thread* that forked the node exits, not the process, so a parent
  that starts the node from a short-lived worker thread must not ask for it.
"""

from __future__ import annotations

import ctypes
import logging
import signal
import sys
import threading
from collections.abc import Callable
from typing import BinaryIO

logger = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def set_parent_death_signal(sig: int = signal.SIGTERM) -> bool:
    """Ask the kernel to send ``sig`` to this process when its parent thread exits.

    Returns whether it is in force (``False`` off Linux, with a warning).
    """
    if not sys.platform.startswith("linux"):
        logger.warning("no parent-death signal off Linux; relying on the stdin pipe")
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        logger.warning("prctl(PR_SET_PDEATHSIG) failed (errno %d); relying on the stdin pipe",
                       errno)
        return False
    return True


def watch_parent_pipe(on_eof: Callable[[], None],
                      stream: BinaryIO | None = None) -> threading.Thread:
    """Call ``on_eof()`` (on a daemon thread) when ``stream`` (stdin) reaches end-of-file.

    Whatever the parent writes is read and ignored; only the end matters.
    """
    source = stream if stream is not None else sys.stdin.buffer

    def watch() -> None:
        while source.read(4096):
            pass
        on_eof()

    thread = threading.Thread(target=watch, name="parent-pipe", daemon=True)
    thread.start()
    return thread
