"""The neural-mass models: coupling functions, integrators, noise, history, BOLD and FC, against independent references."""

from __future__ import annotations

import math
from fractions import Fraction

import networkx as nx
import numpy as np
import pytest

from connectome.errors import InputError
from connectome.sim import simulate
from connectome.sim.models import MODELS
from conftest import seeded_graph

MASSES = ["linear", "wilson-cowan", "reduced-wong-wang", "montbrio-pazo-roxin", "jansen-rit", "kuramoto"]


def _ring(n: int = 5) -> nx.DiGraph:
    """n regions: a ring with tract lengths and one chord, strengths with few decimals."""
    g = nx.DiGraph(name="ring")
    for i in range(n):
        g.add_node(f"r{i}", share=1.0)
    for i in range(n):
        g.add_edge(f"r{i}", f"r{(i + 1) % n}", strength=0.5 + 0.1 * i, tract_length=1.5 + i)
    g.add_edge("r0", "r2", strength=0.25, tract_length=4.2)
    return g


def _reference(model, graph, a, extra, fn, steps, dt, speed, x0, scheme="heun", given=None):
    """Plain numpy, per the docs: Heun with the coupling summed again at the predictor (`heun`), TVB's Heun
    with the coupling of the step held for both stages (`heun-tvb`), or Euler; clamped after each stage."""
    names = list(graph)
    R, index = len(names), {n: i for i, n in enumerate(names)}
    step = Fraction(repr(speed)) * Fraction(repr(dt))  # delays: the exact decimals, halves up
    edges = [(index[s], index[t], d["strength"], math.floor(Fraction(repr(d["tract_length"])) / step + Fraction(1, 2)))
             for s, t, d in graph.edges(data=True)]
    params = model.parameter_matrix(model.arrays(model.parameters([(n, {}) for n in names], given or {})), R)
    x = x0.copy()
    past = [x.copy()]  # past[k] = state at step k
    floor = np.array([v.floor for v in model.state_variables])[:, None]
    ceiling = np.array([v.ceiling for v in model.state_variables])[:, None]
    f = lambda y, c: _dfun(model, y, c, params)  # noqa: E731

    def coupling(k, now):
        c = np.zeros((len(model.coupled), R))
        for j, v in enumerate(model.coupled):
            total = np.zeros(R)
            for s, t, w, d in edges:
                xj = past[max(0, k - d)][v, s]
                pre = {"linear": xj, "sigmoidal": xj, "difference": xj - now[v, t],
                       "kuramoto": math.sin(xj - now[v, t])}[fn]
                total[t] += w * pre
            c[j] = {"linear": lambda s: a * s + extra[0], "difference": lambda s: a * s,
                    "kuramoto": lambda s: a * s,
                    "sigmoidal": lambda s: extra[0] + (extra[1] - extra[0]) / (1 + np.exp(-a * (s - extra[2]) / extra[3]))
                    }[fn](total)
        return c

    out = [x.copy()]
    for k in range(steps):
        c = coupling(k, x)
        k1 = f(x, c)
        if scheme == "euler":
            x = np.clip(x + dt * k1, floor, ceiling)
        else:
            inter = np.clip(x + dt * k1, floor, ceiling)
            if scheme == "heun":  # the predictor stands in for step k + 1 (a delay of 0 reads it)
                past.append(inter)
                c = coupling(k + 1, inter)
                past.pop()
            x = np.clip(x + (k1 + f(inter, c)) * dt / 2.0, floor, ceiling)
        past.append(x.copy())
        out.append(x.copy())
    return np.array(out)


def _dfun(model, x, c, params):
    """The model module's derivative run as plain Python (the kernels compile the same function)."""
    import importlib

    module = importlib.import_module(type(model).__module__)
    out = np.empty_like(x)
    module.dfun(x, c, params, out)
    return out


