"""Coupling functions: how the delayed states of a region's sources become its network input c.

As The Virtual Brain 2.10 defines them (`tvb.simulator.coupling`), with W_ts the strength of the
projection s → t (TVB's `weights[t, s]`) and x_s(t − d_ts) the source's coupled variable, delayed:

* `linear`:     c_t = a · Σ_s W_ts x_s(t − d) + b
* `difference`: c_t = a · Σ_s W_ts (x_s(t − d) − x_t(t))
* `kuramoto`:   c_t = a / n_cvar · Σ_s W_ts sin(x_s(t − d) − x_t(t)), n_cvar = 1 (TVB's code divides by
  the number of coupled variables, not of regions as its docstring says)
* `sigmoidal`:  c_t = cmin + (cmax − cmin) / (1 + exp(−a · (Σ_s W_ts x_s(t − d) − midpoint) / sigma))

`a` is the run's `coupling`; the other parameters are `coupling.NAME` entries of the run's `params`
(``params={'coupling.b': 0.1}``). Every coupled variable gets the same function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import InputError, Mention
from .models.base import Parameter


def identity(xj, xi):  # a kernel part (connectome.sim.compose): what a source's delayed value contributes
    """x_s(t − d), as it is."""
    return xj


def difference(xj, xi):  # a kernel part
    """x_s(t − d) − x_t(t)."""
    return xj - xi


def sine_of_difference(xj, xi):  # a kernel part
    """sin(x_s(t − d) − x_t(t))."""
    return math.sin(xj - xi)


def linear_post(total, cpar, n_cvar):  # a kernel part: the weighted sum to the coupling
    """a · Σ + b."""
    return cpar[0] * total + cpar[1]


def scaled_post(total, cpar, n_cvar):  # a kernel part
    """a · Σ."""
    return cpar[0] * total


def kuramoto_post(total, cpar, n_cvar):  # a kernel part
    """a / n_cvar · Σ."""
    return cpar[0] / n_cvar * total


def sigmoidal_post(total, cpar, n_cvar):  # a kernel part
    """cmin + (cmax − cmin) / (1 + exp(−a · (Σ − midpoint) / sigma))."""
    return cpar[1] + (cpar[2] - cpar[1]) / (1.0 + math.exp(-cpar[0] * ((total - cpar[3]) / cpar[4])))


@dataclass(frozen=True)
class CouplingFunction:
    """A coupling function: c_t = post(Σ_s W_ts · pre(x_s(t − d_ts), x_t)), its parameters and formula.

    `pre` and `post` are plain Python functions compiled into the run's kernel; `phase` marks
    pre = sin(x_s − x_t), which the sparse layouts sum through the sines and cosines of the sources.
    """

    name: str
    pre: Callable
    post: Callable
    default_a: float
    parameters: tuple[Parameter, ...]
    formula: str
    phase: bool = False


FUNCTIONS: dict[str, CouplingFunction] = {}


def register_function(function: CouplingFunction) -> CouplingFunction:
    """Make `function` available to runs by its name (the `coupling_function` parameter)."""
    FUNCTIONS[function.name] = function
    return function


for _function in (
    CouplingFunction("linear", identity, linear_post, 0.00390625, (Parameter("b", 0.0, doc="offset"),),
                     "c = a * sum_j W_ij x_j(t - d_ij) + b"),
    CouplingFunction("difference", difference, scaled_post, 0.1, (), "c = a * sum_j W_ij (x_j(t - d_ij) - x_i)"),
    CouplingFunction("kuramoto", sine_of_difference, kuramoto_post, 1.0, (),
                     "c = a / n_cvar * sum_j W_ij sin(x_j(t - d_ij) - x_i)", phase=True),
    CouplingFunction("sigmoidal", identity, sigmoidal_post, 1.0, (
        Parameter("cmin", -1.0, doc="lower bound"), Parameter("cmax", 1.0, doc="upper bound"),
        Parameter("midpoint", 0.0, doc="input at the midpoint"),
        Parameter("sigma", 230.0, 0.0, low_open=True, doc="width")),
        "c = cmin + (cmax - cmin) / (1 + exp(-a * (sum_j W_ij x_j(t - d_ij) - midpoint) / sigma))"),
):
    register_function(_function)

PREFIX = "coupling."


def get_function(name: str) -> CouplingFunction:
    """The coupling function called `name`, or InputError listing the known ones."""
    try:
        return FUNCTIONS[name]
    except KeyError:
        known = ", ".join(FUNCTIONS)
        raise InputError(Mention("coupling_function"), f": unknown function {name!r} (known: {known})") from None


def coupling_values(function: CouplingFunction, a: float | None, given: dict[str, Any],
                    default_a: float | None = None) -> list[float]:
    """[a, then the function's other parameters in order], from `coupling.NAME` entries or the defaults
    (`default_a`, the model's own, before the function's)."""
    ours = {k[len(PREFIX):]: v for k, v in given.items() if k.startswith(PREFIX)}
    known = [p.name for p in function.parameters]
    unknown = sorted(set(ours) - set(known))
    if unknown:
        raise InputError(Mention("params", key=PREFIX + unknown[0]), f": the {function.name} coupling has no "
                         f"parameter {unknown[0]!r} (it has: a (", Mention("coupling"),
                         f"){''.join(', ' + name for name in known)})")
    values = [float(a) if a is not None else function.default_a if default_a is None else default_a]
    for p in function.parameters:
        value = ours.get(p.name, p.default)
        problem = p.problem(value)
        if problem:
            raise InputError(Mention("params", key=PREFIX + p.name), f": {problem}")
        values.append(float(value))
    return values
