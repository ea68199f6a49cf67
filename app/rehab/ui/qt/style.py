"""The console's look, defined once: named colour roles, font sizes and spacings per theme.

Views never write a colour, a font size or a spacing themselves. They name a role
(:class:`Role`), a size (:class:`Size`) or a spacing (:class:`Spacing`) and this module
turns it into the value of the current :class:`Theme`:

- widgets get a text style with :func:`style_text` (dynamic properties the stylesheet
  matches) or an object name the stylesheet knows (``estop``, ``camera``, ``card``...),
  so switching the theme restyles them at once;
- what Qt draws without a stylesheet (plot pens, table item colours, the skeleton)
  asks :func:`colour` / :func:`qcolor` when it draws, so it follows on its next redraw.

Three themes (:data:`THEMES`): ``standard``, ``high_contrast`` (text at least 7:1 against
its background, WCAG AAA) and ``large_text`` (the standard colours, font sizes x1.5).
Every text role and the backgrounds it is drawn on are listed in :data:`TEXT_PAIRS`;
the tests check their contrast ratio in every theme.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from types import MappingProxyType

from PyQt6.QtGui import QColor, QFont, QFontDatabase
from PyQt6.QtWidgets import QApplication, QWidget

# Noto Sans CJK KR covers Hangul and Latin; fall back to whatever sans the system has.
FONT_FAMILIES = ("Noto Sans CJK KR", "Noto Sans KR", "NanumGothic", "Malgun Gothic",
                 "Apple SD Gothic Neo", "Noto Sans CJK JP", "DejaVu Sans")


class ThemeName(enum.StrEnum):
    """The themes a console can show (a settings value)."""

    STANDARD = "standard"
    HIGH_CONTRAST = "high_contrast"
    LARGE_TEXT = "large_text"


class Role(enum.StrEnum):
    """What a colour is for; each :class:`Theme` gives every role a colour."""

    # text, each drawn on the backgrounds TEXT_PAIRS lists
    TEXT = "text"
    TEXT_MUTED = "text_muted"  # hints and explanations
    TEXT_INACTIVE = "text_inactive"  # values not measured exactly (uncertain reps, no trend)
    TEXT_DISABLED = "text_disabled"  # disabled controls (exempt from contrast rules)
    EMPHASIS = "emphasis"  # the selected patient, the rep counter
    ACCENT = "accent"  # the patient's cue
    STATUS_OK = "status_ok"
    ALERT_INFO = "alert_info"
    ALERT_WARNING = "alert_warning"
    ALERT_ERROR = "alert_error"
    NAV_TEXT = "nav_text"
    PRIMARY_TEXT = "primary_text"
    PRIMARY_DISABLED_TEXT = "primary_disabled_text"
    ESTOP_TEXT = "estop_text"
    CAMERA_TEXT = "camera_text"
    # backgrounds
    BACKGROUND = "background"  # pages
    SURFACE = "surface"  # cards, group boxes, inputs, tables, plots
    BUTTON = "button"
    BUTTON_HOVER = "button_hover"
    HEADER = "header"  # table headers
    NAV_BACKGROUND = "nav_background"
    NAV_SELECTED = "nav_selected"
    PRIMARY = "primary"
    PRIMARY_DISABLED = "primary_disabled"
    ESTOP = "estop"
    ESTOP_PRESSED = "estop_pressed"
    CAMERA_BACKGROUND = "camera_background"
    # lines
    BORDER = "border"  # inputs and buttons
    BORDER_SOFT = "border_soft"  # cards and group boxes
    GRID = "grid"  # table grid lines
    HEADER_BORDER = "header_border"  # between table header sections
    PRIMARY_BORDER = "primary_border"
    ESTOP_BORDER = "estop_border"
    # plots: one colour per trace, in order; reference lines
    TRACE_PRIMARY = "trace_primary"
    TRACE_2 = "trace_2"
    TRACE_3 = "trace_3"
    TRACE_4 = "trace_4"
    TRACE_5 = "trace_5"
    TRACE_6 = "trace_6"
    TRACE_REFERENCE = "trace_reference"  # targets, prescribed amounts
    # the skeleton drawn over the camera image
    SKELETON_LEFT = "skeleton_left"  # the person's left
    SKELETON_RIGHT = "skeleton_right"
    SKELETON_CENTRE = "skeleton_centre"
    JOINT_OUTLINE = "joint_outline"
    JOINT_FILL = "joint_fill"


TRACES = (Role.TRACE_PRIMARY, Role.TRACE_2, Role.TRACE_3, Role.TRACE_4, Role.TRACE_5,
          Role.TRACE_6)

# (text, background) for every background each text role is drawn on.
TEXT_PAIRS: tuple[tuple[Role, Role], ...] = (
    *((text, bg) for text in (Role.TEXT, Role.TEXT_MUTED, Role.TEXT_INACTIVE, Role.EMPHASIS,
                              Role.ACCENT, Role.STATUS_OK, Role.ALERT_INFO,
                              Role.ALERT_WARNING, Role.ALERT_ERROR)
      for bg in (Role.BACKGROUND, Role.SURFACE)),
    (Role.TEXT, Role.BUTTON), (Role.TEXT, Role.BUTTON_HOVER), (Role.TEXT, Role.HEADER),
    (Role.NAV_TEXT, Role.NAV_BACKGROUND), (Role.NAV_TEXT, Role.NAV_SELECTED),
    (Role.PRIMARY_TEXT, Role.PRIMARY), (Role.ESTOP_TEXT, Role.ESTOP),
    (Role.ESTOP_TEXT, Role.ESTOP_PRESSED), (Role.CAMERA_TEXT, Role.CAMERA_BACKGROUND),
)


class Size(enum.IntEnum):
    """Font sizes of the standard theme, in pixels (``BODY`` in points: the app font)."""

    SMALL = 12  # inline validation messages
    BODY = 11  # points
    LABEL = 14  # the patient's cue
    EMPHASIS = 15  # navigation, the after-session summary, E-STOP state
    HEADING = 16  # the session phase, the camera's placeholder
    TITLE = 20
    ESTOP = 26
    COUNTER = 44  # the rep counter
    CONTROL = 26  # minimum height of spin boxes, combo boxes and date editors
    PLOT_TITLE = 10  # points
    PLOT_LEGEND = 9  # points


class Spacing(enum.IntEnum):
    """Spacings and paddings, in pixels."""

    XXS = 2
    XS = 4
    S = 6
    M = 8
    L = 12
    XL = 14
    XXL = 24
    XXXL = 28


class Weight(enum.IntEnum):
    """Font weights (CSS numbers)."""

    SEMIBOLD = 600
    BOLD = 700


@dataclass(frozen=True)
class Theme:
    """A complete look: a colour per :class:`Role` and a scale for every font size.

    Parameters
    ----------
    name
        The theme's id, as the settings store it.
    colours
        ``#rrggbb`` for every :class:`Role`.
    font_scale
        Factor on every :class:`Size` (1.0 standard, 1.5 large text).

    Raises
    ------
    ValueError
        A role has no colour, or the font scale is not positive.
    """

    name: ThemeName
    colours: MappingProxyType[Role, str]
    font_scale: float = 1.0

    def __post_init__(self) -> None:
        missing = set(Role) - set(self.colours)
        if missing:
            raise ValueError(f"theme {self.name} has no colour for {sorted(missing)}")
        if not self.font_scale > 0:
            raise ValueError(f"font scale must be positive, got {self.font_scale}")

    def __getitem__(self, role: Role) -> str:
        return self.colours[role]

    def size(self, size: Size) -> int:
        """``size`` in this theme (pixels or points, as :class:`Size` says)."""
        return round(size * self.font_scale)


_STANDARD = {
    Role.TEXT: "#1d2733", Role.TEXT_MUTED: "#4a5a6a", Role.TEXT_INACTIVE: "#707070",
    Role.TEXT_DISABLED: "#8b96a1", Role.EMPHASIS: "#1f3b57", Role.ACCENT: "#2b6cb0",
    Role.STATUS_OK: "#2e6b30", Role.ALERT_INFO: "#285a8c", Role.ALERT_WARNING: "#975a16",
    Role.ALERT_ERROR: "#b00020", Role.NAV_TEXT: "#ffffff", Role.PRIMARY_TEXT: "#ffffff",
    Role.PRIMARY_DISABLED_TEXT: "#eef3f8", Role.ESTOP_TEXT: "#ffffff",
    Role.CAMERA_TEXT: "#dddddd",
    Role.BACKGROUND: "#f6f8fa", Role.SURFACE: "#ffffff", Role.BUTTON: "#e4e9ef",
    Role.BUTTON_HOVER: "#d6dee6", Role.HEADER: "#e9eef3", Role.NAV_BACKGROUND: "#1f3b57",
    Role.NAV_SELECTED: "#3b6e99", Role.PRIMARY: "#2b6cb0", Role.PRIMARY_DISABLED: "#a9bfd6",
    Role.ESTOP: "#c62828", Role.ESTOP_PRESSED: "#7f0000", Role.CAMERA_BACKGROUND: "#111111",
    Role.BORDER: "#b9c3cd", Role.BORDER_SOFT: "#cfd8e0", Role.GRID: "#e1e6eb",
    Role.HEADER_BORDER: "#d0d7de",
    Role.PRIMARY_BORDER: "#22578e", Role.ESTOP_BORDER: "#7f0000",
    Role.TRACE_PRIMARY: "#2b6cb0", Role.TRACE_2: "#d97706", Role.TRACE_3: "#2f855a",
    Role.TRACE_4: "#9b2c2c", Role.TRACE_5: "#6b46c1", Role.TRACE_6: "#4a5568",
    Role.TRACE_REFERENCE: "#8b96a1",
    Role.SKELETON_LEFT: "#ffaa00", Role.SKELETON_RIGHT: "#00c8ff",
    Role.SKELETON_CENTRE: "#ebebeb", Role.JOINT_OUTLINE: "#ffffff", Role.JOINT_FILL: "#282828",
}

# Black on white, white on black or near-black, saturated dark signal colours: every text
# pair at least 7:1 (WCAG AAA); borders black so every control's edge is seen.
_HIGH_CONTRAST = {
    **_STANDARD,
    Role.TEXT: "#000000", Role.TEXT_MUTED: "#1a1a1a", Role.TEXT_INACTIVE: "#4d4d4d",
    Role.TEXT_DISABLED: "#595959", Role.EMPHASIS: "#000000", Role.ACCENT: "#003a80",
    Role.STATUS_OK: "#004d00", Role.ALERT_INFO: "#002f66", Role.ALERT_WARNING: "#5c3a00",
    Role.ALERT_ERROR: "#8b0000", Role.PRIMARY_DISABLED_TEXT: "#000000",
    Role.CAMERA_TEXT: "#ffffff",
    Role.BACKGROUND: "#ffffff", Role.SURFACE: "#ffffff", Role.BUTTON: "#ffffff",
    Role.BUTTON_HOVER: "#e0e0e0", Role.HEADER: "#ffffff", Role.NAV_BACKGROUND: "#000000",
    Role.NAV_SELECTED: "#003a80", Role.PRIMARY: "#003a80", Role.PRIMARY_DISABLED: "#d0d0d0",
    Role.ESTOP: "#a00000", Role.ESTOP_PRESSED: "#600000", Role.CAMERA_BACKGROUND: "#000000",
    Role.BORDER: "#000000", Role.BORDER_SOFT: "#000000", Role.GRID: "#595959",
    Role.HEADER_BORDER: "#000000",
    Role.PRIMARY_BORDER: "#000000", Role.ESTOP_BORDER: "#000000",
    Role.TRACE_PRIMARY: "#003a80", Role.TRACE_2: "#a34700", Role.TRACE_3: "#004d00",
    Role.TRACE_4: "#8b0000", Role.TRACE_5: "#4b0082", Role.TRACE_6: "#000000",
    Role.TRACE_REFERENCE: "#595959",
}

THEMES: MappingProxyType[ThemeName, Theme] = MappingProxyType({
    ThemeName.STANDARD: Theme(ThemeName.STANDARD, MappingProxyType(_STANDARD)),
    ThemeName.HIGH_CONTRAST: Theme(ThemeName.HIGH_CONTRAST, MappingProxyType(_HIGH_CONTRAST)),
    ThemeName.LARGE_TEXT: Theme(ThemeName.LARGE_TEXT, MappingProxyType(_STANDARD), 1.5),
})

_current = THEMES[ThemeName.STANDARD]


def current_theme() -> Theme:
    """The theme the console shows now."""
    return _current


def colour(role: Role) -> str:
    """``role``'s colour in the current theme, as ``#rrggbb``."""
    return _current[role]


