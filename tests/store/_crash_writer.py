"""Child process of the SIGKILL test: records a session forever, committing as it goes.

Prints one line per committed rep ("rep <index> <rom>") so the parent knows what must
survive; the parent kills it mid-stream.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from rehab.store import NewPatient, NewRep, NewSet, Sex, Side, Store, StreamRecorder


def main(data_dir: Path) -> None:
    store = Store.open(data_dir).as_system()
    patient = store.patients.add(NewPatient("강순자", 1944, Sex.FEMALE, Side.RIGHT))
    session = store.sessions.start(patient.id)
    set_id = store.sessions.add_set(session.id, NewSet("shoulder_flexion", 0, 100_000, 120, 0))
    recorder = StreamRecorder(store.streams, session.id, chunk_s=0.25)
    recorder.declare("robot", ("q0_rad", "q1_rad", "tau0_nm", "tau1_nm", "dq0", "dq1"))
    print(f"session {session.id}", flush=True)
    t, index = 0.0, 0
    while True:
        block = t + np.arange(50) / 200.0
        recorder.extend("robot", block, np.sin(block)[:, None] * np.arange(1, 7))
        t = float(block[-1]) + 1 / 200.0
        rom = 60.0 + index % 50
        store.sessions.add_rep(set_id, NewRep(index, t - 0.2, t - 0.1, t, rom, 50.0, 75.0))
        print(f"rep {index} {rom}", flush=True)
        index += 1


if __name__ == "__main__":
    main(Path(sys.argv[1]))
