"""The compiled loop of the neural-mass models: coupling, integrator and monitors fused, per step.

Per step k (t_k = k · dt), as The Virtual Brain 2.10 steps (see `../shared/tvb-conventions.md`):

1. the coupled variables x(t_k) enter the history ring (source-major: hist[j, s, slot]);
2. c(t_k) = f(Σ_s W_ts · pre(x_s(t_k − d_ts), x_t(t_k))) per coupled variable (`connectome.sim.coupling`),
   plus the stimulus on the first coupled term; computed once and held for both Heun stages;
3. the integrator: Euler x + dt·f(x, c); Heun x̃ = x + dt·f(x, c) (clamped to the variables' bounds),
   x + (f(x, c) + f(x̃, c))·dt/2 (clamped); the stochastic ones add √(2D·dt)·ξ to both stages (TVB's
   `noise.Additive` with nsig = D), the same ξ in the predictor and the corrector;
4. the monitors: every variable every `stride` steps (instantaneous, or the mean of the stride's states),
   the observed variable's peak and running total, and the BOLD signal's balloon model.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from . import bold
from .coupling import DIFFERENCE, KURAMOTO, LINEAR
from .integrators import EULER, EULER_MARUYAMA, NOISE_BLOCK_BYTES
from .models.compiled import dfun



@numba.njit(cache=True, nogil=True)
def _pairwise_leaf(a, lo, n):
    """numpy's `pairwise_sum` of a[lo:lo + n] for n ≤ 128: in order below 8, else 8 accumulators."""
    if n < 8:
        res = a[:0].sum()  # zero in a's own float type
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3, r4, r5, r6, r7 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3], a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - n % 8:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for j in range(lo + i, lo + n):
        res += a[j]
    return res


@numba.njit(cache=True, nogil=True)
def _pairwise(a, lo, n):
    """numpy's `pairwise_sum` of a[lo:lo + n]: above 128, the sum of the halves (cut at a multiple of 8).

    Walked with explicit stacks: numba's cache cannot hold a recursive function safely.
    """
    if n <= 128:
        return _pairwise_leaf(a, lo, n)
    starts, sizes, stage = np.empty(64, np.int64), np.empty(64, np.int64), np.empty(64, np.int64)
    values = np.empty(64, a.dtype)
    top, count = 0, 0
    starts[0], sizes[0], stage[0] = lo, n, 0
    while top >= 0:
        first, size = starts[top], sizes[top]
        if size <= 128:
            values[count] = _pairwise_leaf(a, first, size)
            count += 1
            top -= 1
            continue
        half = size // 2
        half -= half % 8
        if stage[top] < 2:
            stage[top] += 1
            left = stage[top] == 1
            top += 1
            starts[top], sizes[top], stage[top] = (first, half, 0) if left else (first + half, size - half, 0)
        else:
            count -= 1
            values[count - 1] = values[count - 1] + values[count]
            top -= 1
    return values[0]


def _couple(fn, cpar, k, x, cvar, out, first_edge, src, w, delay, hist, inputs, zero, scratch):
    """out[j, t] ← the coupling of region t's j-th coupled variable at step k (edges grouped by target).

    The history, the weights and `zero` (the sums' start) share one float type: float64 (sums in order), or
    float32 to sum as TVB does: float32 history and products, x_i the float32 copy of the target's state,
    and each row sum as numpy's `add.reduceat` takes it (the first product plus the pairwise sum of the
    others, in column order; `scratch` holds a row's products). a · sum + b is float64 either way.
    """
    tvb = scratch.shape[1] > 0
    R, ring, n_cvar = x.shape[1], hist.shape[2], cvar.shape[0]
    slot = k % ring
    for j in range(n_cvar):
        for s in range(R):
            hist[j, s, slot] = x[cvar[j], s]
    a = cpar[0]
    for t in numba.prange(R):
        for j in range(n_cvar):
            xi = hist[j, t, slot]
            total = zero
            lo = first_edge[t]
            for e in range(lo, first_edge[t + 1]):
                i = slot - delay[e]
                if i < 0:
                    i += ring
                xj = hist[j, src[e], i]
                if fn == DIFFERENCE:
                    term = w[e] * (xj - xi)
                elif fn == KURAMOTO:
                    term = w[e] * math.sin(xj - xi)
                else:
                    term = w[e] * xj
                if tvb:
                    scratch[t, e - lo] = term
                else:
                    total += term
            n = first_edge[t + 1] - lo
            if tvb and n > 0:
                total = scratch[t, 0] + _pairwise(scratch[t], 1, n - 1) if n > 1 else scratch[t, 0]
            if fn == LINEAR:
                value = a * total + cpar[1]
            elif fn == DIFFERENCE:
                value = a * total
            elif fn == KURAMOTO:
                value = a / n_cvar * total
            else:  # sigmoidal: cmin, cmax, midpoint, sigma
                value = cpar[1] + (cpar[2] - cpar[1]) / (1.0 + math.exp(-a * ((total - cpar[3]) / cpar[4])))
            out[j, t] = value
        out[0, t] += inputs[t]