@pytest.mark.parametrize("model,fn,a,extra,given", [
    ("linear", "linear", 0.8, [0.05], {}),
    ("wilson-cowan", "linear", 0.6, [0.0], {}),
    ("reduced-wong-wang", "linear", 0.5, [0.0], {}),
    ("montbrio-pazo-roxin", "difference", 0.3, [], {}),
    ("montbrio-pazo-roxin", "linear", 0.3, [0.0], {"cv": 0.5}),  # the coupling through V, skipped when cv = 0
    ("jansen-rit", "linear", 0.01, [0.0], {}),
    ("kuramoto", "kuramoto", 0.7, [], {}),
    ("linear", "sigmoidal", 2.0, [-1.0, 1.0, 0.1, 1.5], {}),
])
def test_every_model_and_coupling_function_agrees_with_a_plain_numpy_reference(model, fn, a, extra, given):
    """The compiled loop (Heun, delays from tract lengths) equals the documented equations stepped in numpy."""
    _agrees(model, fn, a, extra, given, "heun")


@pytest.mark.parametrize("model,fn,a,extra,given", [
    ("wilson-cowan", "linear", 0.6, [0.0], {}),
    ("kuramoto", "kuramoto", 0.7, [], {}),
])
def test_tvbs_heun_agrees_with_a_plain_numpy_reference(model, fn, a, extra, given):
    """`heun-tvb` holds the coupling of the step for both stages."""
    _agrees(model, fn, a, extra, given, "heun-tvb")


def _agrees(model, fn, a, extra, given, scheme):
    g, m = _ring(), MODELS[model]
    rng = np.random.default_rng(3)
    x0 = np.array([rng.uniform(v.low, v.high, 5) * 0.5 + (v.low + v.high) / 4 for v in m.state_variables])
    names = {"linear": ["b"], "sigmoidal": ["cmin", "cmax", "midpoint", "sigma"]}.get(fn, [])
    params = {**{f"coupling.{n}": v for n, v in zip(names, extra)}, **given}
    result = simulate(g, 1000, model=model, coupling_function=fn, coupling=a, params=params, duration_ms=20,
                      dt_ms=0.1, speed_mm_per_ms=2.0, initial={v.name: x0[i].tolist() for i, v in enumerate(m.state_variables)},
                      integrator=scheme)
    want = _reference(m, g, a, extra, fn, 200, 0.1, 2.0, x0, scheme, given=given)
    got = np.stack([result.states[v.name] for v in m.state_variables], axis=1)
    scale = max(1.0, float(np.max(np.abs(want))))
    assert np.max(np.abs(got - want)) / scale < 1e-12
    assert np.ptp(want[:, m.coupled[0]] - want[0, m.coupled[0]]) > 1e-3  # the run moves


def test_euler_is_euler():
    g, m = _ring(), MODELS["wilson-cowan"]
    x0 = np.full((2, 5), 0.3)
    result = simulate(g, 1000, model="wilson-cowan", coupling=0.5, integrator="euler", duration_ms=5, dt_ms=0.1,
                      speed_mm_per_ms=2.0, initial={"E": 0.3, "I": 0.3})
    want = _reference(m, g, 0.5, [0.0], "linear", 50, 0.1, 2.0, x0, scheme="euler")
    assert np.max(np.abs(result.states["E"] - want[:, 0])) < 1e-13


def _isolated(n: int, **attrs) -> nx.DiGraph:
    g = nx.DiGraph(name="iso")
    for i in range(n):
        g.add_node(f"r{i}", share=1.0, **attrs)
    return g


@pytest.mark.parametrize("dt", [0.1, 0.01])
def test_additive_noise_gives_the_ornstein_uhlenbeck_variance_at_any_dt(dt):
    """dx = γx dt + √(2D) dW has stationary variance D/|γ|: within 5% at dt 0.1 and 0.01 (γ = −1, D = 0.01).

    At TVB's default γ = −10, dt 0.1 is the edge of stability (dt·|γ| = 1) and no explicit scheme keeps
    the variance there (stochastic Heun gives 2/3 of it); the physics holds where the step resolves γ.
    """
    result = simulate(_isolated(200), 1000, model="linear", params={"gamma": -1.0}, noise={"x": 0.01}, seed=5,
                      duration_ms=110, dt_ms=dt, record_every_ms=0.5, initial={"x": 0.0})
    x = result.states["x"][result.time_ms >= 10]
    assert np.var(x) == pytest.approx(0.01 / 1.0, rel=0.05)
    assert result.spec.integrator is None and result.kernel == "push"


