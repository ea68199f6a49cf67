"""BIDS motion (BIDS 1.9, BEP029): one dataset, two tracking systems per session.

``tracksys-camera``: the 33 BlazePose world landmarks (POS, m) with their visibility
(MISC), the joint angles computed from them (JNTANG, deg) and a LATENCY channel: camera
frames do not come at an even rate, so each row carries its own time since the
recording's first sample. ``tracksys-robot``: the robot's joint encoders (JNTANG, deg),
joint velocity (MISC, deg/s) and torque (MISC, N.m), with their LATENCY. Reps are events
(per tracking system, onsets from that system's first sample); ``_scans.tsv`` holds the
acquisition times (shifted, or relative: day 0 is 1900-01-01). Data files have no header
(the spec says so; the validator does not catch one). Missing values are ``n/a``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from rehab import __version__
from rehab.export.deid import MOTION_WARNING, REMOVED
from rehab.export.reader import ExportDataset, ExportedSession
from rehab.export.run import Progress
from rehab.vision.angles import ANGLE_NAMES, compute_angles
from rehab.vision.skeleton import BLAZEPOSE_LANDMARK_NAMES, from_blazepose

BIDS_VERSION = "1.9.0"
TASK = "rehab"
MISSING = "n/a"
_TSV = pa_csv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none")
_SEX = {"female": "F", "male": "M", "other": "O", "unknown": MISSING}


@dataclass(frozen=True)
class Channel:
    """One row of ``_channels.tsv`` (columns in the order BIDS requires)."""

    name: str
    component: str
    type: str
    tracked_point: str
    units: str

    def row(self) -> str:
        return "\t".join((self.name, self.component, self.type, self.tracked_point,
                          self.units))


def camera_channels() -> list[Channel]:
    """Landmark positions and visibility, joint angles, latency."""
    channels = []
    for name in BLAZEPOSE_LANDMARK_NAMES:
        channels += [Channel(f"{name}_{axis}", axis, "POS", name, "m") for axis in "xyz"]
        channels.append(Channel(f"{name}_visibility", MISSING, "MISC", name, MISSING))
    channels += [Channel(angle, MISSING, "JNTANG", angle, "deg") for angle in ANGLE_NAMES]
    channels.append(Channel("latency", MISSING, "LATENCY", MISSING, "s"))
    return channels


def robot_channels(joints: list[str]) -> list[Channel]:
    """Per joint: encoder angle, velocity, torque; then latency."""
    channels = []
    for joint in joints:
        channels += [Channel(f"{joint}_angle", MISSING, "JNTANG", joint, "deg"),
                     Channel(f"{joint}_velocity", MISSING, "MISC", joint, "deg/s"),
                     Channel(f"{joint}_torque", MISSING, "MISC", joint, "N.m")]
    channels.append(Channel("latency", MISSING, "LATENCY", MISSING, "s"))
    return channels


@dataclass
class _Recording:
    """What one motion file's writing learned: first time, samples, duration."""

    t0_s: float = math.nan
    t_last_s: float = math.nan
    n: int = 0
    channels: list[Channel] = field(default_factory=list)

    def effective_hz(self) -> float | None:
        span = self.t_last_s - self.t0_s
        return (self.n - 1) / span if self.n > 1 and span > 0 else None


def _columns(block: np.ndarray) -> list[pa.Array]:
    """Float columns as text (float32, as recorded: its shortest text), NaN as ``n/a``.

    One cast over the whole block, column-major, then zero-copy slices per column: a
    cast per column and chunk was most of the export's time.
    """
    n_rows, n_cols = block.shape
    flat = pa.array(np.ascontiguousarray(block.astype(np.float32).T).reshape(-1))
    text = pc.if_else(pc.is_nan(flat), MISSING, pc.cast(flat, pa.string()))
    return [text.slice(k * n_rows, n_rows) for k in range(n_cols)]


def _camera_block(t_s: np.ndarray, values: np.ndarray) -> np.ndarray:
    """One pose chunk as camera channels (positions, visibility, angles); latency apart."""
    n = len(t_s)
    lm = values.reshape(n, 33, 4).astype(np.float64)
    angles = compute_angles(from_blazepose(lm[:, :, :3], lm[:, :, 3], t_s))
    return np.column_stack([values] + [angles.deg[a] for a in ANGLE_NAMES])


def _robot_block(values: np.ndarray) -> np.ndarray:
    """Radians to degrees for angles and velocities; torque as it is."""
    out = values.astype(np.float64)
    out[:, 0::3] = np.degrees(out[:, 0::3])
    out[:, 1::3] = np.degrees(out[:, 1::3])
    return out


BATCH_CHUNKS = 32
"""Stored chunks (about a second each) converted and written together."""


