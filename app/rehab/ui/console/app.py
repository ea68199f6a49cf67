"""Open the console: settings, store, models, the main window and the Qt event loop."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication

from rehab.demo import library_records
from rehab.errors import NotFoundError
from rehab.exercises.library import load_library
from rehab.language import Language
from rehab.paths import DATA_DIR_ENV
from rehab.store import Cause, Store, User
from rehab.ui.console.main_window import QtConsole
from rehab.ui.models.console import ConsoleModel, SessionFactory
from rehab.ui.models.settings import SettingsModel, default_settings_path, load_settings
from rehab.ui.qt.style import apply_style
from rehab_robot.core.config import load_config

log = logging.getLogger(__name__)


def build_console(store: Store, settings: SettingsModel, *,
                  session_factory: SessionFactory | None = None,
                  user: User | None = None) -> QtConsole:
    """The main window on an open store (a QApplication must exist).

    Parameters
    ----------
    store
        The open store; the library's exercises are registered in it.
    settings
        The settings model.
    session_factory
        Starts sessions (the session runner); None: the live screen says none is connected.
    user
        Log this user in at once (the demo); None shows the login screen.
    """
    library = load_library()
    store.exercises.upsert(library_records(library))
    model = ConsoleModel(store, library, load_config(), settings, session_factory)
    window = QtConsole(model)
    if user is not None:
        model.login.accept(user)
    return window


@contextlib.contextmanager
def open_console(*, data_dir: Path | None = None, language: Language | None = None,
                 settings_path: Path | None = None,
                 session_factory: Callable[[Path], SessionFactory] | None = None,
                 username: str | None = None) -> Iterator[QtConsole]:
    """The console's main window on its store, closed with the store at the end.

    The data folder is ``data_dir``, else ``$REHAB_DATA_DIR``, else the saved setting; the
    language is ``language``, else the saved setting. ``session_factory`` is called with
    the data folder and gives the factory the live screen starts sessions with
    (:func:`~rehab.ui.console.session_factory.runner_session_factory`); without it the
    live screen says no session runner is connected. A QApplication must exist.
    """
    path = settings_path or default_settings_path()
    settings = load_settings(path)
    folder = data_dir or (Path(os.environ[DATA_DIR_ENV]) if os.environ.get(DATA_DIR_ENV)
                          else Path(settings.data_dir))
    overrides: dict[str, object] = {"data_dir": str(folder)}
    if language is not None:
        overrides["language"] = Language(language)
    settings = dataclasses.replace(settings, **overrides)
    with Store.open(folder) as store:
        if store.interrupted_on_open:
            log.warning("sessions marked interrupted on open: %s", store.interrupted_on_open)
        user = store.users.by_username(username) if username else None
        if username and (user is None or not user.active):
            raise NotFoundError(f"no active user {username!r} in {store.path}")
        factory = session_factory(folder) if session_factory is not None else None
        window = build_console(store, SettingsModel(path, settings),
                               session_factory=factory, user=user)
        try:
            yield window
        finally:
            window.close()
            window.views["live"].timer.stop()


def run_console(*, data_dir: Path | None = None, language: Language | None = None,
                settings_path: Path | None = None,
                session_factory: Callable[[Path], SessionFactory] | None = None,
                username: str | None = None) -> int:
    """Open the console and run until its window closes; return the exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("rehab-console")
    apply_style(app)
    with open_console(data_dir=data_dir, language=language, settings_path=settings_path,
                      session_factory=session_factory, username=username) as window:
        window.show()
        with CloseOnSignals(window) as signals:
            code = app.exec()
        return code if signals.signum is None else 128 + signals.signum


class CloseOnSignals:
    """While active, SIGTERM, SIGINT and SIGHUP close the console: a running session ends
    cleanly with the cause ``signal`` (robot stopped, data flushed).

    Qt's event loop does not run Python's signal handlers by itself, so a timer gives the
    interpreter a turn every 200 ms.
    """

    SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)

    def __init__(self, window: QtConsole) -> None:
        self._window = window
        self.signum: int | None = None
        self._previous: dict[int, object] = {}
        self._timer = QTimer()
        self._timer.timeout.connect(lambda: None)

    def __enter__(self) -> CloseOnSignals:
        for signum in self.SIGNALS:
            self._previous[signum] = signal.signal(signum, self._on_signal)
        self._timer.start(200)
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.stop()
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _on_signal(self, signum: int, _frame: object) -> None:
        if self.signum is None:
            self.signum = signum
            self._window.close_cause = Cause.SIGNAL
            QTimer.singleShot(0, self._window.close)
