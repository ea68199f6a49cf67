"""The simulated robot node as a child process, for the demo and end-to-end tests.

The node runs exactly as in production (``python -m rehab_robot.node_dds``, Cyclone DDS
on loopback), only with the simulated robot and patient behind its driver interface.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import TracebackType

from rehab.errors import RobotError
from rehab_robot.transport.participant import ensure_cyclonedds_uri

log = logging.getLogger(__name__)


class SimulatedRobotNode:
    """Start the robot node in its own process; stop it (SIGINT, then SIGKILL) on exit.

    Parameters
    ----------
    domain_id
        DDS domain of the node and its clients.
    log_path
        Where the node's output goes (kept for a look after a fault).
    """

    def __init__(self, domain_id: int, log_path: Path) -> None:
        self.domain_id, self.log_path = domain_id, log_path
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> SimulatedRobotNode:
        ensure_cyclonedds_uri()  # the child inherits the loopback configuration
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log_file:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "rehab_robot.node_dds", "--domain-id",
                 str(self.domain_id)], stdout=log_file, stderr=subprocess.STDOUT,
                env=os.environ.copy())
        return self

    def check_alive(self) -> None:
        """Raise :class:`RobotError` if the node has exited."""
        if self._proc is not None and self._proc.poll() is not None:
            raise RobotError(f"the robot node exited with code {self._proc.returncode}; "
                             f"see {self.log_path}")

    def stop(self, timeout_s: float = 10.0) -> int | None:
        """Ask the node to stop (it disables the actuators first); return its exit code."""
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                log.warning("robot node did not stop on SIGINT; killing it")
                proc.kill()
                proc.wait(timeout_s)
        return proc.returncode

    def __enter__(self) -> SimulatedRobotNode:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
