"""The FCD and the KS distance between FCDs (connectome.sim.fcd), against neurolib and pinned independently.

neurolib's numbers are in tests/reference/neurolib_refs.json, made by make_neurolib_refs.py with neurolib
0.6.2 in its own virtualenv (neurolib is not needed here) from the seeded arrays that script makes; the
arrays are made again here from the same functions and checked against the SHA-256 stored with them.

Tolerances: the FCD is the same algorithm as neurolib's (numpy.corrcoef of each window, then of the
flattened FCs) but correlates all windows' FCs in one corrcoef call instead of two at a time, so the
sums run in another order: entries agree to 1e-12 absolute (entries are in [-1, 1]; 6.7e-16 measured)
and 1e-12 relative (1.0e-15 measured). The KS distances are the same fractions h / lcm(n1, n2), rounded
once: equal to the last bit.
"""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from conftest import EXAMPLE, assert_one_line_error
from connectome.errors import InputError
from connectome.sim.fcd import fcd, fcd_ks, fcd_windows, ks_distance, upper_stats, window_fcs

REFERENCE = Path(__file__).parent / "reference"
TOLERANCE = 1e-12


def _maker():
    spec = importlib.util.spec_from_file_location("make_neurolib_refs", REFERENCE / "make_neurolib_refs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKER = _maker()
REFS = json.loads((REFERENCE / "neurolib_refs.json").read_text())
DT = REFS["inputs"]["dt_ms"]


@pytest.fixture(scope="module")
def series():
    one, two = MAKER.make_series(1), MAKER.make_series(2)
    assert MAKER.digest(one) == REFS["inputs"]["series_1_sha256"]  # the inputs neurolib saw, bit for bit
    assert MAKER.digest(two) == REFS["inputs"]["series_2_sha256"]
    return one, two


@pytest.mark.parametrize("case", sorted(REFS["fcd"]))
def test_the_fcd_is_neurolibs_on_the_same_windows(series, case):
    ref = REFS["fcd"][case]
    ours = fcd(series[0], DT, ref["window"] * DT, ref["step"] * DT, whole_matrix=True)
    n = ref["windows"]
    # neurolib's range(0, T - W, S) drops the last full window when T - W is a multiple of S; we keep it
    assert len(ours) == n + ((MAKER.SAMPLES - ref["window"]) % ref["step"] == 0)
    got, want = ours[:n, :n][np.triu_indices(n, 1)], np.array(ref["upper"])
    assert np.max(np.abs(got - want)) < TOLERANCE
    assert np.max(np.abs(got - want) / np.abs(want)) < TOLERANCE
    assert np.array_equal(ours, ours.T) and np.all(np.diag(ours) == 1.0)


def test_the_ks_distances_are_neurolibs_to_the_last_bit(series):
    ref = REFS["ts_kolmogorov"]
    a, b = (fcd(s, DT, ref["window"] * DT, ref["step"] * DT, whole_matrix=True) for s in series)
    assert fcd_ks(a, b) == ref["value"]
    m3, m4 = MAKER.make_matrix(3, 40), MAKER.make_matrix(4, 30)
    assert MAKER.digest(m3) == REFS["inputs"]["matrix_3_40_sha256"]
    assert fcd_ks(m3, m4) == REFS["matrix_kolmogorov"]


def test_the_default_fcd_correlates_the_entries_above_the_diagonal(series):
    """Pinned by a plain loop: windows 0, S, … T − W (the last included), corrcoef of upper triangles."""
    x = series[0][:600]
    width, step = 50, 25
    starts = list(range(0, 600 - width + 1, step))
    assert starts[-1] == 600 - width
    iu = np.triu_indices(6, 1)
    uppers = [np.corrcoef(x[s:s + width].T)[iu] for s in starts]
    want = np.array([[np.corrcoef(u, v)[0, 1] for v in uppers] for u in uppers])
    got = fcd(x, DT, width * DT, step * DT)
    assert got.shape == (len(starts), len(starts))
    assert np.max(np.abs(got - want)) < TOLERANCE
    assert np.array_equal(fcd_windows(600, DT, width * DT, step * DT)[0], starts)
    assert window_fcs(x, DT, width * DT, step * DT).shape == (len(starts), 6, 6)


def test_windows_and_steps_in_ms_round_to_the_nearest_sample():
    starts, width = fcd_windows(100, 2.0, window_ms=21.0, step_ms=9.0)  # 10.5 -> 11, 4.5 -> 5 (half up)
    assert width == 11 and starts.tolist() == list(range(0, 90, 5))
    starts, width = fcd_windows(10, 1.0, window_ms=10.0, step_ms=100.0)  # the whole series, one window
    assert (width, starts.tolist()) == (10, [0])
    with pytest.raises(InputError, match=r"window_ms: 10.6 ms \(11 samples\) is longer than the series \(10 samples"):
        fcd_windows(10, 1.0, window_ms=10.6, step_ms=1.0)


@pytest.mark.parametrize("seed", range(20))
def test_the_ks_distance_is_scipys_statistic(seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(rng.integers(1, 400))
    b = rng.standard_normal(rng.integers(1, 400)) * rng.uniform(0.5, 2) + rng.uniform(-1, 1)
    if seed % 2:  # ties within and across the samples
        a, b = np.round(a, 1), np.round(b, 1)
    assert ks_distance(a, b) == stats.ks_2samp(a, b).statistic
    assert ks_distance(a, a) == 0.0 and ks_distance(a, a + 100) == 1.0


def test_fcd_ks_reads_above_the_diagonal_and_leaves_out_what_is_not_finite():
    a, b = MAKER.make_matrix(5, 12), MAKER.make_matrix(6, 9)
    iu_a, iu_b = np.triu_indices(12, 1), np.triu_indices(9, 1)
    assert fcd_ks(a, b) == stats.ks_2samp(a[iu_a], b[iu_b]).statistic
    a[0, 1] = np.nan
    assert fcd_ks(a, b) == stats.ks_2samp(np.delete(a[iu_a], 0), b[iu_b]).statistic
    assert fcd_ks(np.full((3, 3), np.nan), b) is None


def test_a_region_constant_in_a_window_is_left_out_of_every_window():
    x = np.random.default_rng(4).standard_normal((200, 4))
    x[60:100, 2] = 0.5  # region 2 flat in some windows
    got = fcd(x, 1.0, 20.0, 10.0)
    keep = [(i, j) for i in range(4) for j in range(i + 1, 4) if 2 not in (i, j)]
    with np.errstate(invalid="ignore", divide="ignore"):
        uppers = [[np.corrcoef(x[s:s + 20].T)[p] for p in keep] for s in range(0, 181, 10)]
    assert np.all(np.isfinite(got)) and np.max(np.abs(got - np.corrcoef(uppers))) < TOLERANCE
    x[:, 1:] = 0.0  # no pair defined anywhere: nothing to correlate, and nothing to warn about
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.all(np.isnan(fcd(x, 1.0, 20.0, 10.0)))


@pytest.mark.parametrize("call, message", [
    (lambda x: fcd(x, 1.0, 300.0, 10.0), "window_ms: 300 ms (300 samples) is longer than the series (200 samples"),
    (lambda x: fcd(x, 1.0, 20.0, 0.0), "step_ms: must be a finite number of ms > 0, got 0.0"),
    (lambda x: fcd(x, 1.0, 20.0, -5), "step_ms: must be a finite number of ms > 0, got -5"),
    (lambda x: fcd(x, 1.0, 20.0, 0.4), "step_ms: 0.4 ms is less than one sample (1 ms)"),
    (lambda x: fcd(x, 1.0, 2.0, 1.0), "window_ms: 2 ms is 2 samples of 1 ms; a window needs at least 3"),
    (lambda x: fcd(x, 1.0, float("nan"), 1.0), "window_ms: must be a finite number"),
    (lambda x: fcd(x, 0.0, 20.0, 1.0), "dt_ms: must be a finite number of ms > 0"),
    (lambda x: fcd(x[:, :1], 1.0, 20.0, 10.0), "series: expected [samples, regions] with at least 2 regions"),
    (lambda x: fcd(np.where(x > 2, np.inf, x), 1.0, 20.0, 10.0), "series: has values that are not finite"),
    (lambda x: fcd_ks(x[:20, :3], x[:3, :3]), "fcd_a: expected a square FCD matrix"),
    (lambda x: fcd_ks(x[:3, :3], x[:1, :1]), "fcd_b: expected a square FCD matrix of at least 2 windows"),
    (lambda x: ks_distance([], [1.0]), "ks_distance: a sample is empty"),
])
def test_bad_input_is_one_line_naming_the_parameter(call, message):
    x = np.random.default_rng(0).standard_normal((200, 3))
    with pytest.raises(InputError) as raised:
        call(x)
    assert message in str(raised.value) and "\n" not in str(raised.value)


# ---- in a run: result.fcd, the npz, the summary, the options

RUN = dict(model="linear", params={"gamma": -1.0}, noise={"x": 0.01}, initial={"x": 0.0}, duration_ms=300,
           record_every_ms=1.0, transient_ms=50, seed=5)
CLI_RUN = ["simulate", "--topology", "v1", "--neurons", "1e6", "--model", "linear", "--param", "gamma=-1", "--noise",
           "x=0.01", "--initial", "x=0", "--duration", "300", "--record-every", "1", "--transient", "50", "--seed", "5"]


def test_a_run_asked_for_its_fcd_has_it_of_the_activity_after_the_transient():
    from connectome import read
    from connectome.sim import simulate

    result = simulate(read(EXAMPLE), 10**6, fcd_window_ms=40.0, fcd_step_ms=15.0, **RUN)
    keep = result.time_ms >= 50
    assert np.array_equal(result.fcd, fcd(result.activity[keep], 1.0, 40.0, 15.0))
    assert np.array_equal(result.fcd_time_ms, result.time_ms[keep][::15][:len(result.fcd)])
    summary = result.summary()["fcd"]
    assert summary == {"signal": "activity", "window_ms": 40.0, "step_ms": 15.0, "windows": len(result.fcd),
                       **upper_stats(result.fcd)}
    assert summary["mean"] == pytest.approx(np.mean(result.fcd[np.triu_indices(len(result.fcd), 1)]), abs=1e-15)
    plain = simulate(read(EXAMPLE), 10**6, **RUN)
    assert plain.fcd is None and "fcd" not in plain.summary()


def test_a_bold_run_has_the_fcd_of_its_bold_signal():
    from connectome import read
    from connectome.sim import simulate

    result = simulate(read(EXAMPLE), 10**6, **{**RUN, "duration_ms": 1000, "transient_ms": 100}, bold=True,
                      bold_period_ms=10.0, fcd_window_ms=200.0, fcd_step_ms=50.0)
    keep = result.bold_time_ms >= 100
    assert np.array_equal(result.fcd, fcd(result.bold[keep], 10.0, 200.0, 50.0))
    assert result.summary()["fcd"]["signal"] == "BOLD" and result.summary()["fcd"]["windows"] == 15


def test_the_fcd_and_the_spectrum_are_of_the_signal_the_fc_is_of():
    """Kuramoto's FC is of sin θ (`fc_signal`), never of its unwrapped phase: so are its FCD and spectrum."""
    from connectome import read
    from connectome.sim import make_spec, prepare, run
    from connectome.sim.spectrum import power_spectrum

    p = prepare(read(EXAMPLE), make_spec(10**6, model="kuramoto", duration_ms=300, record_every_ms=1.0,
                                         transient_ms=50, seed=2, fcd_window_ms=50.0, fcd_step_ms=10.0,
                                         spectrum=True, spectrum_window_ms=100.0))
    result = run(p)
    keep = result.time_ms >= 50
    sine = np.sin(result.states["theta"][keep])
    assert np.array_equal(result.fcd, fcd(sine, 1.0, 50.0, 10.0))
    assert np.array_equal(result.spectrum_power, power_spectrum(sine, 1.0, 100.0)[1])


def test_the_cli_adds_the_fcd_to_the_summary_and_the_output(run, tmp_path):
    assert run("topology", "import", EXAMPLE).exit_code == 0
    out = run(*CLI_RUN, "--fcd-window", "40", "--fcd-step", "15", "--output", tmp_path / "run.npz", "--json")
    assert out.exit_code == 0, out.stderr
    summary = out.json()["fcd"]
    with np.load(tmp_path / "run.npz") as f:
        keep = f["time_ms"] >= 50
        assert np.array_equal(f["fcd"], fcd(f["activity"][keep], 1.0, 40.0, 15.0))
        assert summary == {"signal": "activity", "window_ms": 40.0, "step_ms": 15.0, "windows": len(f["fcd"]),
                           **upper_stats(f["fcd"])}
    shown = run("runs", "show", str(out.json()["run_id"]), "--json").json()
    assert shown["summary"]["fcd"] == summary and shown["parameters"]["fcd_window_ms"] == 40.0
    text = run(*CLI_RUN, "--fcd-window", "40", "--fcd-step", "15").stdout
    assert f"FCD of activity: {summary['windows']} windows of 40 ms every 15 ms, mean {summary['mean']:.3f}" in text


@pytest.mark.parametrize("flags, message", [
    (["--fcd-window", "40"], "--fcd-window and --fcd-step go together"),
    (["--fcd-window", "40", "--fcd-step", "0"], "--fcd-step: must be > 0, got 0.0"),
    (["--fcd-window", "-1", "--fcd-step", "1"], "--fcd-window: must be > 0"),
    (["--fcd-window", "260", "--fcd-step", "10"], "--fcd-window: 260 ms (260 samples of 1 ms) is longer than the 251 "
                                                  "recorded samples after the 50 ms transient"),
    (["--fcd-window", "2", "--fcd-step", "1"], "--fcd-window: 2 ms is 2 samples of 1 ms; a window needs at least 3"),
    (["--fcd-window", "40", "--fcd-step", "0.2"], "--fcd-step: 0.2 ms is less than one sample (1 ms)"),
])
def test_bad_fcd_options_are_one_line_naming_the_flag(run, flags, message):
    assert run("topology", "import", EXAMPLE).exit_code == 0
    assert_one_line_error(run(*CLI_RUN, *flags), message)
    assert run("runs", "list", "--json").json() == []


def test_the_docstring_examples_hold():
    import doctest

    from connectome.sim import analyses
    from connectome.sim import fcd as module

    for m in (module, analyses):
        outcome = doctest.testmod(m, optionflags=doctest.ELLIPSIS)
        assert outcome.failed == 0 and outcome.attempted > 0, m.__name__


def test_an_fcd_larger_than_its_cap_is_refused_before_the_run():
    """998 regions' FCs (497,503 pairs, three copies at the peak) over 301 windows would take 3.3 GiB:
    refused by `prepare`, one line; over 76 windows (0.85 GiB) they run."""
    import networkx as nx

    from connectome.sim import make_spec, prepare

    g = nx.DiGraph(name="many")
    for i in range(998):
        g.add_node(f"r{i}", share=1.0)
    spec = make_spec(1000, model="linear", duration_ms=3100, dt_ms=0.05, record_every_ms=1.0, fcd_window_ms=100,
                     fcd_step_ms=10, initial={"x": 0.0})
    with pytest.raises(InputError) as caught:
        prepare(g, spec)
    assert str(caught.value) == ("fcd_window_ms/fcd_step_ms: 301 windows of 998 regions' FCs take 3.3 GiB, more "
                                 "than 1 GiB; use a longer fcd_step_ms or a shorter run")
    prepare(g, make_spec(1000, model="linear", duration_ms=3100, dt_ms=0.05, record_every_ms=1.0, fcd_window_ms=100,
                         fcd_step_ms=40, initial={"x": 0.0}))


@pytest.mark.parametrize("bold, made", [(False, 1), (True, 2)])
def test_a_runs_series_is_made_once_for_its_fc_fcd_and_spectrum(monkeypatch, bold, made):
    """The proxy over the whole series is made once (and BOLD's once more for the spectrum's activity)."""
    from connectome import read
    from connectome.sim import fc as fc_module, make_spec, prepare, run

    calls = []
    original = fc_module.fc_signal
    monkeypatch.setattr(fc_module, "fc_signal", lambda p, r: calls.append(r.bold is not None) or original(p, r))
    p = prepare(read(EXAMPLE), make_spec(10**6, model="kuramoto", duration_ms=300, record_every_ms=1.0, fc=True,
                                         transient_ms=50, seed=2, fcd_window_ms=50.0, fcd_step_ms=10.0, bold=bold,
                                         bold_period_ms=10.0, spectrum=True, spectrum_window_ms=100.0))
    result = run(p)
    assert len(calls) == made and result.fc is not None and result.fcd is not None
    assert result.analyses["spectrum"]["signal"] == "activity"


def test_an_fc_of_fewer_than_three_samples_is_refused_before_the_run():
    """10 ms of a 2 s BOLD period: the spec is refused when made, not after every step has run."""
    from connectome.sim import make_spec

    with pytest.raises(InputError, match=r"^fc: at most 1 BOLD samples after the 0 ms transient; need at least 3 "
                                         r"\(lengthen duration_ms, shorten transient_ms or record more often\)$"):
        make_spec(model="wilson-cowan", duration_ms=10.0, bold=True, fc=True)
    with pytest.raises(InputError, match=r"^fc: at most 2 recorded samples after the 5 ms transient"):
        make_spec(model="wilson-cowan", duration_ms=10.0, transient_ms=5.0, record_every_ms=4.0, fc=True)
    assert make_spec(model="wilson-cowan", duration_ms=10.0, transient_ms=5.0, record_every_ms=2.5, fc=True).fc
