"""Property-based tests of the safety case (hypothesis).

For ANY sequence of app requests (exercise commands, valid or not; enable/disable; pause;
resume; form feedback; heartbeats; e-stop; reset), clock steps and sensor readings
(plausible motion, but also NaN, inf, stale, jumping, faulted), the torque sent to the
driver:

- never exceeds a joint's effort limit;
- never changes faster than its torque rate limit, except a drop to zero (e-stop, fault);
- never pushes further out at or past a soft ROM limit;

and the e-stop stays latched until an accepted reset, and a tick after more than the
watchdog timeout without heartbeat never leaves the robot producing torque (ENABLED,
RUNNING or PAUSED). The driver is a scripted fake (the hardware is what cannot run here);
time is a fake clock, nothing sleeps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from rehab_robot.core.api import (
    ControlMode,
    ExerciseCommand,
    FormFeedback,
    RobotState,
    SensorReading,
)
from rehab_robot.core.clock import FakeClock
from rehab_robot.core.config import load_config
from rehab_robot.core.controller import RobotController

CONFIG = load_config()
NAMES = CONFIG.joint_names
N = len(NAMES)
EFFORT = tuple(j.limits.effort_limit_nm for j in CONFIG.joints)
RATE = tuple(j.limits.torque_rate_limit_nm_s for j in CONFIG.joints)
V_PLAUSIBLE = CONFIG.safety.plausible_velocity_rad_s
Q_TOL = CONFIG.safety.position_tolerance_rad
# The one allowed excess over the rate limit: a cut toward zero at a ROM limit after an
# encoder step within the position tolerance (see the supervisor's module doc).
ROM_CUT = tuple(r * Q_TOL / V_PLAUSIBLE for r in RATE)
TORQUE_STATES = (RobotState.ENABLED, RobotState.RUNNING, RobotState.PAUSED)
TOL = 1e-9


@dataclass
class ScriptedDriver:
    """An ActuatorDriver whose readings the test scripts; it records every write."""

    clock: FakeClock
    reading: SensorReading
    enabled: bool = False
    writes: list[tuple[float, tuple[float, ...]]] = field(default_factory=list)
    joint_names: tuple[str, ...] = NAMES

    def enable(self, on: bool) -> None:
        self.enabled = on

    def read(self) -> SensorReading:
        return self.reading

    def write_torque(self, torque_nm: tuple[float, ...]) -> None:
        self.writes.append((self.clock.now_s(), tuple(torque_nm)))

    def close(self) -> None:
        self.enabled = False


def _lim(i: int) -> tuple[float, float]:
    lim = CONFIG.joints[i].limits
    return lim.position_min_rad, lim.position_max_rad


# ---------------------------------------------------------------- strategies
finite_torque = st.floats(-60.0, 60.0)
garbage = st.sampled_from([math.nan, math.inf, -math.inf, 1e6, -1e6])


@st.composite
def commands(draw: st.DrawFn) -> ExerciseCommand:
    """Exercise commands: mostly sensible, sometimes out of limits or malformed."""
    joints = draw(st.sampled_from([NAMES, (NAMES[0],), (NAMES[1],), ("wrist",)]))
    k = len(joints)

    def angles(lo: float, hi: float) -> tuple[float, ...]:
        return tuple(draw(st.floats(lo, hi)) for _ in range(k))

    rom_min = angles(-20.0, 60.0)
    rom_max = tuple(a + draw(st.floats(-10.0, 120.0)) for a in rom_min)
    start = tuple(draw(st.floats(a - 5.0, b + 5.0)) if b > a else a
                  for a, b in zip(rom_min, rom_max, strict=True))
    end = tuple(draw(st.floats(a - 5.0, b + 5.0)) if b > a else a
                for a, b in zip(rom_min, rom_max, strict=True))
    if draw(st.booleans()) and k:
        end = (*end[:-1], draw(garbage))
    return ExerciseCommand(
        exercise_id="prop", mode=draw(st.sampled_from(list(ControlMode))), joint_names=joints,
        start_deg=start, end_deg=end, reps=draw(st.integers(0, 3)),
        tempo_s=draw(st.floats(0.3, 4.0)), hold_s=draw(st.floats(0.0, 1.0)),
        assistance=draw(st.floats(-0.5, 1.5)), resistance=draw(st.floats(-0.5, 1.5)),
        rom_min_deg=rom_min, rom_max_deg=rom_max)


actions = st.one_of(
    st.tuples(st.just("tick"), st.floats(0.0, 0.05), st.sampled_from(
        ["smooth", "smooth", "smooth", "jitter", "hold", "garbage", "stale", "fault", "jump",
         "backwards"]),
        st.lists(st.floats(-1.0, 1.0), min_size=N, max_size=N),
        st.lists(finite_torque, min_size=N, max_size=N)),
    st.tuples(st.just("heartbeat")),
    st.tuples(st.just("wait"), st.floats(0.0, 0.5)),
    st.tuples(st.just("enable"), st.booleans()),
    st.tuples(st.just("command"), commands()),
    st.tuples(st.just("estop")),
    st.tuples(st.just("reset")),
    st.tuples(st.just("pause")),
    st.tuples(st.just("resume")),
    st.tuples(st.just("feedback"), st.one_of(st.floats(-10, 110), st.just(math.nan)),
              st.sampled_from(["", "trunk_lean"]),
              st.one_of(st.floats(-1.0, 2.0), st.just(math.nan))),
)


class World:
    """Controller + scripted driver + the bookkeeping the properties need."""

    def __init__(self) -> None:
        self.clock = FakeClock(100.0)
        zero = (0.0,) * N
        start = CONFIG.simulation.initial_position_rad
        self.q = start
        self.driver = ScriptedDriver(self.clock, SensorReading(100.0, start, zero, zero))
        self.robot = RobotController(CONFIG, self.driver, self.clock)
        self.last_heartbeat_s = -math.inf
        self.checked_writes = 0
        self.prev_torque: tuple[float, ...] = zero
        self.prev_write_s = 100.0
        self.estopped = False
        self.last_read_t_s = 100.0
        self.prev_sample_t_s = 100.0

    def tick(self, dt_s: float, kind: str, unit_velocity: list[float],
             interaction: list[float]) -> None:
        self.clock.advance(dt_s)
        now = self.clock.now_s()
        zero = (0.0,) * N
        if kind in ("smooth", "hold", "stale", "fault", "jitter", "backwards"):
            # Plausible motion: at most the plausible velocity times the sampling interval.
            t_read = {"stale": now - 1.0, "jitter": now - 0.5 * abs(unit_velocity[0]) * (
                CONFIG.safety.stale_timeout_s), "backwards": self.last_read_t_s - 0.001}.get(
                    kind, now)
            dt_sample = max(0.0, t_read - self.last_read_t_s)
            v = zero if kind == "hold" else tuple(u * V_PLAUSIBLE for u in unit_velocity)
            # Encoder steps within the tolerance (quantisation, stamp jitter) on top.
            step = Q_TOL * unit_velocity[-1] if kind == "jitter" else 0.0
            self.q = tuple(min(_lim(i)[1], max(_lim(i)[0], self.q[i] + v[i] * dt_sample + step))
                           for i in range(N))
            self.last_read_t_s = max(self.last_read_t_s, t_read)
            self.driver.reading = SensorReading(t_read, self.q, tuple(0.5 * x for x in v),
                                                tuple(interaction),
                                                "overcurrent" if kind == "fault" else "")
        elif kind == "jump":
            self.q = tuple(x + 0.5 for x in self.q)
            self.driver.reading = SensorReading(now, self.q, zero, tuple(interaction))
        else:
            self.driver.reading = SensorReading(now, (math.nan, self.q[1]), zero,
                                                tuple(interaction))
        rom = self.robot.rom
        self.robot.tick()
        self.check_writes(reading=self.driver.reading, rom=rom)
        state = self.robot.status().state
        if currently_in_test_context():
            self._record_events(state, rom)
        if now - self.last_heartbeat_s > CONFIG.safety.heartbeat_timeout_s:
            assert state not in TORQUE_STATES, "silence beyond the watchdog timeout"

    def _record_events(self, state: RobotState, rom) -> None:
        """Statistics (pytest --hypothesis-show-statistics) that show the space is covered."""
        event(f"state after tick: {state.value}")
        if any(abs(t) > 1.0 for t in self.robot.commanded_torque_nm):
            event("torque above 1 N m")
        if any(q >= rom.max_rad[i] - CONFIG.safety.rom_margin_rad or q <= rom.min_rad[i]
               + CONFIG.safety.rom_margin_rad for i, q in enumerate(self.q)):
            event("near or past a ROM limit")
        if state in TORQUE_STATES and any(
                q >= rom.max_rad[i] or q <= rom.min_rad[i] for i, q in enumerate(self.q)):
            event("past a ROM limit while producing torque")

    def check_writes(self, reading: SensorReading | None = None, rom=None) -> None:
        for t_s, tau in self.driver.writes[self.checked_writes:]:
            assert len(tau) == N
            for i in range(N):
                assert math.isfinite(tau[i])
                assert abs(tau[i]) <= EFFORT[i] + TOL, "effort limit"
            sample_t = reading.t_s if reading is not None else t_s
            if any(tau):
                # The rate limit is per second of sensor time between the samples the two
                # torques were computed from.
                assert reading is not None, "only a tick writes non-zero torque"
                dt = sample_t - self.prev_sample_t_s
                for i in range(N):
                    change = abs(tau[i] - self.prev_torque[i])
                    if change > RATE[i] * dt + 1e-6:
                        # Only a cut toward zero at a ROM limit, and only by the tolerance.
                        assert abs(tau[i]) < abs(self.prev_torque[i]), "rate limit"
                        assert change <= RATE[i] * dt + ROM_CUT[i] + 1e-6, "rate limit"
            if reading is not None and rom is not None and all(
                    math.isfinite(x) for x in reading.position_rad):
                for i in range(N):
                    q = reading.position_rad[i]
                    if q >= rom.max_rad[i]:
                        assert tau[i] <= TOL, "pushes past the ROM maximum"
                    if q <= rom.min_rad[i]:
                        assert tau[i] >= -TOL, "pushes past the ROM minimum"
            self.prev_torque, self.prev_write_s = tau, t_s
            if math.isfinite(sample_t):
                self.prev_sample_t_s = sample_t
        self.checked_writes = len(self.driver.writes)
        if self.estopped:
            assert self.robot.status().state is RobotState.ESTOP, "e-stop not latched"
            assert all(t == 0.0 for t in self.robot.commanded_torque_nm)

    def apply(self, action: tuple) -> None:
        name = action[0]
        if name == "tick":
            self.tick(*action[1:])
        elif name == "heartbeat":
            self.robot.heartbeat()
            self.last_heartbeat_s = self.clock.now_s()
        elif name == "wait":
            self.clock.advance(action[1])
        elif name == "enable":
            self.robot.enable(action[1])
        elif name == "command":
            self.robot.command_exercise(action[1])
        elif name == "estop":
            self.robot.estop("test")
            # Zero torque and disabled drives inside the call itself.
            assert self.driver.writes and self.driver.writes[-1][1] == (0.0,) * N
            assert not self.driver.enabled
            self.estopped = True
        elif name == "reset":
            ok, _ = self.robot.reset()
            if ok:
                self.estopped = False
        elif name == "pause":
            self.robot.pause()
        elif name == "resume":
            self.robot.resume()
        elif name == "feedback":
            self.robot.form_feedback(FormFeedback(0.0, action[1], action[2], action[3]))
        self.check_writes()


# A run that enables, starts an exercise and ticks is the interesting part of the space;
# this prefix gets there often, the random actions then do their worst.
PRELUDE = [("heartbeat",), ("tick", 0.002, "hold", [0.0] * N, [0.0] * N), ("enable", True)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 3), actions), min_size=1, max_size=60), st.booleans())
def test_supervised_torque_stays_within_limits(script: list[tuple[int, tuple]],
                                               prelude: bool) -> None:
    world = World()
    for action in PRELUDE if prelude else []:
        world.apply(action)
    for keep_alive, action in script:
        if keep_alive:          # an app that is alive most of the time
            world.apply(("heartbeat",))
        world.apply(action)


@st.composite
def busy_runs(draw: st.DrawFn) -> list[tuple]:
    """Mostly heartbeats and plausible ticks, so the robot spends long stretches exercising;
    now and then any other action."""
    steps: list[tuple] = []
    # A steady drift takes the joints into and past the ROM limits within a run.
    drift = draw(st.lists(st.floats(-0.3, 0.3), min_size=N, max_size=N))
    for _ in range(draw(st.integers(20, 150))):
        if draw(st.integers(0, 99)) < 88:
            noise = draw(st.lists(st.floats(-0.05, 0.05), min_size=N, max_size=N))
            steps.append(("heartbeat",))
            steps.append(("tick", draw(st.floats(0.001, 0.004)), "smooth",
                          [d + e for d, e in zip(drift, noise, strict=True)],
                          draw(st.lists(st.floats(-1.0, 1.0), min_size=N, max_size=N))))
        else:
            steps.append(draw(actions))
    return steps


GOOD_COMMAND = ExerciseCommand("elbow", ControlMode.PASSIVE, NAMES, (5.0, 10.0), (60.0, 90.0),
                               3, 2.0, 0.0, 0.5, 0.5, (-5.0, 0.0), (70.0, 100.0))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(busy_runs(), st.sampled_from(list(ControlMode)))
def test_limits_hold_while_exercising(script: list[tuple], mode: ControlMode) -> None:
    world = World()
    cmd = ExerciseCommand(**{**GOOD_COMMAND.__dict__, "mode": mode})
    for action in [*PRELUDE, ("heartbeat",), ("command", cmd), *script]:
        world.apply(action)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.2001, 2.0), st.floats(0.0005, 0.01))
def test_silence_beyond_timeout_safe_stops_within_one_tick(silent_s: float,
                                                           period_s: float) -> None:
    world = World()
    for action in PRELUDE:
        world.apply(action)
    world.robot.heartbeat()
    t_last = world.clock.now_s()
    world.last_heartbeat_s = t_last
    assert world.robot.command_exercise(GOOD_COMMAND)[0]
    # Ticks within the timeout keep running ...
    while world.clock.now_s() + period_s - t_last <= CONFIG.safety.heartbeat_timeout_s:
        world.tick(period_s, "hold", [0.0] * N, [0.0] * N)
        assert world.robot.status().state is RobotState.RUNNING
    # ... and the first tick after silent_s of silence stops.
    world.clock.advance(max(0.0, t_last + silent_s - period_s - world.clock.now_s()))
    world.tick(period_s, "hold", [0.0] * N, [0.0] * N)
    status = world.robot.status()
    assert status.state is RobotState.SAFE_STOP
    assert "heartbeat" in status.reason


@pytest.mark.parametrize("calls_between", [0, 5])
def test_estop_latched_until_reset(calls_between: int) -> None:
    world = World()
    for action in PRELUDE:
        world.apply(action)
    world.apply(("estop",))
    for _ in range(calls_between):
        for action in [("heartbeat",), ("enable", True), ("command", GOOD_COMMAND),
                       ("resume",), ("tick", 0.002, "hold", [0.0] * N, [0.0] * N)]:
            world.apply(action)
    assert world.robot.status().state is RobotState.ESTOP
    ok, _ = world.robot.reset()
    assert ok
    assert world.robot.status().state is RobotState.IDLE


@st.composite
def limiter_runs(draw: st.DrawFn) -> tuple[list[float], list[float], list[tuple]]:
    """A ROM, and a run of (dt, desired torque, velocity as a fraction of plausible)."""
    rom_min = [draw(st.floats(_lim(i)[0], _lim(i)[1] - 0.2)) for i in range(N)]
    rom_max = [draw(st.floats(rom_min[i] + 0.1, _lim(i)[1])) for i in range(N)]
    # Segments of steady desired torque and velocity: a joint driven hard and steadily into
    # a limit is the case that matters, random per-tick values almost never produce it.
    segments = draw(st.lists(st.tuples(
        st.integers(1, 60),
        st.floats(0.0, 0.01),
        st.lists(st.floats(-100.0, 100.0), min_size=N, max_size=N),
        st.lists(st.floats(-1.0, 1.0), min_size=N, max_size=N),
        st.floats(-1.0, 1.0)), min_size=1, max_size=8))
    steps = [(dt, tau, v, tol) for n, dt, tau, v, tol in segments for _ in range(n)]
    return rom_min, rom_max, steps


@settings(max_examples=300, deadline=None)
@given(limiter_runs(), st.lists(st.floats(0.0, 1.0), min_size=N, max_size=N))
def test_limiter_sheds_outward_torque_before_the_rom_limit(
        run: tuple[list[float], list[float], list[tuple]], start_frac: list[float]) -> None:
    """The torque limiter alone, driven hard: any desired torque (up to 2.5x the effort
    limit), any motion up to the plausible velocity, including straight through a ROM limit."""
    from rehab_robot.core.supervisor import RomLimits, SafetySupervisor

    rom_min, rom_max, steps = run
    sup = SafetySupervisor(CONFIG)
    sup.rom = RomLimits(tuple(rom_min), tuple(rom_max))
    q = [rom_min[i] + start_frac[i] * (rom_max[i] - rom_min[i]) for i in range(N)]
    prev = (0.0,) * N
    for dt, desired, unit_v, tol_step in steps:
        v = [u * V_PLAUSIBLE for u in unit_v]
        # Any motion the sanity check lets through: plausible velocity plus the tolerance.
        q = [q[i] + v[i] * dt + tol_step * Q_TOL for i in range(N)]
        tau = sup.limit_torque(tuple(desired), tuple(q), tuple(v), dt)
        for i in range(N):
            assert abs(tau[i]) <= EFFORT[i] + TOL
            change = abs(tau[i] - prev[i])
            if change > RATE[i] * dt + 1e-9:
                assert abs(tau[i]) < abs(prev[i])
                assert change <= RATE[i] * dt + ROM_CUT[i] + 1e-9
            if q[i] >= rom_max[i]:
                assert tau[i] <= TOL
            if q[i] <= rom_min[i]:
                assert tau[i] >= -TOL
        prev = tau


@st.composite
def plant_runs(draw: st.DrawFn) -> list[tuple]:
    """App requests between stretches of ticks with jittery periods, on the real plant."""
    steps: list[tuple] = []
    for _ in range(draw(st.integers(3, 12))):
        steps.append(draw(st.one_of(
            st.tuples(st.just("enable"), st.booleans()),
            st.tuples(st.just("command"), st.sampled_from(list(ControlMode))),
            st.tuples(st.just("pause")), st.tuples(st.just("resume")),
            st.tuples(st.just("reset")),
            st.tuples(st.just("feedback"), st.floats(0, 100), st.floats(0.0, 1.0)))))
        steps.append(("run", draw(st.integers(10, 400)),
                      draw(st.lists(st.floats(0.0005, 0.006), min_size=1, max_size=5))))
    return steps


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plant_runs(), st.floats(0.0, 1.0), st.integers(0, 2**16))
def test_healthy_plant_never_faults_and_limits_hold(script: list[tuple], strength: float,
                                                     seed: int) -> None:
    """On the simulated robot and patient (spasms included), with a jittery tick period, the
    sensor checks never raise a false fault and the supervised torque keeps its limits."""
    import dataclasses

    from rehab_robot.core.simulation import build_simulated_robot, with_patient

    config = with_patient(CONFIG, strength=strength, spasm_rate_per_min=20.0)
    config = dataclasses.replace(config, simulation=dataclasses.replace(
        config.simulation, seed=seed))
    clock = FakeClock()
    robot, driver = build_simulated_robot(config, clock)
    run_ticks_jittered = [0.002]
    prev_tau, prev_t = (0.0,) * N, 0.0
    robot.heartbeat()
    robot.tick()
    for step in [("enable", True), *script]:
        name = step[0]
        if name == "enable":
            robot.enable(step[1])
        elif name == "command":
            cmd = ExerciseCommand(**{**GOOD_COMMAND.__dict__, "mode": step[1]})
            robot.command_exercise(cmd)
        elif name == "pause":
            robot.pause()
        elif name == "resume":
            robot.resume()
        elif name == "reset":
            robot.reset()
        elif name == "feedback":
            robot.form_feedback(FormFeedback(0.0, step[1], "trunk_lean", step[2]))
        else:
            run_ticks_jittered = step[2]
            for k in range(step[1]):
                clock.advance(run_ticks_jittered[k % len(run_ticks_jittered)])
                robot.heartbeat()
                robot.tick()
                status = robot.status()
                assert status.state is not RobotState.FAULT, status.reason
                tau = robot.commanded_torque_nm
                dt = clock.now_s() - prev_t
                for i in range(N):
                    assert abs(tau[i]) <= EFFORT[i] + TOL
                    assert abs(tau[i] - prev_tau[i]) <= RATE[i] * dt + ROM_CUT[i] + 1e-6
                    q = driver.plant.q_robot_rad[i]
                    rom = robot.rom
                    if q >= rom.max_rad[i]:
                        assert tau[i] <= TOL
                    if q <= rom.min_rad[i]:
                        assert tau[i] >= -TOL
                prev_tau, prev_t = tau, clock.now_s()
