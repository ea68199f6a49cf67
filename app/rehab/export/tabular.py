"""Parquet (zstd) and CSV: the tables and the time series in long form, hive-partitioned.

Layout (``.parquet`` or ``.csv``)::

    subjects/subject=<label>/part-0       age, sex, affected side
    assessments/subject=<label>/part-0    instrument, score, day (and shifted date)
    sessions/subject=<label>/session=<NN>/part-0
    sets/..., reps/..., events/...         one file per session, same partitions
    timeseries/subject=<label>/session=<NN>/part-0
                                           stream, t_s, channel, value (long form)

A value that was not measured (a landmark out of view, NaN in the store) is null: NaN
would also work in Parquet, but readers that prune row groups by statistics (DuckDB)
then miss it in filters. Partition columns live in the folder names only (hive style), so DuckDB
(``read_parquet('*/**/*.parquet', hive_partitioning=true)``), Polars or Spark read the
folders of many centres as one dataset. Streams are written one stored chunk at a time,
in row groups of at most :data:`ROW_GROUP_ROWS`, so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from rehab.export.deid import parse_date
from rehab.export.reader import ExportDataset, ExportedSession
from rehab.export.run import Progress

ROW_GROUP_ROWS = 1_000_000
"""Long-form rows buffered before a row group (or CSV batch) is written."""

_TIMESERIES = pa.schema([("stream", pa.dictionary(pa.int8(), pa.string())),
                         ("t_s", pa.float64()),
                         ("channel", pa.dictionary(pa.int16(), pa.string())),
                         ("value", pa.float32())])


class _Sink:
    """Writes tables as Parquet (zstd) or CSV files."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self.suffix = ".parquet" if fmt == "parquet" else ".csv"

    def open(self, path: Path, schema: pa.Schema) -> Any:
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.fmt == "parquet":
            return pq.ParquetWriter(path.with_suffix(self.suffix), schema, compression="zstd")
        return pa_csv.CSVWriter(path.with_suffix(self.suffix), _plain(schema))

    def write(self, writer: Any, table: pa.Table) -> None:
        if self.fmt == "csv":
            table = table.cast(_plain(table.schema))
        writer.write_table(table)

    def table(self, path: Path, rows: list[dict[str, Any]], schema: pa.Schema) -> int:
        writer = self.open(path, schema)
        try:
            self.write(writer, pa.Table.from_pylist(rows, schema=schema))
        finally:
            writer.close()
        return len(rows)


def _plain(schema: pa.Schema) -> pa.Schema:
    """The schema with dictionary columns as plain strings (CSV has no dictionaries)."""
    return pa.schema([pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type)
                      else f for f in schema])


