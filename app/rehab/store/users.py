"""Users with roles, their passwords (argon2id hashes, never the password) and logins."""

from __future__ import annotations

import datetime as dt
import sqlite3

from rehab.errors import NotFoundError, ValidationError
from rehab.store._context import StoreContext
from rehab.store.access import Permission, public, requires
from rehab.store.models import NewUser, Role, User
from rehab.store.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    spend_verify_time,
    verify_password,
)

MAX_FAILED_LOGINS = 5
"""Failed logins in a row that lock an account (for :data:`LOCKOUT`)."""
LOCKOUT = dt.timedelta(minutes=15)
BACKOFF_BASE = dt.timedelta(seconds=1)
"""After failure n (< :data:`MAX_FAILED_LOGINS`) the next try waits ``2**(n-1)`` of these."""

_COLUMNS = "id, username, display_name, role, active, created_at"


def _user(row: tuple) -> User:
    return User(row[0], row[1], row[2], Role(row[3]), bool(row[4]), row[5])


def _check_password(username: str, password: str) -> None:
    problem = password_problem(username, password)
    if problem is not None:
        raise ValidationError("password", problem.id, **problem.params)


class UserRepo:
    """Users of the console: admins, therapists, researchers.

    Parameters
    ----------
    ctx
        The open store's shared state: database, clock and the acting user whose
        permissions every operation checks.
    """

    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx

    @public
    def create_first_admin(self, new: NewUser) -> User:
        """Create the centre's first admin (``rehab db init --admin``); anyone may, once.

        Needs no permission (``@public``): it is how a centre gets its first user.

        Parameters
        ----------
        new
            The admin to create: role ``admin``, a new username, a password that keeps
            the rules (:func:`~rehab.store.passwords.password_problem`).

        Returns
        -------
        User
            The new admin, active.

        Raises
        ------
        ValidationError
            ``new`` is not an admin, an active admin exists already, or the password
            breaks the rules.
        """
        if new.role is not Role.ADMIN:
            raise ValidationError("role", "validation.first_user_admin")
        if self._ctx.db.execute("SELECT 1 FROM users WHERE role = 'admin' AND active = 1"
                                ).fetchone():
            raise ValidationError("username", "validation.admin_exists")
        return self._add(new)

    @requires("users", Permission.USERS_MANAGE)
    def add(self, new: NewUser) -> User:
        """Create a user; the username must be new.

        Parameters
        ----------
        new
            The user: a new username, any role, a password that keeps the rules
            (at least 10 characters, not the username, not a common password).

        Returns
        -------
        User
            The new user, active.

        Raises
        ------
        ValidationError
            The username is taken (field ``username``) or the password breaks the
            rules (field ``password``).
        PermissionDeniedError
            The store's acting user lacks ``users.manage`` (the refusal is audited).
        """
        return self._add(new)

    def _add(self, new: NewUser) -> User:
        _check_password(new.username, new.password)
        db = self._ctx.db
        with db.atomic():
            try:
                cursor = db.execute(
                    "INSERT INTO users (username, display_name, role, password_hash, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (new.username, new.display_name, str(new.role),
                     hash_password(new.password), self._ctx.now_iso()),
                )
            except sqlite3.IntegrityError as exc:
                raise ValidationError("username", "validation.username_taken",
                                      username=new.username) from exc
            self._ctx.audit("create", "user", cursor.lastrowid, username=new.username,
                            role=str(new.role))
        return self._get(cursor.lastrowid)

    @requires("users", Permission.USERS_MANAGE)
    def get(self, user_id: int) -> User:
        """One user by id.

        Parameters
        ----------
        user_id
            The user's id.

        Returns
        -------
        User
            The user (active or not); never the password hash.

        Raises
        ------
        NotFoundError
            No user with ``user_id``.
        PermissionDeniedError
            The store's acting user lacks ``users.manage`` (the refusal is audited).
        """
        return self._get(user_id)

    def _get(self, user_id: int) -> User:
        row = self._ctx.db.execute(f"SELECT {_COLUMNS} FROM users WHERE id = ?",
                                   (user_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no user with id {user_id}")
        return _user(row)

    @requires("users", Permission.USERS_MANAGE)
    def by_username(self, username: str) -> User | None:
        """One user by username (exact, case-sensitive match).

        Parameters
        ----------
        username
            The login name.

        Returns
        -------
        User or None
            The user, or None when no user has that name.

        Raises
        ------
        PermissionDeniedError
            The store's acting user lacks ``users.manage`` (the refusal is audited).
        """
        row = self._ctx.db.execute(f"SELECT {_COLUMNS} FROM users WHERE username = ?",
                                   (username,)).fetchone()
        return _user(row) if row else None

    @requires("users", Permission.USERS_MANAGE)
    def list(self) -> list[User]:
        """Every user, active or not.

        Returns
        -------
        list of User
            Ordered by username.

        Raises
        ------
        PermissionDeniedError
            The store's acting user lacks ``users.manage`` (the refusal is audited).
        """
        rows = self._ctx.db.execute(f"SELECT {_COLUMNS} FROM users ORDER BY username")
        return [_user(r) for r in rows]

    @requires("users", Permission.USERS_MANAGE)
    def set_password(self, user_id: int, password: str) -> User:
        """Set a user's password (checked against the rules); also unlocks the account.

        Parameters
        ----------
        user_id
            The user's id.
        password
            The new password: at least 10 characters, not the username, not a common
            password.

        Returns
        -------
        User
            The user (as read before the change; the password is not part of it).

        Raises
        ------
        ValidationError
            The password breaks the rules (field ``password``).
        NotFoundError
            No user with ``user_id``.
        PermissionDeniedError
            The store's acting user lacks ``users.manage`` (the refusal is audited).
        """
        user = self._get(user_id)
        _check_password(user.username, password)
        with self._ctx.db.atomic():
            self._ctx.db.execute("UPDATE users SET password_hash = ?, failed_logins = 0, "
                                 "locked_until = NULL WHERE id = ?",
                                 (hash_password(password), user_id))
            self._ctx.audit("password", "user", user_id)
        return user

    @requires("users", Permission.USERS_MANAGE)
    def set_role(self, user_id: int, role: Role) -> User:
        """Give a user another role (never the last active admin's).

        Parameters
        ----------
        user_id
            The user's id.
        role
            The new role (a :class:`Role` or its string value).

        Returns
        -------
        User
            The updated user.

        Raises
        ------
        ValidationError
            The user is the last active admin and ``role`` is not admin (field
            ``role``, ``validation.last_admin``).
        ValueError
            ``role`` is not a role's value.
        NotFoundError
            No user with ``user_id``.
        PermissionDeniedError
            The store's acting user lacks ``users.manage`` (the refusal is audited).
        """
        user = self._get(user_id)
        role = Role(role)
        if user.role is Role.ADMIN and role is not Role.ADMIN:
            self._require_other_admin(user)
        with self._ctx.db.atomic():
            self._ctx.db.execute("UPDATE users SET role = ? WHERE id = ?", (str(role), user_id))
            self._ctx.audit("role", "user", user_id, before=str(user.role), after=str(role))
        return self._get(user_id)

    @requires("users", Permission.USERS_MANAGE)
    def set_active(self, user_id: int, active: bool) -> User:
        """Deactivate (or reactivate) a user; their records and audit rows stay.

        Parameters
        ----------
        user_id
            The user's id.
        active
            False to deactivate, True to reactivate.

        Returns
        -------
        User
            The updated user.

        Raises
        ------
        ValidationError
            Deactivating the last active admin (field ``role``, ``validation.last_admin``).
        NotFoundError
            No user with ``user_id``.
        PermissionDeniedError
            The store's acting user lacks ``users.manage`` (the refusal is audited).
        """
        user = self._get(user_id)
        if not active and user.role is Role.ADMIN:
            self._require_other_admin(user)
        with self._ctx.db.atomic():
            self._ctx.db.execute("UPDATE users SET active = ? WHERE id = ?",
                                 (int(active), user_id))
            self._ctx.audit("activate" if active else "deactivate", "user", user_id)
        return self._get(user_id)

    @requires("users", Permission.USERS_MANAGE)
    def unlock(self, user_id: int) -> User:
        """Lift a lockout and forget the failed logins.

        Parameters
        ----------
        user_id
            The user's id.

        Returns
        -------
        User
            The user.

        Raises
        ------
        NotFoundError
            No user with ``user_id``.
        PermissionDeniedError
            The store's acting user lacks ``users.manage`` (the refusal is audited).
        """
        user = self._get(user_id)
        with self._ctx.db.atomic():
            self._ctx.db.execute("UPDATE users SET failed_logins = 0, locked_until = NULL "
                                 "WHERE id = ?", (user_id,))
            self._ctx.audit("unlock", "user", user_id)
        return user

    @requires("users", Permission.USERS_MANAGE)
    def locked_until(self, user_id: int) -> str | None:
        """When a locked account opens again (ISO UTC), or None when it is not locked.

        Parameters
        ----------
        user_id
            The user's id.

        Returns
        -------
        str or None
            The ISO 8601 UTC time (milliseconds) the lockout or back-off wait ends, or
            None when there is none or it has passed.

        Raises
        ------
        NotFoundError
            No user with ``user_id``.
        PermissionDeniedError
            The store's acting user lacks ``users.manage`` (the refusal is audited).
        """
        row = self._ctx.db.execute("SELECT locked_until FROM users WHERE id = ?",
                                   (user_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no user with id {user_id}")
        if row[0] is None or dt.datetime.fromisoformat(row[0]) <= self._ctx.wall_clock():
            return None
        return row[0]

    def _require_other_admin(self, user: User) -> None:
        others = self._ctx.db.execute("SELECT COUNT(*) FROM users WHERE role = 'admin' AND "
                                      "active = 1 AND id != ?", (user.id,)).fetchone()[0]
        if not others:
            raise ValidationError("role", "validation.last_admin", username=user.username)

    @public
    def authenticate(self, username: str, password: str) -> User | None:
        """Return the active user whose password matches, else ``None``; always audited.

        Every attempt costs one password check, known user or not (an unknown name is
        checked against a dummy hash), and a failure stores no name. Failure ``n`` in a
        row makes the account wait ``2**(n-1)`` s before the next try; the
        :data:`MAX_FAILED_LOGINS`-th locks it for :data:`LOCKOUT` (an admin can
        :meth:`unlock` it). A try while it waits or is locked fails without counting.
        A scrypt hash (or one with old parameters) is replaced on success.

        Needs no permission (``@public``).

        Parameters
        ----------
        username
            The login name (exact match).
        password
            The password typed.

        Returns
        -------
        User or None
            The user on success; None for an unknown name, a wrong password, an inactive
            user, or an account that waits or is locked.
        """
        row = self._ctx.db.execute(
            "SELECT id, password_hash, active, failed_logins, locked_until FROM users "
            "WHERE username = ?", (username,)).fetchone()
        if row is None:
            spend_verify_time(password)
            with self._ctx.db.atomic():
                self._ctx.audit("login_failed", "user", "", reason="unknown user")
            return None
        user_id, stored, active, failures, locked_until = row
        ok = verify_password(password, stored)
        now = self._ctx.wall_clock()
        with self._ctx.db.atomic():
            if locked_until is not None and now < dt.datetime.fromisoformat(locked_until):
                self._ctx.audit("login_failed", "user", user_id, reason="locked",
                                until=locked_until)
                return None
            if not ok:
                self._count_failure(user_id, failures + 1, now)
                return None
            if not active:
                self._ctx.audit("login_failed", "user", user_id, reason="inactive")
                return None
            rehash = needs_rehash(stored)
            self._ctx.db.execute(
                "UPDATE users SET failed_logins = 0, locked_until = NULL, "
                "password_hash = ? WHERE id = ?",
                (hash_password(password) if rehash else stored, user_id))
            self._ctx.audit("login", "user", user_id, **({"rehashed": True} if rehash else {}))
        return self._get(user_id)

    def _count_failure(self, user_id: int, failures: int, now: dt.datetime) -> None:
        wait = (LOCKOUT if failures >= MAX_FAILED_LOGINS
                else BACKOFF_BASE * 2 ** (failures - 1))
        until = (now + wait).astimezone(dt.UTC).isoformat(timespec="milliseconds")
        self._ctx.db.execute("UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?",
                             (failures, until, user_id))
        self._ctx.audit("login_failed", "user", user_id, reason="password", failures=failures)
        if failures == MAX_FAILED_LOGINS:
            self._ctx.audit("lockout", "user", user_id, until=until)
