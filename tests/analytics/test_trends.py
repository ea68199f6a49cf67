"""The trend label: Theil-Sen slope over the last sessions against a clinical threshold."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rehab.analytics.trends import (
    MEASURE_RULES,
    Trend,
    TrendRule,
    classify_trend,
    theil_sen_slope,
)
from rehab.errors import ValidationError

ROM = MEASURE_RULES["max_rom_deg"]
ASSIST = MEASURE_RULES["mean_assistance"]


def test_slope_of_a_line_is_exact() -> None:
    assert theil_sen_slope([0, 1, 2, 3], [5, 7, 9, 11]) == pytest.approx(2.0)


def test_slope_ignores_one_outlier() -> None:
    # Least squares would give about 17; the median of pairwise slopes stays at 2.
    assert theil_sen_slope([0, 1, 2, 3, 4], [1, 3, 5, 7, 100]) == pytest.approx(2.0)


def pairwise_median_slope(x: list[float], y: list[float]) -> float:
    """The definition, written out: the median of the slopes of all pairs with x_i < x_j."""
    slopes = [(y[j] - y[i]) / (x[j] - x[i])
              for i in range(len(x)) for j in range(len(x)) if x[i] < x[j]]
    return float(np.median(slopes))


@pytest.mark.parametrize("y", [[90, 95, 100, 108, 112], [100, 104, 98, 103, 101],
                               [0.6, 0.62, 0.59, 0.61], [90, 95, 40, 105, 110, 115]])
def test_slope_is_the_median_of_pairwise_slopes(y: list[float]) -> None:
    x = list(range(len(y)))
    assert theil_sen_slope(x, y) == pytest.approx(pairwise_median_slope(x, y), abs=1e-12)


@given(st.lists(st.tuples(st.integers(0, 20), st.integers(-180, 180)), min_size=2,
                max_size=12).filter(lambda p: len({x for x, _ in p}) > 1))
def test_slope_agrees_with_its_definition(points: list[tuple[int, int]]) -> None:
    # repeated x included: pairs with equal x carry no slope
    x, y = (list(v) for v in zip(*points, strict=True))
    assert theil_sen_slope(x, y) == pytest.approx(pairwise_median_slope(x, y), abs=1e-9)


@pytest.mark.parametrize(("x", "y"), [([1], [1]), ([1, 1], [2, 3]), ([1, 2], [1])])
def test_slope_refuses_too_little_data(x: list[float], y: list[float]) -> None:
    with pytest.raises(ValidationError):
        theil_sen_slope(x, y)


@pytest.mark.parametrize(("values", "rule", "expected"), [
    ([90, 95, 100, 108, 112], ROM, Trend.IMPROVING),  # +22 deg across the window
    ([112, 108, 100, 95, 90], ROM, Trend.DECLINING),
    ([100, 104, 98, 103, 101], ROM, Trend.PLATEAU),  # noise within 10 deg
    ([100, 105], ROM, Trend.INSUFFICIENT),
    ([None, 100, None, 105], ROM, Trend.INSUFFICIENT),
    ([0.8, 0.7, 0.6, 0.5], ASSIST, Trend.IMPROVING),  # less assistance is better
    ([0.5, 0.6, 0.7, 0.8], ASSIST, Trend.DECLINING),
    ([0.6, 0.62, 0.59, 0.61], ASSIST, Trend.PLATEAU),
    # only the last 6 sessions count: an old rise followed by a flat stretch is a plateau
    ([50, 60, 70, 80, 100, 101, 100, 99, 100, 101], ROM, Trend.PLATEAU),
    # one bad session does not turn a steady rise into a decline
    ([90, 95, 40, 105, 110, 115], ROM, Trend.IMPROVING),
])
def test_classify(values: list[float | None], rule: TrendRule, expected: Trend) -> None:
    assert classify_trend(values, rule) is expected


def test_gaps_count_as_time() -> None:
    # 3 measured sessions over 5: +12 deg from the first to the last (slope 3/session * 4)
    assert classify_trend([100, None, 106, None, 112], ROM) is Trend.IMPROVING


@pytest.mark.parametrize("kwargs", [{"mcid": 0}, {"mcid": float("nan")},
                                    {"mcid": 1, "min_points": 1},
                                    {"mcid": 1, "window": 2, "min_points": 3}])
def test_rule_refuses_nonsense(kwargs: dict) -> None:
    with pytest.raises(ValidationError):
        TrendRule(**kwargs)


# Whole degrees: with arbitrary floats a change of exactly the threshold could round
# either way, which says nothing about the rule.
values = st.lists(st.integers(0, 180), min_size=3, max_size=10)


@given(values, st.integers(-50, 50))
def test_adding_a_constant_changes_nothing(ys: list[float], offset: float) -> None:
    assert classify_trend([y + offset for y in ys], ROM) is classify_trend(ys, ROM)


@given(values)
def test_mirroring_swaps_improving_and_declining(ys: list[float]) -> None:
    swap = {Trend.IMPROVING: Trend.DECLINING, Trend.DECLINING: Trend.IMPROVING,
            Trend.PLATEAU: Trend.PLATEAU}
    assert classify_trend([-y for y in ys], ROM) is swap[classify_trend(ys, ROM)]
