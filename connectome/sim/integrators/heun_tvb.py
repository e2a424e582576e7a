"""Heun's method as The Virtual Brain 2.10 takes it (`HeunDeterministic`, `HeunStochastic`):

    x̃ = clamp(x + dt · (f(x, c) + I) + n),   x ← clamp(x + dt/2 · (f(x, c) + f(x̃, c)) + dt · I + n)

with the coupling c and the stimulus I of step k held for both stages and the same noise n = √(2D·dt)·ξ
in both. It is second order on an uncoupled region; holding c makes it first order on a coupled network
(the documentation's engine section gives the measured figures). For reproducing TVB's runs.
"""

from __future__ import annotations

from .drift import drift
from .euler import euler_stage
from .heun import corrector


def integrate(x, c, p, step, noise, j, link):  # a kernel part (connectome.sim.compose)
    """x ← one Heun step with the coupling held; `link` is (k, row, cvar, net, drive)."""
    d1, d2, xt = step[3], step[4], step[5]
    drive, row = link[4], link[1]
    drift(x, c, p, d1, drive, row)
    euler_stage(x, d1, step, noise, j, xt)
    drift(xt, c, p, d2, drive, row)
    corrector(x, d1, d2, step, noise, j)
