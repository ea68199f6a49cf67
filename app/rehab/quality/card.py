"""The LOSO table and the model card, written from the figures a training run produced."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rehab.quality.features import MOVEMENT_NAMES
from rehab.quality.metrics import MovementSummary
from rehab.quality.ood import DURATION_FACTOR, parse_ranges

__all__ = ["EGCN_FUSED", "EGCN_POSITIONS", "compare_with_egcn", "duration_table", "loso_table",
           "model_card",
           "summary_from_json", "summary_json"]

#: EGCN (Yu et al., IJCAI 2022), UI-PRMD correct vs incorrect, 5-fold cross-subject on
#: 10 subjects (8 for training), accuracy per movement m01..m10, positions and
#: orientations fused, and positions alone.
EGCN_FUSED = (0.833, 0.918, 0.804, 0.793, 0.899, 0.890, 0.921, 0.817, 0.958, 0.852)
EGCN_POSITIONS = (0.711, 0.846, 0.637, 0.700, 0.863, 0.836, 0.802, 0.651, 0.867, 0.741)


def summary_json(summary: Sequence[MovementSummary]) -> list[dict[str, Any]]:
    """Per-movement figures as JSON-ready dicts, rounded to 3 decimals."""
    return [{"movement": f"m{s.movement:02d}", "accuracy_mean": round(s.accuracy_mean, 3),
             "accuracy_sd": round(s.accuracy_sd, 3), "accuracy_min": round(s.accuracy_min, 3),
             "auc_mean": round(s.auc_mean, 3), "auc_sd": round(s.auc_sd, 3)}
            for s in summary]


def summary_from_json(entries: Sequence[dict[str, Any]]) -> tuple[MovementSummary, ...]:
    """The inverse of :func:`summary_json` (figures as rounded there)."""
    return tuple(MovementSummary(int(e["movement"][1:]), e["accuracy_mean"], e["accuracy_sd"],
                                 e["auc_mean"], e["auc_sd"], e["accuracy_min"])
                 for e in entries)


def compare_with_egcn(summary: Sequence[MovementSummary]) -> dict[str, list[str]]:
    """Movements whose mean accuracy, to EGCN's three decimals, is above, equal or below."""
    out: dict[str, list[str]] = {"above": [], "equal": [], "below": []}
    for s in summary:
        ours, theirs = round(s.accuracy_mean, 3), EGCN_FUSED[s.movement - 1]
        key = "above" if ours > theirs else "equal" if ours == theirs else "below"
        out[key].append(f"m{s.movement:02d}")
    return out


def loso_table(model: Sequence[MovementSummary], baseline: Sequence[MovementSummary] | None,
               ) -> str:
    """Markdown table: the model and the baseline (mean +- SD over folds) beside EGCN."""
    head = "| movement | model acc | model AUC |"
    rule = "|---|---|---|"
    if baseline is not None:
        head += " TCN acc | TCN AUC |"
        rule += "---|---|"
    head += " EGCN fused acc | EGCN positions acc |"
    rule += "---|---|"
    lines = [head, rule]
    base = {s.movement: s for s in baseline or ()}
    for s in model:
        i = s.movement - 1
        row = (f"| m{s.movement:02d} {MOVEMENT_NAMES[i]} | {s.accuracy_mean:.3f} ± "
               f"{s.accuracy_sd:.3f} | {s.auc_mean:.3f} ± {s.auc_sd:.3f} |")
        if baseline is not None:
            b = base[s.movement]
            row += (f" {b.accuracy_mean:.3f} ± {b.accuracy_sd:.3f} | {b.auc_mean:.3f} ± "
                    f"{b.auc_sd:.3f} |")
        row += f" {EGCN_FUSED[i]:.3f} | {EGCN_POSITIONS[i]:.3f} |"
        lines.append(row)
    mean = lambda vals: sum(vals) / len(vals)  # noqa: E731
    lines.append(f"| mean | {mean([s.accuracy_mean for s in model]):.3f} | "
                 f"{mean([s.auc_mean for s in model]):.3f} |"
                 + (f" {mean([s.accuracy_mean for s in baseline]):.3f} | "
                    f"{mean([s.auc_mean for s in baseline]):.3f} |" if baseline else "")
                 + f" {mean(EGCN_FUSED):.3f} | {mean(EGCN_POSITIONS):.3f} |")
    return "\n".join(lines)


def duration_table(manifest: dict[str, Any]) -> str:
    """Markdown table: each movement's training rep durations and the widened range."""
    lines = ["| movement | training reps (s) | opinion given for (s) |", "|---|---|---|"]
    for key, (lo, hi) in sorted(parse_ranges(manifest["rep_duration_s"]).items()):
        name = MOVEMENT_NAMES[int(key[1:]) - 1]
        lines.append(f"| {key} {name} | {lo:.2f}-{hi:.2f} | {lo / DURATION_FACTOR:.2f}-"
                     f"{hi * DURATION_FACTOR:.2f} |")
    return "\n".join(lines)


