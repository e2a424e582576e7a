"""Integrators by name, one module each: a plain Python `integrate(x, c, p, step, noise, j, link)` compiled
into the run's kernel, calling the model's derivative through `drift` (f + the stimulus).

`euler` (first order), `heun` (second order: the coupling re-summed at the predictor) and `heun-tvb`
(TVB's Heun: the coupling held, first order on a coupled network) are deterministic; `euler-maruyama`,
`heun-stochastic` and `heun-tvb-stochastic` are the same steps with additive noise √(2D·dt)·ξ per state
variable (TVB's `noise.Additive`, nsig = D): its variance per unit time is 2D whatever dt, so the noise
means the same physics at every dt. `exponential-euler` is the exact step of a relaxation model (the
rate model's). A new integrator is a module with its `integrate` and a call to `register`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ...errors import InputError, Mention
from . import euler, heun, heun_tvb, relax

NOISE_BLOCK_BYTES = 8 << 20  # the noise of a block of steps is drawn at once, at most this many bytes


@dataclass(frozen=True)
class Integrator:
    """An integration scheme: its kernel part, whether it draws additive noise, and what it is."""

    name: str
    integrate: Callable
    stochastic: bool
    doc: str
    relaxation: bool = False  # steps a relaxation model (calls its `target`): only for the models naming it


def general() -> tuple[str, ...]:
    """The integrators any model takes (those of relaxation models excepted)."""
    return tuple(name for name, i in INTEGRATORS.items() if not i.relaxation)


INTEGRATORS: dict[str, Integrator] = {}


def register(integrator: Integrator) -> Integrator:
    """Make `integrator` available to runs by its name (the `integrator` parameter)."""
    INTEGRATORS[integrator.name] = integrator
    return integrator


for _entry in (Integrator("euler", euler.integrate, False, "forward Euler, first order"),
               Integrator("heun", heun.integrate, False, "Heun, second order (the coupling re-summed at the predictor)"),
               Integrator("heun-tvb", heun_tvb.integrate, False, "TVB's Heun: the coupling held, first order coupled"),
               Integrator("euler-maruyama", euler.integrate, True, "Euler–Maruyama, additive noise"),
               Integrator("heun-stochastic", heun.integrate, True, "stochastic Heun, additive noise"),
               Integrator("heun-tvb-stochastic", heun_tvb.integrate, True, "TVB's stochastic Heun, additive noise"),
               Integrator("exponential-euler", relax.integrate, False, "exact step of a relaxation model", True)):
    register(_entry)


def stochastic(name: str) -> bool:
    """Whether the integrator called `name` draws noise."""
    return INTEGRATORS[name].stochastic


def choose_integrator(model: Any, name: str | None, noise: dict[str, float]) -> str:
    """The integrator a run uses: the one asked for (checked against the model) or the model's default.

    Noise asks for a stochastic scheme: with noise and no integrator named, `heun-stochastic`.
    """
    allowed = model.integrators or general()
    if name is None:
        name = "heun-stochastic" if noise and "heun-stochastic" in allowed else model.default_integrator
    if name not in allowed or name not in INTEGRATORS:
        raise InputError(Mention("integrator"), f": the {model.name} model takes {', '.join(allowed)}, got {name!r}")
    if noise and not stochastic(name):
        raise InputError(Mention("noise"), f": the {name} integrator is deterministic; use a stochastic one "
                         f"({', '.join(n for n in allowed if n in INTEGRATORS and stochastic(n))})")
    return name


def noise_levels(model: Any, noise: dict[str, float], integrator: str) -> list[float]:
    """D per state variable (0 where none is given), checked against the model's variables."""
    names = [v.name for v in model.state_variables]
    unknown = sorted(set(noise) - set(names))
    if unknown:
        raise InputError(Mention("noise", key=unknown[0]), f": the {model.name} model has no state variable "
                         f"{unknown[0]!r} (it has: {', '.join(names)})")
    if stochastic(integrator) and not any(noise.values()):
        raise InputError(Mention("integrator", integrator), ": give the noise intensity of at least one variable, "
                         "e.g. ", Mention("noise", "0.001", key=names[0]))
    return [float(noise.get(n, 0.0)) for n in names]
