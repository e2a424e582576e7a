"""The state variables' bounds (TVB's `state_variable_boundaries`), applied after every integration stage."""

from __future__ import annotations


def clamp(y, floor, ceiling):  # a kernel part (connectome.sim.compose)
    """y[v, t] ← min(max(y[v, t], floor[v]), ceiling[v])."""
    for v in range(y.shape[0]):
        lo, hi = floor[v], ceiling[v]
        for t in range(y.shape[1]):
            if y[v, t] < lo:
                y[v, t] = lo
            elif y[v, t] > hi:
                y[v, t] = hi
