"""Users with roles, and their passwords (scrypt hashes, never the password)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3

from rehab.errors import NotFoundError, ValidationError
from rehab.store._context import StoreContext
from rehab.store.models import NewUser, Role, User

# scrypt cost: n=2**14, r=8 is ~16 MiB and ~50 ms, fine for a login, costly to brute-force.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """Return ``scrypt$n$r$p$salt$hash`` (hex) for ``password``."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R,
                            p=_SCRYPT_P, dklen=32)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches a hash made by :func:`hash_password`."""
    scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), n=int(n),
                            r=int(r), p=int(p), dklen=len(digest_hex) // 2)
    return hmac.compare_digest(digest.hex(), digest_hex)


_COLUMNS = "id, username, display_name, role, active, created_at"


def _user(row: tuple) -> User:
    return User(row[0], row[1], row[2], Role(row[3]), bool(row[4]), row[5])


class UserRepo:
    """Users of the console: admins, therapists, researchers."""

    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx

    def add(self, new: NewUser) -> User:
        """Create a user; the username must be new.

        Raises
        ------
        ValidationError
            The username is taken (field ``username``) or a field is invalid.
        """
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
        return self.get(cursor.lastrowid)

    def get(self, user_id: int) -> User:
        row = self._ctx.db.execute(f"SELECT {_COLUMNS} FROM users WHERE id = ?",
                                   (user_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no user with id {user_id}")
        return _user(row)

    def by_username(self, username: str) -> User | None:
        row = self._ctx.db.execute(f"SELECT {_COLUMNS} FROM users WHERE username = ?",
                                   (username,)).fetchone()
        return _user(row) if row else None

    def list(self) -> list[User]:
        rows = self._ctx.db.execute(f"SELECT {_COLUMNS} FROM users ORDER BY username")
        return [_user(r) for r in rows]

    def authenticate(self, username: str, password: str) -> User | None:
        """Return the active user whose password matches, else ``None`` (audited)."""
        row = self._ctx.db.execute(
            "SELECT id, password_hash, active FROM users WHERE username = ?", (username,)
        ).fetchone()
        ok = row is not None and bool(row[2]) and verify_password(password, row[1])
        with self._ctx.db.atomic():
            self._ctx.audit("login" if ok else "login_failed", "user",
                            row[0] if row else username)
        return self.get(row[0]) if ok else None
