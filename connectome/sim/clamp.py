"""The state variables' bounds (TVB's `state_variable_boundaries`), applied after every integration stage."""

from __future__ import annotations


def bounded(value, lo, hi):  # a kernel part (connectome.sim.compose)
    """value clamped to [lo, hi] (a NaN stays NaN, for the divergence check)."""
    if value < lo:
        return lo
    if value > hi:
        return hi
    return value