def _schema(*fields: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema(list(fields))


_SUBJECTS = _schema(("age", pa.int16()), ("sex", pa.string()), ("affected_side", pa.string()))
_ASSESSMENTS = _schema(("instrument", pa.string()), ("score", pa.float64()),
                       ("day", pa.int32()), ("date", pa.date32()))
_SESSIONS = _schema(("day", pa.int32()), ("started_at", pa.timestamp("s")),
                    ("ended_at", pa.timestamp("s")), ("duration_s", pa.float64()),
                    ("status", pa.string()), ("end_cause", pa.string()),
                    ("robot_used", pa.bool_()), ("pain_before", pa.int8()),
                    ("pain_after", pa.int8()), ("borg_rpe", pa.int8()))
_SETS = _schema(("set_index", pa.int16()), ("exercise_id", pa.string()), ("side", pa.string()),
                ("reps_target", pa.int16()), ("target_rom_deg", pa.float64()),
                ("t_start_s", pa.float64()), ("t_end_s", pa.float64()),
                ("reps_done", pa.int16()), ("measured_n", pa.int16()),
                ("max_rom_deg", pa.float64()))
_REPS = _schema(("set_index", pa.int16()), ("exercise_id", pa.string()),
                ("rep_index", pa.int16()), ("side", pa.string()), ("t_start_s", pa.float64()),
                ("t_peak_s", pa.float64()), ("t_end_s", pa.float64()),
                ("rom_deg", pa.float64()), ("peak_velocity_deg_s", pa.float64()),
                ("duration_s", pa.float64()), ("form_score", pa.float64()),
                ("assistance", pa.float64()), ("uncertain", pa.bool_()),
                ("frame_coverage", pa.float64()), ("max_gap_s", pa.float64()),
                ("deductions", pa.string()), ("flags", pa.string()),
                ("model_probability", pa.float64()), ("model_reference", pa.bool_()))
_EVENTS = _schema(("t_s", pa.float64()), ("kind", pa.string()), ("severity", pa.string()),
                  ("source", pa.string()), ("cause", pa.string()))


def write_parquet(dataset: ExportDataset, folder: Path, progress: Progress) -> dict[str, int]:
    """Write the dataset as hive-partitioned Parquet (zstd); return row counts per table."""
    return _write(dataset, folder, progress, _Sink("parquet"))


def write_csv(dataset: ExportDataset, folder: Path, progress: Progress) -> dict[str, int]:
    """Write the dataset as hive-partitioned CSV; return row counts per table."""
    return _write(dataset, folder, progress, _Sink("csv"))


def _write(dataset: ExportDataset, folder: Path, progress: Progress,
           sink: _Sink) -> dict[str, int]:
    counts = dict.fromkeys(("subjects", "assessments", "sessions", "sets", "reps", "events",
                            "timeseries"), 0)
    for subject in dataset.subjects:
        part = f"subject={subject.label}"
        counts["subjects"] += sink.table(folder / "subjects" / part / "part-0", [
            {"age": subject.age, "sex": subject.sex, "affected_side": subject.affected_side}],
            _SUBJECTS)
        rows = [{"instrument": a.instrument, "score": a.score,
                 "day": subject.day(parse_date(a.assessed_on)),
                 "date": subject.date(parse_date(a.assessed_on))}
                for a in dataset.assessments(subject)]
        if rows:
            counts["assessments"] += sink.table(folder / "assessments" / part / "part-0",
                                                rows, _ASSESSMENTS)
    for item in dataset.sessions:
        part = Path(f"subject={item.subject.label}") / f"session={item.label}" / "part-0"
        counts["sessions"] += sink.table(folder / "sessions" / part,
                                         [session_row(item)], _SESSIONS)
        sets = dataset.sets(item)
        counts["sets"] += sink.table(folder / "sets" / part, [
            {"set_index": s.set_index, "exercise_id": s.exercise_id, "side": str(s.side),
             "reps_target": s.reps_target, "target_rom_deg": s.target_rom_deg,
             "t_start_s": s.t_start_s, "t_end_s": s.t_end_s, "reps_done": s.reps_done,
             "measured_n": s.measured_n, "max_rom_deg": s.max_rom_deg} for s in sets], _SETS)
        counts["reps"] += sink.table(folder / "reps" / part, rep_rows(dataset, item, sets),
                                     _REPS)
        counts["events"] += sink.table(folder / "events" / part, [
            {"t_s": e.t_s, "kind": str(e.kind), "severity": str(e.severity),
             "source": e.source, "cause": None if e.cause is None else str(e.cause)}
            for e in dataset.events(item)], _EVENTS)
        counts["timeseries"] += _timeseries(dataset, item, folder / "timeseries" / part, sink)
        progress(1)
    return counts


def session_row(item: ExportedSession) -> dict[str, Any]:
    """One session's de-identified row (no notes, shifted or relative dates)."""
    s, subject = item.session, item.subject
    started = subject.datetime(s.started_at)
    ended = None if s.ended_at is None else subject.datetime(s.ended_at)
    return {"day": subject.day(parse_date(s.started_at)), "started_at": started,
            "ended_at": ended,
            "duration_s": None if ended is None else (ended - started).total_seconds(),
            "status": str(s.status), "end_cause": None if s.end_cause is None
            else str(s.end_cause), "robot_used": s.robot_used, "pain_before": s.pain_before,
            "pain_after": s.pain_after, "borg_rpe": s.borg_rpe}


def rep_rows(dataset: ExportDataset, item: ExportedSession,
             sets: Iterable[Any]) -> list[dict[str, Any]]:
    """The session's reps with their set; deductions and flags as codes, never messages."""
    set_of = {s.id: s for s in sets}
    return [{"set_index": set_of[r.set_id].set_index,
             "exercise_id": set_of[r.set_id].exercise_id, "rep_index": r.rep_index,
             "side": r.side, "t_start_s": r.t_start_s, "t_peak_s": r.t_peak_s, "t_end_s": r.t_end_s,
             "rom_deg": r.rom_deg, "peak_velocity_deg_s": r.peak_velocity_deg_s,
             "duration_s": r.duration_s, "form_score": r.form_score,
             "assistance": r.assistance, "uncertain": r.uncertain,
             "frame_coverage": r.frame_coverage, "max_gap_s": r.max_gap_s,
             "deductions": ";".join(d.code for d in r.deductions),
             "flags": ";".join(r.flags), "model_probability": r.model_probability,
             "model_reference": r.model_reference} for r in dataset.reps(item)]


def _timeseries(dataset: ExportDataset, item: ExportedSession, path: Path,
                sink: _Sink) -> int:
    streams = dataset.streams(item)
    if not streams:
        return 0
    writer = sink.open(path, _TIMESERIES)
    rows = 0
    try:
        for index, stream in enumerate(streams):
            batch: list[pa.RecordBatch] = []
            pending = 0
            for chunk in dataset.chunks(item, stream):
                batch.append(_long_form(index, streams, chunk.columns, chunk.t_s,
                                        chunk.values))
                pending += batch[-1].num_rows
                if pending >= ROW_GROUP_ROWS:
                    sink.write(writer, pa.Table.from_batches(batch))
                    rows, batch, pending = rows + pending, [], 0
            if batch:
                sink.write(writer, pa.Table.from_batches(batch))
                rows += pending
    finally:
        writer.close()
    return rows


def _long_form(stream_index: int, streams: list[str], columns: tuple[str, ...],
               t_s: np.ndarray, values: np.ndarray) -> pa.RecordBatch:
    """One chunk as long-form rows: each sample's columns in order, time-major."""
    n, c = values.shape
    stream = pa.DictionaryArray.from_arrays(np.full(n * c, stream_index, np.int8),
                                            pa.array(streams, pa.string()))
    channel = pa.DictionaryArray.from_arrays(np.tile(np.arange(c, dtype=np.int16), n),
                                             pa.array(columns, pa.string()))
    return pa.RecordBatch.from_arrays(
        [stream, pa.array(np.repeat(t_s, c)), channel,
         pa.array(values.reshape(-1), from_pandas=True)],  # NaN (not seen) -> null
        schema=_TIMESERIES)
