"""Run blocking work off the GUI thread; the result or the error comes back as a signal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QObject, QRunnable, QThreadPool, pyqtSignal

log = logging.getLogger(__name__)


class WorkerSignals(QObject):
    finished = pyqtSignal(object)  # the function's return value
    failed = pyqtSignal(object)  # the exception it raised


class Worker(QRunnable):
    """Call ``fn(*args, **kwargs)`` on a pool thread; report through :attr:`signals`.

    Every exception reaches :attr:`WorkerSignals.failed` (and the log), so a view can show
    it: an error in a worker is never lost with its thread.
    """

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.signals = WorkerSignals()
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self.setAutoDelete(False)  # the caller keeps it until a signal arrives

    def run(self) -> None:
        try:
            result = self._fn(*self._args, **self._kwargs)
        except Exception as exc:  # reported to the screen, not swallowed
            log.exception("worker %s failed", getattr(self._fn, "__name__", self._fn))
            self.signals.failed.emit(exc)
        else:
            self.signals.finished.emit(result)


class WorkerPool:
    """Starts workers and keeps them alive until they report.

    Parameters
    ----------
    pool
        The thread pool (the global one by default).
    """

    def __init__(self, pool: QThreadPool | None = None) -> None:
        self._pool = pool or QThreadPool.globalInstance()
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
        self._pool.start(worker)
        return worker

    @property
    def busy(self) -> bool:
        return bool(self._running)
