"""The research export page: what a researcher chose, and running the export (no Qt)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rehab.errors import ValidationError
from rehab.export.access import DEIDENTIFIED_EXPORT_ROLES, IDENTIFIED_REPORT_ROLES
from rehab.export.deid import DatePolicy
from rehab.export.reader import ExportSelection
from rehab.export.run import FORMATS, ExportResult, count_sessions, run_export
from rehab.store import Role, Store, User
from rehab.ui.models.observable import Emitter


def may_export(user: User | None) -> bool:
    """True when the user's role makes de-identified exports (researcher, admin)."""
    return user is not None and user.role in DEIDENTIFIED_EXPORT_ROLES


def may_print_report(user: User | None) -> bool:
    """True when the user's role prints identified reports (therapist, admin)."""
    return user is not None and user.role in IDENTIFIED_REPORT_ROLES


CLINICAL_PAGES = frozenset({"patients", "program", "live", "after", "progress",
                            "assessments"})


def page_visible(page: str, user: User | None) -> bool:
    """Whether the console shows ``page`` to ``user``.

    The export page: researchers and admins. A researcher works on de-identified exports
    only, so the clinical pages are not shown to them (the store refuses their reads of
    identified data anyway).
    """
    if page == "export":
        return may_export(user)
    researcher = user is not None and user.role is Role.RESEARCHER
    return not (researcher and page in CLINICAL_PAGES)


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
            raise ValidationError("out", "choose a folder to export to")
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
