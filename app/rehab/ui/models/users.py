"""The users page for admins: list, add, deactivate, change role, unlock.

Every operation is the store's (:class:`~rehab.store.users.UserRepo`), so the store checks
the acting admin's permission, the password rules and the last-admin rule, and audits.
No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass

from rehab.errors import ValidationError
from rehab.store import NewUser, Role, Store, User
from rehab.ui.models.observable import Emitter


@dataclass(frozen=True)
class UserRow:
    """A user as the page lists them: the record and whether failed tries locked it."""

    user: User
    locked_until: str | None


class UsersModel:
    """The centre's users, for an admin.

    Parameters
    ----------
    store
        The store acting as the logged-in user (:meth:`refresh` lists nothing unless they
        may manage users).
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.rows: list[UserRow] = []
        self.changed = Emitter()  # the list changed

    @property
    def allowed(self) -> bool:
        from rehab.store.access import Permission

        return self.store.actor.holds(Permission.USERS_MANAGE)

    def set_store(self, store: Store) -> None:
        self.store = store
        self.refresh()

    def refresh(self) -> None:
        users = self.store.users
        self.rows = ([UserRow(u, users.locked_until(u.id)) for u in users.list()]
                     if self.allowed else [])
        self.changed.emit()

    def add(self, *, username: str, display_name: str, role: Role | str, password: str,
            repeat: str) -> User:
        """Add a user; the password is typed twice and must follow the rules.

        Raises
        ------
        ValidationError
            An empty name, passwords that differ, a taken username, or a password that
            breaks the rules (the field is named).
        """
        if not username.strip():
            raise ValidationError("username", "validation.not_empty")
        if password != repeat:
            raise ValidationError("repeat", "validation.passwords_differ")
        user = self.store.users.add(NewUser(username.strip(),
                                            display_name.strip() or username.strip(),
                                            Role(role), password))
        self.refresh()
        return user

    def set_active(self, user_id: int, active: bool) -> User:
        user = self.store.users.set_active(user_id, active)
        self.refresh()
        return user

    def set_role(self, user_id: int, role: Role | str) -> User:
        user = self.store.users.set_role(user_id, Role(role))
        self.refresh()
        return user

    def unlock(self, user_id: int) -> User:
        user = self.store.users.unlock(user_id)
        self.refresh()
        return user
