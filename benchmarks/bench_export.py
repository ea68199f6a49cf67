"""Export benchmarks: a generated centre exported to every format, against a naive export.

Run: ``.venv/bin/python benchmarks/bench_export.py [--patients 100 --sessions 20
--minutes 20]`` (defaults: the scaled-down centre recorded in RESULTS.md).

1. A centre is generated through the store API: per patient, sessions of ``--minutes``
   of 30 Hz x 33 x 4 pose landmarks and 200 Hz x 6 robot telemetry (one-second blocks
   through ``StreamRecorder``), 3 sets of 10 reps, pain and RPE, two assessments.
2. Each format is exported by ``run_export`` in a fresh child process (so the peak
   resident memory, ``ru_maxrss``, is that export's alone): time, peak memory, size.
3. The baseline, in the same run: plain ``sqlite3`` reads the same rows and chunks
   (decoded with the store's codec, which any reader needs) and the ``csv`` module writes
   the same tables and the long-form time series. Goal: BIDS and Parquet faster.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rehab.store import (
    NewAssessment,
    NewPatient,
    NewRep,
    NewSet,
    NewUser,
    Role,
    SessionOutcome,
    Sex,
    Side,
    Store,
    StreamRecorder,
)
from rehab.store.streams import decode_chunk

FORMATS = ("bids", "parquet", "csv", "mcap", "fhir")
POSE_COLUMNS = tuple(f"lm{j}.{a}" for j in range(33) for a in ("x_m", "y_m", "z_m", "vis"))
ROBOT_COLUMNS = tuple(f"{j}.{q}" for j in ("shoulder_flexion", "elbow_flexion")
                      for q in ("position_rad", "velocity_rad_s", "effort_nm"))
PASSWORD = "bench-password"


class _Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def _session(store: Store, patient_id: int, minutes: float, rng: np.random.Generator,
             clock: _Clock) -> None:
    session = store.sessions.start(patient_id, pain_before=int(rng.integers(0, 6)),
                                   robot_used=True)
    recorder = StreamRecorder(store.streams, session.id, commit_every_s=60.0)
    recorder.declare("pose", POSE_COLUMNS)
    recorder.declare("robot", ROBOT_COLUMNS)
    base = rng.normal(0, 0.3, 132).astype(np.float32)
    seconds = int(minutes * 60)
    for s in range(seconds):
        t = s + np.arange(30) / 30
        pose = base + 0.1 * np.sin(t)[:, None] + rng.normal(0, 0.005, (30, 132))
        recorder.extend("pose", t, pose.astype(np.float32))
        tr = s + np.arange(200) / 200
        robot = np.column_stack([np.sin(tr + k) for k in range(6)])
        recorder.extend("robot", tr, robot)
    recorder.close()
    span = seconds / 3
    for k in range(3):
        set_id = store.sessions.add_set(session.id, NewSet("shoulder_flexion", k, 10, 120.0,
                                                           k * span))
        for i in range(10):
            t0 = k * span + i * span / 10
            store.sessions.add_rep(set_id, NewRep(i, t0, t0 + 1, t0 + 2,
                                                  float(rng.uniform(80, 130)), 60.0,
                                                  float(rng.uniform(50, 100)),
                                                  assistance=0.4))
        store.sessions.end_set(set_id, (k + 1) * span)
    clock.now += dt.timedelta(minutes=minutes)
    store.sessions.finish(session.id, SessionOutcome(pain_after=2, borg_rpe=13,
                                                     notes="bench note"))
    clock.now += dt.timedelta(days=1)


def generate(data_dir: Path, patients: int, sessions: int, minutes: float) -> None:
    clock = _Clock()
    with Store.open(data_dir, wall_clock=clock) as store:
        from rehab.demo import library_records
        from rehab.exercises.library import load_library

        store.exercises.upsert(library_records(load_library()))
        store.users.add(NewUser("bench", "Bench Researcher", Role.RESEARCHER, PASSWORD))
        rng = np.random.default_rng(7)
        for p in range(patients):
            patient = store.patients.add(NewPatient(f"환자 {p}", 1940 + p % 40, Sex.FEMALE,
                                                    Side.LEFT, "stroke", "note"))
            for _ in range(sessions):
                _session(store, patient.id, minutes, rng, clock)
            store.assessments.add(patient.id, NewAssessment("fugl_meyer_ue", 30,
                                                            clock.now.date().isoformat()))


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def export_one(data_dir: Path, fmt: str, out: Path) -> dict:
    """Child process: one export; its time and this process's peak memory."""
    from rehab.export.reader import ExportSelection
    from rehab.export.run import run_export

    with Store.open(data_dir, recover=False) as store:
        user = store.users.by_username("bench")
        t = time.perf_counter()
        run_export(store.as_user(user.id), fmt, out, ExportSelection())
        elapsed = time.perf_counter() - t
    return {"seconds": elapsed, "peak_mib": resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 1024, "bytes": _size(out)}


