"""The exact integer plan equals the rational definition bit for bit, on random topologies."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import networkx as nx
from hypothesis import given, settings, strategies as st

from connectome.exact import apportion, connections, exact, scaled
from connectome.graph import rows_of
from connectome.counting import projection_counts
from connectome.sim.plan import build_plan

DECIMALS = st.one_of(st.sampled_from([0.1, 0.3, 1 / 3, 1000.0, 5e-324, 2.5e-7, 123.456]),
                     st.floats(min_value=1e-9, max_value=1000),
                     st.decimals(min_value=Decimal("1e-12"), max_value=1000, places=25).filter(lambda d: d > 0))
LENGTHS = st.one_of(st.none(), st.sampled_from([0, 0.15, 0.45, 12.5, 149.95]), st.floats(min_value=0, max_value=300))


@st.composite
def networks(draw):
    regions = draw(st.integers(1, 7))
    g = nx.DiGraph(name="p")
    for i in range(regions):
        g.add_node(f"r{i}", share=draw(st.sampled_from([1, 0.5, 2.25, 1e-3, 7])))
    for s in range(regions):
        for t in range(regions):
            if draw(st.booleans()):
                attrs = {"strength": draw(DECIMALS), "sign": draw(st.sampled_from([1, -1]))}
                length = draw(LENGTHS)
                if length is not None:
                    attrs["tract_length"] = length
                g.add_edge(f"r{s}", f"r{t}", **attrs)
    return g


def _rational(g: nx.DiGraph, neurons: int, speed: Fraction, dt: Fraction, steps: int):
    """The definitions, with a Fraction per projection."""
    sizes = apportion(neurons, [g.nodes[n]["share"] for n in g])
    index = {n: i for i, n in enumerate(g)}
    k_in = [Fraction(0)] * len(sizes)
    for s, t, w in g.edges(data="strength"):
        k_in[index[t]] += sizes[index[s]] * exact(w)
    weights, delays = [], []
    for s, t, a in g.edges(data=True):
        k = sizes[index[s]] * exact(a["strength"])
        weights.append(float(a.get("sign", 1) * k / k_in[index[t]]) if k_in[index[t]] else 0.0)
        length = a.get("tract_length")
        delays.append(0 if length is None else min(math.floor(exact(length) / (speed * dt) + Fraction(1, 2)), steps + 1))
    counts = [connections(sizes[index[s]], sizes[index[t]], w) for s, t, w in g.edges(data="strength")]
    return sizes, weights, delays, counts


@settings(max_examples=150, deadline=None)
@given(g=networks(), neurons=st.sampled_from([1, 7, 10**4, 10**9 + 7, 10**18]),
       speed=st.sampled_from([Fraction(3), Fraction(1, 10), Fraction(7, 3)]))
def test_integer_plan_equals_the_fraction_definition(g, neurons, speed):
    dt, steps = Fraction(1, 10), 1000
    sizes, weights, delays, counts = _rational(g, neurons, speed, dt, steps)
    plan = build_plan(rows_of(g), neurons, "mean-input", speed=speed, dt=dt, steps=steps)
    assert plan.sizes == sizes and plan.weights == weights and plan.delays == delays
    ints, power = scaled([w for _, _, w in g.edges(data="strength")])
    assert projection_counts(plan.sizes, plan.src, plan.tgt, [ints[w] for _, _, w in g.edges(data="strength")],
                             power) == counts and plan.total_connections == sum(counts)
    raw = build_plan(rows_of(g), neurons, "raw", speed=None, dt=dt, steps=steps)
    assert raw.weights == [a.get("sign", 1) * float(a["strength"]) for _, _, a in g.edges(data=True)]
    assert raw.delays == [0] * g.number_of_edges()


def test_many_float_delays_take_the_float_path_and_still_equal_the_definition():
    """Over 50k float lengths, delays are computed in floats except near halves: the same as in integers."""
    import random

    from connectome.sim.plan import delays_in_steps

    rng = random.Random(3)
    lengths = [rng.uniform(0, 150) for _ in range(60_000)] + [0.15, 0.45, 1.05, 149.85, 0.0, 3e-5] * 100
    speed, dt = Fraction(3), Fraction(1, 10)
    where = lambda i: ("a", "b")  # noqa: E731
    expected = [min(math.floor(exact(v) / (speed * dt) + Fraction(1, 2)), 1001) for v in lengths]
    assert delays_in_steps(lengths, speed, dt, 1000, where) == expected
    assert expected[60_000:60_006] == [1, 2, 4, 500, 0, 0]  # exact halves go up


def test_many_float_strengths_scale_by_numpy_exactly_as_by_their_decimals():
    """Over 50k floats, the integers over 10^power come from numpy, equal to the decimals as written."""
    import random

    from connectome.exact import scaled_floats, scaled_list

    rng = random.Random(4)
    for digits in (0, 2, 6, 9):
        values = [round(rng.uniform(1e-3, 1000), digits) or 1.0 for _ in range(60_000)] + [0.1, 0.3, 1e-05, 1000.0]
        ints, power = scaled(values)
        expected = ([ints[v] for v in values], power)
        assert scaled_floats(values) == expected == scaled_list(values)
        assert power == max(digits, 5)  # 1e-05 needs five places
    assert scaled_floats([1 / 3] * 3) is None  # 17 significant digits: the exact path decides
    assert scaled_list([1 / 3] * 60_001)[1] == 16
    assert scaled_floats([1e20, 1.0]) is None
