"""Control modes, each on its own and on the simulated plant.

Stated tolerances: passive tracking on the simulated plant (a flaccid patient arm with
spasticity, masses 5-10 % off the nominal model) RMS < 1.5 deg and max < 3 deg per joint.
"""

from __future__ import annotations

import itertools
import math

import pytest

from rehab_robot.core.api import ControlMode, ExerciseCommand, FormFeedback, RobotState
from rehab_robot.core.clock import FakeClock
from rehab_robot.core.config import RobotConfig, load_config
from rehab_robot.core.modes import (
    ActiveAssistedMode,
    ActiveMode,
    CompensationModel,
    CompliantStopMode,
    HoldMode,
    JointState,
    PassiveMode,
    ResistiveMode,
)
from rehab_robot.core.simulation import build_simulated_robot, run_ticks, with_patient
from rehab_robot.core.trajectory import ExerciseTrajectory, Phase, min_jerk

CONFIG = load_config()
MODEL = CompensationModel(CONFIG)
BOTH = CONFIG.joint_names
SHOULDER_ELBOW = ExerciseCommand("reach", ControlMode.PASSIVE, BOTH, (20.0, 10.0), (90.0, 60.0),
                                 4, 2.5, 0.3, 0.5, 0.5, (0.0, 0.0), (120.0, 120.0))


def _cmd(**changes: object) -> ExerciseCommand:
    return ExerciseCommand(**{**SHOULDER_ELBOW.__dict__, **changes})


# ------------------------------------------------------------------ trajectory
def test_min_jerk_boundaries_and_peak_speed() -> None:
    assert min_jerk(10.0, 50.0, 2.0, 0.0) == (10.0, 0.0)
    assert min_jerk(10.0, 50.0, 2.0, 2.0) == (50.0, 0.0)
    assert min_jerk(10.0, 50.0, 2.0, 5.0) == (50.0, 0.0)
    pos, vel = min_jerk(10.0, 50.0, 2.0, 1.0)
    assert pos == pytest.approx(30.0)
    assert vel == pytest.approx(1.875 * 40.0 / 2.0)
    # Symmetric bell: equal speeds at mirrored times.
    assert min_jerk(0, 1, 1, 0.2)[1] == pytest.approx(min_jerk(0, 1, 1, 0.8)[1])


def test_trajectory_phases_reps_and_time_scaling() -> None:
    traj = ExerciseTrajectory((0.0,), (0.1,), (1.0,), tempo_s=1.0, hold_s=0.5, reps=2,
                              approach_s=1.0)
    assert traj.total_s == pytest.approx(1.0 + 2 * 3.0)
    seen = []
    for _ in range(800):
        traj.advance(0.01)
        s = traj.sample()
        if not seen or seen[-1][0] is not s.phase:
            seen.append((s.phase, s.rep))
    assert seen == [(Phase.APPROACH, 0), (Phase.OUT, 0), (Phase.HOLD_OUT, 0), (Phase.BACK, 0),
                    (Phase.HOLD_BACK, 0), (Phase.OUT, 1), (Phase.HOLD_OUT, 1), (Phase.BACK, 1),
                    (Phase.HOLD_BACK, 1), (Phase.DONE, 2)]
    slow = ExerciseTrajectory((0.0,), (0.0,), (1.0,), 1.0, 0.0, 1, 0.0)
    slow.advance(1.0, speed=0.5)        # half speed: half way through the move
    s = slow.sample(speed=0.5)
    assert s.position_rad[0] == pytest.approx(0.5)
    assert s.velocity_rad_s[0] == pytest.approx(0.5 * 1.875)


# ------------------------------------------------------------------ helpers on the plant
def _run_exercise(config: RobotConfig, cmd: ExerciseCommand, max_s: float = 120.0):
    clock = FakeClock()
    robot, driver = build_simulated_robot(config, clock)
    run_ticks(robot, clock, 0.05)
    assert robot.enable(True) == (True, "enabled")
    run_ticks(robot, clock, 0.6)
    assert robot.command_exercise(cmd) == (True, "accepted")
    law = robot.mode_law
    errors_deg: list[tuple[float, float]] = []
    t_end = clock.now_s() + max_s
    while robot.status().state is RobotState.RUNNING and clock.now_s() < t_end:
        run_ticks(robot, clock, 0.002)
        ref = law.trajectory.sample()
        if ref.in_rep:
            q = driver.plant.q_robot_rad
            errors_deg.append(tuple(math.degrees(ref.position_rad[i] - q[i]) for i in range(2)))
    return robot, driver, law, errors_deg


