"""A run: prepare once (spec checked, seed drawn, plan built, counts taken), then one short loop over the steps."""

from __future__ import annotations

import math
import secrets
from fractions import Fraction
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from ..counting import choose_scaling
from ..errors import InputError
from ..graph import Rows, rows_of
from .coupling import CouplingFunction, coupling_values, get_function
from .integrators import SCHEMES, STOCHASTIC, Euler, choose_integrator, noise_levels
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
class MassSetup:
    """What a neural-mass run adds to the plan: its coupling function and values, integrator and noise."""

    function: CouplingFunction
    cpar: list[float]
    integrator: str
    scheme: int
    noise: list[float]
    average: bool

    @property
    def stochastic(self) -> bool:
        """Whether the integrator draws noise."""
        return self.integrator in STOCHASTIC


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
    mass: MassSetup | None = None


def prepare(graph: nx.DiGraph | Rows, spec: RunSpec) -> Prepared:
    """Check the spec against the topology (a graph or its rows), draw the seed once, build the plan once."""
    topology = rows_of(graph)
    check(spec)
    grid = timing(spec)
    model = get_model(spec.model)
    params = model.parameters(topology.regions, spec.params)
    model.check_step(float(grid.dt), params)
    mass = _mass_setup(model, spec, len(topology.regions)) if model.code >= 0 else _rate_only(spec)
    random = not spec.deterministic if mass is None else mass.stochastic or spec.initial in (None, "random")
    if spec.seed is None and random:
        spec = spec.with_seed(secrets.randbits(63))  # drawn here, once, so that the run can be repeated
    speed = None if spec.speed_mm_per_ms is None else positive(spec.speed_mm_per_ms, "speed_mm_per_ms")
    mode = spec.coupling_mode or model.default_coupling_mode
    scaling = choose_scaling(topology.scaling, spec.scaling, topology.neurons, topology.name or "the topology")
    plan = build_plan(topology, int(spec.neurons), mode, speed=speed, dt=grid.dt, steps=grid.steps,
                      reference=topology.neurons if scaling == "indegree" else None)
    check_stimuli(spec.stimulus_objects(), plan.regions)
    Schedule(spec.stimulus_objects(), {r: i for i, r in enumerate(plan.regions)}, grid.steps,
             grid.dt).check_finite(plan.regions, grid.dt)
    compiled = spec.deterministic and model.name == "rate" or mass is not None
    if mass is not None and spec.kernel not in ("auto", "numba"):
        raise InputError(f"--kernel {spec.kernel}: the {model.name} model runs on the compiled kernel (numba)")
    kernel = choose_kernel(spec.kernel, plan, compiled)
    if kernel in ("csr", "dense") and plan.max_delay > 0:
        raise InputError(f"--kernel {kernel}: takes no delays; use scatter (or auto) with --speed")
    if kernel == "numba" and not compiled:
        raise InputError("--kernel numba: compiles the deterministic rate model only; use --deterministic, "
                         "or another kernel")
    return Prepared(spec, grid, model, params, plan, kernel, plan.total_connections, mass)


def _mass_setup(model: Model, spec: RunSpec, regions: int) -> MassSetup:
    """Check and resolve a neural-mass run's coupling function, integrator, noise and initial state."""
    from .history import check_initial

    function = get_function(spec.coupling_function or model.default_coupling_function)
    cpar = coupling_values(function, spec.coupling, spec.params)
    integrator = choose_integrator(model, spec.integrator, spec.noise)
    if spec.deterministic and integrator in STOCHASTIC:
        raise InputError(f"--deterministic: contradicts --integrator {integrator} and --noise; leave one out")
    noise = noise_levels(model, spec.noise, integrator)
    check_initial(model, spec.initial, regions)
    return MassSetup(function, cpar, integrator, SCHEMES[integrator], noise, spec.monitor == "temporal-average")


