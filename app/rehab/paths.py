"""Where the app keeps its data: one data folder, chosen once.

The data folder holds the SQLite database, recordings and exports. Its default is
``sessions/`` in the working directory; ``REHAB_DATA_DIR`` or ``--data-dir`` override it.
"""

from __future__ import annotations

import os
from pathlib import Path

from rehab.errors import StoreError

DATA_DIR_ENV = "REHAB_DATA_DIR"
DEFAULT_DATA_DIR = Path("sessions")
DATABASE_NAME = "rehab.db"


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the data folder: ``explicit``, else ``$REHAB_DATA_DIR``, else ``sessions/``.

    Examples
    --------
    >>> resolve_data_dir("/tmp/x").name
    'x'
    """
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env) if env else DEFAULT_DATA_DIR


def database_path(data_dir: Path) -> Path:
    """Return the database file inside ``data_dir``."""
    return data_dir / DATABASE_NAME


def ensure_data_dir(data_dir: Path, *, create: bool = True) -> Path:
    """Make sure ``data_dir`` is a folder, creating it (and its parents) when asked.

    Parameters
    ----------
    data_dir
        The data folder, as resolved by :func:`resolve_data_dir`.
    create
        Create a missing folder (``rehab db init``, opening the store). With ``False`` a
        missing folder is an error that says how to create it.

    Returns
    -------
    Path
        ``data_dir``, unchanged.

    Raises
    ------
    StoreError
        ``data_dir`` is a file, is missing (with ``create=False``) or cannot be created.

    Examples
    --------
    >>> ensure_data_dir(tmp_path / "new").is_dir()                  # doctest: +SKIP
    True
    """
    if data_dir.exists() and not data_dir.is_dir():
        raise StoreError(f"data folder {data_dir} is a file, not a folder; point --data-dir "
                         f"or ${DATA_DIR_ENV} at a folder")
    if not data_dir.exists():
        if not create:
            raise StoreError(f"data folder {data_dir} does not exist; create it with "
                             f"`rehab db init --data-dir {data_dir}`")
        try:
            # Private to the user (patients' data): 0700, whatever the umask allows others.
            data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StoreError(f"cannot create data folder {data_dir}: "
                             f"{exc.strerror or exc}") from exc
    return data_dir
