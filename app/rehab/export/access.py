"""Who may export what: the entry checks of exports and reports, on the store's permissions.

The decision is the store's one permission table (:mod:`rehab.store.access`):
``exports.deidentified`` (researchers and admins) for de-identified research exports,
``reports.identified`` (therapists and admins) for identified progress reports. A refusal
is the store's :class:`~rehab.store.PermissionDeniedError`, audited like any other. Every
read beneath is checked again by the store, with the same acting user.
"""

from __future__ import annotations

from rehab.store import Actor, Store, User


def require_export(store: Store) -> Actor:
    """The acting user when they may make a de-identified research export, else raise.

    Raises
    ------
    PermissionDeniedError
        Nobody is logged in, the user is inactive, or their role does not hold
        ``exports.deidentified`` (therapists); the refusal is audited.
    """
    return store.authorise_export()


def require_report(store: Store) -> User:
    """The acting user's record (the report's author) when they may print an identified
    progress report, else raise.

    Raises
    ------
    PermissionDeniedError
        Nobody is logged in, the user is inactive, or their role does not hold
        ``reports.identified`` (researchers); the refusal is audited.

    Examples
    --------
    >>> require_report(store.as_user(researcher.id))  # doctest: +SKIP
    Traceback (most recent call last):
    PermissionDeniedError: researcher ... may not store.authorise_report ...
    """
    return store.authorise_report()
