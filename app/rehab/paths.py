"""Where the app keeps its data: one data folder, chosen once.

The data folder holds the SQLite database, recordings and exports. Its default is
``sessions/`` in the working directory; ``REHAB_DATA_DIR`` or ``--data-dir`` override it.
"""

from __future__ import annotations

import os
from pathlib import Path

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
