"""Store benchmarks: one simulated hour of ingest, and the progress query.

Run: ``.venv/bin/python benchmarks/bench_store.py [--repeats 3]``

1. Ingest of one hour of session data (30 Hz x 33 x 4 pose landmarks and 200 Hz x 6
   robot telemetry) through the store API (``StreamRecorder`` fed one-second blocks,
   one-second chunks), as a ratio against plain ``sqlite3`` ``executemany`` inserting
   the same samples' bytes into a table of the same shape, in the same run. Baselines:
   the raw bytes (float64 times + float32 values) in one transaction; the very blobs the
   store writes in one transaction; the same blobs committed once a second (what live
   durability costs in plain sqlite3). The store runs twice: committing once a second
   (the live default) and once a minute (an offline import). Target: within 1.5x.
2. The progress query for a patient with 500 sessions of 100 reps (among other
   patients' data). Target: under 50 ms.

Each measurement is repeated and the best run kept: the machine is shared and noisy;
ratios are taken within one run.
"""

from __future__ import annotations

import argparse
import platform
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from rehab.store import (
    NewPatient,
    NewRep,
    NewSet,
    SessionOutcome,
    Sex,
    Side,
    Store,
    StreamRecorder,
)
from rehab.store.streams import encode_chunk

HOUR_S = 3600
POSE_HZ, ROBOT_HZ = 30, 200
POSE_COLUMNS = tuple(f"lm{j}.{a}" for j in range(33) for a in "xyzv")
ROBOT_COLUMNS = ("q0_rad", "q1_rad", "dq0_rad_s", "dq1_rad_s", "tau0_nm", "tau1_nm")


