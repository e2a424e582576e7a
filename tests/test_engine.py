"""The processing engine: scale-free deterministic dynamics, finite-size noise, propagation, memory checks."""

from __future__ import annotations

import csv
import math

import networkx as nx
import numpy as np
import pytest

from connectome.engine import (
    SimulationResult,
    Stimulus,
    check_memory,
    estimate,
    parse_stimulus,
    simulate,
)
from connectome.errors import InputError, ResourceError
from connectome.graph import derived_counts
from connectome.formats.canonical import read_json
from conftest import EXAMPLE

SENSORY = "sensory_cortex=1.0"
REGIONS = ["sensory_cortex", "association_cortex", "executive_cortex", "memory_hippocampus", "motor_cortex"]


@pytest.fixture(scope="module")
def graph() -> nx.DiGraph:
    return read_json(EXAMPLE)


@pytest.fixture(scope="module")
def driven(graph) -> SimulationResult:
    """The example at 10^4 neurons, sampled, with a constant stimulus on sensory cortex."""
    return simulate(graph, 10_000, duration_ms=200, seed=7, stimuli=[parse_stimulus(SENSORY)])


def activation(result: SimulationResult) -> dict[str, float | None]:
    return {r["name"]: r["activation_ms"] for r in result.summary_regions}


# --- scale -------------------------------------------------------------------------------------


def test_deterministic_dynamics_are_identical_across_scales(graph):
    small = simulate(graph, 10**4, duration_ms=150, deterministic=True, stimuli=[SENSORY])
    large = simulate(graph, 10**10, duration_ms=150, deterministic=True, stimuli=[SENSORY])
    assert small.region_neurons != large.region_neurons
    assert small.activity.shape == large.activity.shape == (1501, 5)
    assert np.max(np.abs(small.activity - large.activity)) <= 1e-12
    assert small.propagation_order == large.propagation_order
    assert [r["activation_ms"] for r in small.summary_regions] == [r["activation_ms"] for r in large.summary_regions]
    assert small.total_connections == derived_counts(graph, 10**4)["total_connections"]
    assert large.total_connections == derived_counts(graph, 10**10)["total_connections"]


def test_sampling_noise_shrinks_with_n(graph):
    def steady_std(neurons: int) -> np.ndarray:
        r = simulate(graph, neurons, duration_ms=600, seed=11)
        return r.activity[2000:, 1:].std(axis=0)  # regions with inputs, after the first 200 ms

    small, large = steady_std(10**4), steady_std(10**8)
    assert np.all(small > 0) and np.all(large > 0)
    assert np.all(small >= 10 * large), (small, large)


def test_runs_at_any_scale(graph):
    for neurons in (1, 7, 10**12, 10**18):  # empty regions; the cap (every region size fits a binomial's int64)
        r = simulate(graph, neurons, duration_ms=50, seed=1, stimuli=[SENSORY])
        assert sum(r.region_neurons) == neurons
        assert r.activity.shape == (501, 5)
        assert np.all(np.isfinite(r.activity)) and np.all((r.activity >= 0) & (r.activity <= 1))
        assert r.propagation_order[0] == "sensory_cortex"


# --- propagation -------------------------------------------------------------------------------


def test_stimulus_propagates_along_the_projections(driven):
    t = activation(driven)
    assert driven.propagation_order[0] == "sensory_cortex"
    assert set(driven.propagation_order) == set(REGIONS)
    assert t["sensory_cortex"] < t["association_cortex"] < t["memory_hippocampus"]
    assert t["association_cortex"] < t["executive_cortex"] < t["motor_cortex"]
    assert driven.propagation_order == sorted(REGIONS, key=lambda n: (t[n], REGIONS.index(n)))
    for row in driven.summary_regions:
        assert row["peak_activity"] > 0.9
        assert 0 < row["mean_activity"] < row["peak_activity"]
        assert row["neurons"] == dict(zip(driven.regions, driven.region_neurons))[row["name"]]


def test_nothing_activates_without_a_stimulus(graph):
    # not at N = 10 any more: regions of 2 or 3 two-state neurons fluctuate by 1/3 of their size (issue 9)
    for neurons in (10_000, 10**6):
        r = simulate(graph, neurons, duration_ms=500, seed=3)
        assert r.propagation_order == []
        assert all(row["activation_ms"] is None for row in r.summary_regions)
        assert r.activity.max() < 0.1


