"""``rehab eval``: measure the rule scores and the learned model on a labelled data set."""

from __future__ import annotations

import json
from pathlib import Path

import click

from rehab.errors import ValidationError


def parse_subjects(text: str) -> tuple[int, ...]:
    """``"1-7"``, ``"1,3,5"`` or ``"1-3,7"`` -> sorted subject numbers (1..10).

    Raises
    ------
    ValidationError
        Not a list of numbers and ranges, or a number outside 1..10.
    """
    out: set[int] = set()
    try:
        for part in text.split(","):
            lo, _, hi = part.strip().partition("-")
            out.update(range(int(lo), int(hi or lo) + 1))
    except ValueError as exc:
        raise ValidationError("--subjects", f"expected e.g. 1-7 or 1,3,5, got {text!r}") from exc
    if not out or min(out) < 1 or max(out) > 10:
        raise ValidationError("--subjects", f"subjects are 1..10, got {text!r}")
    return tuple(sorted(out))


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


@click.group(name="eval")
def eval_() -> None:
    """Measure rep counting, the rule scores and the learned model on labelled data."""


@eval_.command(name="ui-prmd")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--subjects", default="1-7", show_default=True,
              help="Subjects to evaluate: a range or list (1-7, 1,3,5).")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the figures as JSON to this file.")
@click.option("--model", "manifest", type=click.Path(dir_okay=False, path_type=Path),
              help="Model manifest (default: the shipped models/form_quality_v1.json).")
@click.option("--no-model", is_flag=True, help="Rule figures only.")
def ui_prmd(path: Path, subjects: str, json_out: Path | None, manifest: Path | None,
            no_model: bool) -> None:
    """Per UI-PRMD movement: reps counted, the rule score's AUC and the model's accuracy
    and AUC (correct vs deliberately incorrect reps).

    PATH is the UI-PRMD folder holding kinect/. The model's figures on subjects it was
    trained on are in-sample (marked *); its held-out figures are in its model card.
    """
    from rehab.quality.live import DEFAULT_MANIFEST  # torch loads only for this command
    from rehab.quality.ui_prmd_eval import evaluate_ui_prmd
    from rehab.quality.weights import load_model

    chosen = parse_subjects(subjects)
    model = None if no_model else load_model(manifest or DEFAULT_MANIFEST)
    rows = evaluate_ui_prmd(path, chosen, model)
    click.echo(f"UI-PRMD, subjects {', '.join(f's{s:02d}' for s in chosen)}")
    click.echo(f"{'movement':<10}{'exercise':<20}{'counted':>10}{'rule AUC':>10}"
               f"{'model acc':>11}{'model AUC':>11}{'LOSO acc':>10}{'LOSO AUC':>10}")
    for row in rows:
        counted = (f"{sum(s.counted for s in row.subjects)}/"
                   f"{sum(s.expected for s in row.subjects)}" if row.subjects else "-")
        mark = "*" if row.model_in_sample and row.model_accuracy is not None else ""
        click.echo(f"{f'm{row.movement:02d}':<10}{row.exercise or '-':<20}{counted:>10}"
                   f"{_fmt(row.rule_auc):>10}{_fmt(row.model_accuracy) + mark:>11}"
                   f"{_fmt(row.model_auc) + mark:>11}{_fmt(row.loso_accuracy):>10}"
                   f"{_fmt(row.loso_auc):>10}")
    if model is not None and any(r.model_in_sample for r in rows):
        click.echo("* in-sample: the model was trained on these subjects; LOSO: its "
                   "leave-one-subject-out figures on s01-s07 (model card)")
    if json_out is not None:
        json_out.write_text(json.dumps({"dataset": "ui_prmd", "subjects": list(chosen),
                                        "movements": [r.as_json() for r in rows]}, indent=2))
        click.echo(f"Wrote {json_out}")
