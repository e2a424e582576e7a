"""The state on t ≤ 0: constant values per variable (and region), or TVB's random draw in the variables' ranges."""

from __future__ import annotations

import math
from typing import Any

from ..errors import InputError, Mention
from ..numeric import is_finite_number


def check_initial(model: Any, initial: dict[str, Any] | str | None, regions: int) -> None:
    """Refuse initial values that name no state variable, are not finite, or do not have one per region."""
    if initial is None or initial == "random":
        return
    if not isinstance(initial, dict):
        raise InputError(Mention("initial"), f": use random or VARIABLE=VALUE, got {initial!r}")
    names = [v.name for v in model.state_variables]
    for name, value in initial.items():
        if name not in names:
            raise InputError(Mention("initial", key=name), f": the {model.name} model has no state variable "
                             f"{name!r} (it has: {', '.join(names)})")
        values = value if isinstance(value, list) else [value]
        if isinstance(value, list) and len(value) != regions:
            raise InputError(Mention("initial", key=name), f": {len(value)} values for {regions} regions")
        for v in values:
            if not is_finite_number(v):
                raise InputError(Mention("initial", key=name), f": must be a finite number, got {v!r}")


def initial_state(model: Any, initial: dict[str, Any] | str | None, regions: int, seed: int | None) -> Any:
    """The state at t ≤ 0, shape (variables, regions): given values, the middle of each range where none is
    given, or with `random` uniform in each variable's range (one draw per region, from the run's seed)."""
    import numpy as np

    state = np.empty((len(model.state_variables), regions))
    if initial == "random" or initial is None:
        rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[1])
        for i, v in enumerate(model.state_variables):
            state[i] = rng.uniform(v.low, v.high, regions)
        return state
    for i, v in enumerate(model.state_variables):
        state[i] = initial.get(v.name, (v.low + v.high) / 2)
    return state


def ring(channels: int, regions: int, max_delay: int, past: Any, dtype: Any = None, points: int = 1) -> Any:
    """The history of the coupled variables: (channels, regions, 2 · (max_delay + 1) · points), every slot
    holding `past` (channels, regions · points, a batch's points side by side), the values on t ≤ 0. Step
    k is written at k mod ring and again one ring later, so that the values d steps back are one
    contiguous read that never wraps (see `remember`); each slot holds the points of a batch side by side."""
    import numpy as np

    slots = 2 * (max_delay + 1)
    hist = np.empty((channels, regions, slots * points), dtype=dtype or np.float64)
    hist.reshape(channels, regions, slots, points)[:] = np.asarray(past).reshape(channels, regions, 1, points)
    return hist


def remember(k, x, cvar, hist):  # a kernel part (connectome.sim.compose)
    """Step k's coupled variables into the ring, twice; returns the slot of step k, `base`: the values d
    steps back start at (base − d) · POINTS. With SIN_COS (a phase coupling summed by its sines and
    cosines) the first channels hold the sines and the next the cosines."""
    R, n = x.shape[1] // POINTS, cvar.shape[0]
    size = hist.shape[2] // (2 * POINTS)
    slot = k % size
    at, again = slot * POINTS, (slot + size) * POINTS
    for j in range(n):
        for s in range(R):
            for q in range(POINTS):
                value = x[cvar[j], s * POINTS + q]
                if SIN_COS:
                    hist[j, s, at + q] = hist[j, s, again + q] = math.sin(value)
                    hist[n + j, s, at + q] = hist[n + j, s, again + q] = math.cos(value)
                else:
                    hist[j, s, at + q] = hist[j, s, again + q] = value
    return slot + size
