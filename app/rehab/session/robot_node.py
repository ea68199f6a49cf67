"""The simulated robot node as a child process, for the demo and end-to-end tests.

The node runs exactly as in production (``python -m rehab_robot.node_dds``, Cyclone DDS
on loopback), only with the simulated robot and patient behind its driver interface.

It dies with the app however the app dies (SIGTERM, SIGKILL, a crash): its stdin is a pipe
whose other end only this process holds, and the node (``--exit-with-parent``) makes the
robot safe and exits at end-of-file. Started from the main thread, it also asks the kernel
for SIGTERM when that thread exits (``--parent-death-signal``; the kernel ties the signal
to the forking *thread*, so a node started from a worker thread relies on the pipe alone).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import TracebackType

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
        """Start the node process (it takes a few seconds to come up on DDS)."""
        ensure_cyclonedds_uri()  # the child inherits the loopback configuration
        self.log_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        args = [sys.executable, "-m", "rehab_robot.node_dds", "--domain-id",
                str(self.domain_id), "--exit-with-parent"]
        if threading.current_thread() is threading.main_thread():
            args.append("--parent-death-signal")
        # The log may name the session's data: private to the user, like the database.
        log_fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with open(log_fd, "ab") as log_file:
            # stdin: a pipe this process never writes to; its end closes when we die.
            self._proc = subprocess.Popen(
                args, stdin=subprocess.PIPE, stdout=log_file, stderr=subprocess.STDOUT,
                env=os.environ.copy())
        return self

    @property
    def pid(self) -> int | None:
        """The node's process id while it runs."""
        return self._proc.pid if self._proc is not None else None

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
        if proc.stdin is not None:
            proc.stdin.close()
        return proc.returncode

    def __enter__(self) -> SimulatedRobotNode:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