def test_euler_maruyama_is_seeded_and_reproducible():
    run = lambda seed: simulate(_isolated(3), 1000, model="linear", noise={"x": 0.1}, integrator="euler-maruyama",  # noqa: E731
                                seed=seed, duration_ms=5, initial={"x": 0.0}).states["x"]
    assert np.array_equal(run(1), run(1)) and not np.array_equal(run(1), run(2))


def test_a_region_attribute_overrides_a_parameter_for_that_region_only():
    g = _isolated(2)
    g.nodes["r1"]["eta"] = -4.0
    het = simulate(g, 1000, model="montbrio-pazo-roxin", duration_ms=20, initial={"r": 0.5, "V": -1.0})
    glob = simulate(_isolated(2), 1000, model="montbrio-pazo-roxin", duration_ms=20, params={"eta": -4.0},
                    initial={"r": 0.5, "V": -1.0})
    assert np.array_equal(het.states["V"][:, 1], glob.states["V"][:, 1])
    assert not np.array_equal(het.states["V"][:, 0], glob.states["V"][:, 0])


def test_initial_random_is_drawn_in_the_ranges_from_the_seed():
    a = simulate(_isolated(50), 1000, model="jansen-rit", duration_ms=1, seed=3, initial="random")
    b = simulate(_isolated(50), 1000, model="jansen-rit", duration_ms=1, seed=3)
    assert np.array_equal(a.states["y1"][0], b.states["y1"][0])
    assert -500 <= a.states["y1"][0].min() < -100 and 100 < a.states["y1"][0].max() <= 500


@pytest.mark.parametrize("spec,message", [
    ({"model": "linear", "noise": {"y": 0.1}}, "no state variable 'y'"),
    ({"model": "linear", "integrator": "heun-stochastic"}, "noise intensity"),
    ({"model": "linear", "noise": {"x": 0.1}, "integrator": "heun"}, "deterministic"),
    ({"model": "linear", "params": {"coupling.q": 1.0}}, "no parameter 'q'"),
    ({"model": "linear", "coupling_function": "bogus"}, "unknown function"),
    ({"model": "kuramoto", "initial": {"theta": [1.0]}}, "1 values for 2 regions"),
    ({"model": "rate", "integrator": "heun"}, "euler"),
    ({"model": "linear", "noise": {"x": 0.1}, "deterministic": True}, "contradicts"),
    ({"model": "rate", "params": {"coupling.b": 1.0}}, "linear coupling"),
    ({"model": "rate", "bold": True}, "bold"),
    ({"model": "linear", "kernel": "push", "precision": "tvb"}, "precision tvb"),
])
def test_bad_options_are_refused_naming_them(spec, message):
    with pytest.raises(InputError, match=message):
        simulate(_isolated(2), 1000, duration_ms=1, **spec)


def test_temporal_average_is_the_mean_of_the_strides_states():
    kw = dict(model="linear", duration_ms=2, dt_ms=0.1, initial={"x": [1.0, -0.5]})
    raw = simulate(_isolated(2), 1000, **kw)
    avg = simulate(_isolated(2), 1000, record_every_ms=0.5, monitor="temporal-average", **kw)
    windows = raw.states["x"][1:].reshape(4, 5, 2)
    summed = windows[:, 0] + windows[:, 1] + windows[:, 2] + windows[:, 3] + windows[:, 4]  # in step order
    assert avg.states["x"][1:].tolist() == (summed / 5).tolist()
    kw3 = dict(model="linear", duration_ms=30, dt_ms=0.1, initial={"x": [1.0, -0.5]}, stimuli=["r0=0.3"])
    raw3 = simulate(_isolated(2), 1000, **kw3)  # 100 windows of 3 steps: the mean is the sum divided by 3
    avg3 = simulate(_isolated(2), 1000, record_every_ms=0.3, monitor="temporal-average", **kw3)
    windows = raw3.states["x"][1:].reshape(100, 3, 2)
    assert avg3.states["x"][1:].tolist() == ((windows[:, 0] + windows[:, 1] + windows[:, 2]) / 3).tolist()
    np.testing.assert_allclose(avg.time_ms, [0.0, 0.25, 0.75, 1.25, 1.75], atol=1e-12)  # mid-window, as TVB


