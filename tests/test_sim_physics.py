"""The rate model's finite-size noise and coupling modes, as physics: figures with tolerances, not orderings."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from connectome.sim import simulate


def _isolated(sigma_target: float, threshold: float = 0.5, width: float = 0.1) -> tuple[nx.DiGraph, str]:
    """One region and the stimulus that holds σ(h) at `sigma_target`."""
    g = nx.DiGraph(name="one")
    g.add_node("x", share=1.0)
    amplitude = threshold + width * math.log(sigma_target / (1 - sigma_target))
    return g, f"x={amplitude!r}"


def _sd(result, region: int, skip_ms: float) -> float:
    keep = result.time_ms >= skip_ms
    return float(np.std(result.activity[keep, region]))


def test_stationary_sd_of_an_isolated_driven_region_is_the_binomial_one():
    """SD = √(σ(1 − σ)/N) within 5%: the population's stationary law is Binomial(N, σ)."""
    g, stimulus = _isolated(0.3)
    result = simulate(g, 10**4, duration_ms=40_000, dt_ms=1.0, seed=11, stimuli=[stimulus])
    expected = math.sqrt(0.3 * 0.7 / 10**4)
    assert _sd(result, 0, 100) == pytest.approx(expected, rel=0.05)
    assert float(np.mean(result.activity[100:, 0])) == pytest.approx(0.3, abs=3 * expected)


def _example_with_island(example) -> nx.DiGraph:
    g = example.copy()
    g.add_node("island", share=0.25)  # no input, no output: undriven
    return g


@pytest.fixture(scope="module")
def example():
    from connectome.formats.canonical import read_json
    from conftest import EXAMPLE

    return read_json(EXAMPLE)


def test_noise_does_not_depend_on_the_time_step(example):
    """SD of a driven region and of an undriven one at dt 0.1 and dt 0.025 agree within 10%."""
    g = _example_with_island(example)
    sds = {}
    for dt, seed in ((0.1, 5), (0.025, 6)):
        r = simulate(g, 10**4, duration_ms=6000, dt_ms=dt, seed=seed, record_every_ms=0.5,
                     stimuli=["sensory_cortex=0.45"])
        sds[dt] = (_sd(r, r.regions.index("association_cortex"), 200), _sd(r, r.regions.index("island"), 200))
    for driven_or_not in (0, 1):
        assert sds[0.025][driven_or_not] == pytest.approx(sds[0.1][driven_or_not], rel=0.10), sds
    assert sds[0.1][1] > 0  # an undriven region fluctuates too
    rest = 1 / (1 + math.exp(5.0))  # σ(−θ/width) at rest
    assert sds[0.1][1] == pytest.approx(math.sqrt(rest * (1 - rest) / 2000), rel=0.15)  # island: 2000 neurons


def test_sd_falls_as_one_over_root_n():
    """log SD against log N from 10^3 to 10^9: slope −0.5 ± 0.05."""
    g, stimulus = _isolated(0.4)
    sizes = [10**3, 10**5, 10**7, 10**9]
    sds = [_sd(simulate(g, n, duration_ms=20_000, dt_ms=1.0, seed=n % 97, stimuli=[stimulus]), 0, 100)
           for n in sizes]
    slope = np.polyfit(np.log10(sizes), np.log10(sds), 1)[0]
    assert slope == pytest.approx(-0.5, abs=0.05), (slope, sds)


def _pair(strength: float, extra: bool = False) -> nx.DiGraph:
    g = nx.DiGraph(name="pair")
    for name in ("a", "b"):
        g.add_node(name, share=1.0)
    g.add_node("c", share=1.0, threshold=0.99)  # at rest σ(−9.9) ≈ 5e-5: silent
    g.add_edge("a", "b", strength=strength)
    if extra:
        g.add_edge("c", "b", strength=strength)  # c is never driven: a silent afferent
    return g


def _final_b(graph: nx.DiGraph, mode: str) -> float:
    r = simulate(graph, 10**6, duration_ms=200, deterministic=True, stimuli=["a=1.0"], coupling_mode=mode,
                 coupling=0.9 if mode == "raw" else 1.0)
    return float(r.activity[-1, r.regions.index("b")])


def test_raw_coupling_keeps_absolute_strength():
    weak, strong = _final_b(_pair(1e-3), "raw"), _final_b(_pair(1.0), "raw")
    assert weak == pytest.approx(1 / (1 + math.exp(5.0)), abs=1e-4)  # b stays at rest
    assert strong > 0.98  # G · strength · a_a ≈ 0.9 · 1 · 0.99 drives b well above threshold
    # under mean-input both are the same: the strength cancels in w = K / Σ K
    assert _final_b(_pair(1e-3), "mean-input") == _final_b(_pair(1.0), "mean-input")


def test_a_silent_afferent_changes_nothing_under_raw_and_halves_the_drive_under_mean_input():
    alone, with_silent = _final_b(_pair(1.0), "raw"), _final_b(_pair(1.0, extra=True), "raw")
    assert with_silent == pytest.approx(alone, abs=1e-4)  # c adds 0.9 · 5e-5 to b's input
    halved = _final_b(_pair(1.0, extra=True), "mean-input")
    assert _final_b(_pair(1.0), "mean-input") > 0.99 and halved == pytest.approx(0.5, abs=0.02)


