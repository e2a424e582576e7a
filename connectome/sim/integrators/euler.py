"""Forward Euler (first order), and with additive noise Euler–Maruyama (strong order 1/2):

    x ← clamp(x + dt · f(x, c) + √(2D·dt) · ξ)

as The Virtual Brain 2.10's `EulerDeterministic` and `EulerStochastic` (`noise.Additive`, nsig = D).
"""

from __future__ import annotations

from ..clamp import bounded


def integrate(x, c, p, step, noise, k):  # a kernel part (connectome.sim.compose)
    """x ← one Euler step; `noise[k]` (variables, regions) is √(2D·dt)·ξ, zeros when deterministic."""
    dt, floor, ceiling, d1, d2, xt = step
    dfun(x, c, p, d1)
    nsv, R = x.shape
    for v in range(nsv):
        lo, hi = floor[v], ceiling[v]
        for t in range(R):
            x[v, t] = bounded(x[v, t] + dt * d1[v, t] + noise[k, v, t], lo, hi)
