"""One way to build and run a live session, for the console, the headless run and the demo.

:class:`LiveSession` is the :class:`~rehab.session.events.SessionControl` every entry point
uses: it answers at once, and a thread connects to the robot (when the program needs it),
loads the pose model, builds the :class:`~rehab.session.runner.SessionRunner` and runs it,
then closes the robot client and the pose model. What fails on the way reaches the screen
as an alert and :attr:`LiveSession.error`; an E-STOP pressed before the runner exists
cancels the start and stops the robot if it is connected.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rehab.errors import RehabError, ValidationError
from rehab.exercises.library import ExerciseLibrary
from rehab.messages import Message
from rehab.robot import ClientSettings, RobotClient, connect
from rehab.session.events import Alert, UpdateSink
from rehab.session.plan import plan_session
from rehab.session.runner import RepProbability, RunnerSettings, SessionEnd, SessionRunner
from rehab.session.sources import source_opener
from rehab.store import Cause, Program, Severity, Store
from rehab.vision.capture import FrameSource
from rehab.vision.pose import BlazePoseEstimator, PoseEstimator
from rehab_robot.core.config import RobotConfig

log = logging.getLogger(__name__)

RobotConnector = Callable[[int], RobotClient]
"""Connects to the robot node on a DDS domain (a scripted transport in tests)."""


def connect_robot(domain_id: int, client_id: str = "rehab-app") -> RobotClient:
    """The production connector: the DDS client, heartbeats from their own process."""
    return connect(domain_id, ClientSettings(client_id=client_id))


@dataclass(frozen=True)
class SessionSpec:
    """What to run, where, and how.

    Parameters
    ----------
    data_dir
        The data folder (the runner opens its own store there, in its thread).
    program
        The patient's program.
    therapist_id
        The logged-in therapist running it: the runner's store acts as this user
        (permissions, audit). None: nobody, whom the store refuses every write.
    source
        A camera index or a video file (played like a camera, looped).
    domain_id
        DDS domain of the robot node.
    settings
        How the runner behaves (language, images forwarded, end on fault ...).
    rep_probability
        The learned model's opinion of each counted rep
        (:func:`rehab.quality.live.rep_probability`, injected by the caller so that the
        session core imports no model), or None for none.
    """

    data_dir: Path
    program: Program
    therapist_id: int | None
    source: int | str | Path
    domain_id: int
    settings: RunnerSettings
    rep_probability: RepProbability | None = None


class LiveSession:
    """One live session, built and run on its own thread (see the module docstring).

    Parameters
    ----------
    spec
        What to run.
    sink
        Receives every update.
    library
        The exercise library.
    robot_config
        The robot's configuration, or None for a camera-only session.
    connect_robot
        Connects to the node.
    estimator
        Builds the pose backend.
    open_source
        Opens the camera (default: from ``spec.source``).
    rep_probability
        The learned model's opinion of each counted rep (default: ``spec.rep_probability``).
    """

    def __init__(self, spec: SessionSpec, sink: UpdateSink, *, library: ExerciseLibrary,
                 robot_config: RobotConfig | None,
                 connect_robot: RobotConnector = connect_robot,
                 estimator: Callable[[], PoseEstimator] = BlazePoseEstimator,
                 open_source: Callable[[], FrameSource] | None = None,
                 rep_probability: RepProbability | None = None) -> None:
        self.spec, self._sink = spec, sink
        self._rep_probability = rep_probability or spec.rep_probability
        self._library, self._robot_config = library, robot_config
        self._connect_robot, self._make_estimator = connect_robot, estimator
        self._open_source = open_source or source_opener(spec.source)
        self._lock = threading.Lock()
        self.runner: SessionRunner | None = None
        self._robot: RobotClient | None = None
        self._cancelled: Cause | None = None
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    # -- SessionControl (any thread, returns at once) -----------------------------------

    def start(self) -> None:
        if self._thread is not None:
            raise RehabError("this session has started already")
        self._thread = threading.Thread(target=self._main, name="live-session", daemon=True)
        self._thread.start()

    def pause(self, cause: Cause = Cause.THERAPIST) -> None:
        if (runner := self.runner) is not None:
            runner.pause(cause)

    def resume(self) -> None:
        if (runner := self.runner) is not None:
            runner.resume()

    def stop(self, cause: Cause = Cause.THERAPIST, reason: str | Message = "") -> None:
        with self._lock:
            self._cancelled = self._cancelled or cause
            runner = self.runner
        if runner is not None:
            runner.stop(cause, reason)

    def begin_set(self) -> None:
        if (runner := self.runner) is not None:
            runner.begin_set()

    def skip_rest(self) -> None:
        if (runner := self.runner) is not None:
            runner.skip_rest()

    def extend_rest(self, seconds: float) -> None:
        if (runner := self.runner) is not None:
            runner.extend_rest(seconds)

    def set_patient_screen(self, open_: bool) -> None:
        if (runner := self.runner) is not None:
            runner.set_patient_screen(open_)

    def estop(self) -> None:
        with self._lock:
            self._cancelled = self._cancelled or Cause.ESTOP
            runner, robot = self.runner, self._robot
        if runner is not None:
            runner.estop()
        elif robot is not None:  # connected, runner not built yet: stop the robot itself
            threading.Thread(target=self._robot_estop, args=(robot,), daemon=True).start()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait for the session (and the clean-up) to end; True when it has."""
        if self._thread is None:
            return True
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    @property
    def session_id(self) -> int | None:
        return self.runner.session_id if self.runner is not None else None

    @property
    def end(self) -> SessionEnd | None:
        """How the stored session ended (None: no session was stored, or still running)."""
        return self.runner.end if self.runner is not None else None

    # -- worker -------------------------------------------------------------------------

    def _alert(self, message: Message, cause: Cause = Cause.ERROR) -> None:
        self._sink(Alert(0.0, Severity.ERROR, "session", str(message), cause, message.id,
                         dict(message.params)))

    def _robot_estop(self, robot: RobotClient) -> None:
        try:
            robot.estop()
        except RehabError as exc:
            self._alert(Message("session.estop_failed", {"error": str(exc)}), Cause.ESTOP)

    def _warm_up_model(self) -> None:
        """Load the model (if it can be loaded ahead) before the session's loop runs; a
        model that cannot load only loses its opinion, never the session."""
        warm_up = getattr(self._rep_probability, "warm_up", None)
        if warm_up is None:
            return
        try:
            warm_up()
        except (RehabError, RuntimeError, OSError) as exc:
            log.warning("the form-quality model will give no opinion: %s", exc)
            self._rep_probability = None

    def _main(self) -> None:
        spec = self.spec
        estimator = None
        try:
            plan = plan_session(spec.program, self._library, self._robot_config,
                                therapist_id=spec.therapist_id)
            needs_robot = any(item.robot is not None for item in plan.items)
            robot = self._connect_robot(spec.domain_id) if needs_robot else None
            estimator = self._make_estimator()
            self._warm_up_model()
            with self._lock:
                self._robot = robot
                if self._cancelled is not None:
                    self._alert(Message("session.stopped_before_start"), self._cancelled)
                    return
                self.runner = SessionRunner(
                    open_store=lambda: Store.open(spec.data_dir, actor_id=spec.therapist_id),
                    plan=plan,
                    open_source=self._open_source, estimator=estimator, robot=robot,
                    sink=self._sink, settings=spec.settings,
                    rep_probability=self._rep_probability)
                self.runner.start()
            self.runner.wait()
            self.error = self.runner.error  # the runner has shown it already
        except RehabError as exc:
            self.error = exc
            log.error("session could not start: %s", exc)
            self._alert(Message("session.could_not_start", {"error": exc.message_obj if
                                isinstance(exc, ValidationError) else str(exc)}))
        finally:
            if self._robot is not None:
                self._robot.close()
            if estimator is not None:
                estimator.close()
