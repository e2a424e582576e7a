"""Compiled kernels (numba): the deterministic rate model's steps with coupling, Euler and monitors fused.

Per step: c = G · Σ W x(t − d) (edges grouped by target, one thread per target's sum; or numpy's dense
matrix-vector product without delays), a ← clip(a + (dt/τ)(σ(c + I − θ)/w) − a),
then peak, running total, first activation and the recorder, all in one pass over the regions. It
computes the same equations as the component loop; sums are taken in another order and numba's tanh
may differ from numpy's in the last bit, so results agree with `scatter` to rounding (tested within 1e-12).
"""

from __future__ import annotations

import math

import numba
import numpy as np

SCATTER, DELAYED, DENSE, NONE = 0, 1, 2, 3


PARALLEL_FROM = 50_000  # projections from which the coupling's targets are summed on every core
DENSE_FROM_REGIONS = 256  # below, a dense network is summed in the compiled loop: a BLAS call per step costs more


def _coupling(kind, k, x, c, first_edge, src, w, delay, hist, g):
    """c ← G · Σ_s W_st · x_s(t_k − d_st); the history column of step k gets x(t_k) first.

    Edges are grouped by target (first_edge[t] .. first_edge[t + 1] − 1 enter t, in projection order):
    each target's sum is one thread's, in a fixed order, so results do not depend on the thread count.
    """
    R = x.shape[0]
    if kind == DELAYED:
        ring = hist.shape[1]
        slot = k % ring
        for s in range(R):
            hist[s, slot] = x[s]
    for t in numba.prange(R):
        total = 0.0
        if kind == SCATTER:
            for e in range(first_edge[t], first_edge[t + 1]):
                total += w[e] * x[src[e]]
        elif kind == DELAYED:
            ring = hist.shape[1]
            slot = k % ring
            for e in range(first_edge[t], first_edge[t + 1]):
                i = slot - delay[e]
                if i < 0:
                    i += ring
                total += w[e] * hist[src[e], i]
        c[t] = total * g if g != 1.0 else total


_coupling_serial = numba.njit(cache=True, nogil=True)(_coupling)  # prange is range here
_coupling_parallel = numba.njit(cache=True, nogil=True, parallel=True)(_coupling)


@numba.njit(cache=True, nogil=True)
def _update(k, x, c, inputs, theta, width, gain, low, high, series, stride, peak, total, first, level):
    """After the coupling of step k: the Euler step of every region and the monitors, in one pass."""
    done = k + 1
    for t in range(x.shape[0]):
        target = 0.5 + 0.5 * math.tanh(0.5 * ((c[t] + inputs[t] - theta[t]) / width))
        a = min(max(x[t] + gain[t] * (target - x[t]), low), high)
        x[t] = a
        if a > peak[t]:
            peak[t] = a
        total[t] += a
        if first[t] < 0 and a >= level[t]:
            first[t] = done
    if done % stride == 0:
        series[done // stride, :] = x


@numba.njit(cache=True, nogil=True)
def rate_steps(k_from, k_to, x, kind, parallel, first_edge, src, w, delay, hist, g, theta, width, gain, low, high,
               event_steps, event_inputs, series, stride, peak, total, first, level):
    """Steps k_from .. k_to − 1 of the deterministic rate model, in place (scatter or delayed coupling)."""
    c = np.empty(x.shape[0])
    event = 0
    for k in range(k_from, k_to):
        while event + 1 < event_steps.shape[0] and event_steps[event + 1] <= k:
            event += 1
        if parallel:
            _coupling_parallel(kind, k, x, c, first_edge, src, w, delay, hist, g)
        else:
            _coupling_serial(kind, k, x, c, first_edge, src, w, delay, hist, g)
        _update(k, x, c, event_inputs[event], theta, width, gain, low, high, series, stride, peak, total, first,
                level)


def _dense_steps(k_from, k_to, x, dense, g, theta, width, gain, event_steps, event_inputs, recorder, activity):
    """The same steps with the coupling as numpy's (BLAS) dense product: numba's np.dot does not use BLAS here."""
    event = int(np.searchsorted(event_steps, k_from, side="right")) - 1
    for k in range(k_from, k_to):
        while event + 1 < len(event_steps) and event_steps[event + 1] <= k:
            event += 1
        c = dense @ x
        if g != 1.0:
            c *= g
        _update(k, x, c, event_inputs[event], theta, width, gain, 0.0, 1.0, recorder.series, recorder.stride,
                activity.peak, activity.total, activity.first, activity.level)


def run_compiled(plan, params: dict, coupling: float, dt: float, x: np.ndarray, schedule_steps: list[int],
                 schedule_inputs: np.ndarray, recorder, activity, steps: int, tick) -> np.ndarray:
    """The deterministic rate model over every step with `rate_steps`, in chunks of 1% for progress."""
    from .network import DENSE_ABOVE

    R = len(plan.regions)
    targets = np.array(plan.tgt, dtype=np.int64)
    order = np.argsort(targets, kind="stable")  # grouped by target, in projection order within a target
    first_edge = np.searchsorted(targets[order], np.arange(R + 1)).astype(np.int64)
    src = np.array(plan.src, dtype=np.int32)[order]
    tgt = targets[order]
    w = np.array(plan.weights, dtype=np.float64)[order]
    delay = np.array(plan.delays, dtype=np.int32)[order]
    hist = np.empty((R, plan.max_delay + 1))
    hist[:] = x[:, None]  # before t = 0 every region is at rest
    dense = None
    kind = NONE if len(src) == 0 else DELAYED if plan.max_delay > 0 else SCATTER
    if kind == SCATTER and len(src) / R**2 > DENSE_ABOVE and R >= DENSE_FROM_REGIONS:
        kind, dense = DENSE, np.zeros((R, R))
        np.add.at(dense, (tgt, src), w)
    gain, events = dt / params["tau_ms"], np.array(schedule_steps, dtype=np.int64)
    chunk = max(1, -(-steps // 100))
    for start in range(0, steps, chunk):
        end = min(steps, start + chunk)
        if kind == DENSE:
            _dense_steps(start, end, x, dense, float(coupling), params["threshold"], params["width"], gain, events,
                         schedule_inputs, recorder, activity)
        else:
            rate_steps(start, end, x, kind, len(src) >= PARALLEL_FROM, first_edge, src, w, delay, hist, float(coupling), params["threshold"],
                       params["width"], gain, 0.0, 1.0, events, schedule_inputs, recorder.series, recorder.stride,
                       activity.peak, activity.total, activity.first, activity.level)
        tick(end)
    return x
