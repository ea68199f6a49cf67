"""MediaPipe's landmark smoothing filters (one-euro and low-pass), vectorised.

Ported from ``mediapipe/util/filtering/one_euro_filter.cc``, ``low_pass_filter.cc`` and
the ``LandmarksSmoothingCalculator`` / ``VisibilitySmoothingCalculator``, including their
quirks: a sample whose timestamp is not after the last one passes unfiltered, and the
sampling frequency is re-estimated from consecutive timestamps (starting at 30 Hz).
"""

from __future__ import annotations

import numpy as np

__all__ = ["LowPass", "OneEuro"]


class LowPass:
    """Exponential smoothing of an array, element-wise (``alpha`` weights the new value)."""

    def __init__(self, alpha: float | None = None) -> None:
        self.alpha = alpha
        self.raw: np.ndarray | None = None
        self.stored: np.ndarray | None = None

    def apply(self, value: np.ndarray, alpha: float | np.ndarray | None = None) -> np.ndarray:
        a = self.alpha if alpha is None else alpha
        result = value if self.stored is None else a * value + (1.0 - a) * self.stored
        self.raw, self.stored = value, result
        return result


class OneEuro:
    """The one-euro filter of MediaPipe, on arrays of independent values.

    Parameters
    ----------
    min_cutoff, beta, derivate_cutoff
        The filter's parameters (Hz, 1, Hz).
    frequency_hz
        Sampling frequency used until two timestamps are known.
    """

    def __init__(
        self, min_cutoff: float, beta: float, derivate_cutoff: float, frequency_hz: float = 30.0
    ) -> None:
        self.min_cutoff, self.beta, self.derivate_cutoff = min_cutoff, beta, derivate_cutoff
        self.frequency_hz = frequency_hz
        self._x, self._dx = LowPass(), LowPass()
        self._last_ns = 0

    def _alpha(self, cutoff: float | np.ndarray) -> float | np.ndarray:
        te = 1.0 / self.frequency_hz
        tau = 1.0 / (2.0 * np.pi * cutoff)
        return 1.0 / (1.0 + tau / te)

    def apply(self, t_ns: int, value: np.ndarray, value_scale: float = 1.0) -> np.ndarray:
        if self._last_ns >= t_ns:
            return value
        if self._last_ns != 0 and t_ns != 0:
            self.frequency_hz = 1.0 / ((t_ns - self._last_ns) * 1e-9)
        self._last_ns = t_ns
        if self._x.raw is None:
            dvalue = np.zeros_like(value)
        else:
            dvalue = (value - self._x.raw) * value_scale * self.frequency_hz
        edvalue = self._dx.apply(dvalue, self._alpha(self.derivate_cutoff))
        cutoff = self.min_cutoff + self.beta * np.abs(edvalue)
        return self._x.apply(value, self._alpha(cutoff))
