"""A one-minute demo session with the robot beside busy processes: does the record hold?

Runs ``rehab demo --headless``'s session (the demo video looped like a camera, real
MediaPipe, the simulated robot node over DDS) for 20 camera-counted reps, with N
processes each spinning a core, and prints what a clinician's record would say:
status and cause, reps (and how many uncertain), frames scored and dropped, latency,
and any robot watchdog stop. Usage: ``python benchmarks/bench_loaded_session.py [--busy 2]``.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rehab.demo import DEMO_EXERCISE, seed_demo
from rehab.demo_run import HeadlessOptions, run_headless
from rehab.store import Cause, NewProgramItem, RobotMode, Side, Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", type=int, default=2, help="busy processes beside it")
    parser.add_argument("--reps", type=int, default=20, help="reps in the one set")
    args = parser.parse_args()
    os.environ.setdefault("GLOG_minloglevel", "2")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        with Store.open(data).as_system() as store:
            centre = seed_demo(store)
            store.programs.replace_items(centre.program.id, [NewProgramItem(
                DEMO_EXERCISE, sets=1, reps=args.reps, target_rom_deg=120, tempo_s=2.5,
                robot_mode=RobotMode.ACTIVE_ASSISTED, assistance=0.4, safe_rom_min_deg=0,
                safe_rom_max_deg=150, side=Side.BOTH, rest_s=0)])
        code = "import time\nend = time.monotonic() + 300\nwhile time.monotonic() < end: pass"
        busy = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(args.busy)]
        lines: list[str] = []
        started = time.monotonic()
        try:
            run = run_headless(HeadlessOptions(data, language="en",
                                               domain_id=random.randrange(200, 230)),
                               lines.append, timeout_s=300)
        finally:
            for proc in busy:
                proc.kill()
                proc.wait()
        wall_s = time.monotonic() - started
        with Store.open(data).as_system() as store:
            session = store.sessions.get(run.session_id)
            reps = store.sessions.reps(session.id)
            events = store.sessions.events(session.id)
        watchdog = sum(e.cause is Cause.ROBOT_WATCHDOG for e in events)
        camera = next((line for line in lines if line.startswith("Camera pipeline")), "")
        print(f"busy processes: {args.busy}, cores: {os.cpu_count()}, wall {wall_s:.0f} s")
        print(f"session: {session.status} ({session.end_cause}), exit code {run.exit_code}")
        print(f"reps: {len(reps)} of {args.reps}, uncertain {sum(r.uncertain for r in reps)},"
              f" span {reps[-1].t_end_s - reps[0].t_start_s:.0f} s" if reps else "reps: 0")
        print(f"robot watchdog stops: {watchdog}")
        print(camera)


if __name__ == "__main__":
    main()
