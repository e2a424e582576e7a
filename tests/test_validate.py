"""`validate` on graphs built in Python: strengths that are not positive finite numbers are refused in one line."""

import networkx as nx
import pytest

from connectome.validation import validate
from conftest import input_error


def _graph(strength):
    graph = nx.DiGraph(name="t")
    graph.add_node("a", share=1)
    graph.add_node("b", share=1)
    graph.add_edge("a", "b", strength=strength)
    return graph


@pytest.mark.parametrize("strength, message", [
    (0.0, "projection 'a' -> 'b'.strength: must be > 0, got 0.0"),
    (-0.0, "projection 'a' -> 'b'.strength: must be > 0, got -0.0"),
    (1e-400, "projection 'a' -> 'b'.strength: must be > 0, got 0.0"),  # the literal underflows to 0.0
    (float("nan"), "projection 'a' -> 'b'.strength: must be finite, got nan"),
])
def test_strengths_that_are_not_positive_are_refused(strength, message):
    assert input_error(lambda: validate(_graph(strength))) == message


def test_the_smallest_positive_strength_is_kept():
    assert validate(_graph(5e-324)).edges["a", "b"]["strength"] == 5e-324