def qcolor(role: Role, alpha: int = 255) -> QColor:
    """``role``'s colour in the current theme as a :class:`QColor` (``alpha`` 0-255)."""
    c = QColor(_current[role])
    c.setAlpha(alpha)
    return c


def font_size(size: Size) -> int:
    """``size`` in the current theme (pixels or points, as :class:`Size` says)."""
    return _current.size(size)


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of an ``#rrggbb`` colour (0 black to 1 white)."""
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours, 1 to 21."""
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def style_text(widget: QWidget, role: Role | None = None, size: Size | None = None,
               weight: Weight | None = None) -> None:
    """Give ``widget``'s text a colour role, a size and a weight from the current theme.

    Dynamic properties the stylesheet matches, so a theme switch restyles the widget.
    """
    for name, value in (("tone", role), ("textSize", size), ("weight", weight)):
        widget.setProperty(name, None if value is None else str(
            value.value if isinstance(value, Role) else value.name.lower()))
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def stylesheet(theme: Theme) -> str:
    """The application stylesheet of ``theme``."""
    c, px, sp = theme.colours, theme.size, Spacing
    rules = [
        f"QWidget {{ color: {c[Role.TEXT]}; }}",
        f"QMainWindow, QWidget#page {{ background: {c[Role.BACKGROUND]}; }}",
        f"QListWidget#nav {{ background: {c[Role.NAV_BACKGROUND]}; color: {c[Role.NAV_TEXT]};"
        f" border: none; font-size: {px(Size.EMPHASIS)}px; }}",
        f"QListWidget#nav::item {{ padding: {sp.L}px {sp.XL}px; }}",
        f"QListWidget#nav::item:selected {{ background: {c[Role.NAV_SELECTED]}; }}",
        f"QLabel#title {{ font-size: {px(Size.TITLE)}px; font-weight: {Weight.SEMIBOLD}; }}",
        f"QLabel#status {{ color: {c[Role.STATUS_OK]}; }}",
        f"QLabel#statusError {{ color: {c[Role.ALERT_ERROR]}; }}",
        f"QPushButton {{ padding: {sp.S}px {sp.XL}px; border-radius: {sp.XS}px;"
        f" background: {c[Role.BUTTON]}; border: 1px solid {c[Role.BORDER]}; }}",
        f"QPushButton:hover {{ background: {c[Role.BUTTON_HOVER]}; }}",
        f"QPushButton:disabled {{ color: {c[Role.TEXT_DISABLED]}; }}",
        f"QPushButton#primary {{ background: {c[Role.PRIMARY]}; color: {c[Role.PRIMARY_TEXT]};"
        f" border-color: {c[Role.PRIMARY_BORDER]}; }}",
        f"QPushButton#primary:disabled {{ background: {c[Role.PRIMARY_DISABLED]};"
        f" color: {c[Role.PRIMARY_DISABLED_TEXT]}; border-color: {c[Role.PRIMARY_DISABLED]}; }}",
        f"QPushButton#estop {{ background: {c[Role.ESTOP]}; color: {c[Role.ESTOP_TEXT]};"
        f" font-size: {px(Size.ESTOP)}px; font-weight: {Weight.BOLD};"
        f" border: 3px solid {c[Role.ESTOP_BORDER]}; border-radius: 10px;"
        f" padding: {sp.XL}px; }}",
        f"QPushButton#estop:pressed {{ background: {c[Role.ESTOP_PRESSED]}; }}",
        f"QLineEdit, QPlainTextEdit {{ padding: {sp.XS}px; border: 1px solid {c[Role.BORDER]};"
        f" border-radius: 3px; background: {c[Role.SURFACE]}; }}",
        f"QSpinBox, QDoubleSpinBox, QComboBox, QDateEdit {{ min-height: {px(Size.CONTROL)}px; }}",
        f'*[invalid="true"] {{ border: 2px solid {c[Role.ALERT_ERROR]}; }}',
        f"QGroupBox {{ font-weight: {Weight.SEMIBOLD}; border: 1px solid {c[Role.BORDER_SOFT]};"
        f" border-radius: {sp.S}px; margin-top: {sp.L}px; padding: {sp.M}px;"
        f" background: {c[Role.SURFACE]}; }}",
        f"QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 {sp.XS}px; }}",
        f"QTableWidget {{ background: {c[Role.SURFACE]}; gridline-color: {c[Role.GRID]}; }}",
        f"QHeaderView::section {{ background: {c[Role.HEADER]}; padding: {sp.XS}px;"
        f" border: none; border-right: 1px solid {c[Role.HEADER_BORDER]};"
        f" font-weight: {Weight.SEMIBOLD}; }}",
        f"QFrame#card {{ background: {c[Role.SURFACE]}; border: 1px solid {c[Role.BORDER_SOFT]};"
        f" border-radius: {sp.M}px; }}",
        "QFrame#card QLabel { border: none; }",
        f"QLabel#camera {{ background: {c[Role.CAMERA_BACKGROUND]}; color: {c[Role.CAMERA_TEXT]};"
        f" font-size: {px(Size.HEADING)}px; }}",
    ]
    rules += [f'*[tone="{role.value}"] {{ color: {c[role]}; }}' for role in Role]
    rules += [f'*[textSize="{size.name.lower()}"] {{ font-size: {px(size)}px; }}'
              for size in Size
              if size not in (Size.BODY, Size.PLOT_TITLE, Size.PLOT_LEGEND, Size.CONTROL)]
    rules += [f'*[weight="{w.name.lower()}"] {{ font-weight: {w.value}; }}' for w in Weight]
    return "\n".join(rules) + "\n"


def pick_font_family() -> str:
    """The first of :data:`FONT_FAMILIES` installed, else Qt's default family."""
    families = set(QFontDatabase.families())
    return next((f for f in FONT_FAMILIES if f in families), QFont().defaultFamily())


