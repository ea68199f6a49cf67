"""A demo session seen in Korean: every alert, cue and robot text the console shows is Korean.

The scripted robot refuses a set, then faults; the therapist presses E-STOP; the video ends
(the camera is lost). Every update goes through the console's live model and view in
Korean, and no text they show may hold an untranslated English word.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rehab.language import Language
from rehab.robot.client import ClientSettings, RobotClient
from rehab.robot.link import LinkSettings
from rehab.session.events import Alert, ProgressUpdate, RobotUpdate
from rehab.store import RobotMode
from rehab.ui.console.live import QtLiveSession
from rehab.ui.i18n import Translator
from rehab.ui.models.live import LiveSessionModel
from rehab_robot.core.api import RobotState
from tests.session.scripted import FrameClock
from tests.session.scripted_robot import ScriptedNode
from tests.session.test_runner import Updates, _program, _runner

# Latin words of three letters or more that may stand in Korean text: units, ids, names.
ALLOWED = {"ROM", "NRS", "RPE", "STOP", "E-STOP", "DDS", "Borg", "SIGTERM"}
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z-]{2,}")


def _english_words(text: str) -> list[str]:
    return [w for w in ENGLISH_WORD.findall(text) if w not in ALLOWED]


@pytest.mark.timeout(120)
def test_every_text_of_a_korean_session_is_korean(tmp_path: Path, qtbot) -> None:
    _, program_id = _program(tmp_path, sets=2, reps=3, rest_s=0.5,
                             robot_mode=RobotMode.ACTIVE_ASSISTED)
    clock, updates, node = FrameClock(), Updates(), ScriptedNode()
    robot = RobotClient(node, ClientSettings(heartbeat_period_s=0.01,
                                             link=LinkSettings(0.5, 2.0)), now_s=clock).start()
    runner, _ = _runner(tmp_path, program_id, clock, updates, robot=robot, frames=(200, 3000))
    object.__setattr__(runner.settings, "language", Language.KO)  # cues in Korean
    runner.start()

    def after(seen: int, predicate, timeout_s: float = 30.0) -> None:
        updates.wait_for(lambda u: updates.items.index(u) >= seen and predicate(u), timeout_s)

    # The video ends during set 2 (the camera is lost); the next command is refused.
    updates.wait_for(lambda u: isinstance(u, Alert) and u.source == "camera", 60)
    node.refuse_next = ("speed_limit", "tempo_s: 0.6 s would exceed 90 deg/s")
    seen = len(updates.items)
    runner.resume()
    after(seen, lambda u: isinstance(u, Alert) and u.message_id == "session.robot_refused")
    seen = len(updates.items)
    runner.resume()  # accepted this time; then the robot faults
    after(seen, lambda u: isinstance(u, RobotUpdate) and u.state == "running")
    seen = len(updates.items)
    node.stop_robot(RobotState.FAULT, "fault_sensor", "sensor fault: NaN encoder")
    after(seen, lambda u: isinstance(u, Alert) and u.message_id == "session.robot_stopped")
    runner.estop()
    after(seen, lambda u: isinstance(u, Alert) and u.message_id == "session.estop_pressed")
    runner.stop()
    assert runner.wait(30)
    robot.close()

    model = LiveSessionModel()
    view = QtLiveSession(model, Translator(Language.KO))
    qtbot.addWidget(view)
    shown: list[str] = []
    for update in updates.items:
        model.ingest(update)
        if isinstance(update, ProgressUpdate | RobotUpdate):
            labels = (view.phase, view.cue, view.robot_state, view.robot_fault,
                      view.robot_reason, view.robot_link)
            shown += [label.text() for label in labels]
    shown += [view.alerts.item(i).text() for i in range(view.alerts.count())]
    sources = {a.message_id for a in model.alerts}
    assert {"session.robot_refused", "session.robot_stopped", "session.estop_pressed",
            "session.camera_lost"} <= sources
    untranslated = {text: words for text in shown if (words := _english_words(text))}
    assert untranslated == {}
    # The English text stays for logs, with the robot's own words.
    assert any("NaN encoder" in a.message for a in model.alerts)
    view.timer.stop()
    view.close()
