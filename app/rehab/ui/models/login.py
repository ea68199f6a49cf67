"""Login: the password check runs in a worker with its own database connection.

The check costs a deliberate ~50 ms of scrypt, so it runs off the GUI thread; SQLite
connections belong to one thread, so the worker opens its own (no crash recovery: the
console's own store did that when it opened).
"""

from __future__ import annotations

from pathlib import Path

from rehab.errors import ValidationError
from rehab.store import Store, User
from rehab.ui.models.observable import Emitter


def authenticate(data_dir: Path, username: str, password: str) -> User | None:
    """The active user with this password, else None (the attempt is audited).

    Raises
    ------
    ValidationError
        An empty username or password (field ``username`` or ``password``).
    """
    if not username.strip():
        raise ValidationError("username", "validation.not_empty")
    if not password:
        raise ValidationError("password", "validation.not_empty")
    with Store.open(data_dir, recover=False) as store:
        return store.users.authenticate(username.strip(), password)


class LoginModel:
    """Who is logged in to the console.

    Parameters
    ----------
    data_dir
        The data folder whose users may log in.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.user: User | None = None
        self.changed = Emitter()  # (User | None)

    def authenticate(self, username: str, password: str) -> User | None:
        """Check the password (safe to call from a worker thread)."""
        return authenticate(self.data_dir, username, password)

    def accept(self, user: User | None) -> None:
        """Log ``user`` in (None logs out)."""
        self.user = user
        self.changed.emit(user)
