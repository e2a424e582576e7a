"""The FC's signal, kept while the state is not recorded: the model's neural-activity proxy (its observed
variable, Kuramoto's sin θ, Jansen–Rit's y1 − y2) of every region at t = 0 and every `stride` steps.

A run that does not record its raw traces (`connectome.sim.spec.recording`) and still needs a series for
its FC or FCD (no BOLD signal) or its spectrum keeps this one instead: one value per region and sample,
used by those analyses and never written.
"""

from __future__ import annotations

from typing import Any


def update(done, x, arrays):  # a kernel part (connectome.sim.compose)
    """After step done − 1: the proxy of every region, when done is a multiple of the stride."""
    series, stride = arrays
    if done % stride == 0:
        j = done // stride
        for t in range(x.shape[1]):
            series[j, t] = proxy(x, t)


def arrays(run: Any) -> tuple:
    """(series [samples, regions], stride), the first sample the proxy at t = 0."""
    import numpy as np

    series = np.empty((run.grid.recorded, run.x.shape[1]))
    series[0] = run.model.proxy(run.x)
    return series, run.grid.stride


def bytes_needed(run: Any) -> int:
    """The series and its times."""
    return run.grid.recorded * (run.shape[1] + 1) * 8


def fields(run: Any, arrays: tuple) -> dict[str, Any]:
    """`signal` [samples, regions] and `signal_time_ms`: the analyses' series, not the result's traces."""
    from ..times import sample_times

    return {"signal": arrays[0], "signal_time_ms": sample_times(run.grid.recorded, run.grid.stride, run.grid.dt)}