def _rms(errors: list[tuple[float, float]], i: int) -> float:
    return math.sqrt(sum(e[i] ** 2 for e in errors) / len(errors))


# ------------------------------------------------------------------ passive
def test_passive_tracks_min_jerk_on_the_simulated_plant() -> None:
    config = with_patient(CONFIG, strength=0.0)   # flaccid arm: the robot does all the work
    robot, _, law, errors = _run_exercise(config, _cmd(reps=3))
    assert isinstance(law, PassiveMode)
    status = robot.status()
    assert status.state is RobotState.ENABLED
    assert status.rep == 3
    assert "complete" in status.reason
    for i in range(2):
        assert _rms(errors, i) < 1.5
        assert max(abs(e[i]) for e in errors) < 3.0


def test_passive_torque_is_gravity_plus_impedance() -> None:
    traj = ExerciseTrajectory((0.5, 0.3), (0.5, 0.3), (0.5, 0.3), 1.0, 0.0, 1, 0.0)
    mode = PassiveMode(CONFIG, MODEL, traj)
    at_ref = mode.update(JointState(0.0, (0.5, 0.3), (0.0, 0.0)), 0.002).torque_nm
    assert at_ref == pytest.approx(MODEL.robot_and_limb_nm((0.5, 0.3), (0.0, 0.0)))
    below = mode.update(JointState(0.0, (0.4, 0.3), (0.0, 0.0)), 0.002).torque_nm
    k = CONFIG.joints[0].gains.stiffness_nm_rad
    grav = MODEL.robot_and_limb_nm((0.4, 0.3), (0.0, 0.0))
    assert below[0] == pytest.approx(grav[0] + k * 0.1)


# ------------------------------------------------------------------ assist as needed
@pytest.mark.slow
@pytest.mark.parametrize(("strength", "direction"), [(1.0, "falls"), (0.1, "rises")])
def test_assist_as_needed_adapts_to_the_patient(strength: float, direction: str) -> None:
    config = with_patient(CONFIG, strength=strength, fatigue_per_rep=0.0)
    _, _, law, _ = _run_exercise(config, _cmd(mode=ControlMode.ACTIVE_ASSISTED, reps=5,
                                              assistance=0.5))
    assert isinstance(law, ActiveAssistedMode)
    shoulder = [k[0] for k in law.stiffness_history]
    assert len(shoulder) == 6      # initial + one update per rep
    if direction == "falls":
        assert shoulder[-1] < 0.6 * shoulder[0]
        assert all(b <= a + 1e-9 for a, b in itertools.pairwise(shoulder[:4]))
    else:
        assert shoulder[-1] > 1.5 * shoulder[0]


def test_assist_update_rule_forgets_on_success_and_learns_on_error() -> None:
    traj = ExerciseTrajectory((0.0, 0.0), (0.0, 0.0), (0.5, 0.5), 0.5, 0.0, 10, 0.0)
    mode = ActiveAssistedMode(CONFIG, MODEL, traj, assistance=0.5)
    k0 = list(mode.stiffness_nm_rad)
    a = CONFIG.assist

    def one_rep(offset_rad: float) -> None:
        for _ in range(500):   # 1 s = one rep (2 x 0.5 s)
            ref = mode.trajectory.sample()
            q = tuple(p - offset_rad for p in ref.position_rad)
            mode.update(JointState(0.0, q, ref.velocity_rad_s), 0.002)

    one_rep(0.0)               # perfect rep: only forgetting acts
    mode.update(JointState(0.0, (0.0, 0.0), (0.0, 0.0)), 0.002)
    assert mode.stiffness_nm_rad[0] == pytest.approx(a.forgetting_factor * k0[0], rel=1e-3)
    k1 = list(mode.stiffness_nm_rad)
    one_rep(math.radians(4.0))  # 4 deg behind all rep
    mode.update(JointState(0.0, (0.0, 0.0), (0.0, 0.0)), 0.002)
    expected = a.forgetting_factor * k1[0] + a.learning_gain_nm_rad_per_rad * (
        math.radians(4.0) - a.error_tolerance_rad)
    assert mode.stiffness_nm_rad[0] == pytest.approx(expected, rel=0.02)


