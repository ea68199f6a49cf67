"""``rehab export`` and ``rehab report``: research exports and printed progress reports.

Both log in through :func:`rehab.cli.auth.logged_in` (``--user``, the password from a
prompt or ``$REHAB_PASSWORD``) and act as that user, so the store's permission checks
(``exports.deidentified``, ``reports.identified``) and the audit see who read what.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from rehab.cli.auth import logged_in, user_option
from rehab.cli.db import data_dir_option
from rehab.errors import ValidationError
from rehab.language import DEFAULT_LANGUAGE, Language
from rehab.paths import resolve_data_dir


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
    from rehab.export.access import require_export

    with logged_in(resolve_data_dir(data_dir), username) as user_store:
        require_export(user_store)  # refuse (audited) before counting anything
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
@click.option("--lang", type=click.Choice([str(lang) for lang in Language]),
              default=str(DEFAULT_LANGUAGE), show_default=True,
              help="Language of the report.")
@user_option
@data_dir_option
def report(code: str, out: Path, lang: str, username: str, data_dir: Path | None) -> None:
    """Printable progress report of PATIENT (code P-XXXXXX) as PDF.

    Identified (name, notes): therapists and admins only; every report is audited.
    """
    if out.suffix.lower() != ".pdf":
        raise ValidationError("out", "validation.pdf_suffix", path=str(out))
    from rehab.report.pdf import write_report

    with logged_in(resolve_data_dir(data_dir), username) as user_store:
        pages = write_report(user_store, code, out, language=lang)
    click.echo(f"Wrote the progress report of {code.upper()} to {out} ({pages} pages)")
