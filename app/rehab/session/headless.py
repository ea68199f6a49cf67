"""A whole session without a screen: the demo's main job, printed as it happens.

Seeds the demo centre when missing, starts the simulated robot node, plays the demo
video (looped, paced like a camera) or a real camera, runs the demo patient's program
with MediaPipe scoring and the robot, and prints each rep, each alert and the final
per-rep table, with where the data went.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from rehab.demo import seed_demo
from rehab.errors import RehabError
from rehab.exercises.library import load_library
from rehab.robot import ClientSettings, connect
from rehab.session.events import Alert, ProgressUpdate, RepScored, SessionPhase, SessionUpdate
from rehab.session.plan import plan_session
from rehab.session.robot_node import SimulatedRobotNode
from rehab.session.runner import RunnerSettings, SessionRunner
from rehab.session.sources import source_opener
from rehab.store import Rep, Severity, Store
from rehab.vision.capture import FrameSource
from rehab.vision.pose import BlazePoseEstimator
from rehab_robot.core.config import load_config

Echo = Callable[[str], None]


def demo_video() -> Path:
    """The demo recording shipped with the package (see ``rehab/media/README.md``)."""
    return Path(str(resources.files("rehab") / "media" / "sports2d_demo.mp4"))


@dataclass(frozen=True)
class HeadlessOptions:
    """What ``rehab demo --headless`` runs on.

    Parameters
    ----------
    data_dir
        Data folder of the store.
    video
        Video file played as the camera (looped); ignored when ``camera`` is set.
    camera
        OpenCV camera index, or None for the video.
    language
        ``ko`` or ``en`` for cues and printed texts.
    robot
        Run the simulated robot node and drive it; False for a camera-only session.
    domain_id
        DDS domain of the node (None: a random one in 100-199, so that two demos on
        one machine do not drive each other's robot).
    """

    data_dir: Path
    video: Path | None = None
    camera: int | None = None
    language: str = "ko"
    robot: bool = True
    domain_id: int | None = None


def _open_source(options: HeadlessOptions) -> Callable[[], FrameSource]:
    if options.camera is not None:
        return source_opener(options.camera)
    return source_opener(options.video or demo_video())


class _Printer:
    """Prints updates a person wants to see: reps, alerts, phase changes.

    Without a screen nobody can fix a fault and resume, so an error alert ends the
    session (everything recorded is kept).
    """

    def __init__(self, echo: Echo) -> None:
        self._echo, self._last_phase = echo, None
        self.on_error: Callable[[], None] = lambda: None

    def __call__(self, update: SessionUpdate) -> None:
        if isinstance(update, Alert) and update.severity is Severity.ERROR:
            self._echo(f"  [{update.severity}] {update.source}: {update.message}")
            self._echo("  no one to resume without a screen: ending the session")
            self.on_error()
            return
        if isinstance(update, RepScored):
            if update.partial:
                self._echo(f"  partial movement, not counted: {update.cue}")
            else:
                self._echo(f"  set {update.set_index + 1} rep {update.rep_index + 1}: ROM "
                           f"{update.rom_deg:5.1f} deg, score {update.form_score:5.1f}"
                           + (f"  - {update.cue}" if update.cue else ""))
        elif isinstance(update, Alert):
            self._echo(f"  [{update.severity}] {update.source}: {update.message}")
        elif isinstance(update, ProgressUpdate) and update.phase != self._last_phase:
            self._last_phase = update.phase
            if update.phase is SessionPhase.EXERCISING:
                self._echo(f"{update.exercise_name}: set {update.set_index + 1}/"
                           f"{update.sets_total}, {update.reps_target} reps")
            elif update.phase is SessionPhase.RESTING:
                self._echo(f"  rest {update.rest_remaining_s:.0f} s")


def run_headless(options: HeadlessOptions, echo: Echo, *,
                 timeout_s: float = 600.0) -> int:
    """Run the demo session end to end; return its session id.

    Raises
    ------
    RehabError
        The camera, video or robot could not be used, or the session ended in error.
    """
    with Store.open(options.data_dir) as store:
        centre = seed_demo(store)
        program = centre.program
    robot_config = load_config() if options.robot else None
    plan = plan_session(program, load_library(), robot_config,
                        therapist_id=centre.therapist.id)
    echo(f"Patient {centre.patient.code} ({centre.patient.name}), program "
         f"{program.name!r}, data in {options.data_dir}")
    estimator = BlazePoseEstimator()
    domain_id = options.domain_id if options.domain_id is not None else \
        random.randrange(100, 200)
    node = SimulatedRobotNode(domain_id, options.data_dir / "logs" / "robot_node.log")
    robot = None
    try:
        if options.robot:
            node.start()
            robot = connect(domain_id, ClientSettings(client_id="rehab-demo"))
            echo(f"Robot node (simulated robot and patient) on DDS domain {domain_id}")
        printer = _Printer(echo)
        runner = SessionRunner(
            open_store=lambda: Store.open(options.data_dir), plan=plan,
            open_source=_open_source(options), estimator=estimator, robot=robot,
            sink=printer,
            settings=RunnerSettings(language=options.language, forward_images=False))
        printer.on_error = runner.stop
        runner.start()
        if not runner.wait(timeout_s):
            runner.stop()
            runner.wait(30)
        if runner.error is not None:
            raise RehabError(f"the session stopped on an error: {runner.error}")
    finally:
        if robot is not None:
            robot.close()
        node.stop()
        estimator.close()
    _print_summary(options, runner, echo)
    return runner.session_id


def _print_summary(options: HeadlessOptions, runner: SessionRunner, echo: Echo) -> None:
    with Store.open(options.data_dir, recover=False) as store:
        session = store.sessions.get(runner.session_id)
        reps = store.sessions.reps(session.id)
        streams = {name: store.streams.read(session.id, name).t_s.size
                   for name in store.streams.streams(session.id)}
        path = store.path
    echo("")
    echo(rep_table(reps))
    echo("")
    echo(f"Session {session.id}: {session.status}, {len(reps)} reps stored in {path}")
    echo("Streams: " + (", ".join(f"{name} {n} samples" for name, n in streams.items())
                        or "none recorded"))
    stats = runner.pipeline_stats
    if stats is not None and stats.frames_processed:
        echo(f"Camera pipeline: {stats.frames_processed} frames scored, "
             f"{stats.frames_dropped} stale frames dropped, capture-to-pose latency p50 "
             f"{stats.latency_p50_s * 1e3:.0f} ms, p95 {stats.latency_p95_s * 1e3:.0f} ms")


def rep_table(reps: list[Rep]) -> str:
    """A plain-text table of reps: times, ROM, peak velocity, score, deductions."""
    lines = [f"{'rep':>4} {'start s':>8} {'dur s':>6} {'ROM deg':>8} {'peak deg/s':>10} "
             f"{'score':>6}  deductions"]
    for number, rep in enumerate(reps, start=1):
        deductions = "; ".join(f"-{d.points:g} {d.code}" for d in rep.deductions) or "-"
        lines.append(f"{number:>4} {rep.t_start_s:8.2f} {rep.duration_s:6.2f} "
                     f"{rep.rom_deg:8.1f} {rep.peak_velocity_deg_s:10.1f} "
                     f"{rep.form_score:6.1f}  {deductions}")
    return "\n".join(lines)
