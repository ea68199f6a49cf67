"""Password hashes (argon2id; older scrypt hashes still verify) and the password rules.

argon2id with OWASP's minimum configuration (19 MiB, 2 passes, 1 lane): about 40 ms per
check here, memory-hard against GPU guessing. Hashes made with other parameters, or the
scrypt hashes of earlier versions, are replaced at the user's next successful login
(:func:`needs_rehash`).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from rehab.messages import Message

MIN_PASSWORD_LENGTH = 10

_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)

# A hash of a random, forgotten secret, with the same parameters: an unknown username is
# checked against it, so it costs the same time as a known one (no user enumeration).
_DUMMY_HASH = ("$argon2id$v=19$m=19456,t=2,p=1$/bV0om4leBwrH2SLADKW1w$"
               "udMoB4HjRtepLf1nAxz4LRUCT1AxLcizmq3HD4zpvdc")


def hash_password(password: str) -> str:
    """Return the argon2id hash (PHC string, salt included) of ``password``.

    Parameters
    ----------
    password
        The plain-text password, any length (the rules are :func:`password_problem`'s).

    Returns
    -------
    str
        The PHC string ``$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>``, with a fresh
        random salt: two calls on the same password give different strings.
    """
    return _HASHER.hash(password)


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored`` (argon2id, or a legacy scrypt hash).

    A malformed hash never matches.

    Parameters
    ----------
    password
        The plain-text password to check.
    stored
        The stored hash: an argon2 PHC string, or a legacy ``scrypt$n$r$p$salt$hash``.

    Returns
    -------
    bool
        True on a match; False on a mismatch or a malformed hash (never raises for it).
    """
    if stored.startswith("scrypt$"):
        return _verify_scrypt(password, stored)
    try:
        return _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def spend_verify_time(password: str) -> None:
    """Check ``password`` against a dummy hash: the cost of a check, no answer.

    Parameters
    ----------
    password
        The plain-text password given for an unknown username.
    """
    verify_password(password, _DUMMY_HASH)


def needs_rehash(stored: str) -> bool:
    """True for hashes to replace on the next login: scrypt, or other argon2 parameters.

    Parameters
    ----------
    stored
        The stored hash (argon2 PHC string or legacy scrypt).

    Returns
    -------
    bool
        True for a scrypt hash, an argon2 hash with other parameters, or a malformed
        hash; False for an argon2id hash with the current parameters.
    """
    if stored.startswith("scrypt$"):
        return True
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


def _verify_scrypt(password: str, stored: str) -> bool:
    """Verify a ``scrypt$n$r$p$salt$hash`` hash of schema versions before 4.

    Returns
    -------
    bool
        True on a match; False on a mismatch or a malformed hash.
    """
    try:
        _scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), n=int(n),
                                r=int(r), p=int(p), dklen=len(digest_hex) // 2)
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


@functools.cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords (lower case), refused on set.

    Read once from ``common_passwords.txt`` in the package and cached; blank lines and
    ``#`` comments are skipped.

    Returns
    -------
    frozenset of str
        The common passwords, stripped and lower-cased.
    """
    text = resources.files("rehab.store").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def password_problem(username: str, password: str) -> Message | None:
    """What is wrong with ``password`` for ``username`` (a message), or None when it may be set.

    Parameters
    ----------
    username
        The user's login name; the password may not equal it (case and surrounding
        spaces ignored).
    password
        The proposed password: at least :data:`MIN_PASSWORD_LENGTH` (10) characters, not
        the username, not in :func:`common_passwords` (case-insensitively).

    Returns
    -------
    Message or None
        The first problem found (``validation.min_length``, ``validation.password_username``
        or ``validation.password_common``), or None when the password may be set.

    Examples
    --------
    >>> str(password_problem("kim", "short"))
    'must have at least 10 characters'
    >>> password_problem("kim", "a sound passphrase") is None
    True
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return Message("validation.min_length", {"n": MIN_PASSWORD_LENGTH})
    if password.strip().lower() == username.strip().lower():
        return Message("validation.password_username")
    if password.strip().lower() in common_passwords():
        return Message("validation.password_common")
    return None