@pytest.mark.parametrize("mode", ["raw", "mean-input"])
def test_kernels_agree_to_rounding(mode):
    """push and dense sum in another order than scatter: the same run within 1e-12, not bit for bit."""
    import random

    rng = random.Random(5)
    g = nx.DiGraph(name="k")
    for i in range(80):
        g.add_node(f"r{i}", share=1.0 + i % 3)
    for s in range(80):
        for t in range(80):
            if s != t and rng.random() < 0.4:
                g.add_edge(f"r{s}", f"r{t}", strength=rng.uniform(0.01, 1) / 10, sign=rng.choice([1, 1, 1, -1]))
    runs = {k: simulate(g, 10**6, duration_ms=100, deterministic=True, kernel=k, coupling_mode=mode, coupling=4.0,
                        stimuli=["r0=1", "r1=0.7@10:50"]) for k in ("scatter", "push", "dense", "auto")}
    assert runs["scatter"].kernel == "scatter" and runs["dense"].kernel == "dense"
    assert np.ptp(runs["scatter"].activity) > 0.1  # something happens
    for k in ("push", "dense", "auto"):
        assert np.max(np.abs(runs[k].activity - runs["scatter"].activity)) < 1e-12
    # auto: push below 256 regions whatever the density, deterministic or sampled
    assert runs["auto"].kernel == "push" and simulate(g, 10**6, duration_ms=10, seed=1, coupling_mode=mode).kernel == "push"


def test_compiled_dense_kernel_with_delays_agrees_with_scatter():
    """Above 256 regions and 25% density, `auto` sums source-major matrices (the dense layout): within 1e-12."""
    import random

    from connectome.sim import make_spec, prepare

    rng = random.Random(9)
    g = nx.DiGraph(name="dd")
    for i in range(260):
        g.add_node(f"r{i}", share=1.0)
    for s in range(260):
        for t in range(260):
            if s != t and rng.random() < 0.3:
                g.add_edge(f"r{s}", f"r{t}", strength=round(rng.uniform(0.001, 1), 3),
                           tract_length=round(rng.uniform(1, 30), 1), sign=rng.choice([1, 1, 1, -1]))
    options = dict(duration_ms=30, deterministic=True, coupling_mode="raw", coupling=0.5, speed_mm_per_ms=1.0,
                   stimuli=["r0=1", "r1=0.8@2:20"])
    assert prepare(g, make_spec(10**6, **options)).kernel == "dense"
    scatter, numba = (simulate(g, 10**6, kernel=k, **options) for k in ("scatter", "auto"))
    assert np.ptp(scatter.activity[:, 5:]) > 0.1  # the drive reaches other regions through the delays
    assert np.max(np.abs(numba.activity - scatter.activity)) < 1e-12
    assert numba.propagation_order == scatter.propagation_order


@pytest.mark.parametrize("deterministic", [True, False])
def test_progress_reports_every_step_once(deterministic):
    calls = []
    g, stimulus = _isolated(0.3)
    simulate(g, 10**4, duration_ms=15, dt_ms=0.1, seed=1, deterministic=deterministic, progress=calls.append)
    assert sum(calls) == 150 and 1 < len(calls) <= 100


def test_the_sampled_mean_relaxes_as_the_mean_field_does():
    """E[a_k] = σ + (a_0 − σ) e^(−k dt/τ) exactly for the two-state population (p = 1 − e^(−dt/τ)): one region
    held at its threshold (σ = 1/2) from rest, averaged over 40 seeds at N = 10^4, within 4 standard errors."""
    import networkx as nx

    from connectome.sim import simulate

    graph = nx.DiGraph(name="one")
    graph.add_node("r0", share=1.0)
    runs = [simulate(graph, 10**4, duration_ms=50, dt_ms=0.1, record_every_ms=1, seed=seed, stimuli=["r0=0.5@0:50"])
            for seed in range(40)]
    mean = np.mean([r.activity[:, 0] for r in runs], axis=0)
    rest = 1 / (1 + np.exp(0.5 / 0.1))  # σ((0 − θ) / width) with the default θ 0.5 and width 0.1
    want = 0.5 + (rest - 0.5) * np.exp(-runs[0].time_ms / 10.0)
    assert np.max(np.abs(mean - want)) < 4 * np.sqrt(0.25 / 10**4 / 40)


def test_a_region_is_activated_exactly_at_its_level():
    """Reaching the activation level counts (≥, not >): mean field (Euler with dt = τ lands a on σ(0) = 1/2 at 1.0 ms) and
    sampled (N = 7: a = 3/7 is reached at 8 ms and first exceeded at 11 ms with seed 0)."""
    graph = nx.DiGraph(name="one")
    graph.add_node("r0", share=1.0)
    mean_field = simulate(graph, 10**4, duration_ms=5, dt_ms=1.0, deterministic=True, integrator="euler",
                          params={"tau_ms": 1.0, "activation": 0.5}, stimuli=["r0=0.5@0:5"])
    assert mean_field.activity[1, 0] == 0.5 and mean_field.summary_regions[0]["activation_ms"] == 1.0
    sampled = simulate(graph, 7, duration_ms=20, dt_ms=0.5, seed=0, params={"activation": 3 / 7},
                       stimuli=["r0=0.5@0:20"])
    a, t = sampled.activity[:, 0], sampled.time_ms
    assert (t[np.argmax(a == 3 / 7)], t[np.argmax(a > 3 / 7)]) == (8.0, 11.0)
    assert sampled.summary_regions[0]["activation_ms"] == 8.0
