"""The temporal-average monitor: the mean of each `stride` steps' states, stamped at the middle of its
window (TVB's `TemporalAverage`); the first sample is the state at t = 0."""

from __future__ import annotations

from typing import Any

from . import raw


def update(done, x, arrays):  # a kernel part (connectome.sim.compose)
    """Adds the state to the window's sum; at the window's end, its mean."""
    series, acc, stride = arrays
    nsv, R = x.shape
    for v in range(nsv):
        for t in range(R):
            acc[v, t] += x[v, t]
    if done % stride == 0:
        out = series[done // stride]
        for v in range(nsv):
            for t in range(R):
                out[v, t] = acc[v, t] / stride
                acc[v, t] = 0.0


def arrays(run: Any) -> tuple:
    """(series, the window's sum, stride)."""
    import numpy as np

    series, stride = raw.arrays(run)
    return series, np.zeros(run.x.shape), stride


def bytes_needed(run: Any) -> int:
    """The series, its times and the window's sum."""
    return raw.bytes_needed(run) + run.shape[0] * run.shape[1] * 8


def fields(run: Any, arrays: tuple) -> dict[str, Any]:
    """As the raw monitor's, each sample after the first stamped at the middle of its window."""
    out = raw.fields(run, arrays[:1] + arrays[2:])
    out["time_ms"][1:] -= float(run.grid.stride * run.grid.dt) / 2
    return out