_couple_serial = numba.njit(cache=True, nogil=True)(_couple)
_couple_parallel = numba.njit(cache=True, nogil=True, parallel=True)(_couple)


_balloon_step = numba.njit(cache=True, nogil=True)(bold.balloon_step)
_bold_signal = numba.njit(cache=True, nogil=True)(bold.bold_signal)


@numba.njit(cache=True, nogil=True)
def _clamp(y, floor, ceiling):
    for v in range(y.shape[0]):
        lo, hi = floor[v], ceiling[v]
        for t in range(y.shape[1]):
            if y[v, t] < lo:
                y[v, t] = lo
            elif y[v, t] > hi:
                y[v, t] = hi


@numba.njit(cache=True, nogil=True)
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


@numba.njit(cache=True, nogil=True)
def mass_steps(k_from, k_to, code, x, p, fn, cpar, parallel, first_edge, src, w, delay, hist, zero, scratch, cvar,
               scheme, dt,
               floor, ceiling, noise, event_steps, event_inputs, series, average, acc, stride, obs, peak, total,
               balloon, bold_series, bold_stride):
    """Steps k_from .. k_to − 1 in place; noise[k − k_from] is step k's noise (an empty block when deterministic).

    With bold_stride > 0 the balloon state (s, f, v, q per region) follows the observed variable and the
    BOLD signal is kept every bold_stride steps.
    """
    nsv, R = x.shape
    c = np.empty((cvar.shape[0], R))
    d1, d2, xt = np.empty((nsv, R)), np.empty((nsv, R)), np.empty((nsv, R))
    quiet = np.zeros((nsv, R))
    event = 0
    for k in range(k_from, k_to):
        while event + 1 < event_steps.shape[0] and event_steps[event + 1] <= k:
            event += 1
        if parallel:
            _couple_parallel(fn, cpar, k, x, cvar, c, first_edge, src, w, delay, hist, event_inputs[event], zero, scratch)
        else:
            _couple_serial(fn, cpar, k, x, cvar, c, first_edge, src, w, delay, hist, event_inputs[event], zero, scratch)
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


def run_masses(p, schedule, recorder_series, peak, total, bold_series, bold_stride, tick) -> np.ndarray:
    """Every step of a prepared neural-mass run; fills the recorder's series, the observed variable's peak
    and total and the BOLD series (when bold_stride > 0) in place, and returns the final state."""
    from .history import initial_state
    from .kernels import PARALLEL_FROM, edges_by_target

    plan, spec, model, setup, grid = p.plan, p.spec, p.model, p.mass, p.timing
    R, nsv, dt = len(plan.regions), len(model.state_variables), float(grid.dt)
    first_edge, src, _, w, delay = edges_by_target(plan, by_source=True)
    x = initial_state(model, spec.initial, R, spec.seed)
    cvar = np.array(model.coupled[:model.coupling_terms], dtype=np.int64)
    real = np.float32 if spec.precision == "tvb" else np.float64
    w, zero = w.astype(real), real(0.0)
    hist = np.empty((len(cvar), R, plan.max_delay + 1), dtype=real)
    in_degree = int(np.max(np.diff(first_edge), initial=0))
    scratch = np.empty((R, in_degree) if spec.precision == "tvb" else (0, 0), dtype=real)
    hist[:] = x[cvar][:, :, None]  # constant over t ≤ 0
    recorder_series[0] = x
    obs = model.observed[0]
    peak[:], total[:] = x[obs], x[obs]
    events = sorted(schedule.events)
    event_steps, event_inputs = np.array(events, dtype=np.int64), np.array([schedule.at(k) for k in events])
    floor = np.array([v.floor for v in model.state_variables])
    ceiling = np.array([v.ceiling for v in model.state_variables])
    scale = np.sqrt(2.0 * np.array(setup.noise) * dt)[:, None]  # √(2D·dt) per variable
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed).spawn(2)[0]) if setup.stochastic else None
    params = model.parameter_matrix(model.arrays(p.params), R)
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
        mass_steps(start, end, model.code, x, params, setup.function.code, np.array(setup.cpar), len(src) >= PARALLEL_FROM,
                   first_edge, src, w, delay, hist, zero, scratch, cvar, setup.scheme, dt, floor, ceiling, noise, event_steps,
                   event_inputs, recorder_series, setup.average, acc, grid.stride, obs, peak, total, balloon,
                   bold_series, bold_stride)
        tick(end)
    return x
