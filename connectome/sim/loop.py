"""A run: its parts composed into one compiled kernel (`connectome.sim.compose`), stepped in chunks.

Per step k (t_k = k · dt), for every model, as The Virtual Brain 2.10 steps (`../shared/tvb-conventions.md`):

1. `couple`: the coupled variables x(t_k) enter the history ring, and the coupling of every region,
   c(t_k) = post(Σ_s W_ts · pre(x_s(t_k − d_ts), x_t(t_k))), is summed by the run's layout;
2. `feed`: a model whose stimulus is input (the rate model) adds it to c; the others' integrators add
   it to the derivative of the stimulated variables (`drift`);
3. `integrate`: the integrator's step (its noise a block drawn per chunk; Heun sums the coupling again
   at its predictor), or the model's finite-size population (the rate model, sampled);
4. `monitor_i`: each monitor's update.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..errors import InputError, Mention
from .compose import Kernel, load
from .prepared import Prepared
from .result import SimulationResult
from .timing import Timing

STEPS = '''
def steps(k_from, k_to, x, model, net, drive, step, noise, mons):
    p, cvar, c, quiet = model
    for k in range(k_from, k_to):
        row = k - k_from
        couple(k, x, cvar, c, net)
        feed(c, drive, row)
        integrate(x, c, p, step, noise if noise.shape[0] else quiet, row if noise.shape[0] else 0,
                  (k, row, cvar, net, drive))
        done = k + 1
{monitors}
'''


@dataclass
class RunParts:
    """What the monitors see of a run: its spec, grid, model, parameters and plan, the state at t = 0."""

    spec: Any
    grid: Timing
    model: Any
    params: dict[str, Any]
    plan: Any
    obs: int
    shape: tuple[int, int]
    x: Any = None
    states: bool = True


def parts_of(p: Prepared, x: Any = None) -> RunParts:
    """The monitors' view of a prepared run (`x`, the state at t = 0, once the run starts)."""
    shape = (len(p.model.state_variables), len(p.plan.regions))
    return RunParts(p.spec, p.timing, p.model, p.params, p.plan, p.model.observed[0], shape, x, not p.relaxation)


_KERNELS: dict[tuple, Any] = {}


def kernel(p: Prepared, parallel: bool, points: int = 1) -> Any:
    """The compiled `steps` of this run's configuration for a batch of `points` (composed, written and loaded
    once per process)."""
    parts = composed(p, parallel, points)
    key = (tuple((role, func) for role, func in parts.roles.items()), tuple(sorted(parts.constants.items())),
           tuple(sorted(parts.parallel)), parts.body)
    if key not in _KERNELS:
        _KERNELS[key] = load(parts).steps
    return _KERNELS[key]


def composed(p: Prepared, parallel: bool, points: int = 1) -> Kernel:
    """The kernel of this run's configuration: its parts by role, `couple` parallel or not, for a batch of
    `points` (`connectome.sim.batch`)."""
    from .integrators import INTEGRATORS
    from .layouts import LAYOUTS
    from .monitors import MONITORS
    from .integrators.drift import no_input
    from .models.base import observed_variable
    from .noise import population

    roles = {"dfun": p.model.kernel_dfun, "pre": p.function.pre, "post": p.function.post,
             "couple": LAYOUTS[p.kernel].module.couple, "feed": p.model.kernel_input or no_input,
             "integrate": population if p.population else INTEGRATORS[p.integrator].integrate}
    if p.model.kernel_target is not None:
        roles["target"] = p.model.kernel_target
    if {"bold", "signal"} & set(p.monitors):  # the model's proxy, else its observed variable (OBSERVED)
        roles["proxy"] = p.model.kernel_proxy or observed_variable
    for i, name in enumerate(p.monitors):
        roles[f"monitor_{i}"] = MONITORS[name].module.update
    body = STEPS.format(monitors="\n".join(f"        monitor_{i}(done, x, mons[{i}])" for i in range(len(p.monitors))))
    sin_cos = p.function.phase and p.kernel != "scatter"
    # without delays the ring is not kept (but for TVB's float32 history, and for a batch's phase sums)
    delayed = p.plan.max_delay > 0 or (sin_cos and points > 1) or p.spec.precision == "tvb"
    constants = {"SIN_COS": repr(sin_cos), "DELAYED": repr(delayed), "OBSERVED": repr(p.model.observed[0]),
                 "POINTS": repr(int(points))}
    return Kernel(roles, {"couple"} if parallel else set(), constants, body)


def run(prepared: Prepared, progress: Callable[[int], None] | None = None,
        threads: int | None = None) -> SimulationResult:
    """Step the model from t = 0 to the end of the run; O(regions + projections) per step, nothing of size N.

    `threads`: how many threads sum the coupling (None: `CONNECTOME_THREADS`, else chosen by the network
    and the machine's idle cores, see `connectome.sim.threads`); results are identical for any number.
    A state that leaves the floating-point numbers is refused (InputError "the run diverged").
    """
    from .batch import run_batch

    result = run_batch([prepared], progress, threads)[0]
    if isinstance(result, InputError):
        raise result
    return result


