"""A monitor added from outside the library (a test plugin): the lowest value of the observed variable
over every step. Importing this module registers it; nothing in `connectome/` names it."""

from __future__ import annotations

import sys
from typing import Any

from connectome.sim.monitors import Monitor, register


def update(done, x, arrays):
    """After every step: the running minimum of the observed variable."""
    lowest, obs = arrays
    for t in range(x.shape[1]):
        if x[obs, t] < lowest[t]:
            lowest[t] = x[obs, t]


def arrays(run: Any) -> tuple:
    """(the lowest value so far, from the state at t = 0; the observed variable)."""
    return run.x[run.obs].copy(), run.obs


def bytes_needed(run: Any) -> int:
    """One value per region."""
    return run.shape[1] * 8


def fields(run: Any, arrays: tuple) -> dict[str, Any]:
    """{"lowest": one value per region}."""
    return {"lowest": arrays[0]}


register(Monitor("trough", sys.modules[__name__], "the lowest value of the observed variable"))
