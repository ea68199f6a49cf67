"""A centre built on a real recorded session, with every kind of identifying value in it.

``data/recorded_session.db`` is a real session: ``rehab demo --headless`` on the demo
video (MediaPipe pose, 651 frames) with the simulated robot node over DDS (4577 joint
samples), 2 sets of 3 reps, recorded at schema version 2 (opening it migrates it). The
fixture adds what a clinic's database also holds: notes, pain, assessments with notes, a
second patient over 89, and the three roles.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

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

RECORDED = Path(__file__).parent / "data" / "recorded_session.db"
PASSWORD = "export-test-pass"
OLD_MODEL_PROBABILITY = (0.8125, 0.25)  # the old patient's two reps, as the model scored them


@dataclass(frozen=True)
class Centre:
    data_dir: Path
    researcher_id: int
    therapist_id: int
    admin_id: int
    demo_code: str
    old_code: str


def _old_patient_session(store: Store, patient_id: int) -> None:
    """A short session of a 95-year-old: two reps and a few seconds of streams."""
    session = store.sessions.start(patient_id, pain_before=3, robot_used=True)
    set_id = store.sessions.add_set(session.id, NewSet("shoulder_abduction_bilateral", 0, 2,
                                                       90.0, 0.0))
    # The first rep scored against the patient's reference reps, the second without.
    for i, reference in enumerate((True, False)):
        store.sessions.add_rep(set_id, NewRep(i, 1.0 + 2 * i, 1.5 + 2 * i, 2.5 + 2 * i,
                                              80.0 + i, 60.0, 70.0, assistance=0.3,
                                              model_probability=OLD_MODEL_PROBABILITY[i],
                                              model_reference=reference))
    recorder = StreamRecorder(store.streams, session.id)
    recorder.declare("pose", tuple(f"lm{j}.{a}" for j in range(33)
                                   for a in ("x_m", "y_m", "z_m", "vis")))
    recorder.declare("robot", ("shoulder_flexion.position_rad",
                               "shoulder_flexion.velocity_rad_s", "shoulder_flexion.effort_nm"))
    t = np.arange(0, 5, 1 / 30)
    rng = np.random.default_rng(1)
    pose = rng.normal(0, 0.3, (len(t), 132)).astype(np.float32)
    pose[10:13] = np.nan  # a person out of view
    recorder.extend("pose", t, pose)
    tr = np.arange(0, 5, 1 / 200)
    recorder.extend("robot", tr, np.column_stack([np.sin(tr), np.cos(tr), 0.1 * tr]))
    recorder.close()
    store.sessions.end_set(set_id, 5.0)
    store.sessions.finish(session.id, SessionOutcome(pain_after=2, borg_rpe=13,
                                                     notes="박씨 할머니, 010-1234-5678"))


@pytest.fixture
def centre(tmp_path: Path) -> Centre:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(RECORDED, data_dir / "rehab.db")
    with Store.open(data_dir) as opened:
        store = opened.as_system()  # seeding the test centre: maintenance
        researcher = store.users.add(NewUser("rsch", "이연구 Researcher", Role.RESEARCHER,
                                             PASSWORD))
        therapist = store.users.by_username("demo")
        admin = store.users.add(NewUser("boss", "Admin 관리자", Role.ADMIN, PASSWORD))
        as_therapist = store.as_user(therapist.id)
        demo = as_therapist.patients.search("")[0]
        as_therapist.patients.update(demo.id, NewPatient(
            demo.name, demo.birth_year, demo.sex, demo.affected_side, demo.diagnosis,
            "Lives alone at 12 Sejong-daero; daughter 김민지 calls weekly"))
        (session,) = as_therapist.sessions.for_patient(demo.id)
        as_therapist.sessions.record_outcome(session.id, SessionOutcome(
            pain_after=4, borg_rpe=12, notes="환자 김영희 님: 어깨 통증 호소"))
        day = session.started_at[:10]
        for instrument, score in (("fugl_meyer_ue", 31), ("box_and_block", 22),
                                  ("timed_up_and_go_s", 14.5), ("pain_nrs", 5)):
            as_therapist.assessments.add(demo.id, NewAssessment(
                instrument, score, day, notes=f"assessed by 김 치료사 ({instrument})"))
        old = as_therapist.patients.add(NewPatient("Margaret Oldfield", 1930, Sex.FEMALE,
                                                   Side.RIGHT, "stroke 2019",
                                                   "very private note"))
        _old_patient_session(as_therapist, old.id)
        return Centre(data_dir, researcher.id, therapist.id, admin.id, demo.code, old.code)


def identifying_values(data_dir: Path) -> tuple[list[str], list[re.Pattern[str]]]:
    """Every identifying value in the source database: plain strings and patterns.

    Names, codes, notes, diagnoses, user names, free-text messages, real dates (session
    and assessment days, every ``*_at`` day) and birth years (as whole numbers).
    """
    with Store.open(data_dir, recover=False).as_system() as store:
        db = store.db
        texts: set[str] = set()
        for table, columns in (("patients", "name, code, notes, diagnosis"),
                               ("users", "username, display_name"),
                               ("sessions", "notes"), ("assessments", "notes"),
                               ("programs", "name")):
            for row in db.execute(f"SELECT {columns} FROM {table}"):
                texts.update(v for v in row if isinstance(v, str) and len(v.strip()) >= 3)
        days = {r[0][:10] for r in db.execute(
            "SELECT started_at FROM sessions UNION SELECT assessed_on FROM assessments "
            "UNION SELECT created_at FROM patients UNION SELECT ended_at FROM sessions "
            "WHERE ended_at IS NOT NULL")}
        years = {r[0] for r in db.execute("SELECT birth_year FROM patients")}
    # The same days written another way, as some formats might.
    compact = {d.replace("-", "") for d in days}
    slashed = {dt.date.fromisoformat(d).strftime("%d/%m/%Y") for d in days}
    patterns = [re.compile(rf"(?<![\d.]){y}(?![\d])") for y in years]
    return sorted(texts | days | compact | slashed), patterns


def exported_text(path: Path) -> str:
    """A file's content as text; Parquet files read back (their pages are compressed)."""
    raw = path.read_bytes().decode("utf-8", errors="ignore")
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        raw += "\n" + "\n".join(str(v) for col in table.columns for v in col.to_pylist())
    return raw