def apply_style(app: QApplication, theme: ThemeName | str = ThemeName.STANDARD) -> None:
    """Set the console's font and stylesheet on ``app`` in ``theme`` (the current theme)."""
    global _current
    _current = THEMES[ThemeName(theme)]
    app.setStyle("Fusion")  # the same look on every platform, and offscreen
    app.setFont(QFont(pick_font_family(), _current.size(Size.BODY)))
    app.setStyleSheet(stylesheet(_current))


# -- the patient screen ------------------------------------------------------------------
# A second window with a look of its own, chosen per patient (stored with the patient), not
# by the console's theme: a calm palette or a high-contrast one, every text pair at least
# 7:1 (WCAG AAA) in both; the patient's large-text setting; sizes fitted to the screen.


class PatientRole(enum.StrEnum):
    """What a colour of the patient screen is for; each palette gives every role a colour."""

    BACKGROUND = "background"
    TEXT = "text"
    ACCENT = "accent"  # the counter, the target, the demonstration's figure
    STOP = "stop"  # the STOP button
    STOP_TEXT = "stop_text"
    BUTTON = "button"
    BUTTON_TEXT = "button_text"
    WARN = "warn"  # past the safe limit (always with a shape and words too)
    GOOD = "good"  # the target reached (always with a tick and words too)
    PANEL = "panel"  # the gauge's bar, the cue's box
    TARGET_BAND = "target_band"  # the gauge's target band (its edges are GOOD)
    GUIDE = "guide"  # the dashed 'stand here' outline drawn on the camera picture


