"""The step warning: dt·|λ| of the model's fastest linear rate above 0.5 names what the scheme does there."""

from __future__ import annotations

import warnings

import networkx as nx
import numpy as np
import pytest

from connectome.engine import simulate
from connectome.errors import ConnectomeWarning
from connectome.sim.models import get_model
from connectome.sim.stiffness import amplification, fastest_rate, variance_ratio


def _matrix(name: str, **given):
    model = get_model(name)
    return model, model.parameter_matrix(model.arrays(model.parameters([("r", {})], given)), 1)


@pytest.mark.parametrize("name, given, rate", [("linear", {}, 10.0), ("linear", {"gamma": -3.0}, 3.0),
                                               ("kuramoto", {}, 0.0)])
def test_the_fastest_rate_is_the_jacobians_largest_eigenvalue(name, given, rate):
    assert fastest_rate(*_matrix(name, **given)) == pytest.approx(rate, abs=1e-6)


def test_the_rates_of_the_other_models_are_their_jacobians_at_the_middle_of_the_ranges():
    """Wilson–Cowan's and Montbrió's, against numpy's eigenvalues of a Jacobian by wider differences."""
    import importlib

    for name in ("wilson-cowan", "montbrio-pazo-roxin", "jansen-rit"):
        model, p = _matrix(name)
        dfun = importlib.import_module(type(model).__module__).dfun
        n = len(model.state_variables)
        centre = np.array([[(v.low + v.high) / 2] for v in model.state_variables])
        jac, out1, out2, c = np.empty((n, n)), np.empty((n, 1)), np.empty((n, 1)), np.zeros((len(model.coupled), 1))
        for i in range(n):
            h = 1e-4 * max(1.0, abs(centre[i, 0]))
            up, down = centre.copy(), centre.copy()
            up[i] += h
            down[i] -= h
            dfun(up, c, p, out1)
            dfun(down, c, p, out2)
            jac[:, i] = ((out1 - out2) / (2 * h))[:, 0]
        assert fastest_rate(model, p) == pytest.approx(np.abs(np.linalg.eigvals(jac)).max(), rel=1e-4)


def test_the_schemes_variance_ratios_are_the_closed_forms():
    """At z = 1 (TVB's γ = −10, dt 0.1): Euler–Maruyama 2×, Heun 2/3 of D/|γ|; both → 1 as z → 0."""
    assert variance_ratio("euler-maruyama", 1.0) == pytest.approx(2.0)
    assert variance_ratio("heun-stochastic", 1.0) == pytest.approx(2 / 3)
    assert variance_ratio("heun-tvb-stochastic", 1e-6) == pytest.approx(1.0, rel=1e-5)
    assert (amplification("euler", 1.0), amplification("heun", 1.0)) == (0.0, 0.5)


def _pair() -> nx.DiGraph:
    g = nx.DiGraph(name="pair")
    g.add_nodes_from(["p", "q"], share=1.0)
    g.add_edge("p", "q", strength=1.0)
    return g


def test_a_step_that_does_not_resolve_the_model_warns_once_naming_the_schemes_error():
    with pytest.warns(ConnectomeWarning) as caught:
        simulate(_pair(), 1000, model="linear", noise={"x": 0.01}, duration_ms=1, seed=1, dt_ms=0.1)
    assert [str(w.message) for w in caught] == [
        "dt_ms: dt·|λ| = 1 for linear (its fastest rate |λ| = 10/ms at its default point; heun-stochastic's "
        "stationary variance there is 0.67× the equations'); a step below 0.05 ms resolves it"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        simulate(_pair(), 1000, model="linear", noise={"x": 0.01}, duration_ms=1, seed=1, dt_ms=0.05)
        simulate(_pair(), 1000, model="wilson-cowan", duration_ms=1, seed=1, dt_ms=0.1)