def _write_motion(dataset: ExportDataset, item: ExportedSession, stream: str,
                  path: Path) -> _Recording | None:
    rec = _Recording()
    writer = None
    pending: list[tuple[np.ndarray, np.ndarray]] = []

    def flush() -> None:
        t_s = np.concatenate([t for t, _ in pending])
        values = np.concatenate([v for _, v in pending])
        block = _camera_block(t_s, values) if stream == "pose" else _robot_block(values)
        latency = pc.cast(pa.array((t_s - rec.t0_s).round(6)), pa.string())
        writer.write_table(pa.Table.from_arrays([*_columns(block), latency], schema=schema))
        pending.clear()

    try:
        for chunk in dataset.chunks(item, stream):
            if writer is None:
                rec.t0_s = float(chunk.t_s[0])
                rec.channels = (camera_channels() if stream == "pose"
                                else robot_channels(_joints(chunk.columns)))
                schema = pa.schema([(c.name, pa.string()) for c in rec.channels])
                writer = pa_csv.CSVWriter(path, schema, write_options=_TSV)
            pending.append((chunk.t_s, chunk.values))
            rec.n += len(chunk.t_s)
            rec.t_last_s = float(chunk.t_s[-1])
            if len(pending) >= BATCH_CHUNKS:
                flush()
        if pending:
            flush()
    finally:
        if writer is not None:
            writer.close()
    return rec if writer is not None else None


def _joints(columns: tuple[str, ...]) -> list[str]:
    joints = list(dict.fromkeys(c.split(".")[0] for c in columns))
    expected = tuple(f"{j}.{q}" for j in joints
                     for q in ("position_rad", "velocity_rad_s", "effort_nm"))
    if columns != expected:
        raise ValueError(f"unexpected robot stream columns {columns[:3]}...")
    return joints


_CHANNEL_TYPES = ("ACCEL", "ANGACCEL", "GYRO", "JNTANG", "LATENCY", "MAGN", "MISC", "ORNT",
                  "POS", "VEL")
"""Motion channel types whose counts the sidecar states (zero included)."""

_SYSTEMS = {"pose": ("camera", "Markerless camera pose estimation (BlazePose world "
                                "landmarks)", "MediaPipe BlazePose"),
            "robot": ("robot", "Rehabilitation robot joint encoders", "rehab robot")}


def _sidecar(rec: _Recording, name: str, manufacturer: str) -> dict[str, Any]:
    counts = dict.fromkeys(_CHANNEL_TYPES, 0)
    for c in rec.channels:
        counts[c.type] = counts.get(c.type, 0) + 1
    hz = rec.effective_hz()
    sidecar: dict[str, Any] = {
        "TaskName": TASK,
        "TaskDescription": "Robot-assisted upper-limb exercise: sets of repetitions of "
                           "prescribed movements.",
        "TrackingSystemName": name,
        "Manufacturer": manufacturer,
        "SamplingFrequency": round(hz, 2) if hz else MISSING,
        "SamplingFrequencyEffective": round(hz, 4) if hz else MISSING,
        "RecordingDuration": round(rec.t_last_s - rec.t0_s, 3),
        "MotionChannelCount": len(rec.channels),
        "MissingValues": MISSING,
        "TrackedPointsCount": len({c.tracked_point for c in rec.channels
                                   if c.tracked_point != MISSING}),
        "SubjectArtefactDescription": MISSING,
    }
    sidecar.update({f"{t}ChannelCount": n for t, n in sorted(counts.items())})
    return sidecar


def _events(dataset: ExportDataset, item: ExportedSession, t0_s: float) -> list[str]:
    sets = {s.id: s for s in dataset.sets(item)}
    lines = ["onset\tduration\ttrial_type\texercise_id\tset_index\trep_index\trom_deg"
             "\tform_score\tuncertain\tmodel_probability\tmodel_reference"]
    for r in dataset.reps(item):
        s = sets[r.set_id]
        lines.append(f"{r.t_start_s - t0_s:.6f}\t{r.duration_s:.6f}\trep\t{s.exercise_id}\t"
                     f"{s.set_index}\t{r.rep_index}\t{r.rom_deg:.3f}\t{r.form_score:.2f}\t"
                     f"{int(r.uncertain)}\t{_na(r.model_probability, '.4f')}\t"
                     f"{_na(r.model_reference, 'd')}")
    return lines


_EVENTS_JSON = {
    "trial_type": {"Description": "One repetition of an exercise.", "Levels": {
        "rep": "a counted repetition, from its start to its end"}},
    "exercise_id": {"Description": "Exercise of the library (for example "
                                   "shoulder_abduction_bilateral)."},
    "set_index": {"Description": "Set number within the session, from 0."},
    "rep_index": {"Description": "Repetition number within the set, from 0."},
    "rom_deg": {"Description": "Range of motion of the exercise's primary angle.",
                "Units": "deg"},
    "form_score": {"Description": "Form score 0-100 (rule-based deductions)."},
    "uncertain": {"Description": "1 when the camera's frames were too sparse to measure "
                                 "the rep exactly (its ROM and score are estimates)."},
    "model_probability": {"Description": "The learned form-quality model's probability "
                                         "(0-1) that the rep was done with correct form; "
                                         "n/a where the model gave no opinion (a rep "
                                         "unlike its training reps, or no model)."},
    "model_reference": {"Description": "1 when model_probability compared the rep with "
                                       "the patient's own reference reps, 0 when it came "
                                       "from the reference-free model; n/a without a "
                                       "probability, or for one recorded before the "
                                       "database said which."},
}


