"""Runs in lockstep: one compiled kernel steps the K points of a batch, each exactly as if it ran alone.

The points of a batch share one plan (the same topology, N, scaling, coupling mode, speed, dt and
duration) and one configuration (model, integrator, coupling function, layout, monitors, precision);
they may differ in everything the plan does not depend on: the coupling `a` and the coupling function's
parameters, the model's parameters (global or per region), the noise intensities, the seed, the
stimuli and the initial state (`batch_key` says which specs may share a batch). Their arrays lie side
by side on the regions' axis, region r of point q at r · K + q, so the coupling's innermost loop runs
over the points (`connectome.sim.layouts`, POINTS = K), and the model's derivative, the integrator and
the monitors, which work region by region, see one network of R · K regions. Each point draws its
noise from its own generator, as alone, and every sum is taken in the same order as alone: a point's
numbers are the same bits in a batch of any size. A single run is a batch of one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence

from ..errors import InputError
from .schedule import Drive

if TYPE_CHECKING:
    from .prepared import Prepared
    from .result import SimulationResult

# the spec's fields a batch's points may differ in (with the seed, which every point keeps)
PER_POINT = ("coupling", "params", "noise", "initial", "stimuli", "seed")


def batch_key(spec: Any) -> str:
    """What the points of one batch share: the spec without its per-point fields (whether it has stimuli
    and which variables are noisy are kept: they choose the kernel's work).

    Examples
    --------
    >>> from connectome.sim import make_spec
    >>> a, b = make_spec(None, model="linear", coupling=0.1, seed=1), make_spec(None, model="linear", coupling=0.2, seed=2)
    >>> batch_key(a) == batch_key(b), batch_key(a) == batch_key(make_spec(None, model="linear", dt_ms=0.05))
    (True, False)
    """
    import json

    data = {k: v for k, v in spec.to_json().items() if k not in PER_POINT}
    data["stimulated"] = bool(spec.stimuli)
    data["noisy"] = sorted(k for k, v in spec.noise.items() if v)
    return json.dumps(data, sort_keys=True, default=str)


def side_by_side(arrays: Sequence[Any]) -> Any:
    """One array from each point's (same shape, regions last): the points side by side on the last axis.

    Examples
    --------
    >>> import numpy as np
    >>> side_by_side([np.array([[1, 2]]), np.array([[10, 20]])]).tolist()
    [[1, 10, 2, 20]]
    """
    import numpy as np

    if len(arrays) == 1:
        return arrays[0]
    stacked = np.stack(arrays, axis=-1)
    return stacked.reshape(*stacked.shape[:-2], stacked.shape[-2] * stacked.shape[-1])


def point_of(value: Any, regions: int, points: int, q: int) -> Any:
    """Point q's part of a batch's value: its arrays with R · K entries on the last axis taken apart
    (tuples entry by entry), anything else as it is.

    Examples
    --------
    >>> import numpy as np
    >>> point_of((np.array([[1, 10, 2, 20]]), 5), 2, 2, 1)[0].tolist()
    [[10, 20]]
    """
    import numpy as np

    if isinstance(value, tuple):
        return tuple(point_of(v, regions, points, q) for v in value)
    if points == 1 or not isinstance(value, np.ndarray) or not value.shape or value.shape[-1] != regions * points:
        return value
    return np.ascontiguousarray(value.reshape(*value.shape[:-1], regions, points)[..., q])


def monitors_side_by_side(held: Sequence[Any], regions: int) -> Any:
    """The monitors' arrays of the points as one batch's: every array whose last axis is the regions side by
    side, anything else the same for every point (a monitor's convention, `connectome.sim.monitors`).

    Examples
    --------
    >>> import numpy as np
    >>> held = monitors_side_by_side([(np.array([1.0, 2.0]), 10), (np.array([3.0, 4.0]), 10)], 2)
    >>> held[0].tolist(), held[1]
    ([1.0, 3.0, 2.0, 4.0], 10)
    """
    import numpy as np

    first = held[0]
    if isinstance(first, tuple):
        return tuple(monitors_side_by_side([h[i] for h in held], regions) for i in range(len(first)))
    if isinstance(first, np.ndarray) and first.shape and first.shape[-1] == regions:
        return side_by_side(list(held))
    return first


def run_batch(points: Sequence[Prepared], progress: Callable[[int], None] | None = None,
              threads: int | None = None) -> list[SimulationResult | InputError]:
    """Step the prepared runs `points` (one plan, see `batch_key`) together; each point's result, or the
    InputError that refused it (a point that diverged), in order. `progress` counts the batch's steps.

    Examples
    --------
    >>> import networkx as nx
    >>> from connectome.sim import make_spec, prepare
    >>> g = nx.DiGraph(); g.add_node("a", share=1.0); g.add_node("b", share=1.0)
    >>> g.add_edge("a", "b", strength=1.0); g.add_edge("b", "a", strength=1.0)
    >>> points = [prepare(g, make_spec(None, model="linear", duration_ms=1.0, dt_ms=0.01, coupling=a, seed=1,
    ...                                initial={"x": 0.5}, delays=False)) for a in (0.1, 1e300)]
    >>> kept, refused = run_batch(points)
    >>> f"{float(kept.activity[-1][1]):.4e}", type(refused).__name__
    ('2.5528e-05', 'InputError')
    """
    import numpy as np

    from .threads import choose_threads

    keys = {batch_key(p.spec) for p in points}
    if len(keys) != 1 or (len(points) > 1 and points[0].population):
        raise ValueError("these runs cannot share a batch: they differ beyond their per-point parameters"
                         if len(keys) != 1 else "a finite-size population runs alone")
    with np.errstate(all="ignore"):
        return _run(list(points), progress, choose_threads(threads, points[0].plan))


def compile_batch(points: Sequence[Prepared], threads: int | None = None) -> None:
    """Compile the kernel `points` run with (or load it from the cache folder), stepping nothing: a sweep's
    client does it once while its workers start, so that they find it compiled.

    Examples
    --------
    >>> import networkx as nx
    >>> from connectome.sim import make_spec, prepare
    >>> g = nx.DiGraph(); g.add_node("a", share=1.0)
    >>> compile_batch([prepare(g, make_spec(None, model="linear", dt_ms=0.01, seed=s)) for s in (1, 2)])
    """
    import numpy as np

    from .threads import choose_threads

    with np.errstate(all="ignore"):
        state = _State(list(points), choose_threads(threads, points[0].plan))
        state.steps.steps(0, 0, *state.arrays(0, 0))


class _State:
    """A batch's arrays before its first step: the points' states side by side, their monitors, the network."""

    def __init__(self, points: list[Prepared], threads: Any, progress: Callable[[int], None] | None = None) -> None:
        import numpy as np

        from .loop import Steps, kernel, parts_of
        from .monitors import MONITORS

        p, K = points[0], len(points)
        R, model, grid = len(p.plan.regions), p.model, p.timing
        self.points, self.R, self.K = points, R, K
        starts = [_start(q) for q in points]
        self.x = x = side_by_side([s[0] for s in starts])
        self.parts = [parts_of(q, s[0]) for q, s in zip(points, starts)]
        self.held = monitors_side_by_side([tuple(MONITORS[n].module.arrays(part) for n in p.monitors)
                                           for part in self.parts], R)
        matrices = [q.model.parameter_matrix(q.model.arrays(q.params), R) for q in points]
        terms = {model.terms_used(m) for m in matrices}
        if len(terms) != 1:
            raise ValueError("these runs cannot share a batch: their models read different coupling terms")
        cvar = np.array(model.coupled[:terms.pop()], dtype=np.int64)
        self.net = _network(p, x, cvar, [q.cpar for q in points])
        index = {r: i for i, r in enumerate(p.plan.regions)}
        self.drives = [Drive(q.spec.stimulus_objects(), index, grid.dt, model.stimulus_from_start) for q in points]
        self.stimulated = np.array(model.coupled if model.stimulated is None else model.stimulated, dtype=np.int64)
        self.step = starts[0][1] if p.population else _scratch(p, x.shape, [s[1] for s in starts])
        self.equations = (side_by_side(matrices), cvar, np.zeros((len(model.coupled), R * K)), np.zeros((1, *x.shape)))
        # √(2D·dt) per variable, each point its own
        self.scales = [np.sqrt(2.0 * np.array(q.noise or [0.0] * x.shape[0]) * float(grid.dt))[:, None] for q in points]
        self.rngs = [s[2] for s in starts]
        self.steps = Steps(kernel(p, threads != 1, K), grid.steps, progress,
                           (x.size if self.rngs[0] is not None else 0) + (R * K if self.drives[0] else 0))

    def arrays(self, start: int, end: int) -> tuple:
        """The kernel's arguments for steps start … end − 1: each point's noise and stimulus side by side."""
        import numpy as np

        x, R = self.x, self.R
        noise = np.zeros((0, *x.shape)) if self.rngs[0] is None else side_by_side(
            [rng.standard_normal((end - start, x.shape[0], R)) * scale for rng, scale in zip(self.rngs, self.scales)])
        inputs = side_by_side([d.block(start, end) for d in self.drives]) if self.drives[0] else np.zeros((0, R * self.K))
        return x, self.equations, self.net, (inputs, self.stimulated), self.step, noise, self.held

    def results(self) -> list[Any]:
        """Each point's result, or the InputError that refuses it."""
        from .loop import finish

        R, K = self.R, self.K
        return [_finished(q, self.parts[i], point_of(self.held, R, K, i), point_of(self.x, R, K, i), finish)
                for i, q in enumerate(self.points)]


def _run(points: list[Prepared], progress: Callable[[int], None] | None, threads: Any) -> list[Any]:
    from .threads import blas_threads, threads_used

    state = _State(points, threads, progress)
    with threads_used(threads) as again:
        for start, end in state.steps.chunks():
            state.steps(start, end, state.arrays(start, end))
            again()
    with blas_threads(threads):
        return state.results()


def _finished(p: Prepared, parts: Any, held: tuple, x: Any, finish: Callable) -> Any:
    """The point's result, or the InputError that refuses it."""
    try:
        return finish(p, parts, held, x)
    except InputError as error:
        return error


def _start(p: Prepared) -> tuple[Any, Any, Any]:
    """(the point's state at t = 0, its relaxation's decay per step or its population's `step` group, the
    additive noise's generator or None)."""
    import numpy as np

    from .history import initial_state
    from .noise import population_state

    R, model, spec = len(p.plan.regions), p.model, p.spec
    if p.relaxation:
        params = model.arrays(p.params)
        x = model.initial(params, R)
        if p.population:
            a, step = population_state(p.plan.sizes, spec.seed, float(p.timing.dt), params["tau_ms"], x[0])
            x[0] = a
            return x, step, None
        # a relaxation's exact decay per step, 1 − e^(−dt/τ), without cancellation for small dt/τ
        return x, -np.expm1(-float(p.timing.dt) / np.asarray(params["tau_ms"])) * np.ones(R), None
    x = initial_state(model, spec.initial, R, spec.seed)
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed).spawn(2)[0]) if p.stochastic else None
    return x, np.zeros(0), rng


def _scratch(p: Prepared, shape: tuple[int, int], decays: list[Any]) -> tuple:
    """The integrator's `step` group of a batch of `shape` (variables, regions · points): dt, the variables'
    bounds, three scratch states, the predictor's coupling and the relaxations' decays side by side."""
    import numpy as np

    model = p.model
    floor = np.array([v.floor for v in model.state_variables])
    ceiling = np.array([v.ceiling for v in model.state_variables])
    decay = side_by_side(decays) if p.relaxation else np.zeros(0)
    return (float(p.timing.dt), floor, ceiling, np.empty(shape), np.empty(shape), np.empty(shape),
            np.zeros((len(model.coupled), shape[1])), decay)


def _network(p: Prepared, x: Any, cvar: Any, cpars: list[list[float]]) -> tuple:
    """The layout's arrays for the batch, the history at rest (constant over t ≤ 0)."""
    import numpy as np

    from .layouts import LAYOUTS

    past = x[cvar]
    if p.function.phase and p.kernel != "scatter":  # the sines, then the cosines
        past = np.concatenate([np.sin(past), np.cos(past)])
    return LAYOUTS[p.kernel].module.arrays(p.plan, past, cpars, p.spec.precision == "tvb", len(cpars))
