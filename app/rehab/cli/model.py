"""``rehab model``: train the learned form-quality model on UI-PRMD."""

from __future__ import annotations

import time
from pathlib import Path

import click

from rehab.quality.card import compare_with_egcn, loso_table, model_card, summary_json
from rehab.quality.config import ModelConfig, TrainConfig
from rehab.quality.metrics import summarise

SUBJECTS = tuple(range(1, 8))


@click.group()
def model() -> None:
    """Train the learned form-quality model (a second opinion beside the deductions)."""


def _loso(reps, model_cfg: ModelConfig, cfg: TrainConfig, label: str):
    from rehab.quality.train import leave_one_subject_out  # torch: only when training

    n_folds = len(set(reps.subject.tolist()))
    with click.progressbar(length=n_folds * cfg.epochs, label=f"LOSO {label}") as bar:
        return leave_one_subject_out(reps, model_cfg, cfg, lambda fold, epoch: bar.update(1))


@model.command()
@click.option("--ui-prmd", "ui_prmd", required=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="UI-PRMD folder (the one holding kinect/).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Manifest to write (e.g. app/rehab/quality/models/form_quality_v1.json); "
                   "the weights, the held-out check model and the model card go beside it.")
@click.option("--epochs", default=TrainConfig.epochs, show_default=True, type=click.IntRange(1),
              help="Training epochs per model.")
@click.option("--width", default=ModelConfig.width, show_default=True, type=click.IntRange(4),
              help="Channels of the network's first block.")
@click.option("--architecture", default="gcn", show_default=True,
              type=click.Choice(["gcn_template", "gcn", "gcn_reference"]),
              help="The graph net alone (gcn), or also reading each rep's deviation from its "
                   "movement's mean correct rep (gcn_template) or from the same person's "
                   "correct reps (gcn_reference).")
@click.option("--reference-reps", default=3, show_default=True, type=click.IntRange(1, 9),
              help="gcn_reference: the person's correct reps averaged into the reference "
                   "(in LOSO, the held-out subject's first ones, then not scored).")
@click.option("--seed", default=TrainConfig.seed, show_default=True, type=int,
              help="Seed of weights, order and augmentation.")
@click.option("--baseline/--no-baseline", default=True, show_default=True,
              help="Also run the TCN baseline's LOSO, reported beside the model.")
@click.option("--holdout-subject", default=7, show_default=True, type=click.IntRange(1, 7),
              help="Whose LOSO fold model is shipped as the reproducibility check.")
