"""Finite-size noise of the rate model: each region is a population of N two-state neurons, simulated exactly.

Each quiescent neuron switches on at rate σ(h)/τ and each active one off at rate (1 − σ(h))/τ (Buice &
Cowan 2007; Bressloff 2009; Benayoun et al. 2010). Holding h over a step, a neuron's state after dt
follows exactly from these rates, so with p = 1 − exp(−dt/τ):

    n ← n − Binomial(n, (1 − σ(h)) · p) + Binomial(N − n, σ(h) · p),    a = n / N.

The mean of a follows τ da/dt = −a + σ(h) (the deterministic model); the fluctuations are those of the
population, of size √(σ(1 − σ)/N) at rest for a constant σ (its stationary law is Binomial(N, σ)),
whatever dt: smaller steps do not average the noise away. Every region fluctuates, driven or not.
A region with no neurons at this N follows the mean field (it sends nothing: its weight is 0).
"""

from __future__ import annotations

from typing import Any


class TwoStatePopulation:
    """The active counts n of every region, advanced by two binomial draws per region and step."""

    def __init__(self, sizes: list[int], seed: int, dt: float, tau: Any, start: Any) -> None:
        import numpy as np

        self.rng = np.random.Generator(np.random.PCG64(seed))
        self.N = np.array(sizes, dtype=np.int64)  # ≤ 10^18 neurons in all: within int64
        self.empty = self.N == 0
        self.Nf = np.where(self.empty, 1, self.N).astype(np.float64)
        self.p = -np.expm1(-dt / tau)  # 1 − e^(−dt/τ), without cancellation for small dt/τ
        self.gain = dt / tau  # the Euler gain, for empty regions (the mean field)
        self.n = self.rng.binomial(self.N, start)  # the stationary law of a region held at its rest
        self.a = np.where(self.empty, start, self.n / self.Nf)

    def step(self, target: Any) -> Any:
        """Advance every region one step toward σ(h) = `target`; return the new active fractions."""
        on = self.rng.binomial(self.N - self.n, target * self.p)
        off = self.rng.binomial(self.n, (1.0 - target) * self.p)
        self.n += on - off
        a = self.n / self.Nf
        if self.empty.any():
            a[self.empty] = self.a[self.empty] + self.gain[self.empty] * (target[self.empty] - self.a[self.empty])
        self.a = a
        return a

    @staticmethod
    def bytes(regions: int) -> int:
        """Memory held: counts, sizes and per-region constants."""
        return regions * 6 * 8
