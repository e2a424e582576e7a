"""Whether the time step resolves the model: dt · |λ| for the fastest linear rate λ of the model's equations
at its default point (the middle of each state variable's range, no coupling, the run's parameters).

On dx = λ x dt + √(2D) dW a scheme's step is x ← m x + b n: Euler m = 1 + z, b = 1; Heun (either kind,
on one region) m = 1 + z + z²/2, b = 1 + z/2, with z = λ · dt. Its stationary variance is b² · 2D·dt /
(1 − m²) where the equations give D / |λ|; at TVB's γ = −10 and dt = 0.1 (z = −1) Euler–Maruyama gives
2× and stochastic Heun 2/3 of it. Both are stable while |z| < 2. Above dt · |λ| = 0.5 a run warns.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import ConnectomeWarning, Mention

LIMIT = 0.5


def fastest_rate(model: Any, params: Any) -> float:
    """max |λ| of the Jacobian of the model's derivative at the middle of the variables' ranges, without
    coupling, over the distinct parameter sets of the regions (central differences, step 1e-6); 0 where
    the equations are not defined there (the run's own check then speaks)."""
    import numpy as np

    try:
        with np.errstate(all="ignore"):
            return _fastest_rate(model, params)
    except Exception:  # advisory only: equations undefined at the middle (Wong–Wang with d = 0), a plugin's quirks
        return 0.0


def _fastest_rate(model: Any, params: Any) -> float:
    import numpy as np

    dfun = model.kernel_dfun
    columns = np.unique(params, axis=1)
    n, R = len(model.state_variables), columns.shape[1]
    centre = np.array([[(v.low + v.high) / 2] * R for v in model.state_variables])
    c, up, down = np.zeros((len(model.coupled), R)), np.empty((n, R)), np.empty((n, R))
    jacobian = np.empty((R, n, n))
    for i in range(n):
        h = 1e-6 * max(1.0, abs(float(centre[i, 0])))
        plus, minus = centre.copy(), centre.copy()
        plus[i] += h
        minus[i] -= h
        dfun(plus, c, columns, up)
        dfun(minus, c, columns, down)
        jacobian[:, :, i] = ((up - down) / (2 * h)).T
    rates = np.abs(np.linalg.eigvals(jacobian))
    return float(rates[np.isfinite(rates)].max()) if np.isfinite(rates).any() else 0.0


def _step(integrator: str, z: float) -> tuple[float, float]:
    """(m, b) of the scheme on dx = −(z/dt) x dt + noise."""
    return (1 - z, 1.0) if integrator.startswith("euler") else (1 - z + z * z / 2, 1 - z / 2)


def amplification(integrator: str, z: float) -> float:
    """What one step of the scheme keeps of a mode decaying at rate z/dt (the equations keep e^(−z))."""
    return _step(integrator, z)[0]


def variance_ratio(integrator: str, z: float) -> float:
    """The scheme's stationary variance over the equations' on dx = −(z/dt) x dt + noise (z = dt·|λ| < 2)."""
    m, b = _step(integrator, z)
    return 2 * z * b * b / (1 - m * m)


def step_warning(model: Any, params: Any, dt: float, integrator: str) -> ConnectomeWarning | None:
    """The warning a run at `dt` deserves, naming ``dt_ms`` (None when dt · |λ| ≤ 0.5)."""
    z = dt * fastest_rate(model, params)
    if z <= LIMIT:
        return None
    from .integrators import stochastic

    if z >= 2:
        effect = "the explicit schemes are unstable above 2"
    elif stochastic(integrator):
        effect = f"{integrator}'s stationary variance there is {variance_ratio(integrator, z):.2f}× the equations'"
    else:
        effect = f"{integrator} keeps {amplification(integrator, z):.3g} of that mode per step, the equations {math.exp(-z):.3g}"
    return ConnectomeWarning(Mention("dt_ms"), f": dt·|λ| = {z:.3g} for {model.name} (its fastest rate |λ| = "
                             f"{z / dt:.3g}/ms at its default point; {effect}); a step below "
                             f"{LIMIT / (z / dt):.3g} ms resolves it")