def test_region_without_a_path_from_the_stimulus_stays_at_rest(graph):
    g = graph.copy()
    g.add_node("island", share=0.1)
    g.add_node("downstream", share=0.1)
    g.add_edge("island", "downstream", strength=0.5)
    g.add_edge("downstream", "motor_cortex", strength=0.1)  # an input to the network, not from it
    r = simulate(g, 10_000, duration_ms=200, seed=5, stimuli=[SENSORY])
    t = activation(r)
    assert t["island"] is None and t["downstream"] is None
    for row in r.summary_regions:
        if row["name"] in ("island", "downstream"):
            assert row["peak_activity"] < 0.5
    assert t["motor_cortex"] is not None


def test_activity_lasts_as_long_as_the_stimulus(graph):
    r = simulate(graph, 10_000, duration_ms=300, seed=2, stimuli=["sensory_cortex=1@0:40"])
    assert r.propagation_order[:2] == ["sensory_cortex", "association_cortex"]
    assert r.activity[-1].max() < 0.1
    late = simulate(graph, 10_000, duration_ms=100, seed=2, stimuli=["sensory_cortex=1@50:"])
    assert activation(late)["sensory_cortex"] > 50


def test_inhibitory_projection(graph):
    g = graph.copy()
    g.edges["executive_cortex", "motor_cortex"]["sign"] = -1
    r = simulate(g, 10_000, duration_ms=200, deterministic=True, stimuli=[SENSORY])
    assert "executive_cortex" in r.propagation_order and "motor_cortex" not in r.propagation_order


def test_delays_shift_activation_later(graph):
    instant = activation(simulate(graph, 10_000, duration_ms=250, deterministic=True, stimuli=[SENSORY],
                                  delays=False))
    delayed = activation(simulate(graph, 10_000, duration_ms=250, deterministic=True, stimuli=[SENSORY],
                                  speed_mm_per_ms=1.0))
    assert delayed["sensory_cortex"] == instant["sensory_cortex"]
    for name in REGIONS[1:]:
        assert delayed[name] > instant[name]
    # on a chain, a 20 mm tract at 1 mm/ms delays the target's activation by exactly 20 ms (200 steps)
    chain = nx.DiGraph(name="chain")
    chain.add_node("a", share=1.0)
    chain.add_node("b", share=1.0)
    chain.add_edge("a", "b", strength=1.0, tract_length=20.0)
    times = [activation(simulate(chain, 10_000, duration_ms=100, deterministic=True, stimuli=["a=1"], **delays))
             for delays in ({"delays": False}, {"speed_mm_per_ms": 1.0})]
    assert times[1]["a"] == times[0]["a"] and times[1]["b"] == pytest.approx(times[0]["b"] + 20, abs=1e-9)
    fast = activation(simulate(graph, 10_000, duration_ms=250, deterministic=True, stimuli=[SENSORY],
                               speed_mm_per_ms=10.0))
    assert instant["motor_cortex"] < fast["motor_cortex"] < delayed["motor_cortex"]


def test_projections_without_tract_length_have_no_delay(graph):
    g = graph.copy()
    for _, _, attrs in g.edges(data=True):
        attrs.pop("tract_length")
    a = simulate(g, 10_000, duration_ms=50, deterministic=True, stimuli=[SENSORY])
    b = simulate(g, 10_000, duration_ms=50, deterministic=True, stimuli=[SENSORY], speed_mm_per_ms=1.0)
    assert np.array_equal(a.activity, b.activity)


# --- reproducibility ---------------------------------------------------------------------------


def test_seeds(graph, driven):
    again = simulate(graph, 10_000, duration_ms=200, seed=7, stimuli=[SENSORY])
    assert np.array_equal(again.activity, driven.activity)
    assert again.summary_regions == driven.summary_regions
    other = simulate(graph, 10_000, duration_ms=200, seed=8, stimuli=[SENSORY])
    assert not np.array_equal(other.activity, driven.activity)


