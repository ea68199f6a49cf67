"""The research export page: what a researcher chose, and running the export (no Qt)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rehab.errors import ValidationError
from rehab.export.deid import DatePolicy
from rehab.export.reader import ExportSelection
from rehab.export.run import FORMATS, ExportResult, count_sessions, run_export
from rehab.store import Permission, Store, User
from rehab.store.access import ROLE_PERMISSIONS
from rehab.ui.models.observable import Emitter


def _holds(user: User | None, permission: Permission) -> bool:
    return user is not None and user.active and permission in ROLE_PERMISSIONS[user.role]


def may_export(user: User | None) -> bool:
    """True when the user's role makes de-identified exports (researcher, admin)."""
    return _holds(user, Permission.EXPORT_DEIDENTIFIED)


def may_print_report(user: User | None) -> bool:
    """True when the user's role prints identified reports (therapist, admin)."""
    return _holds(user, Permission.REPORTS_IDENTIFIED)


class ResearchExportModel:
    """Format, date handling, patient codes and target folder of the next export."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.fmt = FORMATS[0]
        self.dates = DatePolicy.SHIFT
        self.codes_text = ""
        self.folder: Path | None = None
        self.last: ExportResult | None = None
        self.changed = Emitter()

    def selection(self) -> ExportSelection:
        codes = tuple(c.strip().upper() for c in self.codes_text.split(",") if c.strip())
        return ExportSelection(codes)

    def run(self, progress: Callable[[int, int], None] = lambda done, total: None
            ) -> ExportResult:
        """Export as the logged-in user; ``progress(done, total)`` after each session."""
        if self.folder is None:
            raise ValidationError("out", "validation.export_folder")
        selection = self.selection()
        total = count_sessions(self.store, selection)
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            progress(done, total)

        self.last = run_export(self.store, self.fmt, self.folder, selection, dates=self.dates,
                               progress=step)
        self.changed.emit()
        return self.last
