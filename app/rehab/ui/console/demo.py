"""``rehab demo`` with a screen: the console, logged in, running the demo session.

Seeds the demo centre when missing, starts the simulated robot node, points the console's
settings (kept in the data folder, not the user's own settings) at the demo video or a
camera and at the node's DDS domain, opens the console logged in as the demo therapist
with the demo patient selected, and starts the session on the live screen.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication

from rehab.demo import DEMO_THERAPIST, seed_demo
from rehab.demo_run import HeadlessOptions, demo_video
from rehab.session.robot_node import SimulatedRobotNode
from rehab.store import Store
from rehab.ui.console.app import CloseOnSignals, open_console
from rehab.ui.console.main_window import QtConsole
from rehab.ui.console.session_factory import runner_session_factory
from rehab.ui.i18n import Language
from rehab.ui.models.settings import ConsoleSettings, save_settings
from rehab.ui.qt.style import apply_style

DEMO_SETTINGS_NAME = "demo_console.json"


def prepare_demo(options: HeadlessOptions, domain_id: int) -> tuple[Path, int]:
    """Seed the centre and write the demo's console settings; return (settings, patient)."""
    with Store.open(options.data_dir) as store:
        patient_id = seed_demo(store).patient.id
    camera = str(options.camera) if options.camera is not None else str(
        options.video or demo_video())
    path = options.data_dir / DEMO_SETTINGS_NAME
    save_settings(ConsoleSettings(camera=camera, dds_domain_id=domain_id,
                                  language=Language(options.language),
                                  data_dir=str(options.data_dir)), path)
    return path, patient_id


def start_demo_session(window: QtConsole, patient_id: int) -> None:
    """Select the demo patient, open the patient screen, start the session on the live page."""
    window.model.patients.select(patient_id)
    window.show_page("live")
    window.patient_link.open()  # the patient's screen beside the console (the last screen)
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
                              folder, robot=options.robot),
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