def test_an_unseeded_run_reports_the_seed_that_reproduces_it(graph):
    first = simulate(graph, 10_000, duration_ms=20)
    assert isinstance(first.seed, int) and 0 <= first.seed < 2**63
    assert np.array_equal(simulate(graph, 10_000, duration_ms=20, seed=first.seed).activity, first.activity)
    assert simulate(graph, 10_000, duration_ms=20, deterministic=True).seed is None


# --- recording and output ----------------------------------------------------------------------


def test_time_axis_and_parameters(driven):
    assert driven.time_ms.shape == (2001,)
    assert driven.time_ms[0] == 0 and driven.time_ms[3] == 0.3 and driven.time_ms[-1] == 200
    assert driven.activity.dtype == np.float64
    assert driven.steps == 2000 and driven.neurons == 10_000 and driven.seed == 7
    assert driven.parameters()["stimuli"] == ["sensory_cortex=1"]
    assert driven.summary()["propagation_order"] == driven.propagation_order


def test_record_every_subsamples_but_the_summary_uses_every_step(graph, driven):
    sparse = simulate(graph, 10_000, duration_ms=200, seed=7, stimuli=[SENSORY], record_every_ms=10)
    assert sparse.activity.shape == (21, 5)
    assert sparse.time_ms.tolist() == [10.0 * i for i in range(21)]
    assert np.array_equal(sparse.activity, driven.activity[::100])
    assert sparse.summary_regions == driven.summary_regions
    assert sparse.record_every_ms == 10


def test_progress_is_called_about_every_percent(graph):
    calls: list[int] = []
    simulate(graph, 1000, duration_ms=123.4, seed=1, progress=calls.append)
    assert sum(calls) == 1234
    assert len(calls) == 100
    few: list[int] = []
    simulate(graph, 1000, duration_ms=5, dt_ms=1, seed=1, progress=few.append)
    assert few == [1] * 5


