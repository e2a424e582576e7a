"""Forward Euler (first order), and with additive noise Euler–Maruyama (strong order 1/2):

    x ← clamp(x + dt · (f(x, c) + I) + √(2D·dt) · ξ)

as The Virtual Brain 2.10's `EulerDeterministic` and `EulerStochastic` (`noise.Additive`, nsig = D).
"""

from __future__ import annotations

from ..clamp import bounded
from .drift import drift


def integrate(x, c, p, step, noise, j, link):  # a kernel part (connectome.sim.compose)
    """x ← one Euler step; `noise[j]` (variables, regions) is √(2D·dt)·ξ, zeros when deterministic;
    `link` is (k, the chunk's row of step k, cvar, the network, the drive)."""
    d1 = step[3]
    drift(x, c, p, d1, link[4], link[1])
    euler_stage(x, d1, step, noise, j, x)


def euler_stage(x, d, step, noise, j, out):  # a kernel part (Heun's predictor too)
    """out ← x + dt · d + noise[j], clamped to the variables' bounds."""
    dt, floor, ceiling = step[0], step[1], step[2]
    for v in range(x.shape[0]):
        lo, hi = floor[v], ceiling[v]
        for t in range(x.shape[1]):
            out[v, t] = bounded(x[v, t] + dt * d[v, t] + noise[j, v, t], lo, hi)
