"""The processing engine: a run is plan + model + coupling + noise + history + integrator + monitors.

`RunSpec` holds every parameter; `prepare` checks it, draws the seed once, builds the exact plan and
counts once; the verdicts (`estimate`, `verdict`) read the prepared run; `run` steps it. `simulate` does
all of that from keyword arguments, refusing what cannot fit before anything runs.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Callable

from .loop import run
from .prepare import Prepared, prepare
from .memory import estimate as estimate_prepared
from .memory import verdict
from .result import SimulationResult
from .spec import RunSpec, make_spec
from .stimulus import Stimulus, parse_stimulus

if TYPE_CHECKING:
    import networkx as nx


def simulate(graph: nx.DiGraph, neurons: int, *, progress: Callable[[int], None] | None = None,
             threads: int | None = None, **params: Any) -> SimulationResult:
    """Run `graph` at `neurons` neurons; keyword arguments are RunSpec fields (stimuli as objects or text).

    Refuses (ResourceError) a run beyond `max_steps`, one that cannot fit in memory and one that would
    take beyond a week; warns (ResourceWarning) above half of the available memory.
    """
    return checked_run(prepare(graph, make_spec(neurons, **params)), progress, threads)


def checked_run(prepared: Prepared, progress: Callable[[int], None] | None = None, threads: int | None = None,
                warn: Callable[[str], None] | None = None) -> SimulationResult:
    """The one way a prepared run is run: the verdicts (refused with ResourceError; above half of the
    memory `warn`, by default a ResourceWarning), then the steps."""
    warning = verdict(estimate_prepared(prepared))
    if warning:
        if warn is None:
            warnings.warn(warning, ResourceWarning, stacklevel=3)
        else:
            warn(warning)
    return run(prepared, progress, threads)


def estimate(graph: nx.DiGraph, neurons: int, **params: Any) -> dict[str, Any]:
    """What a run will take (see `connectome.sim.memory.estimate`), from the same keyword arguments."""
    return estimate_prepared(prepare(graph, make_spec(neurons, **params)))


__all__ = ["Prepared", "RunSpec", "SimulationResult", "Stimulus", "checked_run", "estimate", "estimate_prepared", "make_spec",
           "parse_stimulus", "prepare", "run", "simulate", "verdict"]