def test_compensation_raises_assistance_and_slows_the_tempo() -> None:
    traj = ExerciseTrajectory((0.0, 0.0), (0.0, 0.0), (0.5, 0.5), 2.0, 0.0, 3, 0.0)
    mode = ActiveAssistedMode(CONFIG, MODEL, traj, assistance=0.3)
    before = mode.assistance
    mode.on_form_feedback(FormFeedback(0.0, 55.0, "trunk_lean", 0.8))
    assert mode.assistance == pytest.approx(before + CONFIG.assist.compensation_gain * 0.8)
    # Once per rep: a second report in the same rep does not stack.
    mode.on_form_feedback(FormFeedback(0.1, 50.0, "trunk_lean", 0.8))
    assert mode.assistance == pytest.approx(before + CONFIG.assist.compensation_gain * 0.8)
    # A mild one (below the minimum severity) changes nothing.
    mode.on_form_feedback(FormFeedback(0.2, 70.0, "shoulder_hike", 0.05))
    state = JointState(0.0, (0.0, 0.0), (0.0, 0.0))
    for _ in range(1000):       # 2 s: the tempo settles to the slowed target
        mode.update(state, 0.002)
    slow_target = 1.0 - (1.0 - CONFIG.assist.slow_min) * 0.8
    assert mode.speed == pytest.approx(slow_target, abs=0.02)
    mode.on_form_feedback(FormFeedback(3.0, 92.0, "", 0.0))   # good form: tempo restored
    for _ in range(1500):
        mode.update(state, 0.002)
    assert mode.speed == pytest.approx(1.0, abs=0.02)


# ------------------------------------------------------------------ active, resistive, hold
def test_active_mode_is_transparent() -> None:
    traj = ExerciseTrajectory((0.0, 0.0), (0.0, 0.0), (1.0, 1.0), 2.0, 0.0, 1, 0.0)
    mode = ActiveMode(CONFIG, MODEL, traj)
    for q in [(0.2, 0.1), (1.2, 0.9)]:
        out = mode.update(JointState(0.0, q, (0.0, 0.0)), 0.002)
        assert out.torque_nm == pytest.approx(MODEL.robot.gravity_nm(q))  # no pull to the ref


def test_active_mode_on_plant_strong_patient_moves_weak_one_does_not() -> None:
    cmd = _cmd(mode=ControlMode.ACTIVE, reps=2)
    _, _, _, strong = _run_exercise(with_patient(CONFIG, strength=1.0), cmd)
    _, _, _, flaccid = _run_exercise(with_patient(CONFIG, strength=0.0), cmd)
    assert _rms(strong, 0) < 4.0
    assert _rms(flaccid, 0) > 20.0


@pytest.mark.parametrize("resistance", [0.0, 0.5, 1.0])
def test_resistive_spring_damper_opposes_motion(resistance: float) -> None:
    anchor = (0.3, 0.3)
    traj = ExerciseTrajectory(anchor, anchor, (1.0, 1.0), 2.0, 0.0, 1, 0.0)
    mode = ResistiveMode(CONFIG, MODEL, traj, resistance, anchor)
    q, qd = (0.5, 0.6), (0.4, 0.5)
    tau = mode.update(JointState(0.0, q, qd), 0.002).torque_nm
    base = MODEL.robot_nm(q, qd, 0.8)
    for i, joint in enumerate(CONFIG.joints):
        spring = joint.resistive.stiffness_nm_rad * (q[i] - anchor[i])
        damper = joint.resistive.damping_nm_s_rad * qd[i]
        assert tau[i] == pytest.approx(base[i] - resistance * (spring + damper))


def test_hold_mode_restores_the_posture() -> None:
    mode = HoldMode(CONFIG, MODEL, (0.8, 0.5))
    grav = MODEL.robot_and_limb_nm((0.7, 0.6), (0.0, 0.0))
    tau = mode.update(JointState(0.0, (0.7, 0.6), (0.0, 0.0)), 0.002).torque_nm
    assert tau[0] - grav[0] == pytest.approx(CONFIG.joints[0].gains.stiffness_nm_rad * 0.1)
    assert tau[1] - grav[1] == pytest.approx(-CONFIG.joints[1].gains.stiffness_nm_rad * 0.1)


def test_compliant_stop_has_no_stiffness() -> None:
    mode = CompliantStopMode(CONFIG, MODEL)
    a = mode.update(JointState(0.0, (0.5, 0.5), (0.0, 0.0)), 0.002).torque_nm
    b = mode.update(JointState(0.0, (0.9, 0.5), (0.0, 0.0)), 0.002).torque_nm
    # Only the robot's own weight changes with posture: nothing pulls toward a set-point.
    assert a == pytest.approx(MODEL.robot.gravity_nm((0.5, 0.5)))
    assert b == pytest.approx(MODEL.robot.gravity_nm((0.9, 0.5)))
    moving = mode.update(JointState(0.0, (0.5, 0.5), (1.0, -1.0)), 0.002).torque_nm
    assert moving[0] < a[0] and moving[1] > a[1]        # damping opposes motion
