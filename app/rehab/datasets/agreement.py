"""Agreement of joint angles measured by two sensors of the same movement.

Two sensors of one recording start at different moments, so the series are first aligned
in time: :func:`best_lag` finds the shift that maximises the normalised cross-correlation
of one angle (the exercise's main angle), then :func:`angle_agreement` reports, per
angle, the RMSE, the mean difference (bias) and Pearson's correlation on the overlapping,
finite samples.

Examples
--------
>>> import numpy as np
>>> t = np.arange(200) / 30
>>> a = np.sin(t); b = np.sin(t - 5 / 30)   # b lags a by 5 samples
>>> best_lag(a, b, max_lag=20)
5
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from rehab.errors import ValidationError
from rehab.vision.angles import AngleSeries

__all__ = ["AngleAgreement", "angle_agreement", "best_lag", "overlap"]


def overlap(a: np.ndarray, b: np.ndarray, lag: int) -> tuple[np.ndarray, np.ndarray]:
    """The parts of ``a`` and ``b`` that cover the same instants if ``b[i + lag] ~ a[i]``."""
    if lag >= 0:
        n = min(len(a), len(b) - lag)
        return a[:n], b[lag : lag + n]
    n = min(len(a) + lag, len(b))
    return a[-lag : -lag + n], b[:n]


def _ncc(a: np.ndarray, b: np.ndarray) -> float:
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3:
        return -np.inf
    x, y = a[ok] - a[ok].mean(), b[ok] - b[ok].mean()
    denom = float(np.sqrt((x * x).sum() * (y * y).sum()))
    return float((x * y).sum() / denom) if denom > 0 else -np.inf


def best_lag(a: np.ndarray, b: np.ndarray, *, max_lag: int, min_overlap: float = 0.5) -> int:
    """Shift (in samples) of ``b`` relative to ``a`` that maximises their correlation.

    Parameters
    ----------
    a, b
        1-D signals (NaN allowed) at the same sampling rate.
    max_lag
        Largest shift tried, either way.
    min_overlap
        Shifts leaving less than this fraction of the shorter signal overlapping are not
        considered.

    Returns
    -------
    int
        ``lag`` such that ``b[i + lag]`` matches ``a[i]``.
    """
    if max_lag < 0:
        raise ValidationError("max_lag", "validation.at_least", lo=0, value=max_lag)
    need = min_overlap * min(len(a), len(b))
    best, best_score = 0, -np.inf
    for lag in range(-max_lag, max_lag + 1):
        x, y = overlap(a, b, lag)
        if len(x) < need:
            continue
        score = _ncc(x, y)
        if score > best_score:
            best, best_score = lag, score
    return best


@dataclass(frozen=True)
class AngleAgreement:
    """Agreement of one angle between a reference and another sensor.

    Parameters
    ----------
    name
        The angle.
    rmse_deg
        Root mean square difference, degrees.
    bias_deg
        Mean of (other - reference), degrees.
    pearson_r
        Correlation of the two series (NaN if either is constant).
    n
        Number of samples compared.
    """

    name: str
    rmse_deg: float
    bias_deg: float
    pearson_r: float
    n: int


def angle_agreement(
    reference: AngleSeries,
    other: AngleSeries,
    names: Iterable[str],
    *,
    lag: int,
    min_confidence: float = 0.5,
) -> list[AngleAgreement]:
    """Per-angle agreement of ``other`` with ``reference`` after shifting by ``lag`` samples.

    Samples where either series is NaN or below ``min_confidence`` are left out.
    """
    out = []
    for name in names:
        a = np.where(reference.confidence[name] >= min_confidence, reference.deg[name], np.nan)
        b = np.where(other.confidence[name] >= min_confidence, other.deg[name], np.nan)
        x, y = overlap(a, b, lag)
        ok = np.isfinite(x) & np.isfinite(y)
        x, y = x[ok], y[ok]
        if len(x) < 3:
            out.append(AngleAgreement(name, np.nan, np.nan, np.nan, len(x)))
            continue
        d = y - x
        r = float(np.corrcoef(x, y)[0, 1]) if x.std() > 0 and y.std() > 0 else float("nan")
        out.append(AngleAgreement(name, float(np.sqrt(np.mean(d * d))), float(d.mean()), r, len(x)))
    return out
