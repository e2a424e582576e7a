"""The compiled loop of the neural-mass models: coupling, integrator and monitors fused, per step.

Per step k (t_k = k · dt), as The Virtual Brain 2.10 steps (see `../shared/tvb-conventions.md`):

1. the coupled variables x(t_k) enter the history ring (source-major: hist[j, s, slot]; see
   `coupling_kernels` for the layouts);
2. c(t_k) = f(Σ_s W_ts · pre(x_s(t_k − d_ts), x_t(t_k))) per coupled variable (`connectome.sim.coupling`),
   plus the stimulus on the first coupled term; computed once and held for both Heun stages;
3. the integrator: Euler x + dt·f(x, c); Heun x̃ = x + dt·f(x, c) (clamped to the variables' bounds),
   x + (f(x, c) + f(x̃, c))·dt/2 (clamped); the stochastic ones add √(2D·dt)·ξ to both stages (TVB's
   `noise.Additive` with nsig = D), the same ξ in the predictor and the corrector;
4. the monitors: every variable every `stride` steps (instantaneous, or the mean of the stride's states),
   the observed variable's peak and running total, and the BOLD signal's balloon model.
"""

from __future__ import annotations

import numba
import numpy as np

from . import bold, compile  # noqa: F401  (compile: the engine's cache folder, before any kernel)
from .coupling import KURAMOTO
from .coupling_kernels import couple
from .integrators import EULER, EULER_MARUYAMA, NOISE_BLOCK_BYTES
from .models.compiled import dfun