def _rate_only(spec: RunSpec) -> None:
    """Refuse the options the rate model does not take (it has its own finite-size noise and Euler step)."""
    if spec.coupling_function not in (None, "linear") or any(k.startswith("coupling.") for k in spec.params):
        raise InputError("--coupling-function/--param coupling.*: the rate model takes the linear coupling "
                         "G · Σ W a only (G is --coupling)")
    if spec.integrator not in (None, "euler"):
        raise InputError("--integrator: the rate model steps with euler (its noise is the finite-size population)")
    for name, value in (("--noise", spec.noise), ("--initial", spec.initial)):
        if value:
            raise InputError(f"{name}: the rate model starts at rest and its noise is set by --neurons")
    if spec.precision != "float64":
        raise InputError("--precision: the rate model computes in float64 only")
    if spec.monitor != "raw" or spec.bold:
        raise InputError(f"--monitor {'bold' if spec.bold else spec.monitor}: the rate model records its activity "
                         "with the raw monitor only")


def run(prepared: Prepared, progress: Callable[[int], None] | None = None) -> SimulationResult:
    """Step the model from rest to the end of the run; O(regions + projections) per step, nothing of size N.

    A state that leaves the floating-point numbers is refused (InputError "the run diverged"), never
    reported by numpy's warnings: its floating-point errors are silenced here and the results checked.
    """
    import numpy as np

    with np.errstate(all="ignore"):
        return _run_masses(prepared, progress) if prepared.mass is not None else _run_rate(prepared, progress)


def _run_rate(p: Prepared, progress: Callable[[int], None] | None) -> SimulationResult:
    """The rate model: its finite-size population, or the deterministic limit (compiled, or numpy kernels)."""
    import numpy as np

    spec, grid, plan, model = p.spec, p.timing, p.plan, p.model
    params = model.arrays(p.params)
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
        x = x.copy()
        run_compiled(plan, params, _gain(spec), dt, x, steps, np.array([schedule.at(k) for k in steps]),
                     recorder, activity, grid.steps, ticker)
    else:
        network = Network(plan, _gain(spec), p.kernel, rest=x)
        for k in range(grid.steps):
            target = model.relax(network.coupling(x), schedule.at(k), params)
            x = euler.relax(x, target) if population is None else population.step(target)
            recorder.update(k + 1, x)
            activity.update(k + 1, x)
            ticker(k + 1)
    check_finite(p, recorder.series[:, None, :], x[None, :], activity.total)
    return _with_fc(p, _result(p, recorder, activity, params))


def _gain(spec: RunSpec) -> float:
    """The rate model's global coupling G (1 unless given)."""
    return 1.0 if spec.coupling is None else float(spec.coupling)


