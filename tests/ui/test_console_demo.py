"""`rehab demo` with a screen: the console opens logged in and runs the demo session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rehab.demo import DEMO_PASSWORD, DEMO_THERAPIST
from rehab.demo_run import HeadlessOptions, demo_video
from rehab.ui.console.app import open_console
from rehab.ui.console.demo import start_demo_session
from rehab.ui.console.session_factory import runner_session_factory
from rehab.ui.models.demo import prepare_demo


@pytest.mark.slow
def test_demo_console_logs_in_selects_patient_and_scores_reps(qtbot, tmp_path: Path) -> None:
    options = HeadlessOptions(tmp_path, language="en", robot=False)
    settings_path, patient_id = prepare_demo(options, domain_id=17)
    saved = json.loads(settings_path.read_text(encoding="utf-8"))
    assert saved["camera"] == str(demo_video()) and saved["dds_domain_id"] == 17
    with open_console(data_dir=tmp_path, settings_path=settings_path,
                      session_factory=lambda folder: runner_session_factory(folder, robot=False),
                      username=DEMO_THERAPIST, password=DEMO_PASSWORD) as window:
        qtbot.addWidget(window)
        assert window.model.login.user.username == DEMO_THERAPIST
        start_demo_session(window, patient_id)
        assert window.model.patient.id == patient_id
        assert window.pages.currentWidget() is window.views["live"]
        live = window.model.live
        control = live.control
        # The patient screen opened with the session: each set waits for its lead-in,
        # which starts with the pain question (the patient answers it on the screen).
        screen = window.patient_link.window
        assert screen is not None and window.model.patient_screen_open
        screen.pain_before_scale.faces[2].click()
        try:
            qtbot.waitUntil(lambda: any(not r.partial for r in live.reps), timeout=120_000)
        finally:
            control.stop()
            assert control.wait(30)
        # The stopped session's last update reaches the screen: the outcome form opens.
        qtbot.waitUntil(lambda: window.pages.currentWidget() is window.views["after"],
                        timeout=10_000)
    assert live.frame is not None and live.frame.image_bgr is not None  # the camera image
    first = next(r for r in live.reps if not r.partial)
    assert 60 <= first.rom_deg <= 180 and first.deductions  # the video is too fast: cues
