"""Robot node benchmarks: control-tick lateness, /joint_states latency and loss, e-stop time.

    python benchmarks/bench_robot.py [--duration-s 60] [--estops 20] [--out FILE]

Runs the real node (``python -m rehab_robot.node_dds``, simulated robot and patient) in its
own process on a private DDS domain over loopback, and the app's client in this process:

1. **Control tick lateness** at 500 Hz while a passive exercise runs and the app sends
   heartbeats and receives telemetry: p50 / p99 / max of (tick start - deadline) and the
   missed deadlines (ticks more than one period late), over the whole window, as the node
   reports them on /diagnostics (cumulative histogram since the node started).
2. **/joint_states latency and loss** at 200 Hz over reliable QoS: latency is the app-side
   receive time (after the client's executor has decoded the sample) minus the node's
   stamp, both on this host's wall clock; loss compares the node's own count of published
   samples between two /diagnostics snapshots with what the app received in between.
3. **E-stop**: the round trip of the ``~/estop`` service (request out -> reply in); the
   node replies after ``controller.estop()`` returned, which zeroes the commanded torque
   inside the call, so the round trip bounds "call to zero torque" from above. The
   in-process cost of ``controller.estop()`` on the simulated driver is measured too.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from rehab.errors import RobotError
from rehab.robot import ClientSettings, RobotClient, RobotPrescription, connect
from rehab_robot.core.api import RobotState
from rehab_robot.core.clock import MonotonicClock
from rehab_robot.core.config import load_config
from rehab_robot.core.simulation import build_simulated_robot
from rehab_robot.node_dds import DEFAULT_RT_PRIORITY
from rehab_robot.realtime import percentile
from rehab_robot.transport.participant import default_cyclonedds_uri


def quantiles_ms(values_s: list[float]) -> tuple[float, float, float]:
    ordered = sorted(v * 1e3 for v in values_s)
    return percentile(ordered, 0.5), percentile(ordered, 0.99), ordered[-1]


def node_diagnostics(client: RobotClient, after_s: float, timeout_s: float = 5.0) -> dict:
    """The node's control-loop diagnostics from a /diagnostics message newer than ``after_s``."""
    client.wait_for(
        lambda: any(
            d.name.endswith("node loop timing") and float(d.value("joint_states_last_stamp_ns"))
            > after_s * 1e9
            for d in client.diagnostics
        ),
        timeout_s,
    )
    entry = next(d for d in client.diagnostics if d.name.endswith("node loop timing"))
    return dict(entry.values)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def enable(client: RobotClient) -> None:
    """Enable, retrying until the node has seen this client's heartbeats (discovery)."""
    deadline_s = time.monotonic() + 10.0
    while True:
        try:
            client.enable(True)
            return
        except RobotError as exc:
            if "heartbeat" not in str(exc) or time.monotonic() > deadline_s:
                raise
            time.sleep(0.05)


def start_exercise(client: RobotClient) -> None:
    enable(client)
    client.wait_for(lambda: client.status.state is RobotState.ENABLED, 5.0)
    client.send_exercise(
        RobotPrescription(
            exercise_id="elbow_flexion", mode="passive", joint_names=("elbow_flexion",),
            start_deg=(20.0,), end_deg=(80.0,), reps=200, tempo_s=1.5, hold_s=0.2,
            rom_min_deg=(0.0,), rom_max_deg=(120.0,),
        )
    )
    client.wait_for(lambda: client.status.state is RobotState.RUNNING, 5.0)


def bench_stream(client: RobotClient, node_pid: int, duration_s: float) -> dict:
    client.drain_telemetry()
    d1 = node_diagnostics(client, time.time())
    cpu1, wall1 = cpu_seconds(node_pid), time.monotonic()
    samples = []
    end_s = time.monotonic() + duration_s
    while time.monotonic() < end_s:
        time.sleep(0.5)  # real cross-process streaming: collect what arrived
        samples.extend(client.drain_telemetry())
    d2 = node_diagnostics(client, time.time())
    cpu2, wall2 = cpu_seconds(node_pid), time.monotonic()
    samples.extend(client.drain_telemetry())
    s1 = int(d1["joint_states_last_stamp_ns"]) / 1e9
    s2 = int(d2["joint_states_last_stamp_ns"]) / 1e9
    window = [s for s in samples if s1 < s.stamp_s <= s2]
    expected = int(d2["joint_states_published"]) - int(d1["joint_states_published"])
    latency = [s.received_s - s.stamp_s for s in window]
    stamps = [s.stamp_s for s in window]
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    stops = [
        t for t in client.transitions()
        if t.to_state in (RobotState.FAULT, RobotState.SAFE_STOP, RobotState.ESTOP)
    ]
    return {
        "stops": [f"{t.to_state.value}: {t.reason}" for t in stops],
        "d2": d2,
        "expected": expected,
        "received": len(window),
        "lost": expected - len(window),
        "rate_hz": (len(window) - 1) / (stamps[-1] - stamps[0]),
        "latency_ms": quantiles_ms(latency),
        "max_gap_ms": max(gaps) * 1e3,
        "node_cpu_pct": 100.0 * (cpu2 - cpu1) / (wall2 - wall1),
        "window_s": s2 - s1,
    }


