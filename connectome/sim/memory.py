"""The verdicts given once before a run: the memory it will hold (the sum of its components) and its time."""

from __future__ import annotations

from typing import Any

from ..errors import ResourceError
from .prepared import Prepared

# a rough wall time: a fixed cost per step and a cost per region and projection per step, measured on
# the benchmark machine; runs estimated beyond a week are refused as absurd
SECONDS_PER_STEP = 40e-6
SECONDS_PER_ELEMENT_STEP = 10e-9
MAX_RUN_SECONDS = 7 * 24 * 3600


def estimate(p: Prepared) -> dict[str, Any]:
    """What the run will take: bytes by component (each part's own figure for what it will hold), a rough
    time, against explicit connection lists (`neurons`, `total_connections` and `explicit_bytes` where the
    run has N: a neural mass run without N has none), and the conduction speed of its delays."""
    import psutil

    R, P, grid = len(p.plan.regions), p.plan.projections, p.timing
    parts = components(p)
    run_bytes = sum(parts.values())
    available = int(psutil.virtual_memory().available)
    counts = {} if p.total_connections is None else {
        "neurons": int(p.spec.neurons), "total_connections": p.total_connections}
    return {
        **counts, "run_bytes": run_bytes, "bytes_by_component": parts,
        **({} if p.total_connections is None else {"explicit_bytes": 8 * p.total_connections}),
        "available_bytes": available, "fits": run_bytes <= available, "steps": grid.steps,
        "recorded_steps": recorded_steps(p), "max_delay_steps": p.plan.max_delay,
        "speed_mm_per_ms": p.speed_mm_per_ms, "kernel": p.kernel,
        "time_s": round(grid.steps * (SECONDS_PER_STEP + SECONDS_PER_ELEMENT_STEP * (R + P)), 3),
    }


def recorded_steps(p: Prepared) -> int:
    """The samples of the state (or of the analyses' signal) the run keeps: 0 when it keeps none.

    Examples
    --------
    >>> import networkx as nx
    >>> from connectome.sim import make_spec, prepare
    >>> g = nx.DiGraph(); g.add_node("a", share=1.0)
    >>> recorded_steps(prepare(g, make_spec(10, duration_ms=1.0, seed=1)))
    11
    >>> recorded_steps(prepare(g, make_spec(10, model="linear", duration_ms=1.0, dt_ms=0.05, bold=True)))
    0
    """
    from .monitors import MONITORS

    keeps = p.monitors and (MONITORS[p.monitors[0]].recorder or p.monitors[0] == "signal")
    return p.timing.recorded if keeps else 0


def components(p: Prepared) -> dict[str, int]:
    """The bytes each part of the run will hold: the monitors (each its own), the analyses (FC, FCD), the
    network (the layout's arrays and history ring), the noise (a block of steps, or the population) and the
    state (the state, the integrator's scratch and the parameter matrix)."""
    from .integrators import NOISE_BLOCK_BYTES
    from .layouts import LAYOUTS
    from .loop import parts_of
    from .monitors import MONITORS
    from .noise import population_bytes

    parts = parts_of(p)
    nsv, R = parts.shape
    out = {f"monitor {name}": MONITORS[name].module.bytes_needed(parts) for name in p.monitors}
    out.update(analysis_bytes(p))
    terms = len(p.model.coupled) if p.model.coupling_terms is None else p.model.coupling_terms
    channels = terms * (2 if p.function.phase and p.kernel != "scatter" else 1)
    out["network"] = LAYOUTS[p.kernel].module.bytes_needed(p.plan, channels, p.spec.precision == "tvb")
    if p.population:
        out["noise"] = population_bytes(R)
    elif p.stochastic:
        out["noise"] = min(NOISE_BLOCK_BYTES, 8 * nsv * R * p.timing.steps)
    else:
        out["noise"] = 0
    n_params = len(p.model.global_parameters) + len(p.model.region_parameters)
    out["state"] = R * 8 * (nsv * 6 + max(1, n_params) + len(p.model.coupled))
    return out


def analysis_bytes(p: Prepared) -> dict[str, int]:
    """The bytes of the analyses the run asks for, after its steps: "fc" (a centred copy of the series it
    is of, at most every sample, and three regions × regions matrices) and "fcd" (`analyses.fcd_bytes`).

    Examples
    --------
    >>> import networkx as nx
    >>> from connectome.sim import make_spec, prepare
    >>> g = nx.DiGraph(); g.add_node("a", share=1.0); g.add_node("b", share=1.0)
    >>> analysis_bytes(prepare(g, make_spec(10, model="linear", duration_ms=1.0, dt_ms=0.05, fc=True)))
    {'fc': 432}
    """
    from .analyses import fcd_bytes
    from .loop import parts_of
    from .monitors import bold

    out: dict[str, int] = {}
    R = len(p.plan.regions)
    if p.spec.fc:
        samples = bold.samples(parts_of(p)) if p.spec.bold else p.timing.recorded
        out["fc"] = 8 * (samples * R + 3 * R * R)
    if p.spec.fcd_window_ms is not None:
        out["fcd"] = fcd_bytes(p.spec, R)[1]
    return out


def _size(n: int) -> str:
    """Bytes for people: 1.5 GB (1,500,000,000 bytes)."""
    value = float(n)
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB", "EB"):
        if value < 1000 or unit == "EB":
            break
        value /= 1000
    return f"{n:,} bytes" if unit == "bytes" else f"{value:.3g} {unit} ({n:,} bytes)"


def verdict(est: dict[str, Any]) -> str | None:
    """Refuse a run that cannot fit or would take beyond a week (ResourceError, exit 2); warn above half the memory."""
    need, available = est["run_bytes"], est["available_bytes"]
    steps = est.get("recorded_steps")
    detail = f" to record {steps:,} steps" if steps else ""
    if need > available:
        raise ResourceError(f"this run needs about {_size(need)} of memory{detail}, but only {_size(available)} is "
                            "available; record less often, shorten the duration or use a larger time step")
    seconds = est.get("time_s", 0)
    if seconds > MAX_RUN_SECONDS:
        raise ResourceError(f"this run would take about {seconds / 86400:,.0f} days ({est['steps']:,} steps); "
                            "shorten the duration or use a larger time step")
    if need > available / 2:
        return f"this run needs about {_size(need)} of memory{detail}, more than half of the {_size(available)} available"
    return None
