"""Who may do what: permissions, the roles that hold them, and the check every operation makes.

Every public store operation names the permission it needs with :func:`requires`; the
acting user of the store (``Store.as_user``) must hold one of them, or the operation is
refused with :class:`PermissionDeniedError` and the refusal is audited. Roles:

- ``admin``: users, settings, the audit log and maintenance, and all a therapist may do;
- ``therapist``: patients, programs, sessions, assessments, identified progress reports
  (``rehab report``, the console's print button);
- ``researcher``: de-identified reads only (pseudonymous codes, age bands, reps, streams)
  and de-identified research exports (``rehab export``; admins may export too).

The ``system`` actor is not a user: it is how maintenance entry points (``rehab db init``,
crash recovery on open, seeding the demo centre, registering the exercise library) act,
and it is audited as such. No screen or login ever gets it.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from rehab.errors import RehabError
from rehab.store.models import Role

if TYPE_CHECKING:
    from rehab.store._context import StoreContext


class Permission(enum.StrEnum):
    """One kind of access; operations name the permissions that allow them."""

    USERS_MANAGE = "users.manage"
    SETTINGS_MANAGE = "settings.manage"
    AUDIT_READ = "audit.read"
    CATALOGUE_READ = "catalogue.read"
    PATIENTS_READ = "patients.read"
    PATIENTS_WRITE = "patients.write"
    PROGRAMS_READ = "programs.read"
    PROGRAMS_WRITE = "programs.write"
    SESSIONS_READ = "sessions.read"
    SESSIONS_WRITE = "sessions.write"
    ASSESSMENTS_READ = "assessments.read"
    ASSESSMENTS_WRITE = "assessments.write"
    REPORTS_IDENTIFIED = "reports.identified"
    RESEARCH_READ = "research.read"
    EXPORT_DEIDENTIFIED = "exports.deidentified"


_RESEARCHER_READS = frozenset({Permission.CATALOGUE_READ, Permission.RESEARCH_READ})
# De-identified research exports: researchers and admins, not therapists.
_RESEARCHER = _RESEARCHER_READS | {Permission.EXPORT_DEIDENTIFIED}
_THERAPIST = _RESEARCHER_READS | {
    Permission.PATIENTS_READ, Permission.PATIENTS_WRITE, Permission.PROGRAMS_READ,
    Permission.PROGRAMS_WRITE, Permission.SESSIONS_READ, Permission.SESSIONS_WRITE,
    Permission.ASSESSMENTS_READ, Permission.ASSESSMENTS_WRITE,
    Permission.REPORTS_IDENTIFIED}
_ADMIN = _THERAPIST | {Permission.USERS_MANAGE, Permission.SETTINGS_MANAGE,
                       Permission.AUDIT_READ, Permission.EXPORT_DEIDENTIFIED}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(_ADMIN),
    Role.THERAPIST: frozenset(_THERAPIST),
    Role.RESEARCHER: _RESEARCHER,
}
"""The one table of who holds what (the README lists it for people)."""


@dataclass(frozen=True)
class Actor:
    """On whose behalf a store acts.

    Attributes
    ----------
    user_id
        The user's id (None for nobody and for the system actor).
    username
        For messages and the audit; never a patient's name.
    role
        The user's role when the store was put in their hands; None for nobody.
    active
        False for a deactivated user: such an actor holds no permission.
    system
        The maintenance actor (see the module docstring): holds every permission.
    """

    user_id: int | None
    username: str
    role: Role | None
    active: bool = True
    system: bool = False

    def holds(self, permission: Permission) -> bool:
        """Whether this actor may do what ``permission`` allows.

        Parameters
        ----------
        permission
            The permission asked for.

        Returns
        -------
        bool
            True for the system actor; False for nobody and for a deactivated user;
            else whether the role holds it (:data:`ROLE_PERMISSIONS`).
        """
        if self.system:
            return True
        if self.role is None or not self.active:
            return False
        return permission in ROLE_PERMISSIONS[self.role]


NOBODY = Actor(None, "(nobody)", None)
"""Nobody logged in: may only log in."""
SYSTEM = Actor(None, "(system)", None, system=True)


class PermissionDeniedError(RehabError, PermissionError):
    """The acting user may not do this; names the user, the role and the operation.

    Like :class:`~rehab.errors.ValidationError` the message is data: ``message_id`` and
    ``params`` (``message_obj``), rendered in the reader's language by the screens with
    :meth:`text`; ``str(error)`` is the English line for logs and the command line.

    Parameters
    ----------
    actor
        The acting user who was refused.
    operation
        The operation, ``scope.method`` (as in :data:`OPERATIONS`).
    needs
        The permissions that would have allowed it (any one of them).
    """

    def __init__(self, actor: Actor, operation: str, needs: tuple[Permission, ...]) -> None:
        from rehab.messages import Message

        if actor.role is None:
            who = Message("access.nobody")
        else:
            who = Message("access.user" if actor.active else "access.user_inactive",
                          {"username": actor.username, "role": Message(f"role.{actor.role}")})
        self.message_id = "access.denied"
        self.params: dict[str, object] = {"who": who, "operation": operation,
                                          "needs": " | ".join(needs)}
        self.message_obj = Message(self.message_id, self.params)
        super().__init__(self.message_obj.text("en"))
        self.actor, self.operation, self.needs = actor, operation, needs

    def text(self, language: str) -> str:
        """The refusal in ``language``.

        Parameters
        ----------
        language
            A language code the messages have (``"en"``, ``"ko"``).

        Returns
        -------
        str
            The rendered refusal.
        """
        return self.message_obj.text(language)


def check(ctx: StoreContext, operation: str, needs: tuple[Permission, ...]) -> None:
    """Raise :class:`PermissionDeniedError` (and audit the refusal) unless allowed.

    Parameters
    ----------
    ctx
        The store context whose actor is checked and audited.
    operation
        The operation's name, ``scope.method``.
    needs
        The permissions that allow it: the actor must hold at least one (an empty tuple
        allows nobody; :func:`public` operations are not checked at all).

    Raises
    ------
    PermissionDeniedError
        The actor holds none of ``needs``; the refusal (``denied``) is audited first, in
        its own transaction.
    """
    actor = ctx.actor
    if any(actor.holds(p) for p in needs):
        return
    with ctx.db.atomic():
        ctx.audit("denied", "operation", operation, needs=[str(p) for p in needs],
                  role=str(actor.role) if actor.role else None)
    raise PermissionDeniedError(actor, operation, needs)


OPERATIONS: dict[str, tuple[Permission, ...]] = {}
"""Every checked operation, ``scope.method`` -> the permissions that allow it."""

P = ParamSpec("P")
R = TypeVar("R")


def requires(scope: str, *needs: Permission) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a repository method: its store's actor must hold one of ``needs``.

    The method's object has ``_ctx`` (a :class:`~rehab.store._context.StoreContext`);
    the operation is named ``scope.method`` in refusals, the audit and :data:`OPERATIONS`.

    Parameters
    ----------
    scope
        The first part of the operation's name (``"patients"``, ``"store"``, ...).
    *needs
        The permissions that allow the method; any one suffices.

    Returns
    -------
    Callable
        A decorator: it registers the operation in :data:`OPERATIONS` and returns the
        method wrapped so that each call first runs :func:`check` (which raises
        :class:`PermissionDeniedError`); the wrapper's ``__permissions__`` is ``needs``.
    """
    def wrap(method: Callable[P, R]) -> Callable[P, R]:
        operation = f"{scope}.{method.__name__}"
        OPERATIONS[operation] = needs

        @functools.wraps(method)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            check(args[0]._ctx, operation, needs)  # type: ignore[attr-defined]
            return method(*args, **kwargs)

        checked.__permissions__ = needs  # type: ignore[attr-defined]
        return checked
    return wrap


def public(method: Callable[P, R]) -> Callable[P, R]:
    """Mark an operation anyone may call (logging in, the first admin): no permission.

    Parameters
    ----------
    method
        The repository method.

    Returns
    -------
    Callable
        ``method`` itself, unwrapped, with ``__permissions__`` set to ``()``.
    """
    method.__permissions__ = ()  # type: ignore[attr-defined]
    return method