def test_the_bold_response_to_a_one_second_box_peaks_four_to_six_seconds_after_onset():
    result = simulate(_isolated(1), 1000, model="linear", params={"gamma": -1.0}, duration_ms=20_000, dt_ms=0.5,
                      record_every_ms=100,
                      monitor="temporal-average", bold=True, bold_period_ms=50, initial={"x": 0.0},
                      stimuli=["r0=1@1000:2000"])
    peak = float(result.bold_time_ms[np.argmax(result.bold[:, 0])])
    assert 4000 <= peak - 1000 <= 6000
    assert result.bold[0, 0] == 0.0 and result.bold[:, 0].max() > 0.001


def test_fc_and_its_correlation_with_the_structure():
    g = _ring(6)
    result = simulate(g, 1000, model="linear", params={"gamma": -2.0}, noise={"x": 0.05}, coupling=1.0, seed=2,
                      duration_ms=400, record_every_ms=1, fc=True, transient_ms=50, initial={"x": 0.0}, delays=False)
    x = result.activity[result.time_ms >= 50]
    np.testing.assert_allclose(result.fc, np.corrcoef(x.T), atol=1e-12)
    sc = np.zeros((6, 6))
    for s, t, w in g.edges(data="strength"):
        sc[int(t[1]), int(s[1])] = w
    off = ~np.eye(6, dtype=bool)
    assert result.fc_sc["fc_sc"] == pytest.approx(np.corrcoef(result.fc[off], sc[off])[0, 1], abs=1e-12)
    assert result.fc_sc["fc_sc"] > 0.3  # coupled neighbours correlate


def test_source_blocks_sum_like_the_reference_and_do_not_depend_on_the_cores():
    """Above 8192 projections the push layout sums in several source blocks: still the reference's run
    (within 1e-12), and bit for bit the same on one core as on all."""
    import numba

    from connectome.sim.layouts.push import blocks

    g, m = seeded_graph(160, 0.5, 4), MODELS["kuramoto"]
    assert blocks(g.number_of_edges()) >= 3
    x0 = np.linspace(0, 2 * np.pi, 160)[None, :]
    kw = dict(model="kuramoto", coupling=0.02, duration_ms=2, dt_ms=0.1, speed_mm_per_ms=2.0,
              initial={"theta": x0[0].tolist()})
    result = simulate(g, 1000, **kw)
    want = _reference(m, g, 0.02, [], "kuramoto", 20, 0.1, 2.0, x0)
    assert np.max(np.abs(result.states["theta"] - want[:, 0])) < 1e-12
    single, two = simulate(g, 1000, threads=1, **kw), simulate(g, 1000, threads=2, **kw)
    assert np.array_equal(single.states["theta"], result.states["theta"])
    assert np.array_equal(two.states["theta"], result.states["theta"]) and numba.config.NUMBA_NUM_THREADS >= 2


def test_the_rate_model_gives_fc_of_its_activity():
    g = _ring(4)
    result = simulate(g, 10**4, duration_ms=200, seed=3, fc=True, transient_ms=20, record_every_ms=1,
                      stimuli=["r0=0.6"])
    keep = result.time_ms >= 20
    np.testing.assert_allclose(result.fc, np.corrcoef(result.activity[keep].T), atol=1e-12)
    assert set(result.fc_sc) == {"fc_sc", "fc_log_sc"}