class PatientPalette(enum.StrEnum):
    """The patient screen's palettes (the patient's high-contrast setting picks one)."""

    CALM = "calm"
    HIGH_CONTRAST = "high_contrast"


# (text, background) for every background each text role of the patient screen is drawn on.
PATIENT_TEXT_PAIRS: tuple[tuple[PatientRole, PatientRole], ...] = (
    (PatientRole.TEXT, PatientRole.BACKGROUND), (PatientRole.ACCENT, PatientRole.BACKGROUND),
    (PatientRole.STOP_TEXT, PatientRole.STOP), (PatientRole.BUTTON_TEXT, PatientRole.BUTTON),
    (PatientRole.WARN, PatientRole.BACKGROUND), (PatientRole.GOOD, PatientRole.BACKGROUND),
    (PatientRole.TEXT, PatientRole.PANEL),
)

PATIENT_PALETTES: MappingProxyType[PatientPalette, MappingProxyType[PatientRole, str]] = \
    MappingProxyType({
        # warm off-white, near-black text, deep blue and deep red: calm, nothing saturated
        PatientPalette.CALM: MappingProxyType({
            PatientRole.BACKGROUND: "#f7f5ef", PatientRole.TEXT: "#1b1b1b",
            PatientRole.ACCENT: "#0a3a78", PatientRole.STOP: "#8a1010",
            PatientRole.STOP_TEXT: "#ffffff", PatientRole.BUTTON: "#0a3a78",
            PatientRole.BUTTON_TEXT: "#ffffff", PatientRole.WARN: "#8a1010",
            PatientRole.GOOD: "#0b5d1e", PatientRole.PANEL: "#e6e2d6",
            PatientRole.TARGET_BAND: "#139e33", PatientRole.GUIDE: "#ffffff",
        }),
        # yellow and white on black
        PatientPalette.HIGH_CONTRAST: MappingProxyType({
            PatientRole.BACKGROUND: "#000000", PatientRole.TEXT: "#ffffff",
            PatientRole.ACCENT: "#ffff00", PatientRole.STOP: "#ffff00",
            PatientRole.STOP_TEXT: "#000000", PatientRole.BUTTON: "#ffffff",
            PatientRole.BUTTON_TEXT: "#000000", PatientRole.WARN: "#ff9e9e",
            PatientRole.GOOD: "#7dff7d", PatientRole.PANEL: "#1a1a1a",
            PatientRole.TARGET_BAND: "#1a1a1a", PatientRole.GUIDE: "#ffffff",
        }),
    })


