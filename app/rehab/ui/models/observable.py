"""A minimal change notification for models that must not import Qt."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Emitter:
    """A list of callbacks called, in order, on :meth:`emit`.

    Views connect to a model's emitters and refresh themselves; the model never knows who
    listens. Callbacks run on the thread that calls :meth:`emit` (the GUI thread for the
    console's models: updates from worker threads arrive through a Qt bridge first).

    Examples
    --------
    >>> changed = Emitter()
    >>> seen = []
    >>> changed.connect(seen.append)
    >>> changed.emit(3)
    >>> seen
    [3]
    """

    def __init__(self) -> None:
        self._callbacks: list[Callable[..., Any]] = []

    def connect(self, callback: Callable[..., Any]) -> None:
        """Call ``callback`` on every emit (once, however often it is connected)."""
        if callback not in self._callbacks:
            self._callbacks.append(callback)

    def disconnect(self, callback: Callable[..., Any]) -> None:
        """Stop calling ``callback``; unknown callbacks are ignored."""
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, *args: Any) -> None:
        for callback in list(self._callbacks):
            callback(*args)
