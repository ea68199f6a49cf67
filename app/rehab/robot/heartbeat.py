"""Heartbeats from a small child process, so the app's own load cannot starve them.

The robot stops within its watchdog timeout (0.2 s) when heartbeats stop. A heartbeat
thread inside the app shares the interpreter lock with pose estimation, which holds it
for tens of milliseconds per frame (measured: a 20 Hz thread woke up to 73 ms late next
to MediaPipe on this 2-core machine, worse under load), so a busy but healthy app could
trip the watchdog. :class:`HeartbeatProcess` sends them from a child process instead,
and keeps both safety properties of the watchdog:

- the app dies (crash, SIGKILL): the child's stdin reaches end-of-file at once and it
  stops sending, so the robot safe-stops within its watchdog timeout, as before;
- the app hangs: the app pings the child every 0.1 s; after ``liveness_timeout_s``
  (1 s) without a ping the child stops sending until pings resume.

The sending thread runs under SCHED_FIFO at the robot control loop's default priority
(:data:`rehab_robot.realtime.DEFAULT_RT_PRIORITY`) where the system allows it, so that a
loaded machine cannot delay a heartbeat past the watchdog; elsewhere it runs at normal
priority after one logged warning. The watchdog itself is not lengthened.

Run as ``python -m rehab.robot.heartbeat`` by :class:`HeartbeatProcess` only.
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import threading
import time

from rehab.errors import RobotError
from rehab_robot.realtime import DEFAULT_RT_PRIORITY, set_realtime_priority

log = logging.getLogger(__name__)

PING_PERIOD_S = 0.1


class HeartbeatProcess:
    """Start and feed the heartbeat child process.

    Parameters
    ----------
    domain_id
        DDS domain of the robot node.
    client_id
        Sent in each heartbeat.
    period_s
        Heartbeat period, well below the robot's watchdog timeout.
    liveness_timeout_s
        Silence from the app after which the child stops sending (> ``PING_PERIOD_S``).
    rt_priority
        SCHED_FIFO priority of the sending thread, 1-99 (0: normal scheduling).
    """

    def __init__(self, domain_id: int, client_id: str, period_s: float = 0.05,
                 liveness_timeout_s: float = 1.0,
                 rt_priority: int = DEFAULT_RT_PRIORITY) -> None:
        if not liveness_timeout_s > PING_PERIOD_S:
            raise ValueError(f"liveness_timeout_s must exceed {PING_PERIOD_S} s")
        if not 0 <= rt_priority <= 99:
            raise ValueError(f"rt_priority must be 0-99, got {rt_priority}")
        self._args = [sys.executable, "-m", "rehab.robot.heartbeat", "--domain-id",
                      str(domain_id), "--client-id", client_id, "--period-s", str(period_s),
                      "--liveness-timeout-s", str(liveness_timeout_s),
                      "--rt-priority", str(rt_priority)]
        self._proc: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._pinger: threading.Thread | None = None

    def start(self) -> None:
        """Start the child and the thread that pings it."""
        self._proc = subprocess.Popen(self._args, stdin=subprocess.PIPE)
        self._pinger = threading.Thread(target=self._ping_loop, name="heartbeat-ping",
                                        daemon=True)
        self._pinger.start()

    def _ping_loop(self) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        while not self._stop.wait(PING_PERIOD_S):
            try:
                self._proc.stdin.write(b".")
                self._proc.stdin.flush()
            except (BrokenPipeError, ValueError):
                log.error("the heartbeat process has died: the robot will safe-stop")
                return

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return self._proc.pid if self._proc is not None else None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self) -> None:
        """Stop pinging and close the pipe: the child stops sending and exits."""
        self._stop.set()
        if self._pinger is not None:
            self._pinger.join(2.0)
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(5.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5.0)


def _watch_stdin(last_ping: list[float], gone: threading.Event) -> None:
    """Record each ping from the app; set ``gone`` at end-of-file (the app died)."""
    stream = sys.stdin.buffer
    while stream.read(1):
        last_ping[0] = time.monotonic()
    gone.set()


def run(domain_id: int, client_id: str, period_s: float, liveness_timeout_s: float,
        rt_priority: int = DEFAULT_RT_PRIORITY) -> None:
    """The child's loop: send heartbeats while the app lives and pings."""
    from rehab.robot.dds_transport import DdsRobotTransport  # the child's only DDS user

    transport = DdsRobotTransport(domain_id, client_id=client_id)
    last_ping, gone = [time.monotonic()], threading.Event()
    threading.Thread(target=_watch_stdin, args=(last_ping, gone), daemon=True).start()
    if rt_priority:
        # This (sending) thread only, after the DDS and stdin threads exist: they keep
        # normal scheduling instead of inheriting SCHED_FIFO.
        set_realtime_priority(rt_priority, "the heartbeat sender")
    seq, next_s, silent = 0, time.monotonic(), False
    try:
        while not gone.is_set():
            if time.monotonic() - last_ping[0] <= liveness_timeout_s:
                seq += 1
                transport.send_heartbeat(seq)
                silent = False
            elif not silent:
                silent = True
                log.error("no ping from the app for %.1f s: heartbeats stopped",
                          liveness_timeout_s)
            next_s += period_s
            gone.wait(max(0.0, next_s - time.monotonic()))
    finally:
        transport.close()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the child process."""
    parser = argparse.ArgumentParser(prog="python -m rehab.robot.heartbeat",
                                     description="Heartbeats to the robot node for the app.")
    parser.add_argument("--domain-id", type=int, required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--period-s", type=float, default=0.05)
    parser.add_argument("--liveness-timeout-s", type=float, default=1.0)
    parser.add_argument("--rt-priority", type=int, default=DEFAULT_RT_PRIORITY,
                        help="SCHED_FIFO priority of the sender (0: normal scheduling)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="heartbeat: %(message)s")
    try:
        run(args.domain_id, args.client_id, args.period_s, args.liveness_timeout_s,
            args.rt_priority)
    except RobotError as exc:
        sys.exit(f"heartbeat: {exc}")


if __name__ == "__main__":
    main()
