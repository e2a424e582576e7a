"""Heun's method (the explicit trapezoidal rule), second order on a coupled network:

    x̃ = clamp(x + dt · F(t_k, x, c(t_k)) + n),
    x ← clamp(x + dt/2 · (F(t_k, x, c(t_k)) + F(t_k+1, x̃, c̃(t_k+1))) + n),   F = f + I,  n = √(2D·dt) · ξ,

where the corrector's coupling c̃(t_k+1) is summed again at the predictor: a delay of d ≥ 1 steps reads
the history at t_k+1 − d, a delay of 0 the predicted state x̃. With additive noise (the same n in both
stages) it is the stochastic Heun scheme, strong order 1 for additive noise (Kloeden & Platen 1992,
§15.1; Mannella 2002). Measured orders are in the documentation's engine section.
"""

from __future__ import annotations

from ..clamp import bounded
from .drift import drift
from .euler import euler_stage


def integrate(x, c, p, step, noise, j, link):  # a kernel part (connectome.sim.compose)
    """x ← one Heun step, the coupling re-summed at the predictor; `link` is (k, row, cvar, net, drive)."""
    d1, d2, xt, c2 = step[3], step[4], step[5], step[6]
    k, row, cvar, net, drive = link
    drift(x, c, p, d1, drive, row)
    euler_stage(x, d1, step, noise, j, xt)
    couple(k + 1, xt, cvar, c2, net)  # x̃ stands in step k+1's ring slot until the step itself writes it
    feed(c2, drive, row + 1)
    drift(xt, c2, p, d2, drive, row + 1)
    corrector(x, d1, d2, step, noise, j)


def corrector(x, d1, d2, step, noise, j):  # a kernel part
    """x ← clamp(x + dt/2 · (d1 + d2) + noise[j])."""
    dt, floor, ceiling = step[0], step[1], step[2]
    for v in range(x.shape[0]):
        lo, hi = floor[v], ceiling[v]
        for t in range(x.shape[1]):
            x[v, t] = bounded(x[v, t] + (d1[v, t] + d2[v, t]) * dt / 2.0 + noise[j, v, t], lo, hi)
