"""Start a live session from the console: a :class:`~rehab.session.launch.LiveSession`.

:func:`runner_session_factory` gives the console's :data:`SessionFactory`: it turns the
console's request (patient, program, therapist, settings) into the same
:class:`~rehab.session.launch.SessionSpec` the headless run and the demo use. The pose
backend is the one in the request's settings (Settings: pose backend and device), so a
change applies to the next session.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from rehab.exercises.library import load_library
from rehab.quality.lazy import rep_probability
from rehab.session.events import SessionControl
from rehab.session.launch import LiveSession, RobotConnector, SessionSpec, connect_robot
from rehab.session.runner import RunnerSettings
from rehab.ui.models.console import SessionFactory, SessionRequest
from rehab.vision.pose import PoseEstimator, make_pose_estimator
from rehab_robot.core.config import load_config

_connect = partial(connect_robot, client_id="rehab-console")


def runner_session_factory(data_dir: Path, *, robot: bool = True,
                           connect_robot: RobotConnector = _connect,
                           estimator: Callable[[], PoseEstimator] | None = None,
                           ) -> SessionFactory:
    """The console's session factory.

    Parameters
    ----------
    data_dir
        The data folder.
    robot
        False runs camera-only sessions (no robot node needed).
    connect_robot, estimator
        How to reach the robot node and build the pose estimator (fakes in tests);
        ``estimator`` None builds the settings' pose backend.
    """
    library = load_library()
    robot_config = load_config() if robot else None

    def factory(request: SessionRequest) -> SessionControl:
        spec = SessionSpec(data_dir, request.program, request.therapist.id,
                           request.settings.camera, request.settings.dds_domain_id,
                           RunnerSettings(language=str(request.settings.language),
                                          wait_for_patient=request.wait_for_patient),
                           rep_probability=rep_probability)
        pose = request.settings.pose
        make = estimator or (lambda: make_pose_estimator(pose))
        return LiveSession(spec, request.sink, library=library, robot_config=robot_config,
                           connect_robot=connect_robot, estimator=make)

    return factory
