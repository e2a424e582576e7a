"""The integrators' orders on a coupled connectome, measured against independent high-accuracy solutions.

Wilson–Cowan on TVB's connectivity_76 (raw weights, linear coupling a = 0.06, TVB's defaults otherwise),
30 ms from a seeded state, at dt = 0.4, 0.2, 0.1 and 0.05 ms. The reference is scipy's DOP853 (rtol 1e-12):
on the ODE without delays, and with delays by the method of steps (the solver stepped by hand, at most
the shortest delay per step, the delayed states read from the dense output of the steps already taken).
Tract lengths are rounded to whole millimetres at 2.5 mm/ms, so that every delay is a whole number of
steps at every dt (0.4 ms per millimetre) and the schemes are compared on the same equations.
The error is the largest absolute difference of the state at 30 ms; the order is the slope of log error
against log dt. `heun` is second order; `heun-tvb` (the coupling held) and `euler` are first order.
"""

from __future__ import annotations

import bisect
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from connectome.engine import simulate
from connectome.sim.models import get_model

REFERENCE = Path(__file__).parent / "reference" / "tvb_wilson-cowan.npz"
A, T, SPEED, DTS = 0.06, 30.0, 2.5, (0.4, 0.2, 0.1, 0.05)


def _connectome(delays: bool) -> tuple[nx.DiGraph, np.ndarray, np.ndarray]:
    """(graph, weights [target, source], delay in units of 0.4 ms [target, source])."""
    ref = np.load(REFERENCE)
    labels, w = [str(x) for x in ref["labels"]], ref["weights"]
    q = np.where(ref["tract_lengths"] > 0, np.maximum(1, np.rint(ref["tract_lengths"])), 0) if delays else \
        np.zeros_like(w)
    g = nx.DiGraph(name="connectivity_76")
    for name in labels:
        g.add_node(name, share=1.0)
    for t, s in zip(*np.nonzero(w)):
        g.add_edge(labels[s], labels[t], strength=float(w[t, s]), tract_length=float(q[t, s]))
    return g, w, q.astype(int)


def _start() -> np.ndarray:
    return np.random.default_rng(20).uniform(0.0, 0.4, (2, 76))


def _rhs(model, params):
    """dx/dt of the flattened state given E's coupling input (the model's own equations, run in Python)."""
    import importlib

    dfun = importlib.import_module(type(model).__module__).dfun

    def f(y, coupling):
        x, c, out = y.reshape(2, -1), np.zeros((2, 76)), np.empty((2, 76))
        c[0] = coupling
        dfun(x, c, params, out)
        return out.ravel()

    return f


def _reference(delays: bool) -> np.ndarray:
    from scipy.integrate import DOP853, solve_ivp

    _, w, q = _connectome(delays)
    model = get_model("wilson-cowan")
    params = model.parameter_matrix(model.arrays(model.parameters([(str(i), {}) for i in range(76)], {})), 76)
    f, x0 = _rhs(model, params), _start().ravel()
    if not delays:
        return solve_ivp(lambda t, y: f(y, A * w @ y[:76]), (0, T), x0, method="DOP853", rtol=1e-12,
                         atol=1e-14).y[:, -1]
    lags = sorted(set(q[w > 0].tolist()) - {0})
    parts = {lag: np.where(q == lag, w, 0.0) for lag in [0, *lags]}
    ends, dense = [], []

    def past(s: float) -> np.ndarray:
        if s <= 0:
            return x0[:76]
        return dense[min(bisect.bisect_left(ends, s), len(dense) - 1)](s)[:76]

    def g(t, y):
        total = parts[0] @ y[:76]
        for lag in lags:
            total += parts[lag] @ past(t - 0.4 * lag)
        return f(y, A * total)

    solver = DOP853(g, 0.0, x0, T, max_step=0.4, rtol=1e-12, atol=1e-14)
    while solver.status == "running":
        solver.step()
        ends.append(solver.t)
        dense.append(solver.dense_output())
    return solver.y


