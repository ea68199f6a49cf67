"""``rehab eval``: measure the counting and scoring on public data sets.

A thin adapter over :mod:`rehab.evaluation`: it parses the options, prints the table and
writes the JSON; every rule of the evaluation is stated in the evaluation module.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from rehab.errors import RehabError, ValidationError

__all__ = ["eval_group", "parse_subjects"]


def parse_subjects(text: str) -> tuple[int, ...]:
    """Subject numbers from ``1-7`` or ``1,3,5-7``.

    Raises
    ------
    ValidationError
        Not a list of numbers and ranges within 1..10.

    Examples
    --------
    >>> parse_subjects("1-3,7")
    (1, 2, 3, 7)
    """
    out: set[int] = set()
    try:
        for part in text.split(","):
            lo, _, hi = part.strip().partition("-")
            out.update(range(int(lo), int(hi or lo) + 1))
    except ValueError as exc:
        raise ValidationError("subjects", "validation.subject_ranges", value=repr(text)) from exc
    if not out or min(out) < 1 or max(out) > 10:
        raise ValidationError("subjects", "validation.subjects_range", value=repr(text))
    return tuple(sorted(out))


def _fmt(x: float | None) -> str:
    return "  -  " if x is None or not math.isfinite(x) else f"{x:.2f}"


@click.group(name="eval")
def eval_group() -> None:
    """Measure rep counts and form scores against public data sets."""


@eval_group.command(name="ui-prmd")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--subjects",
    default="1-7",
    show_default=True,
    help="Subjects to evaluate, each held out in turn (ranges: 1-7 or 1,3,5).",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the results to this JSON file.",
)
def ui_prmd(path: Path, subjects: str, json_out: Path | None) -> None:
    """Count and score UI-PRMD (PATH holds kinect/) for every movement the library covers.

    Prints, per movement and subject, the reps counted against the reps expected and the
    AUC of the form score for correct against incorrect reps (leave one subject out),
    then the AUC of each movement.
    """
    from rehab.evaluation.ui_prmd import evaluate, result_to_json

    results = evaluate(path, parse_subjects(subjects))
    click.echo("movement  exercise             subject  counted/expected  incorrect  AUC")
    for m in results:
        for s in m.subjects:
            ok = "" if s.counted == s.expected else "  <- off"
            click.echo(
                f"m{m.movement:02d}       {m.exercise:<20} s{s.subject:02d}      "
                f"{s.counted:>3}/{s.expected:<3}          {s.incorrect_counted:>2}/"
                f"{s.incorrect_files:<2}      {_fmt(s.auc)}{ok}"
            )
    click.echo("")
    click.echo("movement  exercise             AUC   counts")
    for m in results:
        exact = "exact" if m.exact else "NOT exact"
        click.echo(f"m{m.movement:02d}       {m.exercise:<20} {_fmt(m.auc)}  {exact}")
    if json_out is not None:
        doc = result_to_json(results)
        try:
            json_out.write_text(json.dumps(doc, indent=1), encoding="utf-8")
        except OSError as exc:
            raise RehabError(f"cannot write {json_out}: {exc}") from exc
        click.echo(f"wrote {json_out}")
