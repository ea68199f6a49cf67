"""Paths of the shared data the vision tests read, and the skip rule when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "../shared/data"
VIDEO = DATA / "videos" / "sports2d_demo.mp4"
KERAAL = DATA / "keraal_sample"
UI_PRMD = DATA / "ui_prmd"


def need(path: Path) -> Path:
    """Skip the test with a clear reason when a shared data path is absent."""
    if not path.exists():
        pytest.skip(f"shared data not found: {path.resolve()} (see ../shared/data/README.md)")
    return path
