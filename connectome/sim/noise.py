"""Finite-size noise of the rate model: each region is a population of N two-state neurons, simulated exactly.

Each quiescent neuron switches on at rate σ(h)/τ and each active one off at rate (1 − σ(h))/τ (Buice &
Cowan 2007; Bressloff 2009; Benayoun et al. 2010). Holding h over a step, a neuron's state after dt
follows exactly from these rates, so with p = 1 − exp(−dt/τ):

    n ← n − Binomial(n, (1 − σ(h)) · p) + Binomial(N − n, σ(h) · p),    a = n / N.

The mean of a follows τ da/dt = −a + σ(h) (the deterministic model); the fluctuations are those of the
population, of size √(σ(1 − σ)/N) at rest for a constant σ (its stationary law is Binomial(N, σ)),
whatever dt: smaller steps do not average the noise away. Every region fluctuates, driven or not.
A region with no neurons at this N follows the mean field (it sends nothing: its weight is 0).

The draws come from `numpy.random.Generator(PCG64(seed))`: the initial counts Binomial(N, a_rest), then per
step the on-switches of every region, then the off-switches (numba's `Generator.binomial` is numpy's).
This update takes the integrator's place in the kernel (`population`); the additive noise of the other
models is a block of √(2D·dt)·ξ per step handed to their integrator (`additive`).
"""

from __future__ import annotations

from typing import Any


def population(x, c, p, step, noise, j, link):  # a kernel part (connectome.sim.compose), in the integrator's place
    """Every region's active count n one step toward σ(h) (the model's `target`), exactly; x[0] ← n / N."""
    rng, n, N, Nf, empty, prob, sig, on = step
    target(x, c, p, sig)
    R = x.shape[1]
    for t in range(R):
        on[t] = rng.binomial(N[t] - n[t], sig[0, t] * prob[t])
    for t in range(R):
        n[t] += on[t] - rng.binomial(n[t], (1.0 - sig[0, t]) * prob[t])
    for t in range(R):
        if empty[t]:
            x[0, t] = x[0, t] + prob[t] * (sig[0, t] - x[0, t])  # the exact relaxation (its mean)
        else:
            x[0, t] = n[t] / Nf[t]


def population_state(sizes: list[int], seed: int, dt: float, tau: Any, start: Any) -> tuple[Any, tuple]:
    """(the active fractions at t = 0, the kernel's `step` group): counts drawn from their stationary law
    at rest, Binomial(N, a_rest); p = 1 − e^(−dt/τ) per region."""
    import numpy as np

    rng = np.random.Generator(np.random.PCG64(seed))
    N = np.array(sizes, dtype=np.int64)  # ≤ 10^18 neurons in all: within int64
    empty = N == 0
    Nf = np.where(empty, 1, N).astype(np.float64)
    n = rng.binomial(N, start).astype(np.int64)
    a = np.where(empty, start, n / Nf)
    prob = -np.expm1(-dt / tau)  # without cancellation for small dt/τ
    R = len(sizes)
    return a, (rng, n, N, Nf, empty, prob, np.empty((1, R)), np.empty(R, dtype=np.int64))


def population_bytes(regions: int) -> int:
    """What the population holds: counts, sizes and per-region constants."""
    return regions * 8 * 8

