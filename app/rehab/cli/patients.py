"""``rehab patients``: what the logged-in user's role may see of the centre's patients."""

from __future__ import annotations

from pathlib import Path

import click

from rehab.cli.auth import logged_in, user_option
from rehab.cli.db import data_dir_option
from rehab.paths import resolve_data_dir
from rehab.store import Permission


@click.group()
def patients() -> None:
    """The centre's patients, as the logged-in user's role may see them."""


@patients.command("list")
@data_dir_option
@user_option
@click.option("--all", "include_inactive", is_flag=True, help="Include inactive patients.")
def list_patients(data_dir: Path | None, username: str, include_inactive: bool) -> None:
    """List patients: codes, names and birth years for therapists and admins; codes and
    age bands only for researchers. The listing is audited."""
    with logged_in(resolve_data_dir(data_dir), username) as store:
        if store.actor.holds(Permission.PATIENTS_READ):
            rows = store.patients.search("", include_inactive=include_inactive)
            lines = [f"{p.code}  {p.name}  {p.birth_year}" for p in rows]
        else:
            rows = store.patients.pseudonymous(include_inactive=include_inactive)
            lines = [f"{p.code}  {p.age_band}" for p in rows]
        store.record_listing("patients", len(lines))
        for line in lines:
            click.echo(line)
