"""Batched runs: K points stepped by one kernel, each point's numbers the same bits as the point alone."""

from __future__ import annotations

import hashlib

import networkx as nx
import numpy as np
import pytest

from connectome.errors import InputError
from connectome.sim import make_spec, prepare
from connectome.sim.batch import batch_key, compile_batch, point_of, run_batch, side_by_side
from connectome.sim.loop import run
from connectome.sim.models import MODELS


def _graph(n: int = 6) -> nx.DiGraph:
    """n regions, a ring with a chord and two self-loops, tract lengths of several delays."""
    g = nx.DiGraph(name="batch", neurons=10**6)
    for i in range(n):
        g.add_node(f"r{i}", share=1.0 + i)
    for i in range(n):
        g.add_edge(f"r{i}", f"r{(i + 1) % n}", strength=0.5 + 0.1 * i, tract_length=1.5 + 2 * i)
        g.add_edge(f"r{i}", f"r{(i + 2) % n}", strength=0.3, tract_length=3.3)
    g.add_edge("r1", "r1", strength=0.2, tract_length=0.0)
    return g


def _bits(result) -> str:
    """A digest of every array a run returns: equal digests, equal bits."""
    h = hashlib.sha256()
    for values in (result.activity, *result.states.values(), result.bold if result.bold is not None else [],
                   result.fc if result.fc is not None else []):
        h.update(np.ascontiguousarray(values, dtype="<f8").tobytes())
    h.update(repr([(r["peak_activity"], r["mean_activity"]) for r in result.summary_regions]).encode())
    return h.hexdigest()


# per model: what the points of a batch vary (each point differs in its coupling and seed besides)
CASES = {
    "linear": dict(params=[{}, {"coupling.b": 0.01}, {}], integrator="heun", dt_ms=0.01),
    "wilson-cowan": dict(params=[{"P": 0.5}, {}, {"c_ee": 11.0}], noise={"E": 1e-5},
                         stimuli=("r0=0.5@1:4",)),
    "reduced-wong-wang": dict(params=[{}, {"w": 0.8}, {}], noise={"S": 1e-6}, bold=True, bold_period_ms=2.0),
    "montbrio-pazo-roxin": dict(params=[{}, {"eta": -4.0}, {}], integrator="euler"),
    "jansen-rit": dict(params=[{}, {}, {"mu": 0.2}], dt_ms=0.05, fc=True),
    "kuramoto": dict(params=[{}, {"omega": 0.5}, {}], kernel="scatter"),
    "rate": dict(params=[{}, {}, {}], deterministic=True),
}


def test_every_model_of_the_package_has_a_case():
    assert sorted(CASES) == sorted(name for name, m in MODELS.items() if type(m).__module__.startswith("connectome."))


@pytest.mark.parametrize("model", sorted(CASES))
def test_each_point_of_a_batch_is_the_same_bits_as_alone(model):
    case = dict(CASES[model])
    given = case.pop("params")
    specs = [make_spec(None, model=model, duration_ms=6.0, coupling=0.02 * (i + 1), seed=10 + i, params=params,
                       record_every_ms=0.5, **case) for i, params in enumerate(given)]
    g = _graph()
    points = [prepare(g, spec) for spec in specs]
    alone = [_bits(run(p, threads=1)) for p in points]
    together = run_batch(points, threads=1)
    assert [_bits(r) for r in together] == alone
    assert len(set(alone)) == len(alone)  # the points differ: a batch mixing them up would show


@pytest.mark.parametrize("kernel", ["push", "dense", "scatter"])
def test_every_layout_batches_bit_for_bit(kernel):
    g = _graph(8)
    points = [prepare(g, make_spec(None, model="wilson-cowan", duration_ms=5.0, coupling=0.05 * i, seed=i,
                                   kernel=kernel, noise={"E": 1e-4, "I": 1e-4})) for i in range(1, 6)]
    assert [_bits(r) for r in run_batch(points, threads=1)] == [_bits(run(p, threads=1)) for p in points]


def test_a_point_that_diverges_is_refused_alone():
    g = _graph()
    points = [prepare(g, make_spec(None, model="linear", duration_ms=5.0, dt_ms=0.01, coupling=a, seed=1, integrator="euler",
                                   delays=False)) for a in (0.01, 1e6, 0.02)]
    first, bad, last = run_batch(points, threads=1)
    assert isinstance(bad, InputError) and "the run diverged" in str(bad)
    assert _bits(first) == _bits(run(points[0], threads=1)) and _bits(last) == _bits(run(points[2], threads=1))


def test_points_of_different_plans_do_not_share_a_batch():
    g = _graph()
    a = prepare(g, make_spec(None, model="linear", duration_ms=2.0, dt_ms=0.01, seed=1))
    b = prepare(g, make_spec(None, model="linear", duration_ms=2.0, dt_ms=0.01, seed=1, speed_mm_per_ms=6.0))
    with pytest.raises(ValueError, match="cannot share a batch"):
        run_batch([a, b])
    sampled = [prepare(g, make_spec(None, model="rate", duration_ms=2.0, seed=s)) for s in (1, 2)]
    with pytest.raises(ValueError, match="population runs alone"):
        run_batch(sampled)


def test_batch_key_keeps_the_plan_and_drops_the_per_point_fields():
    base = dict(model="wilson-cowan", duration_ms=10.0)
    key = batch_key(make_spec(None, **base))
    assert batch_key(make_spec(None, coupling=0.3, seed=4, params={"P": 1.0}, initial={"E": 0.2}, **base)) == key
    for change in ({"dt_ms": 0.05}, {"speed_mm_per_ms": 2.0}, {"integrator": "euler"}, {"stimuli": ("r0=1@0:1",)},
                   {"noise": {"E": 1e-4}}, {"bold": True}, {"kernel": "dense"}):
        assert batch_key(make_spec(None, **base, **change)) != key, change
    assert batch_key(make_spec(None, noise={"E": 1e-4}, **base)) == batch_key(make_spec(None, noise={"E": 2e-4}, **base))


def test_side_by_side_and_back():
    a, b, c = (np.arange(6.0).reshape(2, 3) + 100 * i for i in range(3))
    batch = side_by_side([a, b, c])
    assert batch.shape == (2, 9) and batch[1].tolist() == [3, 103, 203, 4, 104, 204, 5, 105, 205]
    assert all(np.array_equal(point_of(batch, 3, 3, q), m) for q, m in enumerate((a, b, c)))
    assert point_of((batch, 7), 3, 3, 1)[1] == 7


def test_compile_batch_steps_nothing():
    g = _graph()
    points = [prepare(g, make_spec(None, model="linear", duration_ms=2.0, dt_ms=0.01, seed=s)) for s in (1, 2)]
    compile_batch(points, threads=1)
    assert [_bits(r) for r in run_batch(points, threads=1)] == [_bits(run(p, threads=1)) for p in points]