_ARCH_NAMES = {"gcn": "GCN", "gcn_template": "GCN reading template deviations",
               "gcn_reference": "GCN reading deviations from the person's reference",
               "tcn": "TCN"}


def _reference_texts(manifest: dict[str, Any]) -> tuple[str, str, str]:
    """The model card's paragraphs on a network that reads the person's reference reps:
    (after the inputs, the LOSO protocol, the comparison with EGCN); empty otherwise."""
    n = int(manifest["model"].get("reference_reps", 0))
    if not n:
        return "", "(20 reps per fold and movement)", ""
    inputs = f"""
Both streams also read the rep's deviation, frame by frame, from the same person's
reference: the mean of {n} of their reps of the movement that are known to be correct.
In training, each rep's reference is drawn at random from the subject's other correct
reps of the movement (turned, scaled and mirrored with the rep, warped in time and
noised on its own). Each person does a movement their own way: s06 leans 52 deg forward
in the squats UI-PRMD calls correct, as far as the others lean in their staged incorrect
ones, and a reference-free model calls all of s06's squats incorrect; measured against
the person's own correct reps, the staged fault stands out from the style."""
    protocol = (f"(per fold and movement, the held-out subject's first {n} correct reps,\n"
                f"episodes e01-e{n:02d}, are the reference and are not scored: {10 - n} "
                "correct and 10\nincorrect reps are)")
    versus = f"""

**Not EGCN's protocol.** The network has never seen the held-out subject in training,
but it is given {n} of their correct reps, labelled, at test time; EGCN is given none.
The fair comparison with EGCN is the reference-free model's card
(`form_quality_v1.md`). This one measures what a clinic can do: a therapist guides a
patient's first reps until they are right, and later reps are compared with those.

**Live use.** A therapist marks reps a patient did correctly as their reference for an
exercise (the console's after-session page, "Use selected reps as reference", or
`rehab patients reference CODE EXERCISE --session ID --set K --reps 1,2,3`; audited). From
the next session on, each rep of that exercise is compared with the mean of those reps by
this network, stored with `model_reference` = 1 and shown as "model vs own reference";
exercises without a reference keep the reference-free model. The sections below on live
use (the duration gate, both-arm exercises: one reference per arm) apply to both.
The reference is the therapist's judgement: nothing checks it beyond refusing reps seen
through too few camera frames to be measured, and reps wrongly marked as correct make the
same faults look correct later.
Offline, `rehab eval ui-prmd PATH --model` with this manifest scores each subject against
their first {n} correct reps of a movement, which are not scored."""
    return inputs, protocol, versus


