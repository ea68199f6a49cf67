"""A stand-in for the app that starts the simulated robot node, run by test_node_process.py.

Starts a :class:`SimulatedRobotNode` (from the main thread, or from a worker thread that
stays alive), prints the node's pid and then waits to be killed.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from rehab.session.robot_node import SimulatedRobotNode


def main(domain_id: int, log_path: Path, mode: str) -> None:
    started = threading.Event()
    node = SimulatedRobotNode(domain_id, log_path)

    def start() -> None:
        node.start()
        started.set()
        if mode == "worker":
            threading.Event().wait()  # the forking thread stays alive: no PDEATHSIG

    if mode == "worker":
        threading.Thread(target=start, daemon=True).start()
        started.wait()
    else:
        start()
    print(node.pid, flush=True)
    while True:
        time.sleep(1.0)


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])
