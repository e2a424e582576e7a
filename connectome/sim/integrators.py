"""Integrators: one step of the deterministic dynamics, clamped to the state variables' ranges."""

from __future__ import annotations

from typing import Any


class Euler:
    """Forward Euler. For a relaxation model (τ dx/dt = target − x): x + (dt/τ) · (target − x)."""

    name = "euler"

    def __init__(self, dt: float, tau: Any, low: float, high: float) -> None:
        self.gain = dt / tau
        self.low, self.high = low, high

    def relax(self, x: Any, target: Any) -> Any:
        """x(t + dt) from x(t) and the value it relaxes toward over the step."""
        import numpy as np

        x = x + self.gain * (target - x)
        np.clip(x, self.low, self.high, out=x)
        return x
