"""Peak, mean and activation of the observed variable over every step (not only the recorded ones).

A region is activated the first time its observed variable reaches its `activation` level (a region
parameter of the rate model; the neural masses have none).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any


def update(done, x, arrays):  # a kernel part (connectome.sim.compose)
    """After step done − 1: peak, running total, first activation."""
    peak, total, first, level, obs = arrays
    for t in range(x.shape[1]):
        value = x[obs, t]
        if value > peak[t]:
            peak[t] = value
        total[t] += value
        if first[t] < 0 and value >= level[t]:
            first[t] = done


def arrays(run: Any) -> tuple:
    """(peak, total, first activation step or −1, level, observed variable), from the state at t = 0."""
    import numpy as np

    start = run.x[run.obs]
    level = np.asarray(run.params.get("activation", np.inf), dtype=np.float64) * np.ones(len(start))
    return start.copy(), start.copy(), np.where(start >= level, 0, -1).astype(np.int64), level, run.obs


def bytes_needed(run: Any) -> int:
    """Peak, running total, first activation and level."""
    return run.shape[1] * 4 * 8


def fields(run: Any, arrays: tuple) -> dict[str, Any]:
    """`summary_regions` (name, neurons where the run has N, peak, mean, and activation_ms where the model has
    an `activation` level) and `propagation_order` (None for a model without one)."""
    peak, total, first = arrays[:3]
    regions, sizes, steps, dt = run.plan.regions, run.plan.sizes, run.grid.steps, run.grid.dt
    mean = total / (steps + 1)
    activates = "activation" in run.params
    rows = []
    for i, name in enumerate(regions):
        row: dict[str, Any] = {"name": name} | ({} if sizes is None else {"neurons": sizes[i]})
        row |= {"peak_activity": float(peak[i]), "mean_activity": float(mean[i])}
        if activates:
            row["activation_ms"] = None if first[i] < 0 else float(int(first[i]) * Fraction(dt))
        rows.append(row)
    if not activates:
        return {"summary_regions": rows, "propagation_order": None}
    order = sorted((i for i in range(len(regions)) if first[i] >= 0), key=lambda i: (int(first[i]), i))
    return {"summary_regions": rows, "propagation_order": [regions[i] for i in order]}


def total_of(arrays: tuple) -> Any:
    """The observed variable summed over every step (checked for divergence)."""
    return arrays[1]
