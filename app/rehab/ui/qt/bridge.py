"""From the session's threads to the GUI thread, without ever blocking the session.

The session runner calls :meth:`QtSessionBridge.sink` from its worker threads for every
update. The bridge queues them and wakes the GUI thread once; there they are re-emitted, in
order, as :attr:`QtSessionBridge.update`. Only the latest camera image is kept: earlier
frames still deliver their angles (for the traces) but without their image, so a slow GUI
costs dropped pictures, not memory or pipeline time. Frames and robot samples beyond
``max_pending`` are dropped (counted); reps, alerts and progress are never dropped.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import deque

from PyQt6.QtCore import QObject, Qt, pyqtSignal

from rehab.session.events import FrameUpdate, RobotUpdate, SessionUpdate

_DROPPABLE = (FrameUpdate, RobotUpdate)


class QtSessionBridge(QObject):
    """Receives :data:`SessionUpdate` objects from any thread; emits them on the GUI thread.

    Parameters
    ----------
    max_pending
        Frames and robot samples waiting for the GUI beyond this are dropped.
    """

    update = pyqtSignal(object)  # SessionUpdate, on the GUI thread
    _wake = pyqtSignal()

    def __init__(self, max_pending: int = 1024, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.max_pending = max_pending
        self.dropped = 0
        self._lock = threading.Lock()
        self._queue: deque[SessionUpdate] = deque()
        self._latest_frame: tuple[FrameUpdate, FrameUpdate] | None = None  # (queued, full)
        self._wake_pending = False
        self._wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)

    def sink(self, update: SessionUpdate) -> None:
        """Queue ``update`` (any thread; returns at once)."""
        with self._lock:
            if isinstance(update, FrameUpdate) and update.image_bgr is not None:
                queued = dataclasses.replace(update, image_bgr=None)
                self._latest_frame = (queued, update)
                update = queued
            if isinstance(update, _DROPPABLE) and len(self._queue) >= self.max_pending:
                self.dropped += 1
            else:
                self._queue.append(update)
            wake = not self._wake_pending
            self._wake_pending = True
        if wake:
            self._wake.emit()

    def _drain(self) -> None:
        with self._lock:
            items, self._queue = self._queue, deque()
            latest, self._latest_frame = self._latest_frame, None
            self._wake_pending = False
        delivered_latest = False
        for item in items:
            if latest is not None and item is latest[0]:
                item, delivered_latest = latest[1], True
            self.update.emit(item)
        if latest is not None and not delivered_latest:
            self.update.emit(latest[1])  # its place in the queue was dropped; the image is not
