"""The exact step of a linear relaxation τ dx/dt = g(c) − x with its target g held over the step (the
exponential Euler scheme; Rotter & Diesmann 1999's exact integration for a constant input):

    x ← x + (1 − e^(−dt/τ)) · (g(c) − x)

It is the mean of the rate model's finite-size population step (`connectome.sim.noise`), so the
deterministic rate model is the N → ∞ limit of the sampled one at every dt, and it is stable at any dt.
"""

from __future__ import annotations


def integrate(x, c, p, step, noise, j, link):  # a kernel part (connectome.sim.compose)
    """x ← x + decay · (target − x); `step[7]` holds decay = 1 − e^(−dt/τ) per region."""
    sig, decay = step[3], step[7]
    target(x, c, p, sig)
    for v in range(x.shape[0]):
        for t in range(x.shape[1]):
            x[v, t] = x[v, t] + decay[t] * (sig[v, t] - x[v, t])