def naive_export(data_dir: Path, out: Path) -> dict:
    """Child process: plain sqlite3 + the csv module, the same tables and series."""
    t = time.perf_counter()
    con = sqlite3.connect(data_dir / "rehab.db")
    out.mkdir()
    for table in ("sessions", "sets", "reps", "assessments"):
        cursor = con.execute(f"SELECT * FROM {table}")
        with (out / f"{table}.csv").open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([d[0] for d in cursor.description])
            writer.writerows(cursor)
    with (out / "timeseries.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["session_id", "stream", "t_s", "channel", "value"])
        for session_id, stream, columns, n, blob in con.execute(
                "SELECT session_id, stream, columns, n_samples, data FROM stream_chunks "
                "ORDER BY session_id, stream, t_start_s"):
            names = columns.split(",")
            t_s, values = decode_chunk(blob, n, len(names))
            for ti, row in zip(t_s.tolist(), values.tolist(), strict=True):
                writer.writerows((session_id, stream, ti, c, v)
                                 for c, v in zip(names, row, strict=True))
    con.close()
    return {"seconds": time.perf_counter() - t, "peak_mib": resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 1024, "bytes": _size(out)}


def _child(mode: str, data_dir: Path, out: Path) -> dict:
    run = subprocess.run([sys.executable, __file__, "--child", mode, str(data_dir), str(out)],
                         capture_output=True, text=True, check=True)
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=4)
    parser.add_argument("--sessions", type=int, default=2)
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, data_dir, out = args.child
        fn = naive_export if mode == "naive" else lambda d, o: export_one(d, mode, o)
        print(json.dumps(fn(Path(data_dir), Path(out))))
        return
    full = 100 * 20 * 20
    scale = args.patients * args.sessions * args.minutes / full
    with tempfile.TemporaryDirectory(prefix="bench_export_") as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        generate(root / "data", args.patients, args.sessions, args.minutes)
        gen_s = time.perf_counter() - t
        db_mib = (root / "data" / "rehab.db").stat().st_size / 2**20
        print(f"centre: {args.patients} patients x {args.sessions} sessions x "
              f"{args.minutes:g} min (scale {scale:.4f} of 100 x 20 x 20 min), database "
              f"{db_mib:.0f} MiB, generated in {gen_s:.0f} s; {platform.python_version()}, "
              f"{os.cpu_count()} CPUs")
        results = {"naive sqlite3 + csv": _child("naive", root / "data", root / "naive")}
        shutil.rmtree(root / "naive")
        for fmt in FORMATS:
            results[fmt] = _child(fmt, root / "data", root / fmt)
            shutil.rmtree(root / fmt)
        base = results["naive sqlite3 + csv"]["seconds"]
        print("| export | time | vs naive | peak memory | size |")
        print("|---|---|---|---|---|")
        for name, r in results.items():
            print(f"| {name} | {r['seconds']:.1f} s | {r['seconds'] / base:.2f}x | "
                  f"{r['peak_mib']:.0f} MiB | {r['bytes'] / 2**20:.0f} MiB |")
        if math.isfinite(scale):
            print(f"full centre estimate (x{1 / scale:.0f}): " + ", ".join(
                f"{n} {r['seconds'] / scale / 60:.0f} min" for n, r in results.items()))


if __name__ == "__main__":
    main()