def test_the_bold_response_matches_an_independent_integration_of_the_balloon():
    """The same Friston/Stephan balloon equations, written here from the papers and integrated by scipy's
    solve_ivp (RK45, tight tolerances) from the run's own recorded drive: peak value and time agree."""
    from scipy.integrate import solve_ivp

    result = simulate(_isolated(1), 1000, model="linear", params={"gamma": -1.0}, duration_ms=20_000, dt_ms=0.5,
                      record_every_ms=0.5, bold=True, bold_period_ms=50, initial={"x": 0.0},
                      stimuli=["r0=1@1000:2000"], bold_scale=1.0)  # z = x, unscaled
    t_drive, z = result.time_ms / 1000.0, result.states["x"][:, 0]
    kappa, gamma, tau, alpha, e0, v0 = 0.64, 0.32, 2.0, 0.32, 0.4, 0.04
    k1, k2, k3 = 4.3 * 40.3 * e0 * 0.04, 1.0 * 25.0 * e0 * 0.04, 0.0

    def balloon(t, y):
        s, f, v, q = y
        drive = z[min(int(t / 0.0005 + 1e-9), len(z) - 1)]  # the drive held over each step, as Euler holds it
        return [drive - kappa * s - gamma * (f - 1), s, (f - v ** (1 / alpha)) / tau,
                (f * (1 - (1 - e0) ** (1 / f)) / e0 - v ** (1 / alpha) * q / v) / tau]

    times = result.bold_time_ms / 1000.0
    solved = solve_ivp(balloon, (0.0, times[-1]), [0.0, 1.0, 1.0, 1.0], t_eval=times, rtol=1e-9, atol=1e-12,
                       max_step=0.0005)
    _, _, v, q = solved.y
    want = v0 * (k1 * (1 - q) + k2 * (1 - q / v) + k3 * (1 - v))
    got = result.bold[:, 0]
    assert np.max(np.abs(got - want)) <= 5e-4 * want.max()  # Euler at 0.5 ms: 2.1e-4 of the peak
    assert times[np.argmax(got)] == times[np.argmax(want)] == 5.55  # 4.55 s after the box's onset
    assert want.max() == pytest.approx(0.030297, rel=1e-4)  # the box on for 1000 < t_k < 2000 (TVB's window)


def test_a_heun_predictor_past_a_bound_is_clamped_as_in_the_reference():
    """Montbrió–Pazó–Roxin from V = −20: the predictor of r falls below 0 and is clamped before the corrector."""
    g, m = _ring(), MODELS["montbrio-pazo-roxin"]
    x0 = np.array([[0.5] * 5, [-20.0] * 5])
    result = simulate(g, 1000, model="montbrio-pazo-roxin", coupling=0.3, duration_ms=0.3, dt_ms=0.1,
                      speed_mm_per_ms=2.0, initial={"r": 0.5, "V": -20.0})
    want = _reference(m, g, 0.3, [0.0], "linear", 3, 0.1, 2.0, x0)
    assert 0.5 + 0.1 * (1 / math.pi + 2 * -20.0 * 0.5) < 0  # the predictor crosses r = 0
    got = np.stack([result.states["r"], result.states["V"]], axis=1)
    assert np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want))) < 1e-12


def test_tvb_precision_without_delays_sums_float32_copies_of_the_states():
    """precision="tvb" keeps TVB's float32 history even where no projection is delayed: with the difference
    coupling the term is float32(w) · (float32(x_s) − float32(x_t)), in float32 (two regions, one Euler step)."""
    g = nx.DiGraph(name="two")
    g.add_node("a", share=1.0)
    g.add_node("b", share=1.0)
    g.add_edge("a", "b", strength=0.3)
    g.add_edge("b", "a", strength=0.7)
    third = 0.3333333333333
    result = simulate(g, 1000, model="linear", integrator="euler", coupling=0.5, coupling_function="difference",
                      duration_ms=0.1, dt_ms=0.1, precision="tvb", initial={"x": [third, 0.2]})
    x, f32 = np.array([third, 0.2]), np.float32
    terms = np.array([f32(0.7) * (f32(0.2) - f32(third)), f32(0.3) * (f32(third) - f32(0.2))])  # float32
    want = x + 0.1 * (-10.0 * x + 0.5 * terms.astype(np.float64)) + 0.0
    assert result.states["x"][1].tolist() == want.tolist()


def test_the_bold_period_in_steps_rounds_halves_up():
    """0.25 ms at dt 0.1 is 2.5 steps: a sample every 3 steps (not 2, as rounding halves to even would give)."""
    result = simulate(_isolated(2), 1000, model="linear", duration_ms=1, dt_ms=0.1, bold=True, bold_period_ms=0.25,
                      initial={"x": 0.1})
    assert result.bold_time_ms.tolist() == [0.0, 0.3, 0.6, 0.9]


def test_push_blocks_are_fixed_by_the_projection_count():
    from connectome.sim.layouts.push import blocks

    assert [blocks(n) for n in (0, 4095, 8191, 8192, 12288, 65535, 65536, 10**6)] == [1, 1, 1, 2, 3, 15, 16, 16]