def _write_session(dataset: ExportDataset, item: ExportedSession, root: Path) -> list[str]:
    sub, ses = f"sub-{item.subject.label}", f"ses-{item.label}"
    folder = root / sub / ses / "motion"
    folder.mkdir(parents=True)
    started = item.subject.datetime(item.session.started_at)
    scans = ["filename\tacq_time"]
    for stream in ("pose", "robot"):
        if stream not in dataset.streams(item):
            continue
        system, name, manufacturer = _SYSTEMS[stream]
        stem = f"{sub}_{ses}_task-{TASK}_tracksys-{system}"
        rec = _write_motion(dataset, item, stream, folder / f"{stem}_motion.tsv")
        if rec is None:
            continue
        (folder / f"{stem}_channels.tsv").write_text(
            "\n".join(["name\tcomponent\ttype\ttracked_point\tunits"]
                      + [c.row() for c in rec.channels]) + "\n", encoding="utf-8")
        _json(folder / f"{stem}_motion.json", _sidecar(rec, name, manufacturer))
        (folder / f"{stem}_events.tsv").write_text(
            "\n".join(_events(dataset, item, rec.t0_s)) + "\n", encoding="utf-8")
        _json(folder / f"{stem}_events.json", _EVENTS_JSON)
        acq = started + dt.timedelta(seconds=rec.t0_s)
        scans.append(f"motion/{stem}_motion.tsv\t{acq.replace(microsecond=0).isoformat()}")
    (root / sub / ses / f"{sub}_{ses}_scans.tsv").write_text("\n".join(scans) + "\n",
                                                             encoding="utf-8")
    return scans[1:]


def _json(path: Path, content: dict[str, Any]) -> None:
    path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _na(value: object, spec: str = "") -> str:
    return MISSING if value is None else format(value, spec)


def write(dataset: ExportDataset, folder: Path, progress: Progress) -> dict[str, int]:
    """Write a BIDS motion dataset into ``folder``; return file and sample counts."""
    _json(folder / "dataset_description.json", {
        "Name": "Robot-assisted rehabilitation: motion recordings (de-identified export)",
        "BIDSVersion": BIDS_VERSION, "DatasetType": "raw",
        "Authors": ["The exporting rehabilitation centre (see its data use agreement)"],
        "GeneratedBy": [{"Name": "rehab", "Version": __version__,
                         "Description": "rehab export bids"}],
    })
    # The export manifest is ours, not BIDS's: the validator is told to skip it.
    (folder / ".bidsignore").write_text("export_manifest.json\n", encoding="utf-8")
    (folder / "README.md").write_text(
        "# Robot-assisted rehabilitation: motion recordings\n\n"
        "De-identified export. Removed: " + "; ".join(REMOVED) + ".\n\n"
        + MOTION_WARNING + "\n", encoding="utf-8")
    (folder / "participants.tsv").write_text("\n".join(
        ["participant_id\tage\tsex\taffected_side"]
        + [f"sub-{s.label}\t{s.age}\t{_SEX.get(s.sex, MISSING)}\t{s.affected_side}"
           for s in dataset.subjects]) + "\n", encoding="utf-8")
    _json(folder / "participants.json", {
        "age": {"Description": "Age at the first exported session, from the birth year "
                               "(ages above 89 are written as 89).", "Units": "year"},
        "sex": {"Description": "Sex as registered.", "Levels": {
            "F": "female", "M": "male", "O": "other"}},
        "affected_side": {"Description": "Side the exercises mostly target.", "Levels": {
            "left": "left", "right": "right", "both": "both", "none": "none"}},
    })
    files = 0
    for subject in dataset.subjects:
        rows = ["session_id\tacq_time\tpain_before\tpain_after\tborg_rpe"]
        for item in dataset.sessions_of(subject):
            files += len(_write_session(dataset, item, folder))
            s = item.session
            rows.append(f"ses-{item.label}\t{subject.datetime(s.started_at).isoformat()}\t"
                        f"{_na(s.pain_before)}\t{_na(s.pain_after)}\t{_na(s.borg_rpe)}")
            progress(1)
        sub = f"sub-{subject.label}"
        (folder / sub / f"{sub}_sessions.tsv").write_text("\n".join(rows) + "\n",
                                                          encoding="utf-8")
    _json(folder / "sessions.json", {
        "pain_before": {"Description": "Pain NRS 0-10 before the session."},
        "pain_after": {"Description": "Pain NRS 0-10 after the session."},
        "borg_rpe": {"Description": "Borg rating of perceived exertion, 6-20."}})
    return {"motion_files": files, "subjects": len(dataset.subjects)}
