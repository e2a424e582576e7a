"""Welch's power spectrum in numpy: the one SciPy call the spectra made (`scipy.signal.welch`), without SciPy.

It computes what ``scipy.signal.welch(x, fs, window="hann", nperseg=M, scaling="spectrum", axis=axis)``
computes, and accepts only those settings: a periodic Hann window w of M samples (SciPy's
``get_window("hann", M)``), segments of M samples every M − M // 2 (half overlap, every segment that fits),
each segment's mean removed, |rfft(w · segment)|² / (Σw)², every frequency but 0 Hz (and Nyquist when M is
even) doubled, the mean over segments. The tests compare it with SciPy's on the same inputs (agreement to
a few units in the last place: the same sums, in another order).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def hann(m: int) -> np.ndarray:
    """The periodic Hann window of `m` samples, as SciPy's ``get_window("hann", m)`` builds it.

    Examples
    --------
    >>> hann(4).tolist()
    [0.0, 0.5, 1.0, 0.5]
    """
    if m == 1:
        return np.ones(1)  # SciPy's too: a window of one sample is that sample
    angle = np.linspace(-np.pi, np.pi, m + 1)[:-1]
    return 0.5 + 0.5 * np.cos(angle)


def welch(x: Any, fs: float, *, nperseg: int, window: str = "hann", scaling: str = "spectrum",
          axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Welch's power spectrum of `x` along `axis` (SciPy's `welch` with the settings below).

    Parameters
    ----------
    x : array_like
        Real samples; `axis` holds time and has at least `nperseg` samples.
    fs : float
        Sampling frequency (Hz).
    nperseg : int
        Samples per segment (≥ 1); segments overlap by ``nperseg // 2``.
    window, scaling : str
        Only ``"hann"`` and ``"spectrum"`` (a sinusoid of amplitude A at a frequency of the grid shows A²/2).
    axis : int
        The time axis.

    Returns
    -------
    freqs : numpy.ndarray
        ``numpy.fft.rfftfreq(nperseg, 1 / fs)``.
    power : numpy.ndarray
        `x`'s shape with `axis` replaced by the frequencies.

    Examples
    --------
    >>> t = np.arange(64) / 64.0                      # 1 s at 64 Hz
    >>> f, p = welch(3.0 * np.cos(2 * np.pi * 8 * t), fs=64.0, nperseg=16)
    >>> float(f[1]), float(f[np.argmax(p)]), round(float(p.max()), 12)   # 4 Hz bins; A²/2 at 8 Hz
    (4.0, 8.0, 4.5)
    """
    if window != "hann" or scaling != "spectrum":
        raise ValueError(f"welch: only window='hann' and scaling='spectrum', got {window!r} and {scaling!r}")
    data = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    if not 1 <= nperseg <= data.shape[-1]:
        raise ValueError(f"welch: nperseg must be from 1 to {data.shape[-1]}, got {nperseg}")
    w = hann(nperseg)
    step = nperseg - nperseg // 2
    segments = np.lib.stride_tricks.sliding_window_view(data, nperseg, axis=-1)[..., ::step, :]
    spectra = np.fft.rfft(w * (segments - segments.mean(axis=-1, keepdims=True)), axis=-1)
    power = (spectra.real ** 2 + spectra.imag ** 2) / w.sum() ** 2
    power[..., 1:-1 if nperseg % 2 == 0 else None] *= 2
    return np.fft.rfftfreq(nperseg, 1.0 / fs), np.moveaxis(power.mean(axis=-2), -1, axis)
