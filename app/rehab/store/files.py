"""Private data files: created 0600 in a 0700 folder, and a check for looser modes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
_SUBFOLDERS = ("locks", "logs")


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (its mode is then kept)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return
    os.close(fd)


def loose_modes(data_dir: Path) -> tuple[str, ...]:
    """Data files readable or writable by others than their owner, one line each.

    Looks at the data folder, its database, WAL, lock, log and backup files (the folder's
    own files and those of ``locks/`` and ``logs/``); recordings elsewhere are not walked.

    Parameters
    ----------
    data_dir
        The data folder; a missing folder has no loose modes.

    Returns
    -------
    tuple of str
        One ``"<path> is mode NNN, should be NNN"`` line per loose folder or file.

    Examples
    --------
    >>> loose_modes(Path("/nonexistent"))
    ()
    """
    if not data_dir.is_dir():
        return ()
    found = []
    folders = [data_dir, *(data_dir / name for name in _SUBFOLDERS)]
    for folder in folders:
        if not folder.is_dir():
            continue
        if stat.S_IMODE(folder.stat().st_mode) & 0o077:
            found.append(_describe(folder, PRIVATE_DIR_MODE))
        for path in sorted(folder.iterdir()):
            if path.is_file() and stat.S_IMODE(path.stat().st_mode) & 0o077:
                found.append(_describe(path, PRIVATE_FILE_MODE))
    return tuple(found)


def _describe(path: Path, wanted: int) -> str:
    return f"{path} is mode {stat.S_IMODE(path.stat().st_mode):03o}, should be {wanted:03o}"
