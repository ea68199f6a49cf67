"""Who may export what: the one place the role decision for exports and reports is made.

De-identified research exports: researchers and admins. Identified progress reports:
therapists and admins. The store's own permission layer checks every read beneath this;
this check refuses early, with a message naming what was refused.
"""

from __future__ import annotations

from rehab.errors import PermissionDeniedError
from rehab.store import Role, Store, User

DEIDENTIFIED_EXPORT_ROLES = frozenset({Role.RESEARCHER, Role.ADMIN})
IDENTIFIED_REPORT_ROLES = frozenset({Role.THERAPIST, Role.ADMIN})


def require_export(store: Store, identified: bool) -> User:
    """Return the acting user when their role may make this export, else raise.

    Parameters
    ----------
    store
        Opened ``as_user`` the logged-in user.
    identified
        True for an identified report (names, notes), False for a de-identified export.

    Returns
    -------
    User
        The acting user, read from the users table (never from the caller).

    Raises
    ------
    PermissionDeniedError
        Nobody is logged in, the user is inactive, or their role is not allowed.

    Examples
    --------
    >>> require_export(store.as_user(researcher.id), identified=True)  # doctest: +SKIP
    Traceback (most recent call last):
    PermissionDeniedError: identified report is not allowed for the researcher role
    """
    action = "identified report" if identified else "de-identified export"
    user = store.acting_user()
    if user is None or not user.active:
        raise PermissionDeniedError(action, None if user is None else "inactive user")
    allowed = IDENTIFIED_REPORT_ROLES if identified else DEIDENTIFIED_EXPORT_ROLES
    if user.role not in allowed:
        raise PermissionDeniedError(action, str(user.role))
    return user
