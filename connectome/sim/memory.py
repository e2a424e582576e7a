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
    time, against explicit connection lists."""
    import psutil

    R, P, grid = len(p.plan.regions), p.plan.projections, p.timing
    parts = components(p)
    run_bytes = sum(parts.values())
    available = int(psutil.virtual_memory().available)
    return {
        "neurons": int(p.spec.neurons), "total_connections": p.total_connections, "run_bytes": run_bytes,
        "bytes_by_component": parts, "explicit_bytes": 8 * p.total_connections, "available_bytes": available,
        "fits": run_bytes <= available, "steps": grid.steps, "recorded_steps": grid.recorded,
        "max_delay_steps": p.plan.max_delay, "kernel": p.kernel,
        "time_s": round(grid.steps * (SECONDS_PER_STEP + SECONDS_PER_ELEMENT_STEP * (R + P)), 3),
    }


def components(p: Prepared) -> dict[str, int]:
    """The bytes each part of the run will hold: the monitors (each its own), the network (the layout's
    arrays and history ring), the noise (a block of steps, or the population) and the state (the state,
    the integrator's scratch and the parameter matrix)."""
    from .integrators import NOISE_BLOCK_BYTES
    from .layouts import LAYOUTS
    from .loop import parts_of
    from .monitors import MONITORS
    from .noise import population_bytes

    parts = parts_of(p)
    nsv, R = parts.shape
    out = {f"monitor {name}": MONITORS[name].module.bytes_needed(parts) for name in p.monitors}
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
    detail = f" to record {steps:,} steps" if steps is not None else ""
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
