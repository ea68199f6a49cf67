"""Robot core benchmarks: compute cost of one control tick, in-process, no DDS.

    python benchmarks/bench_robot_core.py [--seconds 20] [--out FILE]

What a 500 Hz tick costs on the CPU (the budget is 2 ms, shared with DDS and the other
threads of the node), measured on a fake clock so that only computation is timed:

1. ``controller.tick()`` with the simulated driver (controller + supervisor + the plant's
   substeps), per mode, p50 / p99 / max;
2. ``controller.tick()`` alone, over a driver that returns a constant reading (the
   controller and supervisor without the plant);
3. one CiA 402 cycle over python-can's virtual bus (SYNC -> TPDOs -> RPDOs) with simulated
   drives: Python threads on both ends, an upper bound of the driver's own overhead.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import uuid
from pathlib import Path

from rehab_robot.core.api import ControlMode, ExerciseCommand, SensorReading
from rehab_robot.core.clock import FakeClock
from rehab_robot.core.config import load_config
from rehab_robot.core.controller import RobotController
from rehab_robot.core.plant import SimulatedPlant
from rehab_robot.core.simulation import build_simulated_robot, run_ticks
from rehab_robot.drivers.canopen_driver import Cia402Driver
from rehab_robot.drivers.cia402_sim import SimulatedCia402Bus

CONFIG = load_config()
PERIOD = CONFIG.rates.control_period_s
COMMAND = ExerciseCommand("bench", ControlMode.PASSIVE, CONFIG.joint_names, (20.0, 10.0),
                          (90.0, 60.0), 100, 2.5, 0.3, 0.5, 0.5, (0.0, 0.0), (120.0, 120.0))


def _quantiles(samples_s: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples_s)
    return (statistics.median(ordered) * 1e6, ordered[int(0.99 * (len(ordered) - 1))] * 1e6,
            ordered[-1] * 1e6)


def _enabled(controller: RobotController, clock: FakeClock) -> None:
    run_ticks(controller, clock, 0.01)
    ok, why = controller.enable(True)
    if not ok:
        raise RuntimeError(why)
    run_ticks(controller, clock, 0.6)


def bench_mode(mode: ControlMode, seconds: float) -> tuple[float, float, float]:
    """Tick cost with the simulated plant while ``mode`` runs."""
    clock = FakeClock()
    controller, _ = build_simulated_robot(CONFIG, clock)
    _enabled(controller, clock)
    ok, why = controller.command_exercise(ExerciseCommand(**{**COMMAND.__dict__, "mode": mode}))
    if not ok:
        raise RuntimeError(why)
    samples = []
    for _ in range(round(seconds / PERIOD)):
        clock.advance(PERIOD)
        controller.heartbeat()
        t0 = time.perf_counter()
        controller.tick()
        samples.append(time.perf_counter() - t0)
    return _quantiles(samples)


class _ConstantDriver:
    joint_names = CONFIG.joint_names

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock

    def enable(self, on: bool) -> None:
        """Nothing to power."""

    def read(self) -> SensorReading:
        return SensorReading(self.clock.now_s(), (0.5, 0.5), (0.0, 0.0), (0.0, 0.0))

    def write_torque(self, torque_nm: tuple[float, ...]) -> None:
        """Discarded."""

    def close(self) -> None:
        """Nothing to release."""


def bench_controller_only(seconds: float) -> tuple[float, float, float]:
    """Tick cost of the controller and supervisor alone (hold mode)."""
    clock = FakeClock()
    controller = RobotController(CONFIG, _ConstantDriver(clock), clock)
    _enabled(controller, clock)
    samples = []
    for _ in range(round(seconds / PERIOD)):
        clock.advance(PERIOD)
        controller.heartbeat()
        t0 = time.perf_counter()
        controller.tick()
        samples.append(time.perf_counter() - t0)
    return _quantiles(samples)


def bench_canopen(cycles: int) -> tuple[float, float, float]:
    """One SYNC/TPDO/RPDO cycle with simulated drives on the virtual bus."""
    channel = f"bench-{uuid.uuid4().hex[:8]}"
    clock = FakeClock()
    with SimulatedCia402Bus(SimulatedPlant(CONFIG), clock, (1, 2), (40.0, 20.0),
                            channel=channel):
        driver = Cia402Driver.open(channel, "virtual", (1, 2), CONFIG.joint_names, clock,
                                   sync_timeout_s=0.5)
        try:
            driver.enable(True)
            samples = []
            for _ in range(cycles):
                clock.advance(PERIOD)
                t0 = time.perf_counter()
                reading = driver.read()
                driver.write_torque((0.0, 0.0))
                samples.append(time.perf_counter() - t0)
                if reading.fault:
                    raise RuntimeError(reading.fault)
        finally:
            driver.close()
    return _quantiles(samples)


def main() -> None:
    """Run the benchmarks and write the results as Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0,
                        help="simulated seconds per mode (500 ticks per second)")
    parser.add_argument("--cycles", type=int, default=3000, help="CiA 402 cycles")
    parser.add_argument("--out", type=Path, help="write the Markdown table here")
    args = parser.parse_args()
    rows = [(f"tick + plant, {m.value}", bench_mode(m, args.seconds)) for m in ControlMode]
    rows.append(("tick alone (constant reading, hold)", bench_controller_only(args.seconds)))
    rows.append(("CiA 402 cycle, virtual bus, 2 drives", bench_canopen(args.cycles)))
    lines = [
        f"Command: `python benchmarks/bench_robot_core.py --seconds {args.seconds:g} "
        f"--cycles {args.cycles}`",
        f"Machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.platform()}",
        "",
        "| what | p50 (us) | p99 (us) | max (us) |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {name} | {p50:.0f} | {p99:.0f} | {mx:.0f} |" for name, (p50, p99, mx) in rows]
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
