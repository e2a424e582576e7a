"""The verdicts given once before a run: the memory it will hold (the sum of its components) and its time."""

from __future__ import annotations

from typing import Any

from ..errors import ResourceError
from .loop import Prepared
from .monitors import Activity, Recorder
from .network import network_bytes
from .noise import TwoStatePopulation

STATE_BYTES_PER_REGION = 10 * 8  # state, target, parameters and scratch vectors
# a rough wall time: a fixed cost per step and a cost per region and projection per step, measured on
# the benchmark machine; runs estimated beyond a week are refused as absurd
SECONDS_PER_STEP = 40e-6
SECONDS_PER_ELEMENT_STEP = 10e-9
MAX_RUN_SECONDS = 7 * 24 * 3600


def estimate(p: Prepared) -> dict[str, Any]:
    """What the run will take: bytes by component, a rough time, against explicit connection lists."""
    import psutil

    R, P, grid = len(p.plan.regions), p.plan.projections, p.timing
    parts = {
        "recorder": Recorder.bytes(R, grid.recorded),
        "network": network_bytes(p.plan, p.kernel),
        "monitors": Activity.bytes(R),
        "noise": 0 if p.spec.deterministic else TwoStatePopulation.bytes(R),
        "state": R * STATE_BYTES_PER_REGION,
    }
    if p.mass is not None:
        parts.update(_mass_bytes(p))
    run_bytes = sum(parts.values())
    available = int(psutil.virtual_memory().available)
    return {
        "neurons": int(p.spec.neurons), "total_connections": p.total_connections, "run_bytes": run_bytes,
        "bytes_by_component": parts, "explicit_bytes": 8 * p.total_connections, "available_bytes": available,
        "fits": run_bytes <= available, "steps": grid.steps, "recorded_steps": grid.recorded,
        "max_delay_steps": p.plan.max_delay, "kernel": p.kernel,
        "time_s": round(grid.steps * (SECONDS_PER_STEP + SECONDS_PER_ELEMENT_STEP * (R + P)), 3),
    }


def _mass_bytes(p: Prepared) -> dict[str, int]:
    """A neural-mass run's parts: every state variable recorded, the history of each coupled variable, the
    BOLD series, and a block of noise."""
    from .integrators import NOISE_BLOCK_BYTES

    R, grid, model = len(p.plan.regions), p.timing, p.model
    nsv, ring = len(model.state_variables), p.plan.max_delay + 1
    bold = (grid.steps // max(1, round(p.spec.bold_period_ms / float(grid.dt))) + 1) * R * 8 if p.spec.bold else 0
    return {
        "recorder": nsv * Recorder.bytes(R, grid.recorded) + bold,
        "network": network_bytes(p.plan, p.kernel) + (len(model.coupled[:model.coupling_terms]) - 1) * ring * R * 8,
        "noise": min(NOISE_BLOCK_BYTES, 8 * nsv * R * grid.steps) if p.mass.stochastic else 0,
        "state": R * (8 * nsv * 6 + 8 * len(model.region_parameters)),
    }


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
