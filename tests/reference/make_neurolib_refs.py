"""Regenerate ``tests/reference/neurolib_refs.json``: neurolib's FCD, KS distance and power spectrum of
fixed seeded arrays, so that ``tests/test_fcd.py`` and ``tests/test_spectrum.py`` check connectome's
analyses against neurolib without neurolib installed (it is not a dependency of connectome).

Run it with the neurolib virtualenv's interpreter only::

    /work/neurolib-venv/bin/python tests/reference/make_neurolib_refs.py
    /work/neurolib-venv/bin/python tests/reference/make_neurolib_refs.py --out /tmp/neurolib_refs.json

The inputs are made by ``make_series`` and ``make_matrix`` below (numpy only; the tests import them from
this file and check their bytes against the SHA-256 stored in the JSON, so a numpy whose random streams
changed fails loudly instead of comparing other numbers). What is computed, with neurolib 0.6.2's
``neurolib.utils.functions`` (called ``func`` below):

* ``func.fcd(ts, windowsize, stepsize)`` of ``make_series(1)`` (6 regions x 2000 samples, dt 0.5 ms,
  neurolib's ``ts`` is regions x samples) for two (window, step) pairs in samples: (150, 40), where
  neurolib's windows are all the full windows, and (200, 60), where (2000 - 200) is a multiple of 60 and
  neurolib's ``range(0, T - W, S)`` leaves out the last full window. Stored: the entries above the
  diagonal, row by row (the FCD is symmetric with ones on its diagonal).
* ``func.ts_kolmogorov(make_series(1).T, make_series(2).T, windowsize=150, stepsize=40)`` and
  ``func.matrix_kolmogorov(make_matrix(3, 40), make_matrix(4, 30))``.
* ``func.getPowerSpectrum`` of region 0 and ``func.getMeanPowerSpectrum`` of all regions, dt 0.5 ms,
  ``spectrum_windowsize=0.25`` (500-sample Welch segments) and ``maxfr=1001`` (every frequency up to the
  1000 Hz Nyquist frequency); and the frequency of the mean spectrum's largest power above 0 Hz.

neurolib 0.6.2 asks SciPy for ``window="hanning"``, a name SciPy 1.13 removed (it was an alias of
``"hann"``, the periodic Hann window ``get_window`` gives); neurolib raises ``ValueError`` with the
SciPy of its virtualenv (1.17). This script therefore hands ``scipy.signal.welch`` a wrapper that reads
``"hanning"`` as ``"hann"`` and changes nothing else; the JSON records it under ``notes``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from importlib import metadata

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "neurolib_refs.json")
DT_MS = 0.5
SAMPLES = 2000
REGIONS = 6
FCD_CASES = [(150, 40), (200, 60)]  # (window, step) in samples
KS_CASE = (150, 40)
SPECTRUM_WINDOW_S = 0.25
SPECTRUM_MAXFR = 1001


def make_series(seed: int) -> np.ndarray:
    """[samples, regions] (2000 x 6), dt 0.5 ms: a shared 12 Hz and a 40 Hz rhythm whose weights drift
    per region over the 1 s, a shared slow random walk with drifting weights, and white noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(SAMPLES) * DT_MS / 1000.0  # s
    phase = rng.uniform(0, 2 * np.pi, (2, REGIONS))
    drift = np.sin(2 * np.pi * np.outer(t, rng.uniform(0.5, 3.0, REGIONS)) + phase[0])
    shared = np.cumsum(rng.standard_normal(SAMPLES)) / 60.0
    rhythm = np.sin(2 * np.pi * 12.0 * t)[:, None] * (1.5 + drift) \
        + 0.6 * np.sin(2 * np.pi * 40.0 * t[:, None] + phase[1])
    return rhythm + drift * shared[:, None] + 0.7 * rng.standard_normal((SAMPLES, REGIONS))


def make_matrix(seed: int, n: int) -> np.ndarray:
    """A symmetric n x n matrix with entries uniform in [-1, 1] and ones on its diagonal."""
    m = np.random.default_rng(seed).uniform(-1.0, 1.0, (n, n))
    m = (m + m.T) / 2.0
    np.fill_diagonal(m, 1.0)
    return m


def digest(array: np.ndarray) -> str:
    """SHA-256 of the array's float64 bytes, C order."""
    return hashlib.sha256(np.ascontiguousarray(array, dtype=np.float64).tobytes()).hexdigest()


def _hann_for_hanning() -> None:
    """Make SciPy's welch read neurolib's removed window name "hanning" as "hann" (see the module text)."""
    import scipy.signal

    welch = scipy.signal.welch

    def patched(*args, **kwargs):
        if kwargs.get("window") == "hanning":
            kwargs["window"] = "hann"
        return welch(*args, **kwargs)

    scipy.signal.welch = patched


def _floats(values) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=np.float64).ravel()]


def compute() -> dict:
    """Every reference value, from neurolib."""
    from neurolib.utils import functions as func

    _hann_for_hanning()
    one, two = make_series(1), make_series(2)
    a, b = make_matrix(3, 40), make_matrix(4, 30)
    fcds = {}
    for window, step in FCD_CASES:
        m = func.fcd(one.T, windowsize=window, stepsize=step)
        fcds[f"{window}/{step}"] = {"window": window, "step": step, "windows": int(m.shape[0]),
                                    "upper": _floats(m[np.triu_indices(m.shape[0], 1)])}
    f, p0 = func.getPowerSpectrum(one[:, 0], DT_MS, maxfr=SPECTRUM_MAXFR, spectrum_windowsize=SPECTRUM_WINDOW_S)
    fm, pm = func.getMeanPowerSpectrum(one.T, DT_MS, maxfr=SPECTRUM_MAXFR, spectrum_windowsize=SPECTRUM_WINDOW_S)
    assert np.array_equal(f, fm)
    above = fm > 0
    return {
        "inputs": {"dt_ms": DT_MS, "samples": SAMPLES, "regions": REGIONS,
                   "series_1_sha256": digest(one), "series_2_sha256": digest(two),
                   "matrix_3_40_sha256": digest(a), "matrix_4_30_sha256": digest(b)},
        "fcd": fcds,
        "ts_kolmogorov": {"window": KS_CASE[0], "step": KS_CASE[1],
                          "value": float(func.ts_kolmogorov(one.T, two.T, windowsize=KS_CASE[0],
                                                            stepsize=KS_CASE[1]))},
        "matrix_kolmogorov": float(func.matrix_kolmogorov(a, b)),
        "spectrum": {"window_s": SPECTRUM_WINDOW_S, "maxfr": SPECTRUM_MAXFR, "freqs_hz": _floats(f),
                     "region_0_power": _floats(p0), "mean_power": _floats(pm),
                     "mean_peak_hz": float(fm[above][np.argmax(pm[above])])},
        "versions": {name: metadata.version(name) for name in ("neurolib", "numpy", "scipy")},
        "notes": "scipy.signal.welch was handed window='hann' where neurolib 0.6.2 asks for 'hanning' (removed "
                 "in SciPy 1.13; it was the same periodic Hann window); see make_neurolib_refs.py",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=OUT, help=f"the JSON to write [default: {OUT}]")
    args = parser.parse_args(argv)
    try:
        import neurolib  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the interpreter
        sys.exit("make_neurolib_refs.py needs neurolib 0.6.2; run it with the neurolib virtualenv's interpreter, "
                 "e.g. /work/neurolib-venv/bin/python tests/reference/make_neurolib_refs.py")
    refs = compute()
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(refs, fh, indent=1, allow_nan=False)
        fh.write("\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
