"""Liveness of running sessions, from advisory file locks.

The process running a session holds an exclusive ``flock`` on a file named for it. The
kernel drops the lock when that process dies, however it dies (SIGKILL included), so on
the next open a session still marked running whose lock can be taken was interrupted,
while one whose lock is held is still alive in another process and is left alone.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_DIR_NAME = "locks"


def lock_path(data_dir: Path, session_id: int) -> Path:
    """The lock file of one session.

    Parameters
    ----------
    data_dir
        The data folder.
    session_id
        The session's id.

    Returns
    -------
    pathlib.Path
        ``<data_dir>/locks/session-<session_id>.lock``.
    """
    return data_dir / LOCK_DIR_NAME / f"session-{session_id}.lock"


class SessionLock:
    """An exclusive lock held for as long as a session runs in this process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        """Take the lock without waiting; False when another process holds it.

        Returns
        -------
        bool
            True when this process now holds the lock.

        Raises
        ------
        OSError
            When the lock folder or file cannot be created or opened.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self, *, remove: bool = True) -> None:
        """Drop the lock (and by default its file)."""
        if self._fd is None:
            return
        if remove:
            self.path.unlink(missing_ok=True)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None