class PatientPx:
    """The patient screen's sizes, in pixels on a 1080p screen (:data:`PATIENT_SCREEN_PX`).

    WCAG 2.2 AAA where it applies: counters at least 48 px, instructions at least 32 px,
    touch targets far above 44 px.
    """

    COUNTER = 150  # the rep counter
    NUMBER = 220  # the countdown and the rest timer
    TITLE = 56  # the exercise's name and each phase's heading
    SUBTITLE = 40  # the set label, the counter's caption
    INSTRUCTION = 40  # every other text
    LABEL = 34  # the gauge's words
    BUTTON = 40
    STOP_TEXT = 64
    PAIN_NUMBER = 48  # the number under each pain face
    CUE = 44
    HOLD = 48
    TARGET_MIN = 96  # the smallest touch target's side (WCAG asks 44)
    STOP = 150  # the STOP button's height
    PAIN_FACE_W, PAIN_FACE_H = 80, 150  # a pain face's smallest size
    SPACING = 12  # between the screen's parts, and its margins
    FACE_SPACING = 10  # between the pain faces
    BORDER = 4  # buttons' borders
    CUE_BORDER = 3
    RADIUS = 18  # buttons' corners
    STOP_RADIUS = 24
    CUE_RADIUS = 12
    BUTTON_PADDING_V, BUTTON_PADDING_H = 8, 28


