"""One style module: every colour, font size and spacing is a named role of a theme."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PyQt6.QtGui import QPalette
from PyQt6.QtWidgets import QApplication, QLabel

from rehab.ui.qt import style
from rehab.ui.qt.style import (
    PATIENT_PALETTES,
    PATIENT_TEXT_PAIRS,
    TEXT_PAIRS,
    THEMES,
    PatientPalette,
    PatientRole,
    Role,
    Size,
    ThemeName,
    Weight,
    apply_style,
    contrast_ratio,
    style_text,
)

UI_DIR = Path(__file__).resolve().parents[2] / "app" / "rehab" / "ui"
STYLE_MODULE = UI_DIR / "qt" / "style.py"
# WCAG 2: AA for normal text in the standard themes, AAA (7:1) in high contrast.
MIN_CONTRAST = {ThemeName.STANDARD: 4.5, ThemeName.LARGE_TEXT: 4.5,
                ThemeName.HIGH_CONTRAST: 7.0}


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0),
    ("#777777", "#ffffff", 4.48),  # the usual example of grey just failing AA
])
def test_contrast_ratio(a: str, b: str, expected: float) -> None:
    assert contrast_ratio(a, b) == pytest.approx(expected, abs=0.01)
    assert contrast_ratio(b, a) == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("name", list(ThemeName))
@pytest.mark.parametrize(("text", "background"), TEXT_PAIRS)
def test_text_contrast(name: ThemeName, text: Role, background: Role) -> None:
    theme = THEMES[name]
    ratio = contrast_ratio(theme[text], theme[background])
    assert ratio >= MIN_CONTRAST[name], \
        f"{name}: {text} {theme[text]} on {background} {theme[background]} is {ratio:.2f}:1"


def test_every_text_role_is_checked() -> None:
    exempt = {Role.TEXT_DISABLED, Role.PRIMARY_DISABLED_TEXT}  # WCAG: inactive controls
    text_roles = {r for r in Role if r.value.endswith("text") or r.value.startswith(
        ("text", "alert", "status")) or r in (Role.EMPHASIS, Role.ACCENT)}
    assert text_roles - exempt == {t for t, _ in TEXT_PAIRS}


@pytest.mark.parametrize("palette", list(PatientPalette))
@pytest.mark.parametrize(("text", "background"), PATIENT_TEXT_PAIRS)
def test_patient_screen_contrast(palette: PatientPalette, text: PatientRole,
                                 background: PatientRole) -> None:
    """The patient screen: every text pair at least 7:1 (WCAG AAA), calm palette too."""
    colours = PATIENT_PALETTES[palette]
    assert set(colours) == set(PatientRole)
    ratio = contrast_ratio(colours[text], colours[background])
    assert ratio >= 7.0, f"{palette}: {text} on {background} is {ratio:.2f}:1"


def test_large_text_scales_every_size_and_keeps_colours() -> None:
    standard, large = THEMES[ThemeName.STANDARD], THEMES[ThemeName.LARGE_TEXT]
    assert dict(large.colours) == dict(standard.colours)
    for size in Size:
        assert large.size(size) == round(1.5 * standard.size(size))
    assert "font-size: 66px" in style.stylesheet(large)  # the rep counter, 44 px x 1.5


HEX = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?(?:[0-9a-fA-F]{2})?\b")
INLINE = re.compile(r"QColor\(|GlobalColor|setStyleSheet\(|font-size|\brgba?\(")


def ui_sources() -> Iterator[Path]:
    return (p for p in sorted(UI_DIR.rglob("*.py")) if p != STYLE_MODULE)


def test_no_colour_or_font_size_outside_the_style_module() -> None:
    found = [f"{path.relative_to(UI_DIR)}:{n}: {line.strip()}"
             for path in ui_sources()
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if HEX.search(line) or INLINE.search(line)]
    assert not found, "\n".join(found)


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[QApplication]:
    yield qapp
    apply_style(qapp, ThemeName.STANDARD)
    qapp.setStyleSheet("")


def test_switching_theme_restyles_a_styled_widget(qtbot, themed: QApplication) -> None:
    label = QLabel("오류")
    qtbot.addWidget(label)
    style_text(label, Role.ALERT_ERROR, Size.COUNTER, Weight.BOLD)
    for name in (ThemeName.STANDARD, ThemeName.HIGH_CONTRAST, ThemeName.LARGE_TEXT):
        apply_style(themed, name)
        label.ensurePolished()
        assert label.palette().color(QPalette.ColorRole.WindowText).name() == \
            THEMES[name][Role.ALERT_ERROR]
        assert label.font().pixelSize() == THEMES[name].size(Size.COUNTER)
        assert style.colour(Role.ALERT_ERROR) == THEMES[name][Role.ALERT_ERROR]