def test_write_npz_and_csv(tmp_path, driven):
    npz = tmp_path / "run.npz"
    driven.write(npz)
    with np.load(npz) as data:
        assert data["time_ms"].shape == (2001,)
        assert data["activity"].shape == (2001, 5)
        assert data["regions"].tolist() == REGIONS
        assert np.array_equal(data["activity"], driven.activity)
    table = tmp_path / "run.csv"
    driven.write(str(table))
    with open(table, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["time_ms", *REGIONS]
    assert len(rows) == 2002 and all(len(r) == 6 for r in rows)
    values = np.array(rows[1:], dtype=float)
    assert np.array_equal(values[:, 0], driven.time_ms)
    assert np.array_equal(values[:, 1:], driven.activity)


def test_csv_quotes_awkward_region_names(tmp_path):
    g = nx.DiGraph(name="odd")
    g.add_node('a, "b"', share=1)
    g.add_node("c=d@e", share=1)
    g.add_edge('a, "b"', "c=d@e", strength=1)
    r = simulate(g, 100, duration_ms=5, seed=1, stimuli=["c=d@e=0.5@1:2"])
    r.write(tmp_path / "odd.csv")
    with open(tmp_path / "odd.csv", newline="", encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == ["time_ms", 'a, "b"', "c=d@e"]


def test_write_refuses_unknown_formats_and_unwritable_paths(tmp_path, driven):
    with pytest.raises(InputError, match="use .npz or .csv"):
        driven.write(tmp_path / "run.txt")
    with pytest.raises(InputError, match="missing' does not exist"):
        driven.write(tmp_path / "missing" / "run.csv")
    with pytest.raises(InputError, match="is a folder"):
        driven.write(tmp_path, suffix=".npz")


# --- memory ------------------------------------------------------------------------------------


def test_estimate(graph):
    small = estimate(graph, 10**4)
    large = estimate(graph, 10**12)
    for e, n in ((small, 10**4), (large, 10**12)):
        assert e["neurons"] == n
        assert e["total_connections"] == derived_counts(graph, n)["total_connections"]
        assert e["explicit_bytes"] == 8 * e["total_connections"]
        assert e["fits"] is True and e["available_bytes"] > 0
    assert large["total_connections"] > 2**63  # a Python int, whole
    assert small["run_bytes"] == large["run_bytes"]
    assert 10001 * 5 * 8 <= small["run_bytes"] < 1_000_000
    assert estimate(graph, 10**4, record_every_ms=1)["run_bytes"] < small["run_bytes"]
    delayed = estimate(graph, 10**4, speed_mm_per_ms=0.1)  # 45 mm at 0.1 mm/ms = 4500 steps
    assert delayed["max_delay_steps"] == 4500
    assert delayed["run_bytes"] >= small["run_bytes"] + 4501 * 5 * 8
    # 45 mm at 0.01 mm/ms = 45000 steps, beyond the run's 10000: what arrives after the end is never read
    assert estimate(graph, 10**4, speed_mm_per_ms=0.01)["max_delay_steps"] == 10001


def test_step_cap_and_time_verdict(graph):
    """More than 10^8 steps is refused with the figures; --max-steps lifts it; a run of weeks is refused."""
    with pytest.raises(ResourceError, match=r"1e\+09 ms in steps of 0.1 ms is 10,000,000,000 steps, more than the "
                                            r"100,000,000 allowed"):
        estimate(graph, 10**4, duration_ms=1e9)
    with pytest.raises(ResourceError, match=r"is 1\.000E\+616 steps"):
        estimate(graph, 10**4, duration_ms=1e308, dt_ms=1e-308)
    long = estimate(graph, 10**4, duration_ms=1e11, dt_ms=1.0, record_every_ms=1e8, max_steps=10**12)
    assert long["steps"] == 10**11 and long["time_s"] == pytest.approx(10**11 * (40e-6 + 10e-9 * 13))
    with pytest.raises(ResourceError, match=r"would take about 46 days \(100,000,000,000 steps\)"):
        check_memory(long)
    with pytest.raises(InputError, match=r"record_every_ms: must be ≤ the duration \(1000 ms\), got 1.000E\+308 ms"):
        estimate(graph, 10**4, record_every_ms=1e308)
    assert estimate(graph, 10**4, speed_mm_per_ms=1e-320)["max_delay_steps"] == 10001


def test_check_memory(graph):
    assert check_memory(estimate(graph, 10**4)) is None
    absurd = estimate(graph, 10**4, duration_ms=1e12, dt_ms=0.1, max_steps=10**14)
    assert absurd["fits"] is False
    with pytest.raises(ResourceError) as info:
        check_memory(absurd)
    assert info.value.exit_code == 2
    assert "\n" not in str(info.value) and "bytes" in str(info.value)
    half = dict(absurd, run_bytes=600, available_bytes=1000, fits=True, time_s=1.0)
    warning = check_memory(half)
    assert isinstance(warning, str) and "more than half" in warning and "\n" not in warning
    assert check_memory(dict(half, run_bytes=500)) is None


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"neurons": 0}, "neurons: "),
        ({"neurons": -5}, "neurons: "),
        ({"neurons": 1e4}, "neurons: "),
        ({"neurons": True}, "neurons: "),
        ({"neurons": "10000"}, "neurons: "),
        ({"dt_ms": 0}, "dt_ms: "),
        ({"dt_ms": -0.1}, "dt_ms: "),
        ({"dt_ms": math.nan}, "dt_ms: "),
        ({"duration_ms": 0}, "duration_ms: "),
        ({"duration_ms": -1}, "duration_ms: "),
        ({"duration_ms": math.inf}, "duration_ms: "),
        ({"duration_ms": 1, "dt_ms": 2}, "must not exceed the duration"),
        ({"record_every_ms": 0.05}, "record_every_ms: "),
        ({"record_every_ms": math.nan}, "record_every_ms: "),
        ({"speed_mm_per_ms": -1}, "speed_mm_per_ms: "),
        ({"speed_mm_per_ms": 0}, "speed_mm_per_ms: "),
        ({"speed_mm_per_ms": math.inf}, "speed_mm_per_ms: "),
        ({"stimuli": [Stimulus("thalamus", 1.0)]}, "unknown region 'thalamus'"),
        ({"stimuli": ["thalamus=1"]}, "unknown region 'thalamus'"),
        ({"stimuli": [Stimulus("sensory_cortex", math.nan)]}, "amplitude"),
        ({"stimuli": [Stimulus("sensory_cortex", 1.0, 10, 5)]}, "end time"),
        ({"seed": -1}, "seed: "),
        ({"seed": 1.5}, "seed: "),
        ({"coupling": math.nan}, "coupling: "),
        ({"width": 0}, "params['width']: must be in (0, inf)"),
        ({"dt_ms": 20}, "tau_ms"),
    ],
)
def test_bad_arguments(graph, kwargs, fragment):
    kwargs = {"neurons": 10_000, "duration_ms": 100, **kwargs}
    neurons = kwargs.pop("neurons")
    with pytest.raises(InputError) as info:
        simulate(graph, neurons, **kwargs)
    message = str(info.value)
    assert fragment in message and "\n" not in message
    if "stimuli" not in kwargs and "seed" not in kwargs and "coupling" not in kwargs and "width" not in kwargs:
        with pytest.raises(InputError):
            estimate(graph, neurons, **kwargs)


