"""Console benchmark: can the live screen keep up at 30 fps without slowing the session?

Measures, offscreen, on a real frame size (the demo video's 1768x994):

- ``QtSessionBridge.sink`` cost on the session thread (what the pipeline pays per update);
- one live-screen repaint (camera image with skeleton, traces, labels) on the GUI thread;
- a 10 s simulated session at 30 fps frames + 200 Hz robot telemetry pushed from another
  thread while the GUI repaints at its 30 fps timer: repaints done, frames shown, frames
  whose image was skipped (the bridge keeps only the latest), updates dropped.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_console.py``
"""

from __future__ import annotations

import os
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PyQt6.QtWidgets import QApplication

from rehab.session.events import FrameUpdate, RobotUpdate
from rehab.ui.console.live import QtLiveSession
from rehab.ui.i18n import Translator
from rehab.ui.models.live import LiveSessionModel
from rehab.ui.qt.bridge import QtSessionBridge
from rehab.ui.qt.style import apply_style

W, H = 1768, 994
FPS, ROBOT_HZ, SECONDS = 30, 200, 10.0


def _frame(t_s: float, image: np.ndarray) -> FrameUpdate:
    phase = np.sin(2 * np.pi * t_s / 2.0)
    pts = np.column_stack([np.linspace(700, 1000, 33), np.linspace(200, 700, 33)])
    pts[15] += (0, -200 * phase)
    return FrameUpdate(t_s, image, pts, np.full(33, 0.9),
                       {"shoulder_abduction_left": 80 + 60 * phase,
                        "shoulder_abduction_right": 78 + 60 * phase},
                       "shoulder_abduction_left", 0.04)


def _robot(t_s: float) -> RobotUpdate:
    return RobotUpdate(t_s, "running", "active_assisted", "connected",
                       ("shoulder_flexion", "elbow_flexion"),
                       (60 + 50 * np.sin(t_s), 5.0), (2.0, 0.1), 0.4)


def percentiles(values_s: list[float]) -> str:
    v = np.asarray(values_s) * 1e3
    return f"p50 {np.percentile(v, 50):.2f} ms, p95 {np.percentile(v, 95):.2f} ms, " \
           f"max {v.max():.2f} ms (n={v.size})"


def main() -> None:
    app = QApplication.instance() or QApplication([])
    apply_style(app)
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (H, W, 3), dtype=np.uint8)
    model = LiveSessionModel()
    view = QtLiveSession(model, Translator("ko"))
    view.resize(1440, 900)
    view.show()
    view.timer.stop()  # repaints driven by hand below
    bridge = QtSessionBridge()
    bridge.update.connect(model.ingest)

    # 1. sink cost on the session thread (no GUI draining meanwhile)
    sink_times = []
    for i in range(3000):
        update = _frame(i / FPS, image) if i % 7 == 0 else _robot(i / ROBOT_HZ)
        t0 = time.perf_counter()
        bridge.sink(update)
        sink_times.append(time.perf_counter() - t0)
    app.processEvents()
    print("bridge.sink (session thread):", percentiles(sink_times))

    # 2. one repaint with a new frame and 20 s of traces
    repaint = []
    for i in range(120):
        model.ingest(_frame(i / FPS, image))
        model.ingest(_robot(i / FPS))
        t0 = time.perf_counter()
        view.redraw()
        app.processEvents()
        repaint.append(time.perf_counter() - t0)
    print("live screen repaint (GUI thread):", percentiles(repaint))

    # 3. a 10 s session in real time: producer thread, GUI repainting at 30 fps
    model.attach(None)
    bridge.dropped = 0
    stop = threading.Event()
    produced = {"frames": 0, "robot": 0}

    def session() -> None:
        t_start = time.perf_counter()
        next_frame, next_robot = 0.0, 0.0
        while (now := time.perf_counter() - t_start) < SECONDS:
            if now >= next_frame:
                bridge.sink(_frame(now, image))
                produced["frames"] += 1
                next_frame += 1 / FPS
            if now >= next_robot:
                bridge.sink(_robot(now))
                produced["robot"] += 1
                next_robot += 1 / ROBOT_HZ
            time.sleep(0.0005)
        stop.set()

    shown = []
    model.frame_changed.connect(lambda: shown.append(model.frame.t_s))
    view.timer.start()
    thread = threading.Thread(target=session)
    t0 = time.perf_counter()
    thread.start()

    while not stop.is_set():
        app.processEvents()
        time.sleep(0.001)
    thread.join()
    app.processEvents()
    elapsed = time.perf_counter() - t0
    traced = len(model.angle_traces["shoulder_abduction_left"])
    print(f"10 s session: {produced['frames']} frames and {produced['robot']} robot samples "
          f"produced in {elapsed:.1f} s; frames with image shown {len(shown)} "
          f"({len(shown) / elapsed:.1f}/s); angle samples traced {traced} "
          f"(trace capacity 2048); updates dropped by the bridge {bridge.dropped}")
    view.close()


if __name__ == "__main__":
    main()
