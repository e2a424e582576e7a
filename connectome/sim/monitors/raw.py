"""The raw monitor: every state variable at t = 0 and every `stride` steps (TVB's `Raw`/`SubSample`)."""

from __future__ import annotations

from typing import Any



def update(done, x, arrays):  # a kernel part (connectome.sim.compose)
    """After step done − 1: the state, when done is a multiple of the stride."""
    series, stride = arrays
    if done % stride == 0:  # element by element: an array assignment compiles numba's shape errors
        j = done // stride
        for v in range(x.shape[0]):
            for t in range(x.shape[1]):
                series[j, v, t] = x[v, t]


def arrays(run: Any) -> tuple:
    """(series [samples, variables, regions], stride), the first sample the state at t = 0."""
    import numpy as np

    series = np.empty((run.grid.recorded, *run.x.shape))
    series[0] = run.x
    return series, run.grid.stride


def bytes_needed(run: Any) -> int:
    """The series and its times."""
    return run.grid.recorded * (run.shape[0] * run.shape[1] + 1) * 8


def fields(run: Any, arrays: tuple) -> dict[str, Any]:
    """The result's series: the observed variable as `activity`, every variable in `states`."""
    from ..times import sample_times

    series = arrays[0]
    return {"time_ms": sample_times(run.grid.recorded, run.grid.stride, run.grid.dt),
            "activity": series[:, run.obs],
            "states": {v.name: series[:, i] for i, v in enumerate(run.model.state_variables)} if run.states else {}}