def model_card(manifest: dict[str, Any]) -> str:
    """The model card (markdown), written from the manifest alone."""
    train, model = manifest["train"], manifest["model"]
    summary = summary_from_json(manifest["loso"])
    baseline = manifest.get("loso_baseline")
    table = loso_table(summary, None if baseline is None else summary_from_json(baseline))
    versus = compare_with_egcn(summary)
    aucs = f"{min(x.auc_mean for x in summary):.2f}-{max(x.auc_mean for x in summary):.2f}"
    arch = _ARCH_NAMES.get(model["architecture"], model["architecture"])
    reference, protocol, versus_note = _reference_texts(manifest)
    loso_of = "model and baseline" if baseline else "the model"
    baseline_text = ("" if baseline is None else " The baseline (TCN) is a\ntemporal "
                     "convolution net over the same positions and angles as plain channels.")
    shift_note = ("" if model.get("reference_reps") else
                  f" The AUCs ({aucs}) are well above\nthe accuracies: most errors are a whole "
                  "subject's reps shifted to one side of 0.5, not\na wrong ranking within the "
                  "subject. Comparing each rep with the person's own correct reps\nremoves "
                  "most of that shift (`form_quality_ref_v1.md`: mean LOSO accuracy 0.927,\n"
                  "a different protocol).")
    deviation_text = (
        reference if model["architecture"] != "gcn_template" else
        "\nBoth streams also read the rep's deviation from its movement's template, the "
        "mean correct\nrep of the training reps frame by frame (reps are "
        "time-normalised), or from the\ntemplate's mirror image where that is closer "
        "(either arm or leg may do a one-sided\nmovement); the templates are stored "
        "with the weights.")
    return f"""# Model card: {manifest['weights_file']}

A second, independent opinion on each rep's form: the probability that the rep was done
correctly. It never replaces the rule-based deductions, which explain themselves; it is
shown beside them and flagged when the two disagree strongly.

## Model

{arch} with width {model['width']} ({manifest['parameters']} parameters),
shared across the ten UI-PRMD movements with one output per movement. Input: one rep on
the canonical skeleton (the mapping BlazePose goes through live; neck and spine rebuilt
from shoulders and hips as BlazePose builds them, whatever the sensor), resampled to
{manifest['n_frames']} frames, centred on the mean pelvis, heading and scale (trunk length)
normalised, with velocities and bone directions (unit vectors, blind to limb lengths), and
the {manifest['n_angles']} joint angles as a second stream.{deviation_text}{baseline_text}
Weights `{manifest['weights_file']}` (SHA-256 `{manifest['sha256']}`), manifest
`{manifest.get('manifest_file', '')}`, format version {manifest['format_version']}, feature
version {manifest['feature_version']}; the loader refuses any other digest or version.

## Data

UI-PRMD (Vakanski et al., Data 3(1):2, 2018), Kinect v2, subjects
{', '.join(f's{s:02d}' for s in manifest['subjects'])}, movements m01-m10, the ten correct
and ten deliberately incorrect repetitions of each ({manifest['n_reps']} reps).

## Training

Seeded ({train['seed']}) and deterministic on CPU with {train['threads']} torch thread(s):
AdamW (lr {train['lr']}, weight decay {train['weight_decay']}), one-cycle schedule,
{train['epochs']} epochs, batch {train['batch_size']}. Augmentation: rotation about the
vertical (±{train['rotate_deg']}°), scale (±{train['scale']:.0%}), time warp
({train['warp']}), Gaussian noise ({train['noise']} trunk lengths), left/right mirror
(p = {train['mirror']}). The shipped weights are trained on all subjects above; the LOSO
figures come from the same recipe with one subject held out each time.
Full run (LOSO of {loso_of}, then the final fit): {manifest['train_seconds']:.0f} s.

## Leave-one-subject-out (held-out subject never seen in training)

Accuracy at probability 0.5 and ROC AUC per movement, mean ± SD over the
{len(manifest['subjects'])} folds {protocol}. EGCN (Yu et al.,
IJCAI 2022): 5-fold cross-subject on 10 subjects, trained on 8; ours train on 6.

{table}

Mean LOSO accuracy against EGCN's fused figure (to its three decimals): above on
{', '.join(versus['above']) or 'none'}; equal on {', '.join(versus['equal']) or 'none'};
below on {', '.join(versus['below']) or 'none'}.{shift_note}{versus_note}

The held-out-s{manifest['holdout_subject']:02d} model `{manifest.get('holdout_file', '')}` is
shipped as a check: evaluated on s{manifest['holdout_subject']:02d}, it must reproduce that
fold's figures (tests/quality/test_shipped.py).

Cross-sensor agreement (the same KERAAL recordings through BlazePose and Kinect) and the
rule score's AUC per movement: `benchmarks/RESULTS.md`, section "Learned form-quality model".

## Known limits

- Healthy subjects only, staged faults: "incorrect" reps are deliberate, exaggerated
  deviations, not patients' compensations. Read the probability as "looks like UI-PRMD's
  correct reps", not as a clinical judgement.
- Kinect-trained: live input is BlazePose on the same canonical skeleton; the two
  sensors' skeletons differ (joint centres, depth noise). That the model says the same
  thing from both is not established: on KERAAL's same recordings the two sensors'
  probabilities land on the same side of 0.5 most of the time but do not correlate
  (see the cross-sensor check).
- Seven subjects; the spread over folds is wide for some movements: one subject can be
  judged all-correct or all-incorrect when their style sits away from the others.
- Only exercises with a UI-PRMD counterpart get a probability (squat, sit to stand,
  straight-leg raise, shoulder abduction, shoulder scaption), and bilateral shoulder
  abduction through the one-arm m07 head (below).

## When the model gives no opinion

A network returns a number for any input, also far from anything it was trained on;
there the number is noise presented as judgement. The model therefore gives no opinion
(no probability stored, "model: no opinion (unlike its training reps)" on the console,
never a disagreement flag) on a rep whose duration lies outside its movement's training
range widened by ×/÷ {DURATION_FACTOR:g}: the range runs from the shortest to the longest
UI-PRMD rep, correct and incorrect, of the subjects the weights were trained on (stored
in the manifest as `rep_duration_s`, computed from the data when the manifest is
written; `rehab model ranges` writes it into an existing manifest without touching the
weights). The factor is a stated margin, not fitted: live reps are segmented by the rep
counter, UI-PRMD's by its authors, and patients may move somewhat slower or faster than
the healthy subjects. The demo's jumping jacks (about 1 s each) fall outside m07's range;
UI-PRMD's slow abductions last seconds. Range of motion and speed within the rep are not
checked: a rep of the right duration but an unusual path still gets a probability.

{duration_table(manifest)}

## Exercises that move both arms

UI-PRMD's standing shoulder abduction (m07) raises one arm. A rep of the library's
bilateral shoulder abduction (`shoulder_abduction_bilateral`, the demo's exercise) is
scored as two m07 reps: the right arm as recorded with the left arm held where it hung
at the rep's start, and the left arm the same way, mirrored onto the right (the
canonical skeleton mirrors as the training augmentation does). The rep's probability is
the lower of the two: a rep is only as correct as its worse arm. Checked on UI-PRMD's
m07 reps of s01-s07 made bilateral (the moving arm's movement mirrored onto the still
arm): correct reps all above 0.5, AUC against the incorrect ones 0.997; the one-arm
original, scored as bilateral, always lower (tests/quality/test_bilateral.py). Those
subjects were in training, so this checks the mapping, not generalisation.
"""
