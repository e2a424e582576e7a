"""Heun's method as The Virtual Brain 2.10 takes it (`HeunDeterministic`, `HeunStochastic`):

    x̃ = clamp(x + dt · f(x, c) + n),   x ← clamp(x + dt/2 · (f(x, c) + f(x̃, c)) + n),   n = √(2D·dt) · ξ

with the coupling c of the step held for both stages and the same noise in both. It is second order on
an uncoupled region; holding c makes it first order on a coupled network.
"""

from __future__ import annotations

from ..clamp import bounded
from .euler import euler_stage


def integrate(x, c, p, step, noise, k):  # a kernel part (connectome.sim.compose)
    """x ← one Heun step; `noise[k]` (variables, regions) is √(2D·dt)·ξ, zeros when deterministic."""
    dt, floor, ceiling, d1, d2, xt = step
    dfun(x, c, p, d1)
    euler_stage(x, d1, step, noise, k, xt)
    dfun(xt, c, p, d2)
    nsv, R = x.shape
    for v in range(nsv):
        lo, hi = floor[v], ceiling[v]
        for t in range(R):
            x[v, t] = bounded(x[v, t] + (d1[v, t] + d2[v, t]) * dt / 2.0 + noise[k, v, t], lo, hi)
