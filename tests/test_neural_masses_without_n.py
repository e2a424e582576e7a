"""Neural masses without a neuron count, flat summaries with their model's fields only, delays by default."""

import json

import networkx as nx
import numpy as np
import pytest

from connectome.formats.canonical import read_json
from connectome.runs import SUMMARY_FIELDS
from connectome.sim import RunSpec, estimate, simulate
from connectome.sim.spec import DEFAULT_SPEED_MM_PER_MS

from conftest import EXAMPLE, assert_one_line_error, input_error, raw_sql

WC = ("--topology", "v1", "--model", "wilson-cowan", "--noise", "E=0.001", "--dt", "0.5", "--duration", "600",
      "--seed", "3")
MASS_KEYS = ["run_id", "ref", "duration_ms", "dt_ms", "seed", "deterministic", "model", "observed", "coupling_mode",
             "kernel", "speed_mm_per_ms", "regions", "wall_s", "peak_rss_bytes", "output", "engine", "fc_sc",
             "fc_log_sc"]


@pytest.fixture
def imported(run):
    assert run("topology", "import", EXAMPLE).exit_code == 0


def test_a_neural_mass_runs_without_neurons_and_shows_no_count_anywhere(run, imported):
    text = run("simulate", *WC, "--fc")
    assert text.exit_code == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0] == "run 1: multi_region@v1, 600 ms in steps of 0.5 ms, wilson-cowan (seed 3), delays at 3 mm/ms"
    assert lines[1].split() == ["region", "peak", "E", "mean", "E"]
    assert "neurons" not in text.stdout and "connections" not in text.stdout and "propagation" not in text.stdout
    assert lines[-2].startswith("FC-SC correlation: fc_sc ") and ", fc_log_sc " in lines[-2]
    summary = run("simulate", *WC, "--fc", "--json").json()
    assert list(summary) == MASS_KEYS == [k for k in SUMMARY_FIELDS if k in summary]
    assert sorted(summary["regions"][0]) == ["mean_activity", "name", "peak_activity"]
    assert isinstance(summary["fc_sc"], float) and isinstance(summary["fc_log_sc"], float)  # flat, not nested
    assert summary["speed_mm_per_ms"] == DEFAULT_SPEED_MM_PER_MS == 3.0
    shown = run("runs", "show", "2")
    assert shown.stdout.splitlines()[0] == lines[0].replace("run 1", "run 2")
    assert run("runs", "show", "2", "--json").json()["neurons"] is None
    again = run("runs", "rerun", "2", "--json").json()
    assert (again["fc_sc"], again["regions"]) == (summary["fc_sc"], summary["regions"])


def test_runs_without_n_are_stored_with_neurons_null(run, imported, db):
    assert run("simulate", *WC).exit_code == 0
    assert run("simulate", "--topology", "v1", "--neurons", "1e6", "--duration", "20", "--seed", "1").exit_code == 0
    assert raw_sql(db, "SELECT id, neurons FROM runs ORDER BY id") == [(1, None), (2, 1000000)]
    assert raw_sql(db, "SELECT run_id, neurons FROM run_view ORDER BY run_id") == [(1, None), (2, 1000000)]


def test_estimate_without_neurons_shows_no_connection_counts(run, imported):
    text = run("estimate", *WC, "--monitor", "bold", "--bold-period", "100", "--fc").stdout.splitlines()
    assert text[0] == "multi_region@v1: wilson-cowan"
    assert not any("explicit storage" in line or "connections" in line for line in text)
    est = run("estimate", *WC, "--json").json()
    assert not {"neurons", "total_connections", "explicit_bytes"} & set(est)
    assert (est["speed_mm_per_ms"], est["max_delay_steps"]) == (3.0, 30)  # 45 mm at 3 mm/ms in steps of 0.5 ms
    assert run("estimate", *WC, "--no-delays", "--json").json()["speed_mm_per_ms"] is None


def test_the_rate_model_needs_n_or_the_reference_scale(run, imported, tmp_path):
    assert_one_line_error(run("simulate", "--topology", "v1", "--duration", "20"),
                          "--neurons: the rate model needs a neuron count, and multi_region has no reference scale")
    assert_one_line_error(run("estimate", "--topology", "v1", "--model", "linear", "--coupling-mode", "mean-input"),
                          "--neurons: mean-input coupling needs a neuron count")
    document = json.loads(EXAMPLE.read_text())
    document.update(name="scaled", neurons=1000)
    (tmp_path / "scaled.json").write_text(json.dumps(document))
    assert run("topology", "import", tmp_path / "scaled.json").exit_code == 0
    summary = run("simulate", "--topology", "scaled", "--duration", "20", "--seed", "1", "--json").json()
    assert run("topology", "stats", "scaled", "--json").json()["total_connections"] == 62  # at its reference scale
    assert (summary["neurons"], summary["total_connections"]) == (1000, 62)
    assert summary["propagation_order"] == [] and "activation_ms" in summary["regions"][0]
    assert run("runs", "show", str(summary["run_id"]), "--json").json()["parameters"]["neurons"] == 1000
    assert sorted(summary["regions"][0]) == ["activation_ms", "mean_activity", "name", "neurons", "peak_activity"]


