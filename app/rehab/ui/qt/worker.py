"""Run blocking work off the GUI thread; the result or the error comes back as a signal.

A plain Python thread per job, not a ``QRunnable``: a ``QRunnable`` kept alive from Python
can be freed by the GUI thread (when its result arrives) while its pool thread is still
returning from ``run()``. Here the thread's own frame holds the worker until it ends, so
nothing is freed under it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QObject, pyqtSignal

log = logging.getLogger(__name__)


class WorkerSignals(QObject):
    finished = pyqtSignal(object)  # the function's return value
    failed = pyqtSignal(object)  # the exception it raised


class Worker:
    """Call ``fn(*args, **kwargs)`` on its own thread; report through :attr:`signals`.

    Every exception reaches :attr:`WorkerSignals.failed` (and the log), so a view can show
    it: an error in a worker is never lost with its thread. The signals object is created
    on the calling (GUI) thread, so its signals are delivered there.
    """

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.signals = WorkerSignals()
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self.thread = threading.Thread(target=self.run, daemon=True,
                                       name=f"worker-{getattr(fn, '__name__', 'job')}")

    def start(self) -> None:
        self.thread.start()

    def run(self) -> None:
        try:
            result = self._fn(*self._args, **self._kwargs)
        except Exception as exc:  # reported to the screen, not swallowed
            log.exception("worker %s failed", getattr(self._fn, "__name__", self._fn))
            self.signals.failed.emit(exc)
        else:
            self.signals.finished.emit(result)


class WorkerPool:
    """Starts workers and keeps them until they report (the GUI thread's side)."""

    def __init__(self) -> None:
        self._running: set[Worker] = set()

    def start(self, fn: Callable[..., Any], *args: Any,
              on_done: Callable[[Any], None], on_error: Callable[[Exception], None],
              **kwargs: Any) -> Worker:
        worker = Worker(fn, *args, **kwargs)
        self._running.add(worker)

        def done(result: Any) -> None:
            self._running.discard(worker)
            on_done(result)

        def failed(exc: Exception) -> None:
            self._running.discard(worker)
            on_error(exc)

        worker.signals.finished.connect(done)
        worker.signals.failed.connect(failed)
        worker.start()
        return worker

    @property
    def busy(self) -> bool:
        return bool(self._running)