def _run_masses(p: Prepared, progress: Callable[[int], None] | None) -> SimulationResult:
    """A neural-mass run on the compiled loop: every state variable recorded, the observed one summarised."""
    import numpy as np

    from .masses import run_masses
    from .times import sample_times

    grid, R, spec = p.timing, len(p.plan.regions), p.spec
    series = np.empty((grid.recorded, len(p.model.state_variables), R))
    peak, total = np.empty(R), np.empty(R)
    bold_stride = bold_steps(spec, grid) if spec.bold else 0
    bold = np.empty((grid.steps // bold_stride + 1 if bold_stride else 1, R))
    schedule = Schedule(spec.stimulus_objects(), {r: i for i, r in enumerate(p.plan.regions)}, grid.steps, grid.dt)
    final = run_masses(p, schedule, series, peak, total, bold, bold_stride, _ticker(grid.steps, progress))
    check_finite(p, series, final, total)
    obs = p.model.observed[0]
    activity = Activity(series[0, obs], np.full(R, np.inf))  # no activation level
    activity.peak, activity.total = peak, total
    result = _result(p, series[:, obs], activity, p.params,
                     {v.name: series[:, i] for i, v in enumerate(p.model.state_variables)})
    if p.mass.average:  # stamped at the middle of each averaged window, as TVB's TemporalAverage
        result.time_ms[1:] -= float(grid.stride * grid.dt) / 2
    if bold_stride:
        result.bold, result.bold_time_ms = bold, sample_times(len(bold), bold_stride, grid.dt)
    return _with_fc(p, result)


def _with_fc(p: Prepared, result: SimulationResult) -> SimulationResult:
    """The result with its functional connectivity (of the BOLD signal if recorded, else of the recorded
    observed variable) and the FC–SC correlations, when the spec asks for them."""
    if p.spec.fc:
        from .fc import fc_sc, functional_connectivity

        signal, times, what = (result.bold, result.bold_time_ms, "BOLD") if result.bold is not None else \
            (result.activity, result.time_ms, "recorded")
        result.fc = functional_connectivity(signal, times, float(p.spec.transient_ms), what)
        result.fc_sc = fc_sc(result.fc, p.plan)
    return result


def check_finite(p: Prepared, series: Any, final: Any, total: Any) -> None:
    """Refuse a run whose state left the floats (InputError naming the first variable, region and time at
    which it is not finite): `series` [sample, variable, region] as recorded, `final` [variable, region] the last
    state, `total` [region] the observed variable summed over every step (a finite state can sum past them)."""
    import numpy as np

    from .times import sample_times

    if np.isfinite(final).all() and np.isfinite(total).all() and np.isfinite(series).all():
        return
    obs = p.model.observed[0]
    times = sample_times(len(series), p.timing.stride, p.timing.dt)
    what = "is not finite"
    if (bad := ~np.isfinite(series)).any():
        k, v, r = (int(i[0]) for i in np.nonzero(bad))
    elif (bad := ~np.isfinite(final)).any():
        k, (v, r) = len(series) - 1, (int(i[0]) for i in np.nonzero(bad))
    else:  # every state finite, its sum not: where the recorded samples' sum leaves the floats, else the end
        v, r = obs, int(np.nonzero(~np.isfinite(total))[0][0])
        past = ~np.isfinite(np.cumsum(series[:, obs, r] * float(p.timing.stride)))
        k = int(np.argmax(past)) if past.any() else len(series) - 1
        what = "summed over the run is not finite"
    name = p.model.state_variables[v].name
    raise InputError(f"the run diverged: {name} of region {p.plan.regions[r]!r} {what} by t = {float(times[k]):g} ms; "
                     "lower --coupling or --dt, or change the parameters")


def bold_steps(spec: RunSpec, grid: Timing) -> int:
    """The BOLD sampling period in steps (rounded half up); the time step must be at most 1 ms."""
    from .bold import MAX_DT_MS

    if grid.dt > MAX_DT_MS:
        raise InputError(f"--dt: the BOLD monitor integrates the balloon model at the run's step, at most "
                         f"{MAX_DT_MS:g} ms, got {float(grid.dt):g} ms")
    period = positive(spec.bold_period_ms, "bold_period_ms")
    if period < grid.dt:
        raise InputError(f"--bold-period: must be ≥ the time step ({float(grid.dt):g} ms), got {spec.bold_period_ms!r}")
    return max(1, math.floor(period / grid.dt + Fraction(1, 2)))


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


def _result(p: Prepared, recorder: Recorder | Any, activity: Activity, params: dict[str, Any],
            states: dict[str, Any] | None = None) -> SimulationResult:
    from .times import sample_times

    spec, grid, plan = p.spec, p.timing, p.plan
    rows, order = activity.summary(plan.regions, plan.sizes, grid.steps, grid.dt)
    return SimulationResult(
        regions=list(plan.regions), region_neurons=list(plan.sizes),
        time_ms=sample_times(grid.recorded, grid.stride, grid.dt),
        activity=recorder.series if isinstance(recorder, Recorder) else recorder,
        summary_regions=rows, propagation_order=order, total_connections=p.total_connections,
        neurons=int(spec.neurons), duration_ms=float(spec.duration_ms), dt_ms=float(spec.dt_ms), steps=grid.steps,
        seed=spec.seed, deterministic=bool(spec.deterministic) if p.mass is None else not p.mass.stochastic,
        speed_mm_per_ms=None if spec.speed_mm_per_ms is None else float(spec.speed_mm_per_ms),
        record_every_ms=float(grid.stride * grid.dt),
        coupling=_gain(spec) if p.mass is None else p.mass.cpar[0],
        width=params.get("width", 0.0), stimuli=spec.stimulus_objects(), model=spec.model,
        coupling_mode=plan.mode, kernel=p.kernel, spec=spec, states=states or {},
        observed=p.model.state_variables[p.model.observed[0]].name,
    )