def simulated_hour(seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Plausible signals: slow motion plus sensor noise, so compression is not flattered."""
    rng = np.random.default_rng(seed)
    t_pose = np.arange(HOUR_S * POSE_HZ) / POSE_HZ
    motion = np.sin(2 * np.pi * 0.25 * t_pose)[:, None] * rng.uniform(0, 0.2, 132)
    pose = (0.5 + motion + rng.normal(0, 0.003, (t_pose.size, 132))).astype(np.float32)
    t_robot = np.arange(HOUR_S * ROBOT_HZ) / ROBOT_HZ
    robot = (np.sin(2 * np.pi * 0.25 * t_robot)[:, None] * [1.2, 0.8, 1.9, 1.3, 4.0, 2.5]
             + rng.normal(0, 0.01, (t_robot.size, 6))).astype(np.float32)
    return {"pose": (t_pose, pose), "robot": (t_robot, robot)}


def ingest_store(data_dir: Path, hour: dict, commit_every_s: float) -> float:
    """Seconds to write the hour through the store API, one-second blocks."""
    with Store.open(data_dir).as_system() as store:
        patient = store.patients.add(NewPatient("벤치", 1950, Sex.MALE, Side.LEFT))
        session = store.sessions.start(patient.id)
        recorder = StreamRecorder(store.streams, session.id, commit_every_s=commit_every_s)
        recorder.declare("pose", POSE_COLUMNS)
        recorder.declare("robot", ROBOT_COLUMNS)
        start = time.perf_counter()
        for second in range(HOUR_S):
            for name, rate in (("pose", POSE_HZ), ("robot", ROBOT_HZ)):
                t, values = hour[name]
                block = slice(second * rate, (second + 1) * rate)
                recorder.extend(name, t[block], values[block])
        recorder.close()
        return time.perf_counter() - start


_BASELINE_TABLE = ("CREATE TABLE chunks (id INTEGER PRIMARY KEY, session_id INTEGER, "
                   "stream TEXT, t_start_s REAL, t_end_s REAL, n_samples INTEGER, "
                   "columns TEXT, codec TEXT, data BLOB)")


def baseline_rows(hour: dict, *, compressed: bool) -> list[tuple]:
    """The same per-second rows, prepared before timing (raw or as the store encodes)."""
    rows = []
    for second in range(HOUR_S):
        for name, rate, columns in (("pose", POSE_HZ, POSE_COLUMNS),
                                    ("robot", ROBOT_HZ, ROBOT_COLUMNS)):
            t, values = hour[name]
            block = slice(second * rate, (second + 1) * rate)
            payload = (encode_chunk(t[block], values[block]) if compressed
                       else t[block].tobytes() + values[block].tobytes())
            rows.append((1, name, float(t[block][0]), float(t[block][-1]), rate,
                         ",".join(columns), "raw", payload))
    return rows


def ingest_baseline(path: Path, rows: list[tuple], *, rows_per_commit: int | None = None
                    ) -> float:
    """Seconds for plain sqlite3 executemany of ``rows`` (one transaction by default)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = wal")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(_BASELINE_TABLE)
    conn.execute("CREATE INDEX chunks_range ON chunks(session_id, stream, t_start_s)")
    step = rows_per_commit or len(rows)
    sql = ("INSERT INTO chunks (session_id, stream, t_start_s, t_end_s, n_samples, columns, "
           "codec, data) VALUES (?,?,?,?,?,?,?,?)")
    start = time.perf_counter()
    for first in range(0, len(rows), step):
        conn.executemany(sql, rows[first:first + step])
        conn.commit()
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def bench_ingest(repeats: int) -> dict[str, float]:
    hour = simulated_hour()
    raw_rows = baseline_rows(hour, compressed=False)
    blob_rows = baseline_rows(hour, compressed=True)
    raw_mb = sum(len(r[-1]) for r in raw_rows) / 1e6
    blob_mb = sum(len(r[-1]) for r in blob_rows) / 1e6
    runs = {
        "raw": lambda folder: ingest_baseline(folder / "raw.db", raw_rows),
        "store_live": lambda folder: ingest_store(folder / "live", hour, 1.0),
        "blobs": lambda folder: ingest_baseline(folder / "blobs.db", blob_rows),
        "blobs_per_s": lambda folder: ingest_baseline(folder / "blobs_s.db", blob_rows,
                                                      rows_per_commit=2),
        "store_import": lambda folder: ingest_store(folder / "import", hour, 60.0),
    }
    best = dict.fromkeys(runs, np.inf)
    for _ in range(repeats):  # interleaved, so load on the machine hits all alike
        for name, run in runs.items():
            with tempfile.TemporaryDirectory() as tmp:
                best[name] = min(best[name], run(Path(tmp)))
    return {**best, "raw_mb": raw_mb, "blob_mb": blob_mb}


def seed_progress(store: Store, sessions: int, reps_per_session: int) -> int:
    patient = store.patients.add(NewPatient("진행", 1952, Sex.FEMALE, Side.RIGHT))
    rng = np.random.default_rng(1)
    for s in range(sessions):
        session = store.sessions.start(patient.id)
        for set_index in range(2):
            set_id = store.sessions.add_set(session.id, NewSet(
                "shoulder_flexion", set_index, reps_per_session // 2, 120, 100.0 * set_index))
            for i in range(reps_per_session // 2):
                t = 100.0 * set_index + 3 * i
                store.sessions.add_rep(set_id, NewRep(
                    i, t, t + 1, t + 2, float(60 + s * 0.1 + rng.normal(0, 5)), 80.0,
                    float(np.clip(rng.normal(75, 10), 0, 100)), assistance=0.5))
        store.sessions.finish(session.id, _OUTCOME)
    return patient.id


def bench_progress(repeats: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp)).as_system() as store:
        for _ in range(4):  # other patients' data around the one we query
            seed_progress(store, 100, 100)
        patient_id = seed_progress(store, 500, 100)
        store.db.execute("ANALYZE")
        rows = store.progress(patient_id)
        assert len(rows) == 500 and all(r.reps_done == 100 for r in rows)
        times = []
        for _ in range(max(20, repeats * 10)):
            start = time.perf_counter()
            store.progress(patient_id)
            times.append(time.perf_counter() - start)
    return {"median_ms": statistics.median(times) * 1e3, "max_ms": max(times) * 1e3,
            "min_ms": min(times) * 1e3, "runs": len(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
          f"python {platform.python_version()}, sqlite {sqlite3.sqlite_version}")
    r = bench_ingest(args.repeats)
    print(f"ingest 1 h, best of {args.repeats}: executemany raw bytes {r['raw']:.2f} s "
          f"({r['raw_mb']:.0f} MB) | executemany the store's blobs {r['blobs']:.2f} s "
          f"({r['blob_mb']:.0f} MB) | same blobs, commit each second {r['blobs_per_s']:.2f} s")
    print(f"  store API, commit each second (live): {r['store_live']:.2f} s = "
          f"{r['store_live'] / r['raw']:.2f}x raw, {r['store_live'] / r['blobs_per_s']:.2f}x "
          "plain sqlite3 committing as often")
    print(f"  store API, commit each minute (import): {r['store_import']:.2f} s = "
          f"{r['store_import'] / r['raw']:.2f}x raw (target <= 1.5x)")
    progress = bench_progress(args.repeats)
    print(f"progress query (500 sessions x 100 reps): median {progress['median_ms']:.1f} ms, "
          f"min {progress['min_ms']:.1f} ms, max {progress['max_ms']:.1f} ms over "
          f"{progress['runs']} runs (target < 50 ms)")


_OUTCOME = SessionOutcome(pain_after=2, borg_rpe=12)

if __name__ == "__main__":
    main()
