"""Closing pyqtgraph plots before Qt deletes the widgets around them.

When Qt deletes a widget tree in its own order, a pyqtgraph axis can outlive the ViewBox
it is linked to and paint with it on the next event: ``RuntimeError: wrapped C/C++
object of type ViewBox has been deleted``, then a segmentation fault (seen in the UI
tests right after a console was torn down). Closing each ``PlotWidget`` first clears its
scene in pyqtgraph's own order, so nothing is left to paint.
"""

from __future__ import annotations

import pyqtgraph as pg
from PyQt6.QtGui import QCloseEvent
from PyQt6.QtWidgets import QWidget


def close_plots(widget: QWidget) -> None:
    """Close every pyqtgraph ``PlotWidget`` inside ``widget`` (idempotent)."""
    for plot in widget.findChildren(pg.PlotWidget):
        if not getattr(plot, "closed", False):
            plot.close()


class ClosesPlots:
    """Mixin for a widget owning plots: closing it closes them first."""

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        close_plots(self)  # type: ignore[arg-type]
        super().closeEvent(event)  # type: ignore[misc]
