"""The power spectrum and its peak (connectome.sim.spectrum), against neurolib and pinned independently.

neurolib's spectra are in tests/reference/neurolib_refs.json (see test_fcd.py and make_neurolib_refs.py).
Tolerance: the same SciPy Welch estimate as neurolib's `getPowerSpectrum`, but of all regions at once
(axis 0 of a [samples, regions] array) where neurolib takes one region at a time, and the regions' mean
by numpy's pairwise sum where neurolib adds them in turn: powers agree to 1e-12 relative (3.1e-15
measured), the frequencies and the peak exactly. The independent Welch below (numpy only) agrees to 1e-12
relative too.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from conftest import EXAMPLE, assert_one_line_error
from connectome.errors import InputError
from connectome.sim.spectrum import mean_spectrum_peak, peak_frequency, power_spectrum, segment_samples

REFERENCE = Path(__file__).parent / "reference"
REFS = json.loads((REFERENCE / "neurolib_refs.json").read_text())
TOLERANCE = 1e-12


def _series():
    spec = importlib.util.spec_from_file_location("make_neurolib_refs", REFERENCE / "make_neurolib_refs.py")
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    x = maker.make_series(1)
    assert maker.digest(x) == REFS["inputs"]["series_1_sha256"]  # the input neurolib saw, bit for bit
    return x


def _relative(got, want):
    return np.max(np.abs(got - want) / np.abs(want))


def test_the_spectrum_is_neurolibs():
    ref, x, dt = REFS["spectrum"], _series(), REFS["inputs"]["dt_ms"]
    f, p = power_spectrum(x, dt, window_ms=ref["window_s"] * 1000)
    assert np.array_equal(f, ref["freqs_hz"])  # 0, 4, … 1000 Hz: neurolib's maxfr=1001 kept them all
    assert _relative(p[:, 0], np.array(ref["region_0_power"])) < TOLERANCE
    assert _relative(p.mean(axis=1), np.array(ref["mean_power"])) < TOLERANCE
    out = mean_spectrum_peak(x, dt, window_ms=ref["window_s"] * 1000)
    assert out["peak_hz"] == ref["mean_peak_hz"] == 12.0 and out["resolution_hz"] == 4.0
    assert np.array_equal(out["power"], p.mean(axis=1))


def _welch(x, dt_ms, segment):
    """Welch by hand: periodic Hann, half overlap, each segment's mean removed, |FFT|² / (Σw)², one-sided."""
    n = np.arange(segment)
    w = 0.5 - 0.5 * np.cos(2 * np.pi * n / segment)
    starts = range(0, len(x) - segment + 1, segment - segment // 2)
    power = np.mean([np.abs(np.fft.rfft(w * (x[s:s + segment] - x[s:s + segment].mean()))) ** 2
                     for s in starts], axis=0) / w.sum() ** 2
    power[1:-1 if segment % 2 == 0 else None] *= 2
    return np.fft.rfftfreq(segment, dt_ms / 1000), power


@pytest.mark.parametrize("dt_ms, window_ms", [(0.5, 250.0), (1.0, 333.0), (0.1, 100.0)])
def test_the_spectrum_is_welchs_by_hand(dt_ms, window_ms):
    x = _series()[:, 3]
    f, p = power_spectrum(x, dt_ms, window_ms)
    f_hand, p_hand = _welch(x, dt_ms, segment_samples(len(x), dt_ms, window_ms))
    assert np.allclose(f, f_hand, rtol=TOLERANCE, atol=0) and _relative(p, p_hand) < TOLERANCE


def test_a_sinusoid_peaks_at_its_frequency_with_half_its_squared_amplitude():
    t_s = np.arange(6000) * 0.25 / 1000  # 0.25 ms samples
    x = 3.0 * np.sin(2 * np.pi * 37.0 * t_s + 0.4) + 0.2 * np.sin(2 * np.pi * 90.0 * t_s)
    f, p = power_spectrum(x, 0.25, window_ms=1000.0)  # 1 Hz bins: 37 Hz is on the grid
    assert peak_frequency(f, p) == (37.0, pytest.approx(4.5, rel=1e-9))  # A²/2
    assert p[90] == pytest.approx(0.02, rel=1e-9)
    assert peak_frequency([0.0, 1.0, 2.0], [5.0, 1.0, 2.0]) == (2.0, 2.0)  # searched above 0 Hz
    assert peak_frequency(f, np.zeros_like(p)) is None


def test_the_segment_is_the_nearest_whole_number_of_samples_within_the_series():
    assert [segment_samples(2000, 1.0, w) for w in (99.4, 99.5, 99.7, 2000.0)] == [99, 100, 100, 2000]
    assert segment_samples(2000, 0.1, 0.7) == 7  # 0.7 / 0.1 is 6.999999999999999 in floats
    with pytest.raises(InputError, match=r"window_ms: 2001 ms \(2001 samples\) is longer than the series"):
        segment_samples(2000, 1.0, 2001.0)


@pytest.mark.parametrize("call, message", [
    (lambda x: power_spectrum(x, 1.0, 3000.0), "window_ms: 3000 ms (3000 samples) is longer than the series "
                                               "(2000 samples of 1 ms)"),
    (lambda x: power_spectrum(x, 1.0, 3.0), "window_ms: 3 ms is 3 samples of 1 ms; a Welch segment needs at least 4"),
    (lambda x: power_spectrum(x, 1.0, -5.0), "window_ms: must be a finite number of ms > 0, got -5.0"),
    (lambda x: power_spectrum(x, 0, 100.0), "dt_ms: must be a finite number of ms > 0, got 0"),
    (lambda x: power_spectrum(x[:, None, None], 1.0, 100.0), "series: expected [samples] or [samples, regions]"),
    (lambda x: power_spectrum(np.where(x > 3, np.nan, x), 1.0, 100.0), "series: has values that are not finite"),
    (lambda x: peak_frequency([0.0, 1.0], [1.0]), "power: expected one spectrum as long as freqs_hz"),
])
def test_bad_input_is_one_line_naming_the_parameter(call, message):
    x = np.random.default_rng(0).standard_normal(2000)
    with pytest.raises(InputError) as raised:
        call(x)
    assert message in str(raised.value) and "\n" not in str(raised.value)


# ---- in a run

RUN = dict(model="linear", params={"gamma": -1.0}, noise={"x": 0.01}, initial={"x": 0.0}, duration_ms=300,
           record_every_ms=0.5, transient_ms=50, seed=5)
CLI_RUN = ["simulate", "--topology", "v1", "--neurons", "1e6", "--model", "linear", "--param", "gamma=-1", "--noise",
           "x=0.01", "--initial", "x=0", "--duration", "300", "--record-every", "0.5", "--transient", "50",
           "--seed", "5"]


def test_a_run_asked_for_its_spectrum_has_it_of_the_activity_after_the_transient():
    from connectome import read
    from connectome.sim import simulate

    result = simulate(read(EXAMPLE), 10**6, spectrum=True, spectrum_window_ms=100.0, **RUN)
    keep = result.time_ms >= 50
    f, p = power_spectrum(result.activity[keep], 0.5, 100.0)
    assert np.array_equal(result.spectrum_hz, f) and np.array_equal(result.spectrum_power, p)
    peak = peak_frequency(f, p.mean(axis=1))
    assert result.summary()["spectrum"] == {"signal": "activity", "window_ms": 100.0, "resolution_hz": 10.0,
                                            "peak_hz": peak[0], "peak_power": peak[1]}
    assert "spectrum" not in simulate(read(EXAMPLE), 10**6, **RUN).summary()


def test_the_cli_adds_the_spectrum_to_the_summary_and_the_output(run, tmp_path):
    assert run("topology", "import", EXAMPLE).exit_code == 0
    out = run(*CLI_RUN, "--spectrum", "--spectrum-window", "100", "--output", tmp_path / "run.npz", "--json")
    assert out.exit_code == 0, out.stderr
    summary = out.json()["spectrum"]
    with np.load(tmp_path / "run.npz") as f:
        keep = f["time_ms"] >= 50
        freqs, power = power_spectrum(f["activity"][keep], 0.5, 100.0)
        assert np.array_equal(f["spectrum_hz"], freqs) and np.array_equal(f["spectrum_power"], power)
    assert summary["peak_hz"] == peak_frequency(freqs, power.mean(axis=1))[0] and summary["resolution_hz"] == 10.0
    text = run(*CLI_RUN, "--spectrum", "--spectrum-window", "100").stdout
    assert f"spectrum of activity: peak {summary['peak_hz']:g} Hz (resolution 10 Hz)" in text


@pytest.mark.parametrize("flags, message", [
    (["--spectrum", "--spectrum-window", "0"], "--spectrum-window: must be > 0, got 0.0"),
    (["--spectrum", "--spectrum-window", "300"], "--spectrum-window: 300 ms (600 samples of 0.5 ms) is longer than "
                                                 "the 501 recorded samples after the 50 ms transient"),
    (["--spectrum", "--spectrum-window", "1"], "--spectrum-window: 1 ms is 2 samples of 0.5 ms; a Welch segment "
                                               "needs at least 4"),
])
def test_bad_spectrum_options_are_one_line_naming_the_flag(run, flags, message):
    assert run("topology", "import", EXAMPLE).exit_code == 0
    assert_one_line_error(run(*CLI_RUN, *flags), message)


def test_the_docstring_examples_hold():
    import doctest

    from connectome.sim import spectrum

    outcome = doctest.testmod(spectrum)
    assert outcome.failed == 0 and outcome.attempted > 0