def train(ui_prmd: Path, out: Path, epochs: int, width: int, architecture: str,
          reference_reps: int, seed: int, baseline: bool, holdout_subject: int) -> None:
    """Leave-one-subject-out on s01-s07, then fit on all of them and write the weights.

    Prints the LOSO table (accuracy and AUC per movement, mean ± SD over folds) beside
    EGCN's published figures, and writes it into the model card.
    """
    # torch and the data sets load only when a model is trained, not for `rehab --help`.
    from rehab.quality.data import load_ui_prmd_reps, ui_prmd_durations
    from rehab.quality.ood import duration_ranges
    from rehab.quality.train import train_model
    from rehab.quality.weights import save_model

    t0 = time.perf_counter()
    click.echo(f"Preparing UI-PRMD reps of s01-s07 from {ui_prmd} ...")
    reps = load_ui_prmd_reps(ui_prmd, SUBJECTS)
    model_cfg = ModelConfig(architecture, width, reference_reps=(
        reference_reps if architecture == "gcn_reference" else 0))
    cfg = TrainConfig(epochs=epochs, seed=seed)
    folds = _loso(reps, model_cfg, cfg, architecture.upper())
    summary = summarise([f.scores for f in folds])
    base_summary = None
    if baseline and model_cfg.reference_reps:
        click.echo("No TCN baseline beside a model with a reference: it would be scored on "
                   "other reps (see the reference-free model's card).")
    elif baseline:
        base_folds = _loso(reps, ModelConfig("tcn", width), cfg, "TCN baseline")
        base_summary = summarise([f.scores for f in base_folds])
    with click.progressbar(length=epochs, label="Final fit on s01-s07") as bar:
        network = train_model(reps, model_cfg, cfg, lambda epoch: bar.update(1))
    table = loso_table(summary, base_summary)
    holdout = next(f for f in folds if f.subject == holdout_subject)
    holdout_path = out.with_name(f"{out.stem}_holdout_s{holdout_subject:02d}.json")
    common = {"model_family": "form-quality", "subjects": list(SUBJECTS),
              "n_reps": len(reps), "train": cfg.as_dict(),
              "parameters": sum(p.numel() for p in network.parameters())}
    kept = [s for s in SUBJECTS if s != holdout_subject]
    save_model(holdout.model, model_cfg, holdout_path, {
        **common, "subjects": kept,
        "rep_duration_s": duration_ranges(ui_prmd_durations(ui_prmd, kept)),
        "n_reps": int((reps.subject != holdout_subject).sum()),
        "evaluated_on": holdout_subject,
        "figures": [{"movement": f"m{s.movement:02d}", "accuracy": round(s.accuracy, 4),
                     "auc": round(s.auc, 4)} for s in holdout.scores]})
    versus = compare_with_egcn(summary)
    manifest = save_model(network, model_cfg, out, {
        **common, "manifest_file": out.name, "holdout_subject": holdout_subject,
        "rep_duration_s": duration_ranges(ui_prmd_durations(ui_prmd, SUBJECTS)),
        "holdout_file": holdout_path.name, "loso": summary_json(summary),
        "loso_baseline": None if base_summary is None else summary_json(base_summary),
        "loso_per_fold": [{"subject": f.subject, "accuracy": [round(s.accuracy, 3)
                                                             for s in f.scores]}
                          for f in folds],
        "versus_egcn_fused": versus, "train_seconds": round(time.perf_counter() - t0, 1)})
    out.with_suffix(".md").write_text(model_card(manifest))
    click.echo(table)
    click.echo(f"Against EGCN's fused accuracy: above on {', '.join(versus['above']) or 'none'}"
               f"; equal on {', '.join(versus['equal']) or 'none'}"
               f"; below on {', '.join(versus['below']) or 'none'}")
    click.echo(f"Wrote {out}, {out.with_suffix('.pt')}, {out.with_suffix('.md')} and "
               f"{holdout_path} in {manifest['train_seconds']:.0f} s")


@model.command()
@click.option("--ui-prmd", "ui_prmd", required=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="UI-PRMD folder (the one holding kinect/).")
@click.argument("manifests", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
def ranges(ui_prmd: Path, manifests: tuple[Path, ...]) -> None:
    """Write the training reps' duration range per movement into MANIFESTS (format 1 -> 2).

    The ranges come from the UI-PRMD reps of each manifest's own `subjects`; the weights
    are not touched (their SHA-256 is checked against the manifest first), and a
    manifest with LOSO figures gets its model card rewritten beside it.
    """
    import hashlib
    import json

    from rehab.quality.data import ui_prmd_durations
    from rehab.quality.ood import duration_ranges
    from rehab.quality.weights import FORMAT_VERSION, load_model

    for path in manifests:
        manifest = json.loads(path.read_text())
        weights = path.parent / manifest["weights_file"]
        if hashlib.sha256(weights.read_bytes()).hexdigest() != manifest["sha256"]:
            raise click.ClickException(f"{weights}: SHA-256 differs from {path}; not touched")
        manifest["format_version"] = FORMAT_VERSION
        manifest["rep_duration_s"] = duration_ranges(
            ui_prmd_durations(ui_prmd, manifest["subjects"]))
        path.write_text(json.dumps(manifest, indent=2) + "\n")
        load_model(path)  # the rewritten manifest must load
        if "loso" in manifest:
            path.with_suffix(".md").write_text(model_card(manifest))
        click.echo(f"Wrote {path}: rep durations of s"
                   f"{', s'.join(f'{s:02d}' for s in manifest['subjects'])}")