class Steps:
    """The kernel's calls over a run: each percent of the steps (for progress), cut where a block of noise
    and stimulus (`per_step` values per step) would pass NOISE_BLOCK_BYTES."""

    def __init__(self, steps: Callable, total: int, progress: Callable[[int], None] | None, per_step: int) -> None:
        self.steps, self.total, self.per_step = steps, total, per_step
        self.tick = _ticker(total, progress)

    def chunks(self) -> list[tuple[int, int]]:
        """(first step, end) of each call."""
        return _chunks(self.total, self.per_step)

    def __call__(self, start: int, end: int, arrays: tuple) -> None:
        self.steps(start, end, *arrays)
        self.tick(end)


def finish(p: Prepared, parts: RunParts, held: tuple, x: Any) -> SimulationResult:
    """A run's result from its monitors' arrays and its last state `x`, refused if it left the floats."""
    import numpy as np

    from .fc import with_fc
    from .monitors import MONITORS, summary

    recorded = held[0][0] if MONITORS[p.monitors[0]].recorder else np.zeros((0, *x.shape))
    check_finite(p, recorded, x, summary.total_of(held[p.monitors.index("summary")]))
    if "bold" in p.monitors:
        _check_bold(p, held[p.monitors.index("bold")])
    return with_fc(p, _result(p, parts, held))


def _check_bold(p: Prepared, arrays: tuple) -> None:
    """Refuse a run whose BOLD signal left the floats (a drive far outside the balloon's range)."""
    import numpy as np

    series, stride = arrays[1], arrays[2]
    bad = ~np.isfinite(series)
    if bad.any():
        k, r = (int(i[0]) for i in np.nonzero(bad))
        raise InputError(f"the BOLD signal of region {p.plan.regions[r]!r} is not finite by t = "
                         f"{float(k * stride * p.timing.dt):g} ms: its drive left the balloon model's range; "
                         "lower ", Mention("bold_scale"), " or change the parameters")


def _chunks(steps: int, per_step: int) -> list[tuple[int, int]]:
    """The kernel's calls, (first step, end): each percent of the run (for progress), cut where a block of
    noise and stimulus (`per_step` values per step) would pass NOISE_BLOCK_BYTES."""
    from .integrators import NOISE_BLOCK_BYTES

    most = max(1, NOISE_BLOCK_BYTES // (8 * per_step)) if per_step else steps
    out, start = [], 0
    for percent in range(1, 101):
        end = -(-steps * percent // 100)
        while start < end:
            out.append((start, min(end, start + most)))
            start = out[-1][1]
    return out


def _result(p: Prepared, parts: RunParts, held: tuple) -> SimulationResult:
    import numpy as np

    from .monitors import MONITORS

    spec, grid, plan = p.spec, p.timing, p.plan
    fields: dict[str, Any] = {"monitors": {}, "time_ms": np.zeros(0), "activity": np.zeros((0, len(plan.regions)))}
    for name, arrays in zip(p.monitors, held):
        given = MONITORS[name].module.fields(parts, arrays)
        if name in spec.monitors:  # a further monitor's arrays, by its name
            fields["monitors"].update({f"{name}.{key}": value for key, value in given.items()})
        else:
            fields.update(given)
    return SimulationResult(
        regions=list(plan.regions), region_neurons=None if plan.sizes is None else list(plan.sizes),
        total_connections=p.total_connections, neurons=None if spec.neurons is None else int(spec.neurons),
        duration_ms=float(spec.duration_ms), dt_ms=float(spec.dt_ms), steps=grid.steps,
        seed=spec.seed, deterministic=not p.stochastic, speed_mm_per_ms=p.speed_mm_per_ms,
        record_every_ms=float(grid.stride * grid.dt), coupling=p.cpar[0], width=p.params.get("width", 0.0),
        stimuli=spec.stimulus_objects(), model=spec.model, coupling_mode=plan.mode, kernel=p.kernel, spec=spec,
        observed=p.model.state_variables[p.model.observed[0]].name, **fields)


def check_finite(p: Prepared, series: Any, final: Any, total: Any) -> None:
    """Refuse a run whose state left the floats (InputError naming the first variable, region and time at
    which it is not finite): `series` [sample, variable, region] as recorded, `final` [variable, region] the last
    state, `total` [region] the observed variable summed over every step (a finite state can sum past them);
    a run that records no state gives no samples, and the time named is then the run's end."""
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
    at = float(times[k]) if len(series) else float(p.timing.steps * p.timing.dt)  # not recorded: the end
    raise InputError(f"the run diverged: {name} of region {p.plan.regions[r]!r} {what} by t = {at:g} ms; "
                     "lower ", Mention("coupling"), " or ", Mention("dt_ms"), ", or change the parameters")


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