@pytest.mark.parametrize(
    "where, attrs, fragment",
    [
        ("node", {"threshold": 1.5}, "threshold"),
        ("node", {"threshold": 0}, "threshold"),
        ("node", {"tau_ms": -1}, "tau_ms"),
        ("node", {"tau_ms": "slow"}, "tau_ms"),
        ("edge", {"sign": 0}, "sign"),
        ("edge", {"tract_length": -3}, "tract_length"),
        ("edge", {"strength": 2000}, "strength"),
    ],
)
def test_bad_attributes(graph, where, attrs, fragment):
    g = graph.copy()
    target = g.nodes["motor_cortex"] if where == "node" else g.edges["executive_cortex", "motor_cortex"]
    target.update(attrs)
    with pytest.raises(InputError, match=fragment):
        simulate(g, 10_000, duration_ms=10, speed_mm_per_ms=1.0)


def test_region_attributes_are_used(graph):
    g = graph.copy()
    g.nodes["motor_cortex"]["threshold"] = 0.99  # above what its input can drive it to
    g.nodes["association_cortex"]["tau_ms"] = 40.0
    base = activation(simulate(graph, 10_000, duration_ms=200, deterministic=True, stimuli=[SENSORY]))
    slow = activation(simulate(g, 10_000, duration_ms=200, deterministic=True, stimuli=[SENSORY]))
    assert slow["motor_cortex"] is None
    assert slow["association_cortex"] > base["association_cortex"]


# --- stimuli -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("sensory_cortex=1.0", Stimulus("sensory_cortex", 1.0, 0.0, None)),
        ("sensory_cortex=0.8@10:50", Stimulus("sensory_cortex", 0.8, 10.0, 50.0)),
        ("a=-0.5@100", Stimulus("a", -0.5, 100.0, None)),
        ("a=2@100:", Stimulus("a", 2.0, 100.0, None)),
        ("a=2@:50", Stimulus("a", 2.0, 0.0, 50.0)),
        ("a=b=1e-1", Stimulus("a=b", 0.1, 0.0, None)),
        ("x@y=3@1:2", Stimulus("x@y", 3.0, 1.0, 2.0)),
        ("a=0.123456789@0.05:1e5", Stimulus("a", 0.123456789, 0.05, 100000.0)),
        ("left V1 = 1 @ 5 : 6", Stimulus("left V1 ", 1.0, 5.0, 6.0)),
    ],
)
def test_parse_stimulus(text, expected):
    stimulus = parse_stimulus(text)
    assert stimulus == expected
    assert parse_stimulus(stimulus.text()) == stimulus


@pytest.mark.parametrize(
    "text",
    ["", "sensory_cortex", "=1", "  =1", "a=", "a=x", "a=nan", "a=inf", "a=1@", "a=1@:", "a=1@x:2",
     "a=1@1:y", "a=1@20:10", "a=1@5:5", "a=1@-5:10", "a=1@1:2:3"],
)
def test_parse_stimulus_refuses(text):
    with pytest.raises(InputError) as info:
        parse_stimulus(text)
    assert str(info.value).startswith("stimuli: ") and "\n" not in str(info.value)


def test_modules_document_the_model():
    from connectome.sim import noise, plan
    from connectome.sim.models.rate import RateModel

    for doc, fragment in ((plan.__doc__, "w_st = ±K_st / Σ_s' K_s't"),
                          (noise.__doc__, "n ← n − Binomial(n, (1 − σ(h)) · p) + Binomial(N − n, σ(h) · p)"),
                          (RateModel.__doc__, "τ_t da_t/dt = −a_t + σ((h_t − θ_t) / width)")):
        assert fragment in doc
