"""Regenerate docs/screenshots/report_*.png: the demo patient's printed progress report.

Run from the repository root (no display needed; needs poppler-utils' ``pdftoppm``)::

    .venv/bin/python docs/make_report_screenshots.py

The demo patient's last session is real: ``tests/export/data/recorded_session.db`` is
``rehab demo --headless`` on the demo video with the simulated robot. The four weeks
before it are *example data* (invented numbers of a plausible recovery, marked as such in
their notes), written through the store API so that the charts have a trend to show.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from rehab.demo import seed_demo
from rehab.report.pdf import write_report
from rehab.store import NewAssessment, NewRep, NewSet, SessionOutcome, Store

ROOT = Path(__file__).resolve().parents[1]
RECORDED = ROOT / "tests" / "export" / "data" / "recorded_session.db"
EXAMPLE = "예시 자료 (example data)"


class SteppedClock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def seed_history(store: Store, clock: SteppedClock, program_id: int,
                 first_day: dt.datetime) -> None:
    """Eight earlier sessions over four weeks (example numbers), and assessments."""
    program = store.programs.get(program_id)
    rng = np.random.default_rng(3)
    for k, w in enumerate(np.linspace(0, 1, 8)):
        clock.now = first_day + dt.timedelta(days=3.5 * k)
        session = store.sessions.start(program.patient_id, program_id=program.id,
                                       pain_before=int(np.rint(6 - 2 * w)))
        for item in program.items:
            done = int(np.rint(item.reps * (0.6 + 0.4 * w)))
            for set_index in range(item.sets):
                set_id = store.sessions.add_set(session.id, NewSet(
                    item.exercise_id, set_index, item.reps, item.target_rom_deg,
                    60.0 * set_index, program_item_id=item.id))
                for r in range(done):
                    t = 60.0 * set_index + 4.0 * r
                    store.sessions.add_rep(set_id, NewRep(
                        r, t, t + 1.5, t + 3.0, float(84 + 34 * w + rng.normal(0, 3)), 80.0,
                        float(np.clip(58 + 25 * w + rng.normal(0, 4), 0, 100)),
                        assistance=float(0.7 - 0.3 * w)))
                store.sessions.end_set(set_id, 60.0 * set_index + 4.0 * done)
        clock.now += dt.timedelta(minutes=35)
        store.sessions.finish(session.id, SessionOutcome(
            pain_after=int(np.rint(5 - 2 * w)), borg_rpe=int(np.rint(14 - 2 * w)),
            notes=f"{EXAMPLE}: 어깨 통증 {'감소' if w > 0.5 else '호소'}"))
    for days, fma, bbt, tug, pain in ((0, 28, 12, 18.4, 5), (14, 32, 16, 16.1, 4),
                                      (28, 37, 21, 13.6, 3)):
        date = (first_day + dt.timedelta(days=days)).date().isoformat()
        for instrument, score in (("fugl_meyer_ue", fma), ("box_and_block", bbt),
                                  ("timed_up_and_go_s", tug), ("pain_nrs", pain)):
            store.assessments.add(program.patient_id,
                                  NewAssessment(instrument, score, date, notes=EXAMPLE))


def main() -> None:
    out = ROOT / "docs" / "screenshots"
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        shutil.copy(RECORDED, data / "rehab.db")
        with Store.open(data) as store:
            recorded_at = store.db.execute("SELECT MIN(started_at) FROM sessions").fetchone()[0]
        first_day = dt.datetime.fromisoformat(recorded_at) - dt.timedelta(days=29)
        clock = SteppedClock(first_day)
        with Store.open(data, wall_clock=clock) as store:
            centre = seed_demo(store)
            therapist = store.as_user(centre.therapist.id)
            seed_history(therapist, clock, centre.program.id, first_day)
            clock.now = dt.datetime.fromisoformat(recorded_at) + dt.timedelta(hours=1)
            for language in ("ko", "en"):
                pdf = Path(tmp) / f"report_{language}.pdf"
                pages = write_report(therapist, centre.patient.code, pdf, language=language)
                subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf),
                                str(out / f"report_{language}")], check=True)
                print(f"wrote {pages} pages: docs/screenshots/report_{language}-*.png")


if __name__ == "__main__":
    main()
