"""Movement smoothness and speed of one repetition, from its angle samples.

SPARC (spectral arc length) follows Balasubramanian et al., "A robust and sensitive metric
for quantifying movement smoothness", IEEE TBME 59(8), 2012, with the adaptive cut-off of
"On the analysis of movement smoothness", J NeuroEng Rehabil 12:112, 2015: the arc length
of the normalised Fourier magnitude spectrum of the speed profile, up to the frequency where
the spectrum last exceeds an amplitude threshold (and at most ``fc_hz``). It is negative;
values nearer 0 are smoother. A single minimum-jerk movement scores about -1.4; a rep that
goes out, holds and comes back (two speed bumps) about -2.8; tremor and stop-and-go make it
more negative (-4 and below).

The number of speed peaks is the simpler, more readable companion: a smooth rep has one
per phase (two for out and back).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

__all__ = ["SpeedProfile", "count_speed_peaks", "sparc", "speed_profile"]

# Rehabilitation movements (reps of 0.5 s and longer) carry almost nothing above 4 Hz; a zero-phase
# low-pass there removes landmark jitter before differentiating, which amplifies noise.
_SMOOTHING_CUTOFF_HZ = 4.0


@dataclass(frozen=True)
class SpeedProfile:
    """An angle resampled on a uniform grid, and its angular speed.

    Attributes
    ----------
    t_s
        Uniform sample times (s).
    angle_deg
        Low-pass filtered angle at ``t_s`` (deg).
    speed_deg_s
        Absolute angular velocity (deg/s).
    fs_hz
        Sampling rate of the grid (Hz).
    """

    t_s: np.ndarray
    angle_deg: np.ndarray
    speed_deg_s: np.ndarray
    fs_hz: float


def speed_profile(t_s: np.ndarray, angle_deg: np.ndarray) -> SpeedProfile:
    """Resample an angle trace uniformly, low-pass it and differentiate it.

    Live frames arrive unevenly (dropped frames), so the trace is first interpolated onto
    a grid at the median sampling rate; SPARC needs uniform samples.

    Parameters
    ----------
    t_s
        Increasing sample times (s), at least 3.
    angle_deg
        Finite angle samples (deg), same length.

    Returns
    -------
    SpeedProfile
        Uniform times (s), filtered angle (deg), speed (deg/s) and sampling rate (Hz).

    Raises
    ------
    ValueError
        If the lengths differ, there are fewer than 3 samples or the median step is not
        positive.

    Examples
    --------
    >>> t = np.linspace(0, 1, 31)
    >>> p = speed_profile(t, 90 * t)
    >>> round(float(np.median(p.speed_deg_s)))
    90
    """
    t = np.asarray(t_s, dtype=float)
    a = np.asarray(angle_deg, dtype=float)
    if t.shape != a.shape or t.size < 3:
        raise ValueError("speed_profile needs matching t_s and angle_deg of at least 3 samples")
    dt = float(np.median(np.diff(t)))
    if not dt > 0:
        raise ValueError("t_s must increase")
    n = round((t[-1] - t[0]) / dt) + 1
    grid = t[0] + dt * np.arange(n)
    a_grid = np.interp(grid, t, a)
    fs = 1.0 / dt
    b, c = signal.butter(2, min(_SMOOTHING_CUTOFF_HZ, 0.45 * fs), fs=fs)
    # filtfilt needs more samples than its padding; very short traces stay unfiltered.
    if n > 3 * max(len(b), len(c)):
        a_grid = signal.filtfilt(b, c, a_grid)
    speed = np.abs(np.gradient(a_grid, dt))
    return SpeedProfile(t_s=grid, angle_deg=a_grid, speed_deg_s=speed, fs_hz=fs)


def sparc(
    speed: np.ndarray, fs_hz: float, fc_hz: float = 10.0, amp_th: float = 0.05, pad_level: int = 4
) -> float:
    """Spectral arc length of a speed profile (Balasubramanian 2012/2015).

    Parameters
    ----------
    speed
        Speed samples on a uniform grid (any unit; the spectrum is normalised).
    fs_hz
        Sampling rate (Hz).
    fc_hz
        Highest frequency considered (Hz); capped at the Nyquist frequency.
    amp_th
        Normalised amplitude below which the spectrum's tail is cut (adaptive cut-off).
    pad_level
        Zero padding: the FFT length is ``2**(ceil(log2(n)) + pad_level)``.

    Returns
    -------
    float
        SPARC (negative; 0 would be a pure impulse). NaN for a motionless profile.

    Examples
    --------
    >>> t = np.linspace(0, 1, 101)
    >>> bump = 30 * t**2 * (1 - t) ** 2  # minimum-jerk speed profile
    >>> round(sparc(bump, 100.0), 1)
    -1.4
    """
    v = np.asarray(speed, dtype=float)
    if v.size < 2 or not np.any(v > 0):
        return float("nan")
    nfft = int(2 ** (np.ceil(np.log2(v.size)) + pad_level))
    freqs = np.fft.rfftfreq(nfft, d=1.0 / fs_hz)
    mag = np.abs(np.fft.rfft(v, nfft))
    mag = mag / mag.max()
    keep = freqs <= min(fc_hz, fs_hz / 2.0)
    f_sel, m_sel = freqs[keep], mag[keep]
    above = np.nonzero(m_sel >= amp_th)[0]
    f_sel = f_sel[above[0] : above[-1] + 1]
    m_sel = m_sel[above[0] : above[-1] + 1]
    if f_sel.size < 2:
        return float("nan")
    df = np.diff(f_sel) / (f_sel[-1] - f_sel[0])
    return float(-np.sum(np.sqrt(df**2 + np.diff(m_sel) ** 2)))


def count_speed_peaks(speed: np.ndarray, min_prominence_ratio: float = 0.2) -> int:
    """Count the distinct speed peaks of a rep (1 per smooth phase).

    Parameters
    ----------
    speed
        Speed samples.
    min_prominence_ratio
        A peak counts when its prominence is at least this fraction of the top speed, so
        landmark jitter is not counted as hesitation.

    Returns
    -------
    int
        Number of peaks, >= 0 (0 for an empty or all-zero window).

    Examples
    --------
    >>> t = np.linspace(0, 2, 201)
    >>> count_speed_peaks(np.abs(np.sin(np.pi * t)))
    2
    """
    v = np.asarray(speed, dtype=float)
    top = float(np.max(v)) if v.size else 0.0
    if top <= 0:
        return 0
    # Zero-padding lets a peak at either end of the window count.
    padded = np.concatenate(([0.0], v, [0.0]))
    peaks, _ = signal.find_peaks(padded, prominence=min_prominence_ratio * top)
    return int(peaks.size)
