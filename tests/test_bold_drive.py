"""What drives the BOLD signal and gives the FC: each model's neural-activity proxy, scaled into the balloon's
near-linear range (`Model.bold`, `Model.kernel_proxy`, `connectome.sim.monitors.bold`, `connectome.sim.fc`).

Gain, as used here and in the README: the balloon's small-signal steady-state gain around a constant drive
z0, G(z0) = (dB/dz)(z0) / (dB/dz)(0), B(z) the steady-state BOLD signal for the constant drive z (Friston et
al. 2003 eqs. 3–4 with Stephan et al. 2007's output equation, written below from the papers). A model's BOLD
gain is within 20% of linear over its typical range [lo, hi] when 0.8 ≤ G(z) ≤ 1.2 for every z between
scale · (lo − baseline) and scale · (hi − baseline). Beside it, the gain of an actual run: the least-squares
slope of the balloon's response to the run's drive against the response of the balloon linearised at rest.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import networkx as nx
import numba
import numpy as np
import pytest

from connectome.errors import InputError
from connectome.formats.canonical import read_json
from connectome.sim import simulate
from connectome.sim.models import MODELS
from connectome.sim.monitors import bold
from conftest import EXAMPLE

sys.path.insert(0, str(Path(__file__).parent))
from test_tvb_parity import load  # noqa: E402  (TVB's connectivity_76 and each model's TVB coupling)

MASSES = ["linear", "wilson-cowan", "reduced-wong-wang", "montbrio-pazo-roxin", "jansen-rit", "kuramoto"]
# Stephan et al. (2007) Table 1 and Friston et al. (2003), as the papers give them (not read from bold.py)
KAPPA, GAMMA, TAU, ALPHA, E0, V0 = 0.64, 0.32, 2.0, 0.32, 0.4, 0.04
K1, K2, K3 = 4.3 * 40.3 * E0 * 0.04, 1.0 * 25.0 * E0 * 0.04, 0.0


def steady_bold(z: float) -> float:
    """B(z): at steady state s = 0, f = 1 + z/γ, v = f^α, q = v (1 − (1 − E0)^(1/f)) / E0."""
    f = 1.0 + z / GAMMA
    v = f ** ALPHA
    q = v * (1.0 - (1.0 - E0) ** (1.0 / f)) / E0
    return V0 * (K1 * (1.0 - q) + K2 * (1.0 - q / v) + K3 * (1.0 - v))


def gain(z0: float, h: float = 1e-6) -> float:
    """G(z0) = B'(z0) / B'(0), central differences."""
    return (steady_bold(z0 + h) - steady_bold(z0 - h)) / (steady_bold(h) - steady_bold(-h))


def test_the_balloon_is_linear_only_near_rest():
    """G at the levels the raw variables reached before each model declared its drive: 0.73 at z = 0.1,
    0.29 at 0.5, 0.005 at 10, 1e-4 at 100 (Jansen–Rit's y1 in mV); within ±20% for −0.053 ≤ z ≤ 0.069."""
    assert [round(gain(z), 2) for z in (0.1, 0.5)] == [0.73, 0.29]
    assert gain(10.0) == pytest.approx(0.0048, abs=2e-4) and gain(100.0) < 2e-4
    assert gain(-0.053) < 1.2 < gain(-0.054) and gain(0.069) > 0.8 > gain(0.07)


def test_the_closed_form_is_the_kernels_balloon_at_steady_state():
    """The monitor's own Euler step, held at constant drives for 120 s at 1 ms, settles on B(z)."""
    z = np.array([-0.04, -0.01, 0.01, 0.04, 0.1, 0.5])
    state = np.zeros((4, z.size))
    state[1:] = 1.0
    _hold(z, state, 120_000, 1e-3)
    out = np.empty(z.size)
    _signal(state, out)
    np.testing.assert_allclose(out, [steady_bold(v) for v in z], rtol=1e-6)


_step, _signal = numba.njit(bold.balloon_step), numba.njit(bold.bold_signal)


@numba.njit
def _hold(z, state, steps, dt_s):
    for _ in range(steps):
        _step(z, state, dt_s)


@pytest.mark.parametrize("name", MASSES)
def test_each_models_typical_range_drives_the_balloon_within_20_percent_of_linear(name):
    drive = MODELS[name].bold_drive()
    low, high = drive["typical"]
    zs = drive["scale"] * (np.linspace(low, high, 201) - drive["baseline"])
    gains = np.array([gain(z) for z in zs])
    assert gains.min() >= 0.8 and gains.max() <= 1.2, (name, zs[[0, -1]], gains.min(), gains.max())
    assert np.abs(zs).max() == pytest.approx(0.04)  # the typical range maps onto z ∈ [−0.04, 0.04]


def _iso(n: int, **attrs) -> nx.DiGraph:
    g = nx.DiGraph(name="isolated")
    for i in range(n):
        g.add_node(f"r{i}", share=1.0, **{k: v[i] for k, v in attrs.items()})
    return g


# the runs each typical range was measured in: TVB's connectivity_76 at TVB's coupling for the model (raw
# weights, 3 mm/ms, random initial state) with noise D = 0.001 on the coupled variable (Jansen–Rit: on y4,
# its input); the linear model in the README's sweep (gamma −1, noise 0.01, coupling 0.9)
NOISE = {"wilson-cowan": "E", "reduced-wong-wang": "S", "montbrio-pazo-roxin": "r", "jansen-rit": "y4",
         "kuramoto": "theta"}


def _typical_run(name: str, duration_ms: float):
    if name == "linear":
        return simulate(read_json(EXAMPLE), 10**7, model="linear", params={"gamma": -1.0}, noise={"x": 0.01},
                        initial={"x": 0.0}, coupling=0.9, duration_ms=duration_ms, record_every_ms=1, seed=1)
    ref, graph = load(name)
    return simulate(graph, 1000, model=name, coupling=float(ref["coupling_a"]), coupling_mode="raw",
                    speed_mm_per_ms=3.0, noise={NOISE[name]: 0.001}, initial="random", seed=1,
                    duration_ms=duration_ms, record_every_ms=1)


def _states(result, model) -> np.ndarray:
    return np.stack([result.states[v.name] for v in model.state_variables])


@pytest.mark.parametrize("name", MASSES)
def test_runs_at_the_models_defaults_stay_in_the_declared_typical_range(name):
    """The 1st–99th percentiles of the proxy after 1 s lie in the declared range and span at least 40% of
    it (a range declared far wider than the runs would make any scale look linear)."""
    model = MODELS[name]
    result = _typical_run(name, 3000)
    proxy = model.proxy(_states(result, model))[result.time_ms >= 1000]
    low, high = model.bold_drive()["typical"]
    p1, p99 = np.percentile(proxy, [1, 99])
    assert low <= p1 and p99 <= high, (name, p1, p99)
    assert p99 - p1 >= 0.4 * (high - low), (name, p1, p99)


def _linearised(z: np.ndarray, dt_s: float) -> np.ndarray:
    """The balloon linearised at rest (its Jacobian by central differences), Euler at dt_s, driven by z
    [samples, regions]: its BOLD signal after each step."""
    def rhs(y, drive):
        s, f, v, q = y
        return np.array([drive - KAPPA * s - GAMMA * (f - 1), s, (f - v ** (1 / ALPHA)) / TAU,
                         (f * (1 - (1 - E0) ** (1 / f)) / E0 - v ** (1 / ALPHA) * q / v) / TAU])

    rest, h = np.array([0.0, 1.0, 1.0, 1.0]), 1e-6
    jac = np.column_stack([(rhs(rest + h * e, 0.0) - rhs(rest - h * e, 0.0)) / (2 * h) for e in np.eye(4)])
    out = lambda y: V0 * (K1 * (1 - y[3]) + K2 * (1 - y[3] / y[2]) + K3 * (1 - y[2]))  # noqa: E731
    grad = np.array([(out(rest + h * e) - out(rest - h * e)) / (2 * h) for e in np.eye(4)])
    y, series = np.zeros((4, z.shape[1])), np.empty(z.shape)
    for k in range(z.shape[0]):
        y = y + dt_s * (jac @ y + np.outer([1.0, 0, 0, 0], z[k]))
        series[k] = grad @ y
    return series


@pytest.mark.parametrize("name", MASSES)
def test_a_runs_bold_gain_is_within_20_percent_of_the_linearised_balloons(name):
    """The balloon driven by the run's scaled proxy (held 1 ms, 20 s) against the linearised balloon on the
    same drive: slope within 20% of 1, for the whole response and for its fluctuations after 10 s."""
    model = MODELS[name]
    drive = model.bold_drive()
    result = _typical_run(name, 20_000)
    z = drive["scale"] * (model.proxy(_states(result, model))[1:] - drive["baseline"])
    z = z[:, :8]  # eight regions are enough
    state, nonlinear = np.zeros((4, z.shape[1])), np.empty(z.shape)
    state[1:] = 1.0
    for k in range(z.shape[0]):
        _step(np.ascontiguousarray(z[k]), state, 1e-3)
        _signal(state, nonlinear[k])
    linear = _linearised(z, 1e-3)
    slope = lambda a, b: float((a * b).sum() / (b * b).sum())  # noqa: E731
    late = slice(10_000, None)
    whole, fluctuation = slope(nonlinear, linear), slope(nonlinear[late] - nonlinear[late].mean(0),
                                                         linear[late] - linear[late].mean(0))
    assert 0.8 <= whole <= 1.2 and 0.8 <= fluctuation <= 1.2, (name, whole, fluctuation)


@pytest.mark.parametrize("name,options", [
    ("jansen-rit", {}),
    ("jansen-rit", {"bold_scale": 0.01, "bold_baseline": 3.0}),
    ("kuramoto", {}),
    ("wilson-cowan", {}),  # no proxy of its own: its observed variable E
])
def test_the_kernels_balloon_is_driven_by_the_scaled_proxy(name, options):
    """The run's BOLD, sampled every step, is the monitor's Euler step driven by z = scale · (proxy − baseline)
    of the recorded states (the spec's scale and baseline, else the model's)."""
    model = MODELS[name]
    result = simulate(_iso(3), 1000, model=name, duration_ms=200, dt_ms=0.1, bold=True, bold_period_ms=0.1,
                      record=True, initial="random", seed=4, **options)
    drive = model.bold_drive()
    scale, baseline = options.get("bold_scale", drive["scale"]), options.get("bold_baseline", drive["baseline"])
    z = scale * (model.proxy(_states(result, model)) - baseline)
    state, want = np.zeros((4, 3)), np.zeros(result.bold.shape)
    state[1:] = 1.0
    for k in range(1, len(z)):
        bold.balloon_step(z[k], state, 1e-4)
        bold.bold_signal(state, want[k])
    assert np.ptp(want) > 0
    np.testing.assert_allclose(result.bold, want, rtol=1e-9, atol=1e-15)


def test_uncoupled_kuramoto_oscillators_have_no_functional_connectivity():
    """Different ω, no projections: the FC of sin θ is near 0 (that of the unwrapped phases, which all grow,
    is 1)."""
    g = _iso(8, omega=[1.0 + 0.05 * i for i in range(8)])
    result = simulate(g, 1000, model="kuramoto", duration_ms=2000, record_every_ms=1, fc=True, seed=1)
    off = ~np.eye(8, dtype=bool)
    assert np.abs(result.fc[off]).max() < 0.1
    assert np.corrcoef(result.activity.T)[off].min() > 0.999  # the recorded activity is still the phase
    np.testing.assert_allclose(result.fc, np.corrcoef(np.sin(result.activity).T), atol=1e-12)


def test_jansen_rit_fc_is_of_the_eeg_proxy():
    g = _iso(4, mu=[0.15, 0.2, 0.25, 0.3])
    result = simulate(g, 1000, model="jansen-rit", duration_ms=500, record_every_ms=1, fc=True, seed=2,
                      transient_ms=100)
    keep = result.time_ms >= 100
    eeg = (result.states["y1"] - result.states["y2"])[keep]
    np.testing.assert_allclose(result.fc, np.corrcoef(eeg.T), atol=1e-12)
    assert result.observed == "y1" and np.array_equal(result.activity, result.states["y1"])


@pytest.mark.parametrize("options,message", [
    ({"bold_scale": 0.0}, "bold_scale: must be > 0"),
    ({"bold_scale": math.inf}, "bold_scale: must be a finite number"),
    ({"bold_baseline": math.nan}, "bold_baseline: must be a finite number"),
])
def test_bad_bold_drives_are_refused(options, message):
    with pytest.raises(InputError, match=message):
        simulate(_iso(2), 1000, model="linear", duration_ms=1, bold=True, **options)


def test_models_show_states_the_drive_and_simulate_takes_it(run, tmp_path):
    shown = run("models", "show", "jansen-rit", "--json").json()["bold_drive"]
    assert (shown["quantity"], shown["unit"], shown["scale"], shown["baseline"], shown["typical"]) == \
        ("y1 - y2", "mV", 0.004, 10.0, [0.0, 20.0])
    text = run("models", "show", "kuramoto").stdout
    assert "BOLD and FC from sin(theta)" in text and "z = 0.04 · (sin(theta) - 0)" in text
    assert run("topology", "import", EXAMPLE).exit_code == 0
    out = run("simulate", "--topology", "v1", "--neurons", "1e4", "--model", "jansen-rit", "--duration", "200",
              "--monitor", "bold", "--bold-period", "100", "--bold-scale", "0.002", "--bold-baseline", "5",
              "--seed", "1", "--json")
    assert out.exit_code == 0, out.stderr
    spec = run("runs", "show", str(out.json()["run_id"]), "--json").json()["parameters"]
    assert (spec["bold_scale"], spec["bold_baseline"]) == (0.002, 5.0)


def test_a_bold_signal_that_leaves_the_floats_is_refused_naming_region_and_time():
    """A negative box of 1 scaled by 1000 empties the balloon (flow below 0): one line, not a NaN series."""
    from connectome.engine import simulate
    from connectome.errors import InputError

    g = nx.DiGraph(name="one")
    g.add_node("r0", share=1.0)
    with pytest.raises(InputError) as caught:
        simulate(g, 1000, model="linear", params={"gamma": -1.0}, duration_ms=3000, dt_ms=0.5, bold=True,
                 bold_period_ms=50, initial={"x": 0.0}, stimuli=["r0=-1@100:2000"], bold_scale=1000.0)
    assert str(caught.value) == ("the BOLD signal of region 'r0' is not finite by t = 350 ms: its drive left the "
                                 "balloon model's range; lower bold_scale or change the parameters")
