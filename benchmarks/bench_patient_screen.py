"""Patient screen timing: rep scored -> counter and cue shown; speech asked -> speech starts.

Runs Qt offscreen. A worker thread sinks each RepScored into the console's session bridge
(as the runner does); the time until the patient screen's counter shows it is measured on
the GUI thread. Speech start is measured for the engine ``open_speech`` picks: espeak-ng
WAV (process exit = audio ready to play) or QtTextToSpeech (state Speaking). Prints a
Markdown table for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import os
import platform
import statistics
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PyQt6.QtWidgets import QApplication

from rehab.exercises.library import load_library
from rehab.session.events import RepScored
from rehab.store import NewProgramItem, RobotMode, Side
from rehab.ui.i18n import Translator
from rehab.ui.models.guide import guide_for
from rehab.ui.models.patient import PatientPhase, PatientScreenModel
from rehab.ui.models.voice import Voice
from rehab.ui.patient.window import QtPatientScreen
from rehab.ui.qt.bridge import QtSessionBridge
from rehab.ui.qt.speech import open_speech

N = 40


def _pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def counter_latency_ms(app: QApplication) -> list[float]:
    library = load_library()
    item = NewProgramItem("shoulder_abduction", sets=1, reps=N, target_rom_deg=120,
                          tempo_s=2.0, robot_mode=RobotMode.NONE, assistance=0.0,
                          safe_rom_min_deg=0, safe_rom_max_deg=150, side=Side.LEFT)
    tr = Translator("ko")
    model = PatientScreenModel(tr, Voice(None, "ko"))
    model.attach(None, (guide_for(item, library["shoulder_abduction"]),))
    model.phase = PatientPhase.EXERCISE
    view = QtPatientScreen(model, tr)
    view.resize(1920, 1080)
    view.show()
    bridge = QtSessionBridge()
    bridge.update.connect(model.ingest)
    out = []
    for i in range(N):
        rep = RepScored(float(i), 0, 0, i, 110.0, 90.0, (), (), "팔을 조금 더 높이 올려 보세요.")
        t0 = time.perf_counter()
        threading.Thread(target=bridge.sink, args=(rep,)).start()
        want = f"{i + 1} / {N}"
        while view.rep_counter.text() != want:
            app.processEvents()
        view.rep_counter.repaint()  # until it is painted, not only set
        out.append((time.perf_counter() - t0) * 1000)
        for _ in range(5):
            app.processEvents()
            time.sleep(0.01)
    view.close_by_console()
    return out


def speech_start_ms(app: QApplication) -> tuple[str, list[float]]:
    choice = open_speech("espeak")
    port = choice.port
    if port is None:
        return f"none ({choice.why_not})", []
    out = []
    for text in ("3", "팔을 조금 더 높이 올려 보세요.") * 5:
        t0 = time.perf_counter()
        port.say(text, "ko")
        while port._process is not None and port._process.state() != port._process.ProcessState.NotRunning:  # noqa: E501
            app.processEvents()
        out.append((time.perf_counter() - t0) * 1000)
        port.stop()
    port.close()
    return choice.engine, out


def main() -> None:
    app = QApplication.instance() or QApplication([])
    counter = counter_latency_ms(app)
    engine, speech = speech_start_ms(app)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, Qt offscreen")
    print("| measure | n | median ms | p95 ms | max ms | budget |")
    print("|---|---|---|---|---|---|")
    print(f"| rep scored -> counter and cue shown | {len(counter)} | "
          f"{statistics.median(counter):.1f} | {_pct(counter, 0.95):.1f} | {max(counter):.1f}"
          " | 100 |")
    if speech:
        print(f"| speech asked -> audio ready ({engine}) | {len(speech)} | "
              f"{statistics.median(speech):.1f} | {_pct(speech, 0.95):.1f} | "
              f"{max(speech):.1f} | 300 |")
    else:
        print(f"| speech | - | - | - | - | {engine} |")


if __name__ == "__main__":
    main()
