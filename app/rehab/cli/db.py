"""``rehab db``: create, migrate, check and back up the database."""

from __future__ import annotations

from pathlib import Path

import click

from rehab.cli.auth import password
from rehab.errors import StoreError
from rehab.paths import database_path, ensure_data_dir, resolve_data_dir
from rehab.store import SCHEMA_VERSION, NewUser, Role, Store
from rehab.store import connection as store_connection

# No click file_okay=False: a file given here gets the same one-line error, and exit
# code, as one given through $REHAB_DATA_DIR (see ensure_data_dir).
data_dir_option = click.option(
    "--data-dir", type=click.Path(path_type=Path), default=None,
    help="Data folder holding rehab.db (default: $REHAB_DATA_DIR or ./sessions).")


def _existing_database(data_dir: Path | None) -> Path:
    """The database file of an existing data folder; one-line errors when missing."""
    path = database_path(ensure_data_dir(resolve_data_dir(data_dir), create=False))
    if not path.exists():
        raise StoreError(f"no database at {path}; run `rehab db init` first")
    return path


@click.group()
def db() -> None:
    """Create, migrate, check and back up the database."""


@db.command()
@data_dir_option
@click.option("--admin", "admin_name", default=None,
              help="Create the centre's first admin with this username (password from a "
                   "prompt or $REHAB_PASSWORD); refused once an admin exists.")
def init(data_dir: Path | None, admin_name: str | None) -> None:
    """Create the database (or bring an existing one to the current schema).

    The data folder is made private (0700) and the database file 0600.
    """
    folder = resolve_data_dir(data_dir)
    existed = database_path(folder).exists()
    with Store.open(folder) as store:
        click.echo(f"{'Opened' if existed else 'Created'} {store.path} "
                   f"(schema version {SCHEMA_VERSION})")
        if admin_name is not None:
            secret = password(prompt=f"Password for {admin_name}", confirm=True)
            admin = store.users.create_first_admin(
                NewUser(admin_name, admin_name, Role.ADMIN, secret))
            click.echo(f"Created the first admin {admin.username}")
        if store.interrupted_on_open:
            click.echo("Marked interrupted: sessions "
                       + ", ".join(map(str, store.interrupted_on_open)))


@db.command()
@data_dir_option
def migrate(data_dir: Path | None) -> None:
    """Apply pending schema migrations."""
    path = _existing_database(data_dir)
    database = store_connection.connect(path, migrate=False)
    try:
        applied = store_connection.apply_migrations(database, path)
    finally:
        database.close()
    if applied:
        click.echo(f"Migrated {path} to schema version {applied[-1]} "
                   f"(applied {', '.join(map(str, applied))})")
    else:
        click.echo(f"{path} is at schema version {SCHEMA_VERSION}; nothing to do")


@db.command()
@data_dir_option
def check(data_dir: Path | None) -> None:
    """Check integrity, foreign keys and the schema version; exit 1 on any problem.

    A damaged file is reported in one line: how many problems, and the first.
    """
    path = _existing_database(data_dir)
    database = store_connection.connect(path, migrate=False)
    try:
        report = store_connection.check(database)
    finally:
        database.close()
    if report.corrupt:
        raise StoreError(store_connection.describe_corruption(path, report.integrity)
                         + "; copy it with "
                         "`rehab db backup --force` before any repair")
    click.echo(f"database:        {path}")
    click.echo(f"integrity:       {'; '.join(report.integrity)}")
    click.echo(f"foreign keys:    {report.foreign_key_violations} violations")
    click.echo(f"schema version:  {report.schema_version} (this app: {report.expected_version})")
    _echo_audit(report)
    for line in report.loose_modes:
        click.echo(f"Warning: {line} (others may read patients' data)", err=True)
    if not report.ok:
        raise StoreError(f"{path} failed its check; see above (run `rehab db migrate` "
                         "if only the schema version is behind)")
    click.echo("ok")


def _echo_audit(report: store_connection.CheckReport) -> None:
    chain = report.audit
    if chain is None:
        return
    if chain.first_broken_id is not None:
        click.echo(f"audit log:       BROKEN at row {chain.first_broken_id} of {chain.rows} "
                   "(edited, inserted or a row before it deleted)")
    else:
        click.echo(f"audit log:       {chain.rows} rows, chain intact, head {chain.head}")
    if chain.missing_triggers:
        click.echo("audit triggers:  MISSING " + ", ".join(chain.missing_triggers))


@db.command()
@data_dir_option
@click.option("--force", is_flag=True,
              help="Copy a damaged database anyway, page by page, damage included.")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup(data_dir: Path | None, force: bool, target: Path) -> None:
    """Copy the database to TARGET while the app may be writing (online backup).

    The source is checked first; a damaged one is refused unless --force.
    """
    path = _existing_database(data_dir)
    database = store_connection.connect(path, migrate=False)
    try:
        problems = store_connection.integrity_problems(database)
        corrupt = problems != ("ok",)
        if corrupt and not force:
            raise StoreError(store_connection.describe_corruption(path, problems)
                             + "; not backed up (--force copies it, damage included)")
        store_connection.backup(database, target)
    finally:
        database.close()
    if not corrupt:
        click.echo(f"Backed up {path} to {target}")
        return
    click.echo(f"Warning: {store_connection.describe_corruption(path, problems)}", err=True)
    click.echo(f"Copied {path} to {target} as it is, damaged pages included "
               "(--force); the copy is not a sound backup")
