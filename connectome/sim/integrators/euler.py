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
    euler_stage(x, d1, step, noise, k, x)


def euler_stage(x, d, step, noise, k, out):  # a kernel part (Heun's predictor too)
    """out ← x + dt · d + noise[k], clamped to the variables' bounds."""
    dt, floor, ceiling = step[0], step[1], step[2]
    for v in range(x.shape[0]):
        lo, hi = floor[v], ceiling[v]
        for t in range(x.shape[1]):
            out[v, t] = bounded(x[v, t] + dt * d[v, t] + noise[k, v, t], lo, hi)
