"""The right-hand side an integrator steps: the model's derivative plus the stimulus on its stimulated
variables, dx/dt = f(x, c) + I(t) (The Virtual Brain 2.10 adds the stimulus to the derivative of the
model's `stvar` the same way)."""

from __future__ import annotations


def drift(x, c, p, out, drive, row):  # a kernel part (connectome.sim.compose)
    """out ← f(x, c) + I(t_row): `drive` is (inputs [rows, regions] for the chunk's steps, the stimulated
    variables); no rows: no stimulus."""
    dfun(x, c, p, out)
    inputs, stimulated = drive
    if inputs.shape[0]:
        for j in range(stimulated.shape[0]):
            v = stimulated[j]
            for t in range(out.shape[1]):
                out[v, t] += inputs[row, t]


def no_input(c, drive, row):  # a kernel part: the `feed` of a model whose stimulus enters its derivative
    """Nothing: the stimulus is added by `drift`."""
    return None
