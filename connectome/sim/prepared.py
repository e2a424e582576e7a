"""Before the first step: the spec checked against the topology, the seed drawn and the plan built, once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..columns import Columns
from ..counting import choose_scaling
from ..errors import InputError, Mention
from ..graph import Rows, rows_of
from .analyses import check_fcd_size
from .coupling import CouplingFunction, coupling_values, get_function
from .integrators import choose_integrator, noise_levels, stochastic
from .layouts import choose_layout
from .models import Model, get_model
from .plan import Plan, build_plan
from .schedule import Drive
from .spec import DEFAULT_SPEED_MM_PER_MS, RunSpec, check
from .timing import Timing, positive, timing
from .stimulus import check_stimuli

if TYPE_CHECKING:
    import networkx as nx


@dataclass
class Prepared:
    """Everything fixed before the first step: built once, used by the verdicts and by the run.

    `integrator` is None when the model's finite-size population takes the integrator's place (the rate
    model, sampled). The topology's rows are not kept: once planned, a run needs only the plan.
    """

    spec: RunSpec
    timing: Timing
    model: Model
    params: dict[str, Any]
    plan: Plan
    kernel: str  # the coupling layout (connectome.sim.layouts)
    total_connections: int | None  # None: a run without N
    function: CouplingFunction
    cpar: list[float]
    integrator: str | None
    noise: list[float]
    monitors: tuple[str, ...]
    speed_mm_per_ms: float | None = None  # the conduction speed of the delays; None: the run has none

    @property
    def stochastic(self) -> bool:
        """Whether the run draws random numbers as it steps (its noise or its population)."""
        return self.integrator is None or stochastic(self.integrator)

    @property
    def population(self) -> bool:
        """Whether the model's regions are finite populations (the rate model, sampled)."""
        return self.integrator is None

    @property
    def relaxation(self) -> bool:
        """Whether the model is the rate model's kind: a relaxation with finite-size noise, `a` recorded only."""
        return self.model.kernel_target is not None


def prepare(graph: nx.DiGraph | Rows | Columns, spec: RunSpec) -> Prepared:
    """Check the spec against the topology (a graph, its rows or its columns), draw the seed once, build the plan
    once (from columns, a plan of arrays: `connectome.sim.plan.build_plan`)."""
    topology = graph if isinstance(graph, Columns) else rows_of(graph)
    check(spec)
    grid = timing(spec)
    model = get_model(spec.model)
    mode = spec.coupling_mode or model.default_coupling_mode
    spec = _with_neurons(spec, model, mode, topology)
    params = model.parameters(topology.regions, spec.params)
    model.check_step(float(grid.dt), params)
    function = get_function(spec.coupling_function or model.default_coupling_function)
    cpar = coupling_values(function, spec.coupling, spec.params, model.default_coupling_a)
    if model.kernel_target is not None:
        _relaxation_only(spec)
        integrator, noise = ((spec.integrator or model.default_integrator) if spec.deterministic else None), []
    else:
        integrator, noise = _integrator(model, spec, len(topology.regions))
        _warn_of_the_step(model, params, float(grid.dt), integrator, len(topology.regions))
    random = integrator is None or stochastic(integrator) or \
        (model.kernel_target is None and spec.initial in (None, "random"))
    if spec.seed is None and random:
        spec = spec.with_seed(secrets.randbits(63))  # drawn here, once, so that the run can be repeated
    speed = conduction_speed(spec)
    scaling = choose_scaling(topology.scaling, spec.scaling, topology.neurons, topology.name or "the topology")
    plan = build_plan(topology, spec.neurons, mode, speed=speed, dt=grid.dt, steps=grid.steps,
                      reference=topology.neurons if scaling == "indegree" else None)
    check_stimuli(spec.stimulus_objects(), plan.regions)
    check_fcd_size(spec, len(plan.regions))
    Drive(spec.stimulus_objects(), {r: i for i, r in enumerate(plan.regions)}, grid.dt).check(plan.regions)
    layout = choose_layout(spec.kernel, plan, spec.precision == "tvb")
    monitors = (*_recorder(spec), "summary", *(("bold",) if spec.bold else ()), *_further_monitors(spec))
    if spec.bold:
        from .monitors.bold import steps as bold_steps

        bold_steps(grid.dt, spec.bold_period_ms)
    return Prepared(spec, grid, model, params, plan, layout, plan.total_connections, function, cpar, integrator,
                    noise, monitors, float(speed) if plan.delayed else None)


def uses_neurons(model: Model, mode: str) -> bool:
    """Whether a run of `model` in coupling `mode` depends on N: the rate model (its finite-size population)
    and mean-input coupling (its weights follow the region sizes); a neural mass in raw coupling does not.

    Examples
    --------
    >>> from .models import get_model
    >>> uses_neurons(get_model("rate"), "mean-input"), uses_neurons(get_model("wilson-cowan"), "raw")
    (True, False)
    """
    return model.kernel_target is not None or mode == "mean-input"


