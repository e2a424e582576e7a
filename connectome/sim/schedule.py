"""The stimulus of a run as the kernel reads it: a block of inputs per chunk of steps, I[k, region] = the
sum of the stimuli on that region at t_k = k · dt (float64, TVB's time grid), computed per chunk so that
memory stays bounded whatever the run's length.

A stimulus is on at TVB's times, start < t_k < end; for the rate model (`Model.stimulus_from_start`), on
its documented window start ≤ t_k < end, the steps counted exactly (k from ⌈start/dt⌉ to ⌈end/dt⌉).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from ..errors import InputError, Mention
from ..exact import exact
from .stimulus import Stimulus


class Drive:
    """The inputs of a run's stimuli by region index; `block(k_from, k_to)` holds steps k_from … k_to."""

    def __init__(self, stimuli: list[Stimulus], index: dict[str, int], dt: Fraction, from_start: bool = False) -> None:
        self.R, self.dt, self.exact_dt, self.from_start = len(index), float(dt), dt, from_start
        self.stimuli = [(index[s.region], s) for s in stimuli]

    def __bool__(self) -> bool:
        return bool(self.stimuli)

    def block(self, k_from: int, k_to: int) -> Any:
        """I [k_to − k_from + 1, regions] for the steps k_from … k_to (a Heun corrector reads step k + 1)."""
        import numpy as np

        out = np.zeros((k_to - k_from + 1, self.R))
        k = np.arange(k_from, k_to + 1)
        t = k * self.dt
        for region, s in self.stimuli:
            on = None
            if self.from_start:
                on = k >= math.ceil(exact(s.start_ms) / self.exact_dt)
                if s.end_ms is not None:
                    on &= k < math.ceil(exact(s.end_ms) / self.exact_dt)
            out[:, region] += s.values(t, on)
        return out

    def check(self, regions: list[str]) -> None:
        """Refuse stimuli whose amplitudes, on together, add up beyond the floating-point numbers, and
        sinusoids the step cannot sample (above its Nyquist frequency, 500 / dt Hz)."""
        nyquist = 500.0 / self.dt
        for _, s in self.stimuli:
            if s.course == "sin" and s.args[0] > nyquist:
                raise InputError(Mention("stimuli"), f": a sinusoid of {s.args[0]:g} Hz is above the Nyquist "
                                 f"frequency of the {self.dt:g} ms step ({nyquist:g} Hz) in {s.text()!r}")
        for i, name in enumerate(regions):
            windows = sorted((s.start_ms, math.inf if s.end_ms is None else s.end_ms, abs(s.amplitude))
                             for r, s in self.stimuli if r == i)
            for start, _, _ in windows:
                if not math.isfinite(sum(a for s, e, a in windows if s <= start < e)):
                    raise InputError(Mention("stimuli"), f": the amplitudes on region {name!r} add up beyond the "
                                     f"largest floating-point number at t = {start:g} ms")
