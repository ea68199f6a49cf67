"""``rehab demo`` with a screen: the console, logged in, running the demo session.

Seeds the demo centre when missing and points the demo's console settings at the demo video
or a camera and at the node's DDS domain (:func:`~rehab.ui.models.demo.prepare_demo`),
starts the simulated robot node, opens the console logged in as the demo therapist
with the demo patient selected, and starts the session on the live screen.
"""

from __future__ import annotations

import random
import sys

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication

from rehab.demo import DEMO_THERAPIST
from rehab.demo_run import HeadlessOptions
from rehab.session.robot_node import SimulatedRobotNode
from rehab.ui.console.app import CloseOnSignals, open_console
from rehab.ui.console.main_window import QtConsole
from rehab.ui.console.session_factory import runner_session_factory
from rehab.ui.models.demo import prepare_demo
from rehab.ui.qt.style import apply_style
from rehab.vision.pose import make_pose_estimator


def start_demo_session(window: QtConsole, patient_id: int) -> None:
    """Select the demo patient, show the live screen and start the session."""
    window.model.patients.select(patient_id)
    window.show_page("live")
    window.start_session()


def run_console_demo(options: HeadlessOptions, *, quit_after_s: float | None = None) -> int:
    """Run the demo in the console until its window closes; return the exit code."""
    domain_id = options.domain_id if options.domain_id is not None else \
        random.randrange(100, 200)
    settings_path, patient_id = prepare_demo(options, domain_id)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("rehab-console")
    apply_style(app)
    node = SimulatedRobotNode(domain_id, options.data_dir / "logs" / "robot_node.log")
    if options.robot:
        node.start()
    try:
        with open_console(data_dir=options.data_dir, settings_path=settings_path,
                          session_factory=lambda folder: runner_session_factory(
                              folder, robot=options.robot,
                              estimator=lambda: make_pose_estimator(options.pose)),
                          username=DEMO_THERAPIST) as window:
            window.show()
            QTimer.singleShot(0, lambda: start_demo_session(window, patient_id))
            if quit_after_s is not None:
                QTimer.singleShot(int(quit_after_s * 1000), window.close)
            with CloseOnSignals(window) as signals:
                code = app.exec()
            return code if signals.signum is None else 128 + signals.signum
    finally:
        node.stop()
