"""``rehab export`` and ``rehab report``: research exports and printed progress reports.

Both log in (``--user``, the password from ``$REHAB_PASSWORD`` or a prompt) and act as
that user, so the store's permission checks and the audit see who read what.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from rehab.cli.db import data_dir_option
from rehab.errors import AuthenticationError, ValidationError
from rehab.paths import resolve_data_dir
from rehab.store import Store

PASSWORD_ENV = "REHAB_PASSWORD"

user_option = click.option("--user", "username", required=True,
                           help="Log in as this user (password from $REHAB_PASSWORD or a "
                                "prompt).")


def login(store: Store, username: str) -> Store:
    """The store acting as ``username`` once their password checks out (audited).

    Raises
    ------
    AuthenticationError
        Unknown user, inactive user or wrong password (one message for all three).
    """
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        password = click.prompt(f"Password for {username}", hide_input=True, err=True)
    user = store.users.authenticate(username, password)
    if user is None:
        raise AuthenticationError(f"wrong user name or password for {username!r}")
    return store.as_user(user.id)


def _date(_ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None


@click.command("export")
@click.argument("fmt", metavar="FORMAT",
                type=click.Choice(["bids", "parquet", "csv", "mcap", "fhir"]))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to create (must not exist, or be empty).")
@click.option("--patients", default="", help="Comma-separated patient codes (default all).")
@click.option("--since", callback=_date, help="First session date to include, YYYY-MM-DD.")
@click.option("--until", callback=_date, help="Last session date to include, YYYY-MM-DD.")
@click.option("--dates", type=click.Choice(["shift", "relative"]), default="shift",
              show_default=True, help="Shift dates per subject (to 1925 or earlier), or "
                                      "give days since each subject's first session.")
@user_option
@data_dir_option
def export(fmt: str, out: Path, patients: str, since: dt.date | None, until: dt.date | None,
           dates: str, username: str, data_dir: Path | None) -> None:
    """De-identified research export in FORMAT (bids, parquet, csv, mcap, fhir).

    Researchers and admins only. Names, codes, notes and other free text, birth dates
    and device serials are removed; subjects get random labels (the mapping stays in
    the clinic's database); dates are shifted or relative. The export is written to a
    temporary folder and renamed to --out when complete, and is audited.
    """
    from rehab.export.deid import DatePolicy
    from rehab.export.reader import ExportSelection
    from rehab.export.run import count_sessions, run_export

    codes = tuple(c.strip().upper() for c in patients.split(",") if c.strip())
    selection = ExportSelection(codes, since, until)
    with Store.open(resolve_data_dir(data_dir), recover=False) as store:
        user_store = login(store, username)
        from rehab.export.access import require_export

        require_export(user_store, identified=False)  # refuse before counting anything
        total = count_sessions(user_store, selection)
        with click.progressbar(length=total, label=f"Exporting {fmt}", file=None) as bar:
            result = run_export(user_store, fmt, out, selection, dates=DatePolicy(dates),
                                progress=bar.update)
    click.echo(f"Exported {result.sessions} sessions of {result.subjects} subjects to "
               f"{result.folder} (export {result.uid}, de-identified, dates {dates})")


@click.command("report")
@click.argument("code", metavar="PATIENT")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="PDF file to write.")
@click.option("--lang", type=click.Choice(["ko", "en"]), default="ko", show_default=True,
              help="Language of the report.")
@user_option
@data_dir_option
def report(code: str, out: Path, lang: str, username: str, data_dir: Path | None) -> None:
    """Printable progress report of PATIENT (code P-XXXXXX) as PDF.

    Identified (name, notes): therapists and admins only; every report is audited.
    """
    if out.suffix.lower() != ".pdf":
        raise ValidationError("out", f"{out} must end in .pdf")
    from rehab.report.pdf import write_report

    with Store.open(resolve_data_dir(data_dir), recover=False) as store:
        user_store = login(store, username)
        pages = write_report(user_store, code, out, language=lang)
    click.echo(f"Wrote the progress report of {code.upper()} to {out} ({pages} pages)")