PATIENT_SCREEN_PX = (1920, 1080)  # the screen :class:`PatientPx` is for
PATIENT_LARGE_TEXT_SCALE = 1.3


class PatientText(enum.StrEnum):
    """The kinds of text of the patient screen (a label's ``patientText`` property)."""

    TITLE = "title"  # headings: the phase's, the summary's, the paused message
    SUBTITLE = "subtitle"  # the set label, the counter's caption
    NUMBER = "number"  # the countdown and the rest timer: not scaled by large text
    COUNTER = "counter"  # the rep counter: not scaled by large text
    CUE = "cue"  # the one cue, in its box
    HOLD = "hold"


@dataclass(frozen=True)
class PatientLook:
    """The patient screen's look: a palette, the patient's text scale, the screen's fit.

    Parameters
    ----------
    palette
        Calm or high contrast.
    scale
        The patient's large-text setting (1.0, or :data:`PATIENT_LARGE_TEXT_SCALE`).
    fit
        The screen's height against 1080 px (the window sets it): on another screen
        everything is scaled by it, so the screen looks the same from the patient's chair.
    """

    palette: PatientPalette = PatientPalette.CALM
    scale: float = 1.0
    fit: float = 1.0

    def __getitem__(self, role: PatientRole) -> str:
        return PATIENT_PALETTES[self.palette][role]

    @property
    def high_contrast(self) -> bool:
        return self.palette is PatientPalette.HIGH_CONTRAST

    def qcolor(self, role: PatientRole) -> QColor:
        """``role``'s colour as a :class:`QColor` (for what the screen paints)."""
        return QColor(self[role])

    def px(self, base: int) -> int:
        """A text or control size, in the patient's text size, on this screen."""
        return round(base * self.scale * self.fit)

    def big(self, base: int) -> int:
        """A size that the large-text setting leaves alone (the counter, the countdown)."""
        return round(base * self.fit)

    def fitted(self, fit: float) -> PatientLook:
        """This look on a screen of another size."""
        return replace(self, fit=fit)


PATIENT_CALM = PatientLook(PatientPalette.CALM)
PATIENT_HIGH_CONTRAST = PatientLook(PatientPalette.HIGH_CONTRAST)