def _errors(scheme: str, delays: bool, want: np.ndarray) -> list[float]:
    g, _, _ = _connectome(delays)
    x0 = _start()
    out = []
    for dt in DTS:
        result = simulate(g, 1000, model="wilson-cowan", coupling=A, duration_ms=T, dt_ms=dt, integrator=scheme,
                          **({"speed_mm_per_ms": SPEED} if delays else {"delays": False}), initial={"E": x0[0].tolist(), "I": x0[1].tolist()})
        got = np.concatenate([result.states["E"][-1], result.states["I"][-1]])
        out.append(float(np.max(np.abs(got - want))))
    return out


def _slope(errors: list[float]) -> float:
    return float(np.polyfit(np.log(DTS), np.log(errors), 1)[0])


@pytest.mark.slow
@pytest.mark.parametrize("delays", [False, True], ids=["no delays", "delays"])
def test_heun_is_second_order_and_euler_and_tvbs_heun_first_order_on_connectivity_76(delays):
    want = _reference(delays)
    heun, tvb, euler = (_errors(s, delays, want) for s in ("heun", "heun-tvb", "euler"))
    print(f"\ndelays={delays} heun {heun} slope {_slope(heun):.3f}; heun-tvb {tvb} slope {_slope(tvb):.3f}; "
          f"euler {euler} slope {_slope(euler):.3f}")
    assert _slope(heun) >= 1.9
    assert abs(_slope(euler) - 1.0) <= 0.1
    assert abs(_slope(tvb) - 1.0) <= 0.15  # holding the coupling costs an order
    assert heun[2] < tvb[2] / 20  # at dt 0.1, the textbook scheme is far more accurate


def _linear_maps(scheme: str, a_matrix: np.ndarray, gamma: float, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """(M, B): one step of the scheme on dx = A x dt + noise is x ← M x + B n, n the step's noise."""
    one, h = np.eye(len(a_matrix)), dt * a_matrix
    return {"euler-maruyama": (one + h, one),
            "heun-stochastic": (one + h + h @ h / 2, one + h / 2),  # the coupling re-summed at the predictor
            "heun-tvb-stochastic": (one + h + dt * gamma * h / 2, one * (1 + dt * gamma / 2)),  # the coupling held
            }[scheme]


@pytest.mark.parametrize("scheme", ["euler-maruyama", "heun-stochastic", "heun-tvb-stochastic"])
def test_each_schemes_stationary_covariance_is_its_exact_closed_form(scheme):
    """Two linear regions, dx = (γ x + a W x) dt + √(2D) dW at γ = −10, a = 2, dt = 0.1 (dt·|λ| = 0.8 and 1.2):
    the sample covariance of 200,000 steps equals the scheme's exact stationary covariance Σ = M Σ Mᵀ + B Q Bᵀ
    (scipy's discrete Lyapunov solver) within sampling error, and not the other schemes' nor the continuum's."""
    from scipy.linalg import solve_continuous_lyapunov, solve_discrete_lyapunov

    gamma, a, dt, D = -10.0, 2.0, 0.1, 0.01
    g = nx.DiGraph(name="pair")
    g.add_nodes_from(["p", "q"], share=1.0)
    g.add_edge("p", "q", strength=1.0)
    g.add_edge("q", "p", strength=1.0)
    result = simulate(g, 1000, model="linear", coupling=a, integrator=scheme, noise={"x": D}, duration_ms=20_000,
                      dt_ms=dt, seed=5, initial={"x": 0.0})
    sample = np.cov(result.activity[1000:].T)
    A_ = gamma * np.eye(2) + a * np.array([[0.0, 1.0], [1.0, 0.0]])
    Q = 2 * D * dt * np.eye(2)

    def exact(name: str) -> np.ndarray:
        M, B = _linear_maps(name, A_, gamma, dt)
        return solve_discrete_lyapunov(M, B @ Q @ B.T)

    want, scale = exact(scheme), exact(scheme)[0, 0]
    print(f"\n{scheme}: sample {sample.ravel()} exact {want.ravel()} continuum "
          f"{solve_continuous_lyapunov(A_, -Q / dt).ravel()}")
    assert np.max(np.abs(sample - want)) < 0.02 * scale  # 5 standard errors of the variance (0.4% each)
    others = [exact(n) for n in ("euler-maruyama", "heun-stochastic", "heun-tvb-stochastic") if n != scheme]
    for other in [*others, solve_continuous_lyapunov(A_, -Q / dt)]:
        assert np.max(np.abs(sample - other)) > 0.1 * scale
