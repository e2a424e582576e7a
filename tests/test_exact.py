"""The counting rule: largest-remainder apportionment and exact integer connection counts."""

from fractions import Fraction

import networkx as nx
import pytest
from hypothesis import given, strategies as st

from connectome.errors import InputError
from connectome.exact import apportion, connections, exact, parse_count
from connectome.graph import derived_counts
from connectome.formats.canonical import read_json
from conftest import EXAMPLE


def test_strength_is_the_decimal_written():
    assert exact(0.3) == Fraction(3, 10)
    assert exact(0.1) + exact(0.2) == exact(0.3)
    assert exact(7) == 7


def test_apportion_by_hand():
    # 10 * (1/3, 1/3, 1/3) = 3.33 each: one leftover neuron goes to the first listed (a tie)
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    # quotas 1.4, 2.1, 3.5 -> floors 1, 2, 3, one leftover to the largest remainder (0.5)
    assert apportion(7, [0.2, 0.3, 0.5]) == [1, 2, 4]
    assert apportion(1, [0.25, 0.75]) == [0, 1]


@given(st.integers(1, 10**12), st.lists(st.floats(1e-6, 1e6), min_size=1, max_size=30))
def test_apportion_sums_exactly(total, shares):
    counts = apportion(total, shares)
    assert sum(counts) == total
    whole = sum(map(exact, shares))
    for c, s in zip(counts, shares):
        quota = total * exact(s) / whole
        assert quota - 1 < c < quota + 1


def test_connections_exact_where_floats_are_not():
    # 90 * 1000 * 0.7 / 1000 is 63 exactly; the origin program's float formula truncated it to 62
    assert int(90 * 1000 * 0.7 / 1000) == 62
    assert connections(90, 1000, 0.7) == 63
    assert connections(1000, 1000, 0.3) == 300
    assert connections(3, 7, 1) == 0  # floor(21/1000)
    assert connections(10**6, 10**6, 1000) == 10**12


def test_example_counts_by_hand():
    stats = derived_counts(read_json(EXAMPLE), 10_000_000)
    sizes = {r["name"]: r["neurons"] for r in stats["regions"]}
    assert sizes == {"sensory_cortex": 2_500_000, "association_cortex": 2_500_000, "executive_cortex": 2_000_000,
                     "memory_hippocampus": 1_500_000, "motor_cortex": 1_500_000}
    first = stats["projections"][0]
    assert (first["source"], first["target"], first["connections"]) == ("sensory_cortex", "association_cortex", 2_500_000 * 2_500_000 * 3 // 10_000)
    assert stats["total_connections"] == 6_537_500_000


def test_totals_beyond_two_to_the_63():
    g = nx.DiGraph(name="big")
    g.add_node("a", share=1.0)
    g.add_node("b", share=1.0)
    g.add_edge("a", "b", strength=1000.0)
    g.add_edge("b", "a", strength=0.3)
    stats = derived_counts(g, 10**12)
    # 5e11 * 5e11 * 1000/1000 = 2.5e23 and 5e11 * 5e11 * 3/10000 = 7.5e19, both by hand
    assert [p["connections"] for p in stats["projections"]] == [250_000_000_000_000_000_000_000, 75_000_000_000_000_000_000]
    assert stats["total_connections"] == 250_075_000_000_000_000_000_000 > 2**63
    assert isinstance(stats["total_connections"], int)


@pytest.mark.parametrize("text, value", [("10000000", 10**7), ("10_000_000", 10**7), ("1e7", 10**7),
                                         ("1.5e9", 1_500_000_000), ("1", 1), ("1e12", 10**12), (" 42 ", 42)])
def test_parse_count_accepts(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize("text", ["0", "-5", "1.5", "abc", "", "nan", "inf", "1e-3", "0x10"])
def test_parse_count_refuses(text):
    with pytest.raises(InputError, match="^neurons: "):
        parse_count(text)


def test_numpy_numbers_are_numbers():
    import numpy as np

    assert exact(np.float64(0.3)) == Fraction(3, 10)
    assert exact(np.int64(7)) == 7
    assert connections(90, 1000, np.float64(0.7)) == 63


def test_neurons_upper_bound():
    assert parse_count("1e18") == 10**18
    with pytest.raises(InputError, match="at most 1e18"):
        parse_count("1e19")
