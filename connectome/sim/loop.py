"""A run: prepare once (spec checked, seed drawn, plan built, counts taken), then one short loop over the steps."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from ..errors import InputError
from ..graph import Rows, rows_of
from .integrators import Euler
from .models import Model, get_model
from .monitors import Activity, Recorder
from .network import Network, choose_kernel
from .noise import TwoStatePopulation
from .plan import Plan, build_plan
from .result import SimulationResult
from .schedule import Schedule
from .spec import RunSpec, Timing, check, positive, timing
from .stimulus import check_stimuli

if TYPE_CHECKING:
    import networkx as nx


@dataclass
class Prepared:
    """Everything fixed before the first step: built once, used by the verdicts and by the run.

    The topology's rows are not kept: once planned, a run needs only the plan (a large graph's rows are
    freed before the first step).
    """

    spec: RunSpec
    timing: Timing
    model: Model
    params: dict[str, Any]
    plan: Plan
    kernel: str
    total_connections: int


def prepare(graph: nx.DiGraph | Rows, spec: RunSpec) -> Prepared:
    """Check the spec against the topology (a graph or its rows), draw the seed once, build the plan once."""
    topology = rows_of(graph)
    check(spec)
    grid = timing(spec)
    model = get_model(spec.model)
    params = model.parameters(topology.regions, spec.params)
    model.check_step(float(grid.dt), params)
    if spec.seed is None and not spec.deterministic:
        spec = spec.with_seed(secrets.randbits(63))  # drawn here, once, so that the run can be repeated
    speed = None if spec.speed_mm_per_ms is None else positive(spec.speed_mm_per_ms, "speed_mm_per_ms")
    mode = spec.coupling_mode or model.default_coupling_mode
    plan = build_plan(topology, int(spec.neurons), mode, speed=speed, dt=grid.dt, steps=grid.steps)
    check_stimuli(spec.stimulus_objects(), plan.regions)
    compiled = spec.deterministic and model.name == "rate"
    kernel = choose_kernel(spec.kernel, plan, compiled)
    if kernel in ("csr", "dense") and plan.max_delay > 0:
        raise InputError(f"--kernel {kernel}: takes no delays; use scatter (or auto) with --speed")
    if kernel == "numba" and not compiled:
        raise InputError("--kernel numba: compiles the deterministic rate model only; use --deterministic, "
                         "or another kernel")
    return Prepared(spec, grid, model, params, plan, kernel, plan.total_connections)


def run(prepared: Prepared, progress: Callable[[int], None] | None = None) -> SimulationResult:
    """Step the model from rest to the end of the run; O(regions + projections) per step, nothing of size N."""
    import numpy as np

    p, spec, grid, plan, model = prepared, prepared.spec, prepared.timing, prepared.plan, prepared.model
    params = model.arrays(prepared.params)
    regions, dt = len(plan.regions), float(grid.dt)
    x = model.initial(params, regions)[0]
    tau = model.time_constant(params)
    low, high = model.state_variables[0].low, model.state_variables[0].high
    schedule = Schedule(spec.stimulus_objects(), {r: i for i, r in enumerate(plan.regions)}, grid.steps, grid.dt)
    population = None if spec.deterministic else TwoStatePopulation(plan.sizes, spec.seed, dt, tau, x)
    if population is not None:
        x = population.a
    euler = Euler(dt, tau, low, high)
    recorder = Recorder(regions, grid.recorded, grid.stride, x)
    activity = Activity(x, params["activation"])
    ticker = _ticker(grid.steps, progress)
    if p.kernel == "numba":
        from .kernels import run_compiled

        steps = sorted(schedule.events)
        run_compiled(plan, params, spec.coupling, dt, x.copy(), steps, np.array([schedule.at(k) for k in steps]),
                     recorder, activity, grid.steps, ticker)
        return _result(p, recorder, activity, params)
    network = Network(plan, spec.coupling, p.kernel, rest=x)
    for k in range(grid.steps):
        target = model.relax(network.coupling(x), schedule.at(k), params)
        x = euler.relax(x, target) if population is None else population.step(target)
        recorder.update(k + 1, x)
        activity.update(k + 1, x)
        ticker(k + 1)
    return _result(p, recorder, activity, params)


def _ticker(steps: int, progress: Callable[[int], None] | None) -> Callable[[int], None]:
    """Calls `progress` with the steps done since its last call, once each percent of the steps is passed."""
    state = {"percent": 1, "reported": 0, "next": -(-steps // 100)}

    def tick(done: int) -> None:
        if progress is not None and done >= state["next"]:
            progress(done - state["reported"])
            state["reported"] = done
            while state["next"] <= done:
                state["percent"] += 1
                state["next"] = -(-steps * state["percent"] // 100)

    return tick


def _result(p: Prepared, recorder: Recorder, activity: Activity, params: dict[str, Any]) -> SimulationResult:
    from .times import sample_times

    spec, grid, plan = p.spec, p.timing, p.plan
    rows, order = activity.summary(plan.regions, plan.sizes, grid.steps, grid.dt)
    return SimulationResult(
        regions=list(plan.regions), region_neurons=list(plan.sizes),
        time_ms=sample_times(grid.recorded, grid.stride, grid.dt), activity=recorder.series,
        summary_regions=rows, propagation_order=order, total_connections=p.total_connections,
        neurons=int(spec.neurons), duration_ms=float(spec.duration_ms), dt_ms=float(spec.dt_ms), steps=grid.steps,
        seed=spec.seed, deterministic=bool(spec.deterministic),
        speed_mm_per_ms=None if spec.speed_mm_per_ms is None else float(spec.speed_mm_per_ms),
        record_every_ms=float(grid.stride * grid.dt), coupling=float(spec.coupling),
        width=params.get("width", 0.0), stimuli=spec.stimulus_objects(), model=spec.model,
        coupling_mode=plan.mode, kernel=p.kernel, spec=spec,
    )
