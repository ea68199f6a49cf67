"""``rehab eval``: measure the counting and scoring on public data sets.

A thin adapter over :mod:`rehab.evaluation` (the rule score) and
:mod:`rehab.quality.ui_prmd_eval` (the learned model): it parses the options, prints the
table and writes the JSON; every rule of the evaluation is stated in those modules. torch
loads only when this command runs with the model.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

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
@click.option(
    "--model",
    "manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Model manifest (default: the shipped rehab/quality/models/form_quality_v1.json).",
)
@click.option("--no-model", is_flag=True, help="Rule score figures only (no torch).")
def ui_prmd(path: Path, subjects: str, json_out: Path | None, manifest: Path | None,
            no_model: bool) -> None:
    """Count and score UI-PRMD (PATH holds kinect/) for every movement the library covers.

    Prints, per movement and subject, the reps counted against the reps expected and the
    AUC of the form score for correct against incorrect reps (leave one subject out),
    then per movement the AUC of the rule score beside the learned model's accuracy and
    AUC (on subjects it was trained on these are in-sample, marked *; its leave-one-subject-
    out figures from the model card stand beside).
    """
    from rehab.evaluation.ui_prmd import evaluate, result_to_json

    chosen = parse_subjects(subjects)
    results = evaluate(path, chosen)
    models: dict[int, Any] = {}
    if not no_model:
        from rehab.quality.live import DEFAULT_MANIFEST  # torch loads only here
        from rehab.quality.ui_prmd_eval import evaluate_model_ui_prmd
        from rehab.quality.weights import load_model

        model = load_model(manifest or DEFAULT_MANIFEST)
        models = evaluate_model_ui_prmd(path, chosen, model, [m.movement for m in results])
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
    click.echo("movement  exercise             AUC   counts     model acc  model AUC  "
               "LOSO acc  LOSO AUC")
    for m in results:
        exact = "exact" if m.exact else "NOT exact"
        e = models.get(m.movement)
        mark = "*" if e is not None and e.in_sample else " "
        figures = ("" if e is None else
                   f"  {_fmt(e.accuracy)}{mark}      {_fmt(e.auc)}{mark}      "
                   f"{_fmt(e.loso_accuracy)}      {_fmt(e.loso_auc)}")
        click.echo(f"m{m.movement:02d}       {m.exercise:<20} {_fmt(m.auc)}  {exact:<9}"
                   f"{figures}")
    if any(e.in_sample for e in models.values()):
        click.echo("* in-sample: the model was trained on these subjects; LOSO: its "
                   "leave-one-subject-out figures on s01-s07 (model card)")
    if json_out is not None:
        doc = result_to_json(results)
        for entry, m in zip(doc, results, strict=True):
            e = models.get(m.movement)
            entry["model"] = None if e is None else e.as_json()
        try:
            json_out.write_text(json.dumps(doc, indent=1), encoding="utf-8")
        except OSError as exc:
            raise RehabError(f"cannot write {json_out}: {exc}") from exc
        click.echo(f"wrote {json_out}")
