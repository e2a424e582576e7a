"""The processing engine: a run is plan + model + coupling + noise + history + integrator + monitors.

`RunSpec` holds every parameter; `prepare` checks it, draws the seed once, builds the exact plan and
counts once; the verdicts (`estimate`, `verdict`) read the prepared run; `run` steps it. `simulate` does
all of that from keyword arguments, refusing what cannot fit before anything runs.

The names load on first use (PEP 562): the command line reads the parts' registries
(`connectome.sim.coupling`, `.integrators`, `.layouts`, `.monitors`) without importing the engine.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    import networkx as nx

    from .prepared import Prepared
    from .result import SimulationResult

_EXPORTS = {
    "run": ("loop", "run"), "Prepared": ("prepared", "Prepared"), "prepare": ("prepared", "prepare"),
    "estimate_prepared": ("memory", "estimate"), "verdict": ("memory", "verdict"),
    "SimulationResult": ("result", "SimulationResult"), "RunSpec": ("spec", "RunSpec"),
    "make_spec": ("spec", "make_spec"), "Stimulus": ("stimulus", "Stimulus"),
    "parse_stimulus": ("stimulus", "parse_stimulus"),
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    value = getattr(importlib.import_module(f".{module}", __name__), attribute)
    globals()[name] = value
    return value


def simulate(graph: nx.DiGraph, neurons: int | None = None, *, progress: Callable[[int], None] | None = None,
             threads: int | None = None, **params: Any) -> SimulationResult:
    """Run `graph` (at `neurons` neurons, for the models that use N); keyword arguments are RunSpec fields
    (stimuli as objects or text).

    Refuses (ResourceError) a run beyond `max_steps`, one that cannot fit in memory and one that would
    take beyond a week; warns (ResourceWarning) above half of the available memory. A neural mass needs
    no N; the rate model takes the topology's reference scale (`graph.graph["neurons"]`) when given none.

    Parameters
    ----------
    graph : networkx.DiGraph
        The topology: regions with a `share`, projections with a `strength`.
    neurons : int, optional
        The total N, for the models that use it.
    progress : callable, optional
        Called with the steps done since its last call, once each percent of the run (a tqdm bar's `update`).
    threads : int, optional
        How many threads sum the coupling (None: `CONNECTOME_THREADS`, else chosen); results are identical.
    **params
        RunSpec fields (`model`, `duration_ms`, `coupling`, `seed`, …); `stimuli` as Stimulus objects or text.

    Returns
    -------
    SimulationResult
        The recorded series, the per-region summary and the parameters, the seed drawn included.

    Raises
    ------
    InputError
        A keyword that is no RunSpec field, or a value a field does not take.
    ResourceError
        A run beyond `max_steps`, beyond the memory or beyond a week.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph(); g.add_node("a", share=1.0); g.add_node("b", share=1.0)
    >>> g.add_edge("a", "b", strength=1.0, tract_length=30.0)
    >>> r = simulate(g, model="linear", duration_ms=10.0, dt_ms=0.01)
    >>> r.neurons, r.speed_mm_per_ms, r.total_connections, r.activity.shape
    (None, 3.0, None, (1001, 2))
    >>> simulate(g, model="linear", duration_ms=0.01, dt_ms=0.1)
    Traceback (most recent call last):
    ...
    connectome.errors.InputError: dt_ms: the time step (0.1 ms) must not exceed the duration (0.01 ms)
    """
    from .prepared import prepare
    from .spec import make_spec

    return checked_run(prepare(graph, make_spec(neurons, **params)), progress, threads)


def checked_run(prepared: Prepared, progress: Callable[[int], None] | None = None, threads: int | None = None,
                warn: Callable[[str], None] | None = None) -> SimulationResult:
    """The one way a prepared run is run: the verdicts (refused with ResourceError; above half of the
    memory `warn`, by default a ResourceWarning), then the steps."""
    from .loop import run
    from .memory import estimate as estimate_prepared
    from .memory import verdict

    warning = verdict(estimate_prepared(prepared))
    if warning:
        if warn is None:
            warnings.warn(warning, ResourceWarning, stacklevel=3)
        else:
            warn(warning)
    return run(prepared, progress, threads)


def estimate(graph: nx.DiGraph, neurons: int | None = None, **params: Any) -> dict[str, Any]:
    """What a run will take (see `connectome.sim.memory.estimate`), from the same keyword arguments.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph(); g.add_node("a", share=1.0)
    >>> sorted(k for k in estimate(g, model="linear", duration_ms=1.0, dt_ms=0.01) if "neuron" in k or "connection" in k)
    []
    >>> estimate(g, 1000, duration_ms=10.0, seed=1)["total_connections"]
    0
    """
    from .memory import estimate as estimate_prepared
    from .prepared import prepare
    from .spec import make_spec

    return estimate_prepared(prepare(graph, make_spec(neurons, **params)))


__all__ = sorted(["checked_run", "estimate", "simulate", *_EXPORTS])


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
