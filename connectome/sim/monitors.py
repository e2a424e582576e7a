"""Monitors: what a run keeps while it steps. Each says how many bytes it will hold before the run starts."""

from __future__ import annotations

from fractions import Fraction
from typing import Any


class Recorder:
    """The observed variable at t = 0 and every `stride` steps."""

    def __init__(self, regions: int, recorded: int, stride: int, start: Any) -> None:
        import numpy as np

        self.stride = stride
        self.series = np.empty((recorded, regions), dtype=np.float64)
        self.series[0] = start

    def update(self, k: int, x: Any) -> None:
        """After step k (the state at t_k)."""
        if k % self.stride == 0:
            self.series[k // self.stride] = x

    @staticmethod
    def bytes(regions: int, recorded: int) -> int:
        """The series and its times."""
        return recorded * (regions + 1) * 8


class Activity:
    """Peak and mean over every step (not only the recorded ones) and the first step a region is activated.

    Activated: the observed variable reaches the region's activation `level`, at any step.
    """

    def __init__(self, start: Any, level: Any) -> None:
        import numpy as np

        self.level = level
        self.peak = start.copy()
        self.total = start.copy()
        self.first = np.where(start >= level, 0, -1)

    def update(self, k: int, x: Any) -> None:
        """After step k."""
        import numpy as np

        np.maximum(self.peak, x, out=self.peak)
        self.total += x
        crossed = x >= self.level
        if crossed.any():
            new = crossed & (self.first < 0)
            if new.any():
                self.first[new] = k

    def summary(self, regions: list[str], sizes: list[int], steps: int, dt: Fraction) -> tuple[list[dict], list[str]]:
        """Per region {name, neurons, peak, mean, activation_ms}, and the regions in order of activation."""
        mean = self.total / (steps + 1)
        rows = [{"name": name, "neurons": sizes[i], "peak_activity": float(self.peak[i]),
                 "mean_activity": float(mean[i]),
                 "activation_ms": None if self.first[i] < 0 else float(int(self.first[i]) * dt)}
                for i, name in enumerate(regions)]
        order = sorted((i for i in range(len(regions)) if self.first[i] >= 0), key=lambda i: (int(self.first[i]), i))
        return rows, [regions[i] for i in order]

    @staticmethod
    def bytes(regions: int) -> int:
        """Peak, running total, first activation and level."""
        return regions * 4 * 8
