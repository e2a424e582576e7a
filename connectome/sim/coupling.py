"""Coupling functions: how the delayed states of a region's sources become its network input c.

As The Virtual Brain 2.10 defines them (`tvb.simulator.coupling`), with W_ts the strength of the
projection s → t (TVB's `weights[t, s]`) and x_s(t − d_ts) the source's coupled variable, delayed:

* `linear`:     c_t = a · Σ_s W_ts x_s(t − d) + b
* `difference`: c_t = a · Σ_s W_ts (x_s(t − d) − x_t(t))
* `kuramoto`:   c_t = a / n_cvar · Σ_s W_ts sin(x_s(t − d) − x_t(t)), n_cvar = 1 (TVB's code divides by
  the number of coupled variables, not of regions as its docstring says)
* `sigmoidal`:  c_t = cmin + (cmax − cmin) / (1 + exp(−a · (Σ_s W_ts x_s(t − d) − midpoint) / sigma))

`a` is the run's `coupling` (`--coupling`); the other parameters are `coupling.NAME` entries of the
run's parameters (`--param coupling.b=0.1`). Every coupled variable gets the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from .models.base import Parameter

LINEAR, DIFFERENCE, KURAMOTO, SIGMOIDAL = 0, 1, 2, 3  # the compiled kernel's codes


@dataclass(frozen=True)
class CouplingFunction:
    """A coupling function: its code for the kernel, TVB's default `a`, its other parameters, its formula."""

    name: str
    code: int
    default_a: float
    parameters: tuple[Parameter, ...]
    formula: str


FUNCTIONS = {f.name: f for f in (
    CouplingFunction("linear", LINEAR, 0.00390625, (Parameter("b", 0.0, doc="offset"),),
                     "c = a * sum_j W_ij x_j(t - d_ij) + b"),
    CouplingFunction("difference", DIFFERENCE, 0.1, (), "c = a * sum_j W_ij (x_j(t - d_ij) - x_i)"),
    CouplingFunction("kuramoto", KURAMOTO, 1.0, (), "c = a / n_cvar * sum_j W_ij sin(x_j(t - d_ij) - x_i)"),
    CouplingFunction("sigmoidal", SIGMOIDAL, 1.0, (
        Parameter("cmin", -1.0, doc="lower bound"), Parameter("cmax", 1.0, doc="upper bound"),
        Parameter("midpoint", 0.0, doc="input at the midpoint"),
        Parameter("sigma", 230.0, 0.0, low_open=True, doc="width")),
        "c = cmin + (cmax - cmin) / (1 + exp(-a * (sum_j W_ij x_j(t - d_ij) - midpoint) / sigma))"),
)}

PREFIX = "coupling."


def get_function(name: str) -> CouplingFunction:
    """The coupling function called `name`, or InputError listing the known ones."""
    try:
        return FUNCTIONS[name]
    except KeyError:
        raise InputError(f"--coupling-function: unknown function {name!r} (known: {', '.join(FUNCTIONS)})") from None


def coupling_values(function: CouplingFunction, a: float | None, given: dict[str, Any]) -> list[float]:
    """[a, then the function's other parameters in order], from `coupling.NAME` entries or the defaults."""
    ours = {k[len(PREFIX):]: v for k, v in given.items() if k.startswith(PREFIX)}
    known = [p.name for p in function.parameters]
    unknown = sorted(set(ours) - set(known))
    if unknown:
        raise InputError(f"--param coupling.{unknown[0]}: the {function.name} coupling has no parameter "
                         f"{unknown[0]!r} (it has: {', '.join(['a (--coupling)', *known])})")
    values = [function.default_a if a is None else float(a)]
    for p in function.parameters:
        value = ours.get(p.name, p.default)
        problem = p.problem(value)
        if problem:
            raise InputError(f"--param coupling.{p.name}: {problem}")
        values.append(float(value))
    return values
