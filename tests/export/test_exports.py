"""Exports of a real recorded session: roles, de-identification, formats read back."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

from rehab.errors import ValidationError
from rehab.export.deid import DatePolicy
from rehab.export.reader import ExportSelection
from rehab.export.run import FORMATS, run_export
from rehab.store import PermissionDeniedError, Store
from rehab.vision.angles import ANGLE_NAMES
from tests.export.conftest import (
    OLD_MODEL_PROBABILITY,
    Centre,
    exported_text,
    identifying_values,
)


def _export(centre: Centre, fmt: str, out: Path, *, user: str = "researcher",
            dates: DatePolicy = DatePolicy.SHIFT, codes: tuple[str, ...] = ()):
    with Store.open(centre.data_dir).as_system() as store:
        actor = getattr(centre, f"{user}_id")
        return run_export(store.as_user(actor), fmt, out, ExportSelection(codes), dates=dates)


@pytest.mark.parametrize("user", ["researcher", "admin"])
def test_researchers_and_admins_export_and_each_export_is_audited(
        centre: Centre, tmp_path: Path, user: str) -> None:
    result = _export(centre, "parquet", tmp_path / "out", user=user)
    assert (result.subjects, result.sessions) == (2, 2)
    with Store.open(centre.data_dir).as_system() as store:
        (entry,) = [e for e in store.audit_log() if e[3] == "export"]
        assert entry[2] == getattr(centre, f"{user}_id") and entry[5] == result.uid
        detail = json.loads(entry[6])
        assert detail["format"] == "parquet" and detail["identified"] is False
        assert detail["sessions"] == 2 and detail["n_reps"] == 8
        # The mapping stays in the clinic's database, keyed by the export.
        export_id = store.db.execute("SELECT id FROM exports WHERE uid = ?",
                                     (result.uid,)).fetchone()[0]
        labels = {s.subject_label for s in store.exports.subjects(export_id)}
    assert labels == {p.name.split("=")[1] for p in (tmp_path / "out" / "subjects").iterdir()}


def test_a_therapist_cannot_make_a_research_export(centre: Centre, tmp_path: Path) -> None:
    with pytest.raises(PermissionDeniedError, match=r"\(therapist\): may not "
                                                    r"store.authorise_export"):
        _export(centre, "csv", tmp_path / "out", user="therapist")
    assert not (tmp_path / "out").exists()
    with Store.open(centre.data_dir, recover=False).as_system() as store:
        last = store.as_system().audit_log(limit=1)[0]
    assert last[2] == centre.therapist_id
    assert last[3:6] == ("denied", "operation", "store.authorise_export")


def test_subject_labels_are_random_per_export(centre: Centre, tmp_path: Path) -> None:
    first = _export(centre, "parquet", tmp_path / "a")
    second = _export(centre, "parquet", tmp_path / "b")
    labels = [{p.name for p in (tmp_path / name / "subjects").iterdir()} for name in "ab"]
    assert first.uid != second.uid and not labels[0] & labels[1]


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_identifying_value_of_the_database_is_in_any_exported_file(
        centre: Centre, tmp_path: Path, fmt: str) -> None:
    _export(centre, fmt, tmp_path / "out")
    texts, patterns = identifying_values(centre.data_dir)
    assert "김영희" in texts and "Margaret Oldfield" in texts and centre.demo_code in texts
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert len(files) >= 3
    found = [(f.name, value) for f in files for content in [exported_text(f)]
             for value in texts if value in content]
    found += [(f.name, p.pattern) for f in files for p in patterns
              if p.search(exported_text(f))]
    assert found == []
    manifest = json.loads((tmp_path / "out" / "export_manifest.json").read_text())
    assert manifest["deidentified"] is True and "identify a person" in manifest["warning"]


def test_a_half_written_export_leaves_nothing(centre: Centre, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from rehab.export import tabular

    def broken(*args: object) -> dict[str, int]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tabular, "write_parquet", broken)
    with pytest.raises(Exception, match="No space left"):
        _export(centre, "parquet", tmp_path / "out")
    assert list(tmp_path.iterdir()) == [centre.data_dir.parent / "data"] or \
        sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_a_non_empty_target_is_refused(centre: Centre, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    with pytest.raises(ValidationError, match="not an empty folder"):
        _export(centre, "csv", tmp_path / "out")


# ---------------------------------------------------------------- Parquet and CSV


def test_parquet_reads_back_with_duckdb_as_one_hive_dataset(centre: Centre,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "out"
    _export(centre, "parquet", out, codes=(centre.demo_code,))
    con = duckdb.connect()

    def q(sql: str) -> list[tuple]:
        return con.execute(sql.replace("T(", f"read_parquet('{out}/").replace(
            ")!", "/**/*.parquet', hive_partitioning=true)")).fetchall()

    with Store.open(centre.data_dir).as_system() as store:
        patient = store.patients.by_code(centre.demo_code)
        (session,) = store.sessions.for_patient(patient.id)
        reps = store.sessions.reps(session.id)
        pose = store.streams.read(session.id, "pose")
        robot = store.streams.read(session.id, "robot")
    assert q("SELECT count(*), sum(rom_deg), max(form_score) FROM T(reps)!") == [
        (len(reps), pytest.approx(sum(r.rom_deg for r in reps)),
         max(r.form_score for r in reps))]
    assert q("SELECT session, pain_before, pain_after, borg_rpe FROM T(sessions)!") == [
        ("01", session.pain_before, 4, 12)]
    counts = dict(q("SELECT stream, count(*) FROM T(timeseries)! GROUP BY stream"))
    assert counts == {"pose": pose.values.size, "robot": robot.values.size}
    # One value, exactly as stored (float32), NaN (a missing landmark) included.
    wrist_y = pose.column("lm15.y_m")
    k = int(np.flatnonzero(np.isfinite(wrist_y))[len(wrist_y) // 2])
    (value,) = q(f"SELECT value FROM T(timeseries)! WHERE stream = 'pose' AND "
                 f"channel = 'lm15.y_m' AND t_s = {pose.t_s[k]!r}")[0]
    assert np.float32(value) == wrist_y[k]
    assert q("SELECT count(*) FROM T(timeseries)! WHERE stream = 'pose' AND value IS NULL"
             ) == [(int(np.isnan(pose.values).sum()),)]
    assert q("SELECT count(*), min(day) FROM T(assessments)!") == [(4, 0)]
    assert q("SELECT age, sex FROM T(subjects)!") == [(2026 - 1948 if session.started_at >=
                                                      "2026" else 2025 - 1948, "female")]


def test_csv_has_the_same_rows(centre: Centre, tmp_path: Path) -> None:
    _export(centre, "csv", tmp_path / "out")
    reps = list(tmp_path.joinpath("out").glob("reps/subject=*/session=*/part-0.csv"))
    rows = [r for f in reps for r in _rows(f, ",")]
    assert len(rows) == 8 and {"rom_deg", "form_score", "deductions"} <= set(rows[0])


def test_the_model_opinion_of_each_rep_is_exported_and_none_is_made_up(
        centre: Centre, tmp_path: Path) -> None:
    """Each rep's model probability and whether it used a reference reach the researcher.

    The demo patient's reps have no opinion (NULL, not 0 or 0.5); the old patient's two
    reps have one each, with and without a reference.
    """
    _export(centre, "parquet", tmp_path / "pq")
    _export(centre, "csv", tmp_path / "csv")
    _export(centre, "bids", tmp_path / "bids")
    expected = sorted([(None, None)] * 6 + [(OLD_MODEL_PROBABILITY[0], True),
                                            (OLD_MODEL_PROBABILITY[1], False)],
                      key=repr)
    parquet = duckdb.connect().execute(
        f"SELECT model_probability, model_reference FROM read_parquet("
        f"'{tmp_path}/pq/reps/**/*.parquet', hive_partitioning=true)").fetchall()
    assert sorted(parquet, key=repr) == expected
    csv_rows = [r for f in tmp_path.joinpath("csv").glob("reps/**/part-0.csv")
                for r in _rows(f, ",")]
    assert sorted(((float(r["model_probability"]) if r["model_probability"] else None,
                    {"": None, "true": True, "false": False}[r["model_reference"]])
                   for r in csv_rows), key=repr) == expected
    # Each tracking system's recording has the session's reps as its events: read the camera's.
    bids_rows = [r for f in tmp_path.joinpath("bids").rglob("*tracksys-camera*_events.tsv")
                 for r in _rows(f)]
    assert sorted(((None if r["model_probability"] == "n/a" else float(r["model_probability"]),
                    None if r["model_reference"] == "n/a" else r["model_reference"] == "1")
                   for r in bids_rows), key=repr) == expected
    sidecar = json.loads(next(tmp_path.joinpath("bids").rglob("*_events.json")).read_text())
    assert {"model_probability", "model_reference"} <= set(sidecar)


# ---------------------------------------------------------------- BIDS motion


def _rows(path: Path, delimiter: str = "\t") -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines(),
                               delimiter=delimiter))


def _bids_validator(folder: Path) -> dict:
    run = subprocess.run([str(Path(sys.executable).parent / "bids-validator-deno"),
                          "--format", "json", str(folder)],
                         capture_output=True, text=True, timeout=240, check=False)
    return json.loads(run.stdout)


@pytest.mark.parametrize("dates", list(DatePolicy))
def test_bids_export_passes_the_official_validator(centre: Centre, tmp_path: Path,
                                                   dates: DatePolicy) -> None:
    out = tmp_path / "bids"
    _export(centre, "bids", out, dates=dates)
    issues = _bids_validator(out)["issues"]["issues"]
    errors = [(i["code"], i.get("location")) for i in issues if i["severity"] == "error"]
    assert errors == []


def test_bids_motion_files_have_no_header_and_match_their_channels(centre: Centre,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "bids"
    _export(centre, "bids", out)
    motion = sorted(out.rglob("*_motion.tsv"))
    assert len(motion) == 4  # two sessions, camera and robot each
    for path in motion:
        channels = path.with_name(path.name.replace("_motion.tsv", "_channels.tsv"))
        rows = [line.split("\t") for line in channels.read_text().splitlines()]
        assert rows[0] == ["name", "component", "type", "tracked_point", "units"]
        first = path.read_text(encoding="utf-8").splitlines()[0].split("\t")
        assert len(first) == len(rows) - 1
        assert all(v == "n/a" or float(v) == float(v) for v in first)  # numbers: no header
        assert rows[-1][2] == "LATENCY" and float(first[-1]) == 0.0
        sidecar = json.loads(path.with_suffix(".json").read_text())
        assert sidecar["MotionChannelCount"] == len(rows) - 1
        assert sidecar["MissingValues"] == "n/a" and sidecar["TaskName"] == "rehab"
    camera = next(p for p in motion if "camera" in p.name)
    types = [r["type"] for r in _rows(camera.with_name(camera.name.replace(
        "_motion.tsv", "_channels.tsv")))]
    assert types.count("POS") == 99 and types.count("JNTANG") == len(ANGLE_NAMES)


def test_bids_ages_are_capped_at_89_and_dates_shifted_to_1925_or_earlier(
        centre: Centre, tmp_path: Path) -> None:
    out = tmp_path / "bids"
    _export(centre, "bids", out)
    participants = _rows(out / "participants.tsv")
    assert sorted(int(p["age"]) for p in participants) == [78, 89] or \
        sorted(int(p["age"]) for p in participants) == [77, 89]
    times = [row["acq_time"] for f in out.rglob("*_scans.tsv") for row in _rows(f)]
    assert times and all("1900" <= t[:4] <= "1925" for t in times)
