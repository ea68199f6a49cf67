"""The patient screen's palettes and sizes: calm, at least 7:1 contrast, legible at 3 m.

Sizes are pixels on a 1080p screen (WCAG 2.2 AAA where it applies: counters at least
48 px, instructions at least 32 px, touch targets far above 44 px); the large-text
setting scales the text and the controls (:meth:`Look.px`), not the numbers that are
already huge (:meth:`Look.big`). On another screen everything is scaled by ``fit``
(720p: 2/3), so the screen looks the same from the patient's chair. Every palette pair
is checked for 7:1 in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rehab.store import PatientDisplay


@dataclass(frozen=True)
class Look:
    background: str
    text: str
    accent: str  # the counter, the target
    stop_bg: str
    stop_text: str
    button_bg: str
    button_text: str
    warn: str  # past the safe limit (always with a shape and words too)
    good: str  # the target reached (always with a tick and words too)
    panel: str
    scale: float  # the patient's large-text setting
    fit: float = 1.0  # the screen's height against 1080 px (the window sets it)

    def px(self, base: int) -> int:
        """A text or control size, in the patient's text size, on this screen."""
        return round(base * self.scale * self.fit)

    def big(self, base: int) -> int:
        """A size that the large-text setting leaves alone (the counter, the countdown)."""
        return round(base * self.fit)

    def fitted(self, fit: float) -> Look:
        return replace(self, fit=fit)


CALM = Look(background="#f7f5ef", text="#1b1b1b", accent="#0a3a78", stop_bg="#8a1010",
            stop_text="#ffffff", button_bg="#0a3a78", button_text="#ffffff", warn="#8a1010",
            good="#0b5d1e", panel="#e6e2d6", scale=1.0)
HIGH_CONTRAST = Look(background="#000000", text="#ffffff", accent="#ffff00",
                     stop_bg="#ffff00", stop_text="#000000", button_bg="#ffffff",
                     button_text="#000000", warn="#ff9e9e", good="#7dff7d", panel="#1a1a1a",
                     scale=1.0)

SCREEN_PX = (1920, 1080)  # the screen the sizes are for
COUNTER_PX = 150  # the rep counter
NUMBER_PX = 220  # the countdown and the rest timer
TITLE_PX = 56
INSTRUCTION_PX = 40
LABEL_PX = 34
BUTTON_PX = 40
TARGET_MIN_PX = 96  # the smallest touch target's side (WCAG asks 44)
STOP_PX = 150  # the STOP button's height
LARGE_TEXT_SCALE = 1.3


def look_for(display: PatientDisplay) -> Look:
    base = HIGH_CONTRAST if display.high_contrast else CALM
    if display.large_text:
        return Look(**{**base.__dict__, "scale": LARGE_TEXT_SCALE})
    return base


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours (1-21)."""

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