_balloon_step = numba.njit(cache=True, nogil=True, error_model="numpy")(bold.balloon_step)
_bold_signal = numba.njit(cache=True, nogil=True, error_model="numpy")(bold.bold_signal)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _clamp(y, floor, ceiling):
    for v in range(y.shape[0]):
        lo, hi = floor[v], ceiling[v]
        for t in range(y.shape[1]):
            if y[v, t] < lo:
                y[v, t] = lo
            elif y[v, t] > hi:
                y[v, t] = hi


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _integrate(code, scheme, x, c, p, dt, floor, ceiling, noise, d1, d2, xt):
    """x ← one step of the scheme; `noise` (variables, regions) is √(2D·dt)·ξ, zeros when deterministic."""
    dfun(code, x, c, p, d1)
    nsv, R = x.shape
    if scheme == EULER or scheme == EULER_MARUYAMA:
        for v in range(nsv):
            for t in range(R):
                x[v, t] = x[v, t] + dt * d1[v, t] + noise[v, t]
        _clamp(x, floor, ceiling)
        return
    for v in range(nsv):
        for t in range(R):
            xt[v, t] = x[v, t] + dt * d1[v, t] + noise[v, t]
    _clamp(xt, floor, ceiling)
    dfun(code, xt, c, p, d2)
    for v in range(nsv):
        for t in range(R):
            x[v, t] = x[v, t] + (d1[v, t] + d2[v, t]) * dt / 2.0 + noise[v, t]
    _clamp(x, floor, ceiling)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def mass_steps(k_from, k_to, code, x, p, fn, cpar, parallel, first, index, w, delay, hist, zero, buffer, push, cvar,
               n_terms,
               scheme, dt,
               floor, ceiling, noise, event_steps, event_inputs, series, average, acc, stride, obs, peak, total,
               balloon, bold_series, bold_stride):
    """Steps k_from .. k_to − 1 in place; noise[k − k_from] is step k's noise (an empty block when deterministic).

    With bold_stride > 0 the balloon state (s, f, v, q per region) follows the observed variable and the
    BOLD signal is kept every bold_stride steps.
    """
    nsv, R = x.shape
    c = np.zeros((n_terms, R))  # the terms past cvar's are not summed: the equations do not read them
    d1, d2, xt = np.empty((nsv, R)), np.empty((nsv, R)), np.empty((nsv, R))
    quiet = np.zeros((nsv, R))
    event = 0
    for k in range(k_from, k_to):
        while event + 1 < event_steps.shape[0] and event_steps[event + 1] <= k:
            event += 1
        couple(parallel, push, fn, cpar, k, x, cvar, c, first, index, w, delay, hist, event_inputs[event], zero,
               buffer)
        _integrate(code, scheme, x, c, p, dt, floor, ceiling, noise[k - k_from] if noise.shape[0] else quiet,
                   d1, d2, xt)
        done = k + 1
        for t in range(R):
            value = x[obs, t]
            if value > peak[t]:
                peak[t] = value
            total[t] += value
        if bold_stride > 0:
            _balloon_step(x[obs], balloon, dt / 1000.0)
            if done % bold_stride == 0:
                _bold_signal(balloon, bold_series[done // bold_stride])
        if average:
            acc += x
        if done % stride == 0:
            if average:
                series[done // stride] = acc / stride
                acc[:] = 0.0
            else:
                series[done // stride] = x


def _network(plan, x: np.ndarray, cvar: np.ndarray, tvb: bool, kuramoto: bool) -> tuple:
    """(first, index, w, delay, hist, zero, buffer, push): the coupling kernel's arrays, history at rest.

    float64: the push layout (edges by source, a doubled history ring, one partial sum per source block);
    tvb: the pull layout in float32 with a row of products per target (see `coupling_kernels`).
    """
    from .coupling_kernels import push_blocks
    from .kernels import edges_by_source, edges_by_target

    R, ring = len(plan.regions), plan.max_delay + 1
    if tvb:
        first, index, _, w, delay = edges_by_target(plan, by_source=True)
        buffer = np.empty((R, int(np.max(np.diff(first), initial=0))), dtype=np.float32)
        hist = np.empty((len(cvar), R, ring), dtype=np.float32)
    else:
        first, index, w, delay = edges_by_source(plan)
        channels = len(cvar) * (2 if kuramoto else 1)  # Kuramoto: the sines, then the cosines
        buffer = np.empty((push_blocks(plan.projections), channels * R))
        hist = np.empty((channels, R, 2 * ring))
    past = x[cvar]  # constant over t ≤ 0
    hist[:] = (np.concatenate([np.sin(past), np.cos(past)]) if kuramoto and not tvb else past)[:, :, None]
    real = hist.dtype.type
    return first, index, w.astype(real), delay, hist, real(0.0), buffer, not tvb


def run_masses(p, schedule, recorder_series, peak, total, bold_series, bold_stride, tick) -> np.ndarray:
    """Every step of a prepared neural-mass run; fills the recorder's series, the observed variable's peak
    and total and the BOLD series (when bold_stride > 0) in place, and returns the final state."""
    from .history import initial_state
    from .kernels import PARALLEL_FROM

    plan, spec, model, setup, grid = p.plan, p.spec, p.model, p.mass, p.timing
    R, nsv, dt = len(plan.regions), len(model.state_variables), float(grid.dt)
    x = initial_state(model, spec.initial, R, spec.seed)
    params = model.parameter_matrix(model.arrays(p.params), R)
    cvar = np.array(model.coupled[:model.terms_used(params)], dtype=np.int64)
    network = _network(plan, x, cvar, spec.precision == "tvb", setup.function.code == KURAMOTO)
    recorder_series[0] = x
    obs = model.observed[0]
    peak[:], total[:] = x[obs], x[obs]
    events = sorted(schedule.events)
    event_steps, event_inputs = np.array(events, dtype=np.int64), np.array([schedule.at(k) for k in events])
    floor = np.array([v.floor for v in model.state_variables])
    ceiling = np.array([v.ceiling for v in model.state_variables])
    scale = np.sqrt(2.0 * np.array(setup.noise) * dt)[:, None]  # √(2D·dt) per variable
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed).spawn(2)[0]) if setup.stochastic else None
    acc = np.zeros((nsv, R))
    balloon = np.zeros((4, R))
    balloon[1:] = 1.0  # rest: s = 0, f = v = q = 1
    if bold_stride > 0:
        bold_series[0] = 0.0
    chunk = max(1, min(-(-grid.steps // 100), NOISE_BLOCK_BYTES // (8 * nsv * R)))
    empty = np.zeros((0, nsv, R))
    for start in range(0, grid.steps, chunk):
        end = min(grid.steps, start + chunk)
        noise = empty if rng is None else rng.standard_normal((end - start, nsv, R)) * scale
        mass_steps(start, end, model.code, x, params, setup.function.code, np.array(setup.cpar),
                   plan.projections >= PARALLEL_FROM, *network, cvar, len(model.coupled), setup.scheme, dt, floor, ceiling, noise,
                   event_steps, event_inputs, recorder_series, setup.average, acc, grid.stride, obs, peak, total, balloon,
                   bold_series, bold_stride)
        tick(end)
    return x
