"""Integrators: Euler for the rate model's relaxation, and the schemes of the neural-mass models by name.

The neural-mass schemes run compiled in `connectome.sim.masses` and follow The Virtual Brain 2.10:
`euler` (EulerDeterministic), `heun` (HeunDeterministic), `euler-maruyama` (EulerStochastic) and
`heun-stochastic` (HeunStochastic), with additive noise √(2D·dt)·ξ per state variable (`noise.Additive`,
nsig = D): its variance per unit time is 2D whatever dt, so the noise means the same physics at every dt.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError

STOCHASTIC = ("euler-maruyama", "heun-stochastic")
EULER, HEUN, EULER_MARUYAMA, HEUN_STOCHASTIC = 0, 1, 2, 3  # the compiled kernel's codes
NOISE_BLOCK_BYTES = 8 << 20  # the noise of a block of steps is drawn at once, at most this many bytes
SCHEMES = {"euler": EULER, "heun": HEUN, "euler-maruyama": EULER_MARUYAMA, "heun-stochastic": HEUN_STOCHASTIC}


class Euler:
    """Forward Euler. For a relaxation model (τ dx/dt = target − x): x + (dt/τ) · (target − x)."""

    name = "euler"

    def __init__(self, dt: float, tau: Any, low: float, high: float) -> None:
        self.gain = dt / tau
        self.low, self.high = low, high

    def relax(self, x: Any, target: Any) -> Any:
        """x(t + dt) from x(t) and the value it relaxes toward over the step."""
        import numpy as np

        x = x + self.gain * (target - x)
        np.clip(x, self.low, self.high, out=x)
        return x


def choose_integrator(model: Any, name: str | None, noise: dict[str, float]) -> str:
    """The integrator a run uses: the one asked for (checked against the model) or the model's default.

    Noise asks for a stochastic scheme: with noise and no integrator named, `heun-stochastic`.
    """
    if name is None:
        name = "heun-stochastic" if noise and "heun-stochastic" in model.integrators else model.default_integrator
    if name not in model.integrators:
        raise InputError(f"--integrator: the {model.name} model takes {', '.join(model.integrators)}, got {name!r}")
    if noise and name not in STOCHASTIC:
        raise InputError(f"--noise: the {name} integrator is deterministic; use euler-maruyama or heun-stochastic")
    return name


def noise_levels(model: Any, noise: dict[str, float], integrator: str) -> list[float]:
    """D per state variable (0 where none is given), checked against the model's variables."""
    names = [v.name for v in model.state_variables]
    unknown = sorted(set(noise) - set(names))
    if unknown:
        raise InputError(f"--noise {unknown[0]}: the {model.name} model has no state variable {unknown[0]!r} "
                         f"(it has: {', '.join(names)})")
    if integrator in STOCHASTIC and not any(noise.values()):
        raise InputError(f"--integrator {integrator}: give the noise intensity of at least one variable, "
                         f"e.g. --noise {names[0]}=0.001")
    return [float(noise.get(n, 0.0)) for n in names]
