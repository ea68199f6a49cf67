"""Fixtures of the vision tests: the shared data folder and one BlazePose model per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def blazepose_photo() -> Iterator[object]:
    """A real BlazePose model for single photos (detector on every image)."""
    from rehab.vision.pose import BlazePoseEstimator, BlazePoseSettings

    with BlazePoseEstimator(BlazePoseSettings(static_image_mode=True)) as est:
        yield est


@pytest.fixture(scope="module")
def blazepose_video() -> Iterator[object]:
    """A real BlazePose model in video (tracking) mode; tests reset it before use."""
    from rehab.vision.pose import BlazePoseEstimator

    with BlazePoseEstimator() as est:
        yield est