def bench_estop(client: RobotClient, repeats: int) -> dict:
    rtt = []
    zero_after = 0
    # After the stream the robot is disabled, or stopped if the run faulted: reset it
    # (a refusal "nothing to reset" only means the status here lagged the node).
    stamp_s = time.time()
    client.wait_for(lambda: client.status.stamp_s > stamp_s, 5.0)
    if client.status.state is not RobotState.IDLE:
        try:
            client.reset()
        except RobotError as exc:
            print(f"reset before the e-stop runs: {exc}", file=sys.stderr)
    client.wait_for(lambda: client.status.state is RobotState.IDLE, 5.0)
    for _ in range(repeats):
        enable(client)
        client.wait_for(
            lambda: client.latest_telemetry is not None
            and max(abs(e) for e in client.latest_telemetry.effort_nm) > 0.5,
            5.0,
        )
        t0 = time.perf_counter()
        client.estop()
        rtt.append(time.perf_counter() - t0)
        replied_s = time.time()
        client.wait_for(lambda r=replied_s: client.latest_telemetry.stamp_s > r, 2.0)
        if all(e == 0.0 for e in client.latest_telemetry.effort_nm):
            zero_after += 1
        client.wait_for(lambda: client.status.state is RobotState.ESTOP, 2.0)
        client.reset()
        client.wait_for(lambda: client.status.state is RobotState.IDLE, 2.0)
    return {"rtt_ms": quantiles_ms(rtt), "repeats": repeats, "zero_after_reply": zero_after}


def bench_estop_in_process(repeats: int = 2000) -> tuple[float, float, float]:
    """``controller.estop()`` on the simulated driver, no transport: the floor."""
    config = load_config()
    clock = MonotonicClock()
    durations = []
    controller, _driver = build_simulated_robot(config, clock)
    controller.tick()
    for _ in range(repeats):
        t0 = time.perf_counter()
        controller.estop("bench")
        durations.append(time.perf_counter() - t0)
        controller.reset()
    return quantiles_ms(durations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration-s", type=float, default=60.0)
    parser.add_argument("--estops", type=int, default=20)
    parser.add_argument("--rt-priority", type=int, default=DEFAULT_RT_PRIORITY,
                        help="node's SCHED_FIFO priority (default: the node's own)")
    parser.add_argument("--out", type=Path, help="also write the markdown report here")
    args = parser.parse_args()

    in_process = bench_estop_in_process()
    domain_id = random.randint(100, 230)
    env = dict(os.environ, CYCLONEDDS_URI=default_cyclonedds_uri(), ROS_DOMAIN_ID=str(domain_id))
    os.environ.update(CYCLONEDDS_URI=env["CYCLONEDDS_URI"])
    node = subprocess.Popen(
        [sys.executable, "-m", "rehab_robot.node_dds", "--domain-id", str(domain_id),
         "--log-level", "WARNING", "--rt-priority", str(args.rt_priority)],
        env=env,
    )
    client = connect(domain_id, ClientSettings(client_id="bench", telemetry_buffer=100_000))
    try:
        client.wait_for(lambda: client.status is not None, 15.0)
        start_exercise(client)
        stream = bench_stream(client, node.pid, args.duration_s)
        client.enable(False)
        estop = bench_estop(client, args.estops)
    finally:
        client.close()
        node.send_signal(signal.SIGINT)
        node.wait(timeout=10)

    print(render(args, stream, estop, in_process))
    if args.out:
        args.out.write_text(render(args, stream, estop, in_process))


def render(args: argparse.Namespace, stream: dict, estop: dict, in_process: tuple) -> str:
    """The markdown report."""
    d2 = stream["d2"]
    ticks = d2["ticks"]
    lat = stream["latency_ms"]
    rtt = estop["rtt_ms"]
    rows = [
        ("Control tick lateness p50 / p99 / max (500 Hz, whole run, " + ticks + " ticks)",
         "p99 < 1 ms",
         f"{float(d2['total_lateness_p50_ms']):.3f} / {float(d2['total_lateness_p99_ms']):.3f}"
         f" / {float(d2['total_lateness_max_ms']):.3f} ms"),
        ("Missed deadlines (tick > 1 period late)", "0", f"{d2['missed_deadlines']} of {ticks}"),
        ("/joint_states rate", "200 Hz", f"{stream['rate_hz']:.1f} Hz"),
        ("/joint_states latency p50 / p99 / max (node stamp -> app callback)", "-",
         f"{lat[0]:.2f} / {lat[1]:.2f} / {lat[2]:.2f} ms"),
        (f"/joint_states lost (reliable QoS, {stream['window_s']:.1f} s window)", "0",
         f"{stream['lost']} of {stream['expected']}"),
        ("Largest gap between consecutive samples", "-", f"{stream['max_gap_ms']:.1f} ms"),
        (f"E-stop service round trip p50 / p99 / max ({estop['repeats']} calls)", "< 5 ms",
         f"{rtt[0]:.2f} / {rtt[1]:.2f} / {rtt[2]:.2f} ms"),
        ("Telemetry after the e-stop reply showing zero torque", "all",
         f"{estop['zero_after_reply']} of {estop['repeats']}"),
        ("`controller.estop()` in process p50 / p99 / max", "-",
         f"{in_process[0] * 1e3:.1f} / {in_process[1] * 1e3:.1f} / {in_process[2] * 1e3:.1f} us"),
        ("Unplanned stops during the exercise (fault, safe stop)", "none",
         "; ".join(stream["stops"]) or "none"),
        ("Node process CPU (control loop + DDS)", "-",
         f"{stream['node_cpu_pct']:.0f} % of one core"),
    ]
    lines = [
        "## Robot node (benchmarks/bench_robot.py)",
        "",
        f"Command: `python benchmarks/bench_robot.py --duration-s {args.duration_s:g} "
        f"--estops {args.estops} --rt-priority {args.rt_priority}`",
        f"Machine: {platform.machine()} shared VM, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; Cyclone DDS on loopback; node and app in separate "
        "processes; a passive exercise running throughout.",
        "",
        "| Measure | Target | Measured |",
        "|---|---|---|",
        *(f"| {a} | {b} | {c} |" for a, b, c in rows),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
