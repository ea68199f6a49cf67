"""Run one export: check the role, select, draw subjects, write atomically, audit.

Every format module offers ``write(dataset, folder, progress) -> dict`` (counts for the
manifest); this module does the rest the same way for all of them. The export is written
to a hidden temporary folder beside ``--out`` and renamed into place only when complete,
so an interrupted or failed export leaves nothing behind that looks like a result.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rehab import __version__
from rehab.errors import DataFileError, ValidationError
from rehab.export.access import require_export
from rehab.export.deid import MOTION_WARNING, REMOVED, DatePolicy, draw_subjects, parse_date
from rehab.export.reader import ExportDataset, ExportSelection, select_sessions
from rehab.store import Store

Progress = Callable[[int], None]
"""Called with the number of sessions just written (for a progress bar)."""


class Writer(Protocol):
    def __call__(self, dataset: ExportDataset, folder: Path,
                 progress: Progress) -> dict[str, int]: ...


_WRITERS = {"bids": ("bids", "write"), "parquet": ("tabular", "write_parquet"),
            "csv": ("tabular", "write_csv"), "mcap": ("mcap", "write"),
            "fhir": ("fhir", "write")}


def _writer(fmt: str) -> Writer:
    # Imported on use: each format pulls in its own library (pyarrow, fhir.resources,
    # rosbags), and an export of one format should not pay for the others.
    module, name = _WRITERS[fmt]
    return getattr(importlib.import_module(f"rehab.export.{module}"), name)


FORMATS = tuple(_WRITERS)


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    folder: Path
    uid: str
    subjects: int
    sessions: int
    counts: dict[str, int]


def count_sessions(store: Store, selection: ExportSelection) -> int:
    """How many sessions an export of ``selection`` will write (for a progress bar)."""
    return sum(len(sessions) for _, sessions in select_sessions(store, selection))


def run_export(store: Store, fmt: str, out: Path, selection: ExportSelection, *,
               dates: DatePolicy = DatePolicy.SHIFT,
               progress: Progress = lambda n: None) -> ExportResult:
    """Export the selection de-identified in ``fmt`` to the new folder ``out``.

    Parameters
    ----------
    store
        Opened ``as_user`` the logged-in user (a researcher or an admin).
    fmt
        One of :data:`FORMATS`.
    out
        The folder to create; it must not exist, or be empty.
    selection
        Patients and date range.
    dates
        Shift dates per subject, or make them relative to the first session.
    progress
        Told how many sessions were written, as they are.

    Returns
    -------
    ExportResult
        The folder, the export's uid (in the audit log and the clinic's mapping), counts.

    Raises
    ------
    PermissionDeniedError
        The user may not export.
    ValidationError
        Unknown format, or ``out`` exists and is not empty.
    NotFoundError
        The selection holds no closed session, or names an unknown patient code.
    """
    if fmt not in FORMATS:
        raise ValidationError("format", "validation.export_format",
                              formats=", ".join(FORMATS), value=fmt)
    require_export(store)
    out = out.resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValidationError("out", "validation.folder_not_empty", path=str(out))
    chosen = select_sessions(store, selection)
    export_id, uid = store.exports.begin(fmt, identified=False, dates=str(dates), options={
        "codes": len(selection.patient_codes), "since": selection.since,
        "until": selection.until})
    subjects = draw_subjects(((p.id, parse_date(s[0].started_at)) for p, s in chosen), dates)
    store.exports.add_subjects(export_id, subjects)
    dataset = ExportDataset(store, chosen, subjects, selection)
    counts = _write_atomically(out, lambda folder: _write(dataset, fmt, folder, uid, dates,
                                                          progress))
    store.audit_read("export", "export", uid, format=fmt, identified=False, dates=str(dates),
                     subjects=len(dataset.subjects), sessions=len(dataset.sessions),
                     **{f"n_{k}": v for k, v in counts.items()})
    return ExportResult(out, uid, len(dataset.subjects), len(dataset.sessions), counts)


def _write(dataset: ExportDataset, fmt: str, folder: Path, uid: str, dates: DatePolicy,
           progress: Progress) -> dict[str, int]:
    counts = _writer(fmt)(dataset, folder, progress)
    write_manifest(folder, fmt=fmt, uid=uid, dates=dates, counts=counts,
                   subjects=len(dataset.subjects), sessions=len(dataset.sessions))
    return counts


def write_manifest(folder: Path, *, fmt: str, uid: str, dates: DatePolicy,
                   counts: dict[str, int], subjects: int, sessions: int) -> None:
    """``export_manifest.json``: what the export holds, what was removed, and why to care."""
    date_note = ("dates shifted per subject by a constant number of days so that each "
                 "subject's first session falls in 1900-1925" if dates is DatePolicy.SHIFT
                 else "dates relative to each subject's first session (day 0, written "
                      "as 1900-01-01 where a date is needed)")
    manifest = {
        "export_uid": uid, "format": fmt, "software": f"rehab {__version__}",
        "deidentified": True, "dates": str(dates), "date_handling": date_note,
        "subjects": subjects, "sessions": sessions, "counts": counts,
        "removed": list(REMOVED), "subject_labels": (
            "random for this export, not derived from any identifier; the mapping is kept "
            "only in the clinic's database"),
        "warning": MOTION_WARNING,
    }
    (folder / "export_manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_atomically(out: Path, write: Callable[[Path], dict[str, int]]) -> dict[str, int]:
    """Write into a temporary folder beside ``out``, then rename it to ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        counts = write(tmp)
        if out.exists():
            out.rmdir()  # checked empty before; rename needs it gone
        os.replace(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise DataFileError(f"cannot write export {out}: {exc}") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return counts
