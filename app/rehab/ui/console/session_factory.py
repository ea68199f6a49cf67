"""Start a live session from the console: the session runner with camera, pose and robot.

:func:`runner_session_factory` gives the console's :data:`SessionFactory`. The control it
returns (:class:`ConsoleSession`) answers at once; a thread connects to the robot, builds
the :class:`~rehab.session.runner.SessionRunner` and runs it, then closes the robot client
and the pose model. What fails on the way reaches the screen as an alert, and an E-STOP
pressed before the runner exists cancels the start and stops the robot if it is connected.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from rehab.errors import RehabError
from rehab.exercises.library import ExerciseLibrary, load_library
from rehab.robot import ClientSettings, RobotClient, connect
from rehab.session.events import Alert, SessionControl
from rehab.session.plan import plan_session
from rehab.session.runner import RunnerSettings, SessionRunner
from rehab.session.sources import source_opener
from rehab.store import Store
from rehab.store.models import Severity
from rehab.ui.models.console import SessionFactory, SessionRequest
from rehab.vision.pose import BlazePoseEstimator, PoseEstimator
from rehab_robot.core.config import RobotConfig, load_config

log = logging.getLogger(__name__)

RobotConnector = Callable[[int], RobotClient]


def _connect(domain_id: int) -> RobotClient:
    return connect(domain_id, ClientSettings(client_id="rehab-console"))


class ConsoleSession:
    """One session started from the console (a :class:`SessionControl`).

    Parameters
    ----------
    request
        Patient, program, therapist, settings and the bridge's sink.
    data_dir
        The data folder (the runner opens its own store there, in its thread).
    library, robot_config
        The exercise library; the robot's configuration, or None for a camera-only session.
    connect_robot
        Connects to the robot node on a DDS domain (a fake in tests).
    estimator
        Builds the pose backend.
    """

    def __init__(self, request: SessionRequest, data_dir: Path, *, library: ExerciseLibrary,
                 robot_config: RobotConfig | None,
                 connect_robot: RobotConnector = _connect,
                 estimator: Callable[[], PoseEstimator] = BlazePoseEstimator) -> None:
        self._request, self._data_dir = request, data_dir
        self._library, self._robot_config = library, robot_config
        self._connect_robot, self._make_estimator = connect_robot, estimator
        self._lock = threading.Lock()
        self._runner: SessionRunner | None = None
        self._robot: RobotClient | None = None
        self._cancelled = False
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    # -- SessionControl (any thread, returns at once) -----------------------------------

    def start(self) -> None:
        if self._thread is not None:
            raise RehabError("this session has started already")
        self._thread = threading.Thread(target=self._main, name="console-session",
                                        daemon=True)
        self._thread.start()

    def pause(self, reason: str = "") -> None:
        if (runner := self._runner) is not None:
            runner.pause(reason)

    def resume(self) -> None:
        if (runner := self._runner) is not None:
            runner.resume()

    def stop(self) -> None:
        with self._lock:
            self._cancelled = True
            runner = self._runner
        if runner is not None:
            runner.stop()

    def estop(self) -> None:
        with self._lock:
            self._cancelled = True
            runner, robot = self._runner, self._robot
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
        return self._runner.session_id if self._runner is not None else None

    # -- worker -------------------------------------------------------------------------

    def _alert(self, message: str) -> None:
        self._request.sink(Alert(0.0, Severity.ERROR, "session", message))

    def _robot_estop(self, robot: RobotClient) -> None:
        try:
            robot.estop()
        except RehabError as exc:
            self._alert(f"E-STOP call failed: {exc}; use the hardware stop")

    def _main(self) -> None:
        request = self._request
        estimator = None
        try:
            plan = plan_session(request.program, self._library, self._robot_config,
                                therapist_id=request.therapist.id)
            needs_robot = any(item.robot is not None for item in plan.items)
            robot = self._connect_robot(request.settings.dds_domain_id) if needs_robot \
                else None
            estimator = self._make_estimator()
            with self._lock:
                self._robot = robot
                if self._cancelled:
                    self._alert("the session was stopped before it started")
                    return
                self._runner = SessionRunner(
                    open_store=lambda: Store.open(self._data_dir), plan=plan,
                    open_source=source_opener(request.settings.camera),
                    estimator=estimator, robot=robot, sink=request.sink,
                    settings=RunnerSettings(language=str(request.settings.language)))
                self._runner.start()
            self._runner.wait()
            self.error = self._runner.error  # the runner has shown it already
        except RehabError as exc:
            self.error = exc
            log.error("session could not start: %s", exc)
            self._alert(f"the session could not start: {exc}")
        finally:
            if self._robot is not None:
                self._robot.close()
            if estimator is not None:
                estimator.close()


def runner_session_factory(data_dir: Path, *, robot: bool = True,
                           connect_robot: RobotConnector = _connect,
                           estimator: Callable[[], PoseEstimator] = BlazePoseEstimator,
                           ) -> SessionFactory:
    """The console's session factory over :class:`SessionRunner`.

    Parameters
    ----------
    data_dir
        The data folder.
    robot
        False runs camera-only sessions (no robot node needed).
    """
    library = load_library()
    robot_config = load_config() if robot else None

    def factory(request: SessionRequest) -> SessionControl:
        return ConsoleSession(request, data_dir, library=library, robot_config=robot_config,
                              connect_robot=connect_robot, estimator=estimator)

    return factory
