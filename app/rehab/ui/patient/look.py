"""The patient screen's look from the patient's stored display setting.

The palettes, sizes and the stylesheet live in the style module's patient section
(:mod:`rehab.ui.qt.style`: :class:`~rehab.ui.qt.style.PatientLook`,
:class:`~rehab.ui.qt.style.PatientRole`, :class:`~rehab.ui.qt.style.PatientPx`): calm or
high contrast, at least 7:1 in both, legible at 3 m; the large-text setting scales the text
and the controls (:meth:`~rehab.ui.qt.style.PatientLook.px`), not the numbers that are
already huge (:meth:`~rehab.ui.qt.style.PatientLook.big`).
"""

from __future__ import annotations

from rehab.store import PatientDisplay
from rehab.ui.qt.style import PatientLook, patient_look


def look_for(display: PatientDisplay) -> PatientLook:
    """The look of ``display`` (high contrast, large text)."""
    return patient_look(high_contrast=display.high_contrast, large_text=display.large_text)
