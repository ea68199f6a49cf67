"""Logging in from the command line: the name from an option, the password from a prompt
or ``$REHAB_PASSWORD`` (never from an option, which other users could read in ``ps``)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from rehab.errors import ValidationError
from rehab.store import Store

PASSWORD_ENV = "REHAB_PASSWORD"
NEW_PASSWORD_ENV = "REHAB_NEW_PASSWORD"

user_option = click.option(
    "--user", "username", required=True,
    help=f"Log in as this user (password from a prompt or ${PASSWORD_ENV}).")


def password(env: str = PASSWORD_ENV, *, prompt: str = "Password",
             confirm: bool = False) -> str:
    """The password from ``$env``, else asked for without echo."""
    value = os.environ.get(env)
    if value:
        return value
    return click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)


def logged_in(data_dir: Path, username: str) -> Store:
    """The store acting as ``username`` after the password check (audited either way).

    Raises
    ------
    ValidationError
        Wrong name or password, an inactive account, or one locked after failed tries.
    """
    store = Store.open(data_dir)
    user = store.users.authenticate(username, password())
    if user is None:
        store.close()
        raise ValidationError("username", "validation.login_refused", username=username)
    return store.as_user(user.id)