def test_neurons_change_nothing_for_a_neural_mass():
    graph = read_json(EXAMPLE)
    kw = dict(model="wilson-cowan", duration_ms=50, dt_ms=0.5, noise={"E": 1e-3}, seed=5, fc=True)
    bare, one, many = (simulate(graph, n, **kw) for n in (None, 1, 10**9))
    for other in (one, many):
        assert np.array_equal(bare.activity, other.activity) and np.array_equal(bare.fc, other.fc)
    assert (bare.neurons, bare.total_connections, bare.region_neurons, bare.propagation_order) == (None,) * 4
    assert (one.neurons, one.total_connections, many.region_neurons[0]) == (1, 0, 250_000_000)
    assert "neurons" not in bare.summary() and "neurons" in many.summary()["regions"][0]


def _chain(**edge) -> nx.DiGraph:
    g = nx.DiGraph(name="chain")
    g.add_node("a", share=1.0)
    g.add_node("b", share=1.0)
    g.add_edge("a", "b", strength=1.0, **edge)
    return g


def _activation_b(graph, **kw) -> float:
    result = simulate(graph, 10_000, duration_ms=100, deterministic=True, stimuli=["a=1"], **kw)
    return {r["name"]: r["activation_ms"] for r in result.summary_regions}["b"]


def test_tract_lengths_delay_at_tvbs_speed_unless_told_otherwise():
    """20 mm: 66.7 steps of 0.1 ms at 3 mm/ms, rounded to 67 (6.7 ms); 20 ms at 1 mm/ms; none without delays."""
    chain = _chain(tract_length=20.0)
    instant = _activation_b(chain, delays=False)
    assert _activation_b(_chain()) == instant  # no tract length: no delay at any speed
    assert _activation_b(chain) == pytest.approx(instant + 6.7, abs=1e-9)
    assert _activation_b(chain, speed_mm_per_ms=3.0) == _activation_b(chain)
    assert _activation_b(chain, speed_mm_per_ms=1.0) == pytest.approx(instant + 20, abs=1e-9)
    speeds = [simulate(g, 10, duration_ms=1, deterministic=True, **kw).speed_mm_per_ms
              for g, kw in ((chain, {}), (chain, {"speed_mm_per_ms": 6.0}), (chain, {"delays": False}), (_chain(), {}))]
    assert speeds == [3.0, 6.0, None, None]
    assert estimate(chain, 10, duration_ms=10)["max_delay_steps"] == 67


def test_no_delays_and_a_speed_contradict(run, imported):
    assert input_error(lambda: simulate(_chain(), 10, delays=False, speed_mm_per_ms=2.0)) == \
        "delays contradicts speed_mm_per_ms: without delays there is no speed; leave one out"
    assert_one_line_error(run("simulate", *WC, "--no-delays", "--speed", "2"),
                          "--no-delays contradicts --speed: without delays there is no speed")
    assert run("runs", "list", "--json").json() == []


def test_a_spec_stored_before_delays_existed_runs_as_it_did():
    old = {k: v for k, v in RunSpec(neurons=10).to_json().items() if k != "delays"}
    assert RunSpec.from_json(old).delays is False  # no speed then meant no delays
    assert RunSpec.from_json({**old, "speed_mm_per_ms": 2.0}).delays is True
    assert RunSpec.from_json(RunSpec().to_json()) == RunSpec()  # a spec now: delays on, no N


def test_a_sweep_of_a_neural_mass_needs_no_neurons(run, imported, db):
    pytest.importorskip("distributed")
    out = run("sweep", "--topology", "v1", "--model", "linear", "--duration", "50", "--dt", "0.05", "--fc",
              "--grid", "coupling=0,0.5", "--objective", "fc-sc", "--seed", "1", "--workers", "1", "--json")
    assert out.exit_code == 0, out.stderr
    assert [r["score"] is not None for r in out.json()["rows"]] == [True, True]
    assert raw_sql(db, "SELECT neurons, json_extract(summary, '$.speed_mm_per_ms') FROM runs") == [(None, 3.0)] * 2
    assert [json.loads(s)["fc_sc"] == r["score"] for s, r in zip(
        (s for (s,) in raw_sql(db, "SELECT summary FROM runs ORDER BY sweep_point")), out.json()["rows"])] == [True] * 2
