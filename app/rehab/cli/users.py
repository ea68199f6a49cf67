"""``rehab users``: add, list, deactivate, reset passwords, change roles (admins only)."""

from __future__ import annotations

from pathlib import Path

import click

from rehab.cli.auth import NEW_PASSWORD_ENV, logged_in, password, user_option
from rehab.cli.db import data_dir_option
from rehab.errors import NotFoundError
from rehab.paths import resolve_data_dir
from rehab.store import NewUser, Role, Store, User

_ROLES = click.Choice([r.value for r in Role])


@click.group()
def users() -> None:
    """Manage who may log in, and with which role (admins only)."""


def _target(store: Store, username: str) -> User:
    user = store.users.by_username(username)
    if user is None:
        raise NotFoundError(f"no user {username!r}")
    return user


@users.command("add")
@data_dir_option
@user_option
@click.option("--role", type=_ROLES, required=True, help="admin, therapist or researcher.")
@click.option("--display-name", default=None, help="Name shown in the console.")
@click.argument("name")
def add(data_dir: Path | None, username: str, role: str, display_name: str | None,
        name: str) -> None:
    """Add user NAME; their password from a prompt or $REHAB_NEW_PASSWORD."""
    with logged_in(resolve_data_dir(data_dir), username) as store:
        new = password(NEW_PASSWORD_ENV, prompt=f"Password for {name}", confirm=True)
        user = store.users.add(NewUser(name, display_name or name, Role(role), new))
        click.echo(f"Added {user.username} ({user.role})")


@users.command("list")
@data_dir_option
@user_option
def list_users(data_dir: Path | None, username: str) -> None:
    """List users with their role, state and lockout."""
    with logged_in(resolve_data_dir(data_dir), username) as store:
        for user in store.users.list():
            locked = store.users.locked_until(user.id)
            state = "active" if user.active else "inactive"
            click.echo(f"{user.username:<20} {user.role:<11} {state}"
                       + (f"  locked until {locked}" if locked else ""))


@users.command("deactivate")
@data_dir_option
@user_option
@click.argument("name")
def deactivate(data_dir: Path | None, username: str, name: str) -> None:
    """Deactivate user NAME (their records and audit rows stay)."""
    with logged_in(resolve_data_dir(data_dir), username) as store:
        store.users.set_active(_target(store, name).id, False)
        click.echo(f"Deactivated {name}")


@users.command("passwd")
@data_dir_option
@user_option
@click.argument("name")
def passwd(data_dir: Path | None, username: str, name: str) -> None:
    """Set user NAME's password (prompt or $REHAB_NEW_PASSWORD); also unlocks them."""
    with logged_in(resolve_data_dir(data_dir), username) as store:
        target = _target(store, name)
        new = password(NEW_PASSWORD_ENV, prompt=f"New password for {name}", confirm=True)
        store.users.set_password(target.id, new)
        click.echo(f"Password of {name} set")


@users.command("role")
@data_dir_option
@user_option
@click.argument("name")
@click.argument("role", type=_ROLES)
def role(data_dir: Path | None, username: str, name: str, role: str) -> None:
    """Give user NAME the role ROLE."""
    with logged_in(resolve_data_dir(data_dir), username) as store:
        store.users.set_role(_target(store, name).id, Role(role))
        click.echo(f"{name} is now {role}")


@users.command("unlock")
@data_dir_option
@user_option
@click.argument("name")
def unlock(data_dir: Path | None, username: str, name: str) -> None:
    """Lift user NAME's lockout after failed logins."""
    with logged_in(resolve_data_dir(data_dir), username) as store:
        store.users.unlock(_target(store, name).id)
        click.echo(f"Unlocked {name}")
