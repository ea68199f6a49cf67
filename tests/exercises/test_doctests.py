"""The examples in the exercises modules' docstrings run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "rehab.exercises.library",
    "rehab.exercises.smoothness",
    "rehab.exercises.segmentation",
    "rehab.exercises.alternation",
    "rehab.exercises.compensation",
    "rehab.exercises.scoring",
    "rehab.exercises.analysis",
    "rehab.exercises.report",
    "rehab.vision.angles",
    "rehab.vision.view",
    "rehab.vision.world_check",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
