"""The stimulus schedule: the input vector per step, recomputed only at the steps where a window opens or closes."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from ..errors import InputError
from ..exact import exact
from .stimulus import Stimulus


class Schedule:
    """I_t(t_k): the sum of the amplitudes of the stimuli on region t that are on at t_k (start ≤ t_k < end)."""

    def __init__(self, stimuli: list[Stimulus], index: dict[str, int], steps: int, dt: Fraction) -> None:
        import numpy as np

        self.R = len(index)
        self.windows = []
        self.events = {0}
        for s in stimuli:
            start = math.ceil(exact(s.start_ms) / dt)
            end = steps if s.end_ms is None else min(steps, math.ceil(exact(s.end_ms) / dt))
            self.windows.append((index[s.region], float(s.amplitude), start, end))
            self.events.update(k for k in (start, end) if k < steps)
        self.current = np.zeros(self.R)

    def at(self, k: int) -> Any:
        """The input vector at step k."""
        import numpy as np

        if k in self.events:
            vector = np.zeros(self.R)
            for i, amplitude, start, end in self.windows:
                if start <= k < end:
                    vector[i] += amplitude
            self.current = vector
        return self.current

    def check_finite(self, regions: list[str], dt: Fraction) -> None:
        """Refuse stimuli whose amplitudes, on together, add up beyond the floating-point numbers."""
        import numpy as np

        for k in sorted(self.events):
            with np.errstate(over="ignore"):
                vector = self.at(k)
            if not np.isfinite(vector).all():
                region = regions[int(np.nonzero(~np.isfinite(vector))[0][0])]
                raise InputError(f"--stimulus: the amplitudes on region {region!r} add up beyond the largest "
                                 f"floating-point number at t = {float(k * dt):g} ms")
        self.current = np.zeros(self.R)