def patient_look(*, high_contrast: bool, large_text: bool) -> PatientLook:
    """The look of a patient's display setting."""
    return PatientLook(PatientPalette.HIGH_CONTRAST if high_contrast else PatientPalette.CALM,
                       PATIENT_LARGE_TEXT_SCALE if large_text else 1.0)


def patient_stylesheet(look: PatientLook) -> str:
    """The stylesheet of the patient window (object name ``patientScreen``) in ``look``."""
    c, px, big, p = look.__getitem__, look.px, look.big, PatientPx
    screen = "QWidget#patientScreen"
    text_sizes = {
        PatientText.TITLE: px(p.TITLE), PatientText.SUBTITLE: px(p.SUBTITLE),
        PatientText.NUMBER: big(p.NUMBER), PatientText.COUNTER: big(p.COUNTER),
        PatientText.CUE: px(p.CUE), PatientText.HOLD: px(p.HOLD),
    }
    rules = [
        f"{screen}, {screen} QWidget {{ background: {c(PatientRole.BACKGROUND)};"
        f" color: {c(PatientRole.TEXT)}; }}",
        f"{screen} QLabel {{ font-size: {px(p.INSTRUCTION)}px; }}",
        f"{screen} QPushButton {{ font-size: {px(p.BUTTON)}px; font-weight: {Weight.BOLD};"
        f" background: {c(PatientRole.BUTTON)}; color: {c(PatientRole.BUTTON_TEXT)};"
        f" border: {big(p.BORDER)}px solid {c(PatientRole.TEXT)};"
        f" border-radius: {big(p.RADIUS)}px;"
        f" padding: {big(p.BUTTON_PADDING_V)}px {big(p.BUTTON_PADDING_H)}px;"
        f" min-height: {big(p.TARGET_MIN)}px; }}",
        f"{screen} QPushButton#stop {{ background: {c(PatientRole.STOP)};"
        f" color: {c(PatientRole.STOP_TEXT)}; font-size: {px(p.STOP_TEXT)}px;"
        f" min-height: {big(p.STOP)}px; border-radius: {big(p.STOP_RADIUS)}px; }}",
        f"{screen} QPushButton#pain {{ font-size: {px(p.PAIN_NUMBER)}px;"
        f" padding: 0 0 {big(p.SPACING)}px 0; text-align: bottom; }}",
    ]
    rules += [f'{screen} QLabel[patientText="{kind.value}"] {{ font-size: {size}px;'
              f" font-weight: {Weight.BOLD}; }}" for kind, size in text_sizes.items()]
    rules += [
        f'{screen} QLabel[patientText="counter"] {{ font-weight: 800;'
        f" color: {c(PatientRole.ACCENT)}; }}",
        f'{screen} QLabel[patientText="cue"] {{'
        f" border: {big(p.CUE_BORDER)}px solid {c(PatientRole.TEXT)};"
        f" border-radius: {big(p.CUE_RADIUS)}px; padding: {big(p.SPACING)}px;"
        f" background: {c(PatientRole.PANEL)}; }}",
    ]
    rules += [f'{screen} QLabel[patientTone="{role.value}"] {{ color: {c(role)};'
              f" font-weight: {Weight.BOLD}; }}"
              for role in (PatientRole.TEXT, PatientRole.WARN, PatientRole.GOOD)]
    return "\n".join(rules) + "\n"


def apply_patient_style(window: QWidget, look: PatientLook) -> None:
    """Give the patient window (and everything in it) ``look``'s stylesheet."""
    window.setStyleSheet(patient_stylesheet(look))


def patient_text(widget: QWidget, kind: PatientText | None = None,
                 tone: PatientRole | None = None) -> None:
    """Make ``widget`` one of the patient screen's kinds of text, in a colour role.

    Dynamic properties the patient stylesheet matches (see :func:`patient_stylesheet`).
    """
    for name, value in (("patientText", kind), ("patientTone", tone)):
        widget.setProperty(name, None if value is None else value.value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def fit_text_px(widget: QWidget, px: int, weight: Weight = Weight.BOLD) -> None:
    """Set ``widget``'s own font size in pixels (a title shrunk to fit one line).

    The widget's own stylesheet, so it wins over the window's rules.
    """
    widget.setStyleSheet(f"font-size: {px}px; font-weight: {weight.value};")