def _with_neurons(spec: RunSpec, model: Model, mode: str, topology: Rows | Columns) -> RunSpec:
    """The spec with the N its run uses: its own, else the topology's reference scale where the run depends
    on N (recorded with the run), refused where there is none; a run that does not depend on N keeps None."""
    if spec.neurons is not None or not uses_neurons(model, mode):
        return spec
    if topology.neurons is None:
        why = "the rate model" if model.kernel_target is not None else "mean-input coupling"
        raise InputError(Mention("neurons"), f": {why} needs a neuron count, and {topology.name or 'the topology'} "
                         "has no reference scale; give one")
    return replace(spec, neurons=int(topology.neurons))


def conduction_speed(spec: RunSpec) -> Fraction | None:
    """The speed (mm/ms) that turns tract lengths into delays: `speed_mm_per_ms`, else TVB's default
    DEFAULT_SPEED_MM_PER_MS; None (no delays) when `delays` is False. (A topology without tract lengths
    has no delays at any speed: its run's `speed_mm_per_ms` is None.)

    Examples
    --------
    >>> [conduction_speed(RunSpec(**k)) for k in ({}, {"speed_mm_per_ms": 6.0}, {"delays": False})]
    [Fraction(3, 1), Fraction(6, 1), None]
    """
    if not spec.delays:
        return None
    return positive(DEFAULT_SPEED_MM_PER_MS if spec.speed_mm_per_ms is None else spec.speed_mm_per_ms,
                    "speed_mm_per_ms")


def _recorder(spec: RunSpec) -> tuple[str, ...]:
    """The run's first monitor: its recorder when it records its state (`recording`), else the `signal`
    its FC or FCD (without BOLD) or its spectrum is of, else none."""
    from .spec import recording

    if recording(spec):
        return (spec.monitor,)
    needs = ((spec.fc or spec.fcd_window_ms is not None) and not spec.bold) or spec.spectrum
    return ("signal",) if needs else ()


def _further_monitors(spec: RunSpec) -> tuple[str, ...]:
    """The further monitors a spec names, each registered, none twice and none of the built-in three."""
    from .monitors import MONITORS

    names = tuple(spec.monitors)
    for name in names:
        if name not in MONITORS or name == "bold" or MONITORS[name].recorder or MONITORS[name].internal:
            others = sorted(n for n, m in MONITORS.items() if not (m.recorder or m.internal) and n != "bold")
            raise InputError(Mention("monitors", name),
                             f": not a further monitor (registered: {', '.join(others) or 'none'})")
    if len(set(names)) != len(names):
        raise InputError(Mention("monitors"), ": a monitor is named twice")
    return names


def _integrator(model: Model, spec: RunSpec, regions: int) -> tuple[str, list[float]]:
    """A neural mass's integrator and noise level per variable, its initial state checked."""
    from .history import check_initial

    integrator = choose_integrator(model, spec.integrator, spec.noise)
    if spec.deterministic and stochastic(integrator):
        raise InputError(Mention("deterministic"), ": contradicts ", Mention("integrator", integrator), " and ",
                         Mention("noise"), "; leave one out")
    noise = noise_levels(model, spec.noise, integrator)
    check_initial(model, spec.initial, regions)
    return integrator, noise


def _warn_of_the_step(model: Model, params: dict[str, Any], dt: float, integrator: str, regions: int) -> None:
    """A ConnectomeWarning when the step does not resolve the model's fastest rate (`connectome.sim.stiffness`)."""
    import warnings

    from .stiffness import step_warning

    warning = step_warning(model, model.parameter_matrix(model.arrays(params), regions), dt, integrator)
    if warning is not None:
        warnings.warn(warning, stacklevel=4)


def _relaxation_only(spec: RunSpec) -> None:
    """Refuse the parameters the rate model does not take (it has its own finite-size noise and exact step)."""
    if spec.coupling_function not in (None, "linear") or any(k.startswith("coupling.") for k in spec.params):
        raise InputError(Mention("coupling_function"), "/", Mention("params", key="coupling.*"),
                         ": the rate model takes the linear coupling G · Σ W a only (G is ", Mention("coupling"), ")")
    if spec.integrator not in (None, "exponential-euler", "euler"):
        raise InputError(Mention("integrator"), ": the rate model steps with exponential-euler or euler (its noise "
                         "is the finite-size population)")
    for name, value in (("noise", spec.noise), ("initial", spec.initial)):
        if value:
            raise InputError(Mention(name), ": the rate model starts at rest and its noise is set by ",
                             Mention("neurons"))
    if spec.precision != "float64":
        raise InputError(Mention("precision"), ": the rate model computes in float64 only")
    if spec.monitor != "raw" or spec.bold:
        raise InputError(Mention("bold") if spec.bold else Mention("monitor", spec.monitor),
                         ": the rate model records its activity with the raw monitor only")
