"""A run's exact time grid: the step, the number of steps and the recording stride, in the decimals written."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from ..errors import InputError, Mention, ResourceError
from ..exact import exact
from ..numeric import is_finite_number

if TYPE_CHECKING:
    from .spec import RunSpec


def positive(value: object, name: str) -> Fraction:
    """A finite number > 0 as the exact decimal it was written as, else InputError naming the parameter
    `name` (a keyword of `RunSpec`)."""
    if not is_finite_number(value) and not isinstance(value, Decimal):
        raise InputError(Mention(name), f": must be a finite number, got {value!r}")
    if not value > 0:  # type: ignore[operator]
        raise InputError(Mention(name), f": must be > 0, got {value!r}")
    return exact(value)  # type: ignore[arg-type]


def ms_text(value: Fraction) -> str:
    """A time for a message: 0.1 ms, or 1.000E+616 ms (a float would overflow)."""
    return f"{float(value):g} ms" if value < 10**300 else f"{Decimal(value.numerator) / value.denominator:.3E} ms"


def big_text(n: int) -> str:
    """A count of any size for a message: 12,345 or 1.235E+616."""
    return f"{n:,}" if n < 10**15 else f"{Decimal(int(n)):.3E}"


@dataclass(frozen=True)
class Timing:
    """The exact time grid of a run: the step, the number of steps and the recording stride."""

    dt: Fraction
    steps: int
    stride: int

    @property
    def recorded(self) -> int:
        """Samples kept: t = 0 and every stride-th step."""
        return self.steps // self.stride + 1


def timing(spec: RunSpec) -> Timing:
    """steps = ceil(duration / dt), refused above max_steps; the recording stride record_every / dt, refused
    unless a whole number (the decimals as written: 0.3 / 0.1 is 3)."""
    duration, dt = positive(spec.duration_ms, "duration_ms"), positive(spec.dt_ms, "dt_ms")
    if dt > duration:
        raise InputError(Mention("dt_ms"),
                         f": the time step ({ms_text(dt)}) must not exceed the duration ({ms_text(duration)})")
    steps = math.ceil(duration / dt)
    if steps > spec.max_steps:
        raise ResourceError(Mention("duration_ms"), "/", Mention("dt_ms"),
                            f": {ms_text(duration)} in steps of {ms_text(dt)} is {big_text(steps)} steps, more "
                            f"than the {big_text(int(spec.max_steps))} allowed; use a larger ", Mention("dt_ms"),
                            ", or raise ", Mention("max_steps"))
    stride = 1
    if spec.record_every_ms is not None:
        every = positive(spec.record_every_ms, "record_every_ms")
        if every < dt:
            raise InputError(Mention("record_every_ms"),
                             f": must be ≥ the time step ({ms_text(dt)}), got {ms_text(every)}")
        if every > duration:
            raise InputError(Mention("record_every_ms"),
                             f": must be ≤ the duration ({ms_text(duration)}), got {ms_text(every)}")
        stride = every / dt
        if stride.denominator != 1:
            below, above = math.floor(stride), math.ceil(stride)
            raise InputError(Mention("record_every_ms"), f": must be a whole number of time steps ({ms_text(dt)}), "
                             f"got {ms_text(every)}; the nearest are {ms_text(below * dt)} and {ms_text(above * dt)}")
        stride = int(stride)
    return Timing(dt, steps, stride)
