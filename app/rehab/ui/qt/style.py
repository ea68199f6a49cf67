"""The console's look: a Korean-capable font and a calm, high-contrast stylesheet."""

from __future__ import annotations

from PyQt6.QtGui import QFont, QFontDatabase
from PyQt6.QtWidgets import QApplication

# Noto Sans CJK KR covers Hangul and Latin; fall back to whatever sans the system has.
FONT_FAMILIES = ("Noto Sans CJK KR", "Noto Sans KR", "NanumGothic", "Malgun Gothic",
                 "Apple SD Gothic Neo", "Noto Sans CJK JP", "DejaVu Sans")
BASE_POINT_SIZE = 11

STYLESHEET = """
QWidget { color: #1d2733; }
QMainWindow, QWidget#page { background: #f6f8fa; }
QListWidget#nav { background: #1f3b57; color: white; border: none; font-size: 15px; }
QListWidget#nav::item { padding: 12px 14px; }
QListWidget#nav::item:selected { background: #3b6e99; }
QLabel#title { font-size: 20px; font-weight: 600; }
QLabel#status { color: #2e6b30; }
QLabel#statusError { color: #b00020; }
QPushButton { padding: 6px 14px; border-radius: 4px; background: #e4e9ef;
              border: 1px solid #b9c3cd; }
QPushButton:hover { background: #d6dee6; }
QPushButton:disabled { color: #8b96a1; }
QPushButton#primary { background: #2b6cb0; color: white; border-color: #22578e; }
QPushButton#primary:disabled { background: #a9bfd6; color: #eef3f8; border-color: #a9bfd6; }
QPushButton#estop { background: #c62828; color: white; font-size: 26px; font-weight: 700;
                    border: 3px solid #7f0000; border-radius: 10px; padding: 14px; }
QPushButton#estop:pressed { background: #7f0000; }
QLineEdit, QPlainTextEdit { padding: 4px; border: 1px solid #b9c3cd; border-radius: 3px;
                            background: white; }
QSpinBox, QDoubleSpinBox, QComboBox, QDateEdit { min-height: 26px; }
*[invalid="true"] { border: 2px solid #b00020; }
QGroupBox { font-weight: 600; border: 1px solid #cfd8e0; border-radius: 6px;
            margin-top: 12px; padding: 8px; background: white; }
QGroupBox::title { subcontrol-origin: margin; left: 10px; padding: 0 4px; }
QTableWidget { background: white; gridline-color: #e1e6eb; }
QHeaderView::section { background: #e9eef3; padding: 4px; border: none;
                       border-right: 1px solid #d0d7de; font-weight: 600; }
"""


def pick_font_family() -> str:
    families = set(QFontDatabase.families())
    return next((f for f in FONT_FAMILIES if f in families), QFont().defaultFamily())


def apply_style(app: QApplication) -> None:
    """Set the console's font and stylesheet on ``app``."""
    app.setStyle("Fusion")  # the same look on every platform, and offscreen
    app.setFont(QFont(pick_font_family(), BASE_POINT_SIZE))
    app.setStyleSheet(STYLESHEET)
