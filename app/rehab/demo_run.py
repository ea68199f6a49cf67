"""The demo's main job without a screen: seed, start the robot node, run, print.

Seeds the demo centre when missing, starts the simulated robot node (which dies with
this process however it ends), plays the demo video (looped, paced like a camera) or a
real camera, runs the demo patient's program with MediaPipe scoring and the robot, and
prints each rep, each alert and the final per-rep table, with where the data went.
SIGTERM, SIGINT and SIGHUP end the session cleanly (robot stopped, session closed with
the cause ``signal``, data flushed).
"""

from __future__ import annotations

import random
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from rehab.demo import seed_demo
from rehab.exercises.library import load_library
from rehab.language import DEFAULT_LANGUAGE, Language
from rehab.messages import Message
from rehab.quality.lazy import rep_probability
from rehab.session.exit_codes import exit_code
from rehab.session.headless import Echo, SessionPrinter, print_summary
from rehab.session.launch import LiveSession, RobotConnector, SessionSpec, connect_robot
from rehab.session.robot_node import SimulatedRobotNode
from rehab.session.runner import RunnerSettings, SessionEnd
from rehab.session.sources import source_opener
from rehab.store import Cause, Store
from rehab.vision.pose import PoseBackendSettings, make_pose_estimator
from rehab_robot.core.config import load_config

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def demo_video() -> Path:
    """The demo recording shipped with the package (see ``rehab/media/README.md``)."""
    return Path(str(resources.files("rehab") / "media" / "sports2d_demo.mp4"))


@dataclass(frozen=True)
class HeadlessOptions:
    """What ``rehab demo`` runs on.

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
    pose
        The pose backend (default: MediaPipe on the CPU).
    """

    data_dir: Path
    video: Path | None = None
    camera: int | None = None
    language: Language = DEFAULT_LANGUAGE
    robot: bool = True
    domain_id: int | None = None
    pose: PoseBackendSettings = field(default_factory=PoseBackendSettings)

    @property
    def source(self) -> int | Path:
        return self.camera if self.camera is not None else (self.video or demo_video())


@dataclass(frozen=True)
class DemoRun:
    """How the headless demo ended: the stored session (None if none) and the exit code."""

    session_id: int | None
    end: SessionEnd | None
    exit_code: int


def run_headless(options: HeadlessOptions, echo: Echo, *, timeout_s: float = 600.0,
                 connect: RobotConnector = connect_robot) -> DemoRun:
    """Run the demo session end to end and print it.

    Raises
    ------
    CaptureError
        The camera or video cannot deliver a first frame (nothing is stored then).
    RehabError
        The database or the robot node cannot be used.
    """
    # A camera or video that cannot deliver a first frame is refused before anything
    # starts or is stored (opening reads and checks the first frame).
    source_opener(options.source)().close()
    with Store.open(options.data_dir) as store:
        centre = seed_demo(store)
    domain_id = options.domain_id if options.domain_id is not None else \
        random.randrange(100, 200)
    echo(f"Patient {centre.patient.code}, program {centre.program.name!r}, data in "
         f"{options.data_dir}")

    spec = SessionSpec(options.data_dir, centre.program, centre.therapist.id, options.source,
                       domain_id, RunnerSettings(language=options.language,
                                                 forward_images=False, end_on_fault=True),
                       rep_probability=rep_probability)
    live = LiveSession(spec, SessionPrinter(echo), library=load_library(),
                       robot_config=load_config() if options.robot else None,
                       connect_robot=connect,
                       estimator=lambda: make_pose_estimator(options.pose))
    node = SimulatedRobotNode(domain_id, options.data_dir / "logs" / "robot_node.log")
    with _StopOnSignals(live) as signals:
        try:
            if options.robot:
                node.start()
                echo(f"Robot node (simulated robot and patient) on DDS domain {domain_id}")
            live.start()
            _wait(live, timeout_s)
        finally:
            node.stop()
    print_summary(options.data_dir, live, echo)
    return DemoRun(live.session_id, live.end,
                   exit_code(live.end, error=live.error is not None, signum=signals.signum))


def _wait(live: LiveSession, timeout_s: float) -> None:
    # Short joins, so the main thread runs signal handlers while it waits.
    waited = 0.0
    while not live.wait(0.2):
        waited += 0.2
        if waited >= timeout_s:
            live.stop(Cause.ERROR, Message("session.time_limit", {"s": timeout_s}))
            live.wait(30)
            return


class _StopOnSignals:
    """While active, SIGTERM, SIGINT and SIGHUP stop the session with the cause ``signal``."""

    def __init__(self, live: LiveSession) -> None:
        self._live = live
        self.signum: int | None = None
        self._previous: dict[int, Callable | int | None] = {}

    def __enter__(self) -> _StopOnSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                self._previous[signum] = signal.signal(signum, self._on_signal)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _on_signal(self, signum: int, _frame: object) -> None:
        if self.signum is None:
            self.signum = signum
            self._live.stop(Cause.SIGNAL, Message("session.ended_by_signal",
                                                  {"signal": signal.Signals(signum).name}))
