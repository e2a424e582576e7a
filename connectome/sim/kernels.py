"""Compiled kernels (numba): the deterministic rate model's steps with coupling, Euler and monitors fused.

Per step: c = G · Σ W x(t − d) (edges grouped by source, so each source's history row is read
contiguously; or a dense matrix-vector product without delays), a ← clip(a + (dt/τ)(σ(c + I − θ)/w) − a),
then peak, running total, first activation and the recorder, all in one pass over the regions. It
computes the same equations as the component loop; sums are taken in another order and numba's tanh
may differ from numpy's in the last bit, so results agree with `scatter` to rounding (tested within 1e-12).
"""

from __future__ import annotations

import math

import numba
import numpy as np

SCATTER, DELAYED, DENSE, NONE = 0, 1, 2, 3


@numba.njit(cache=True, nogil=True)
def _coupling(kind, k, x, c, first_edge, tgt, w, delay, hist, dense, g):
    """c ← G · Σ_s W_st · x_s(t_k − d_st); the history row of each source gets x(t_k) first.

    Edges are grouped by source: first_edge[s] .. first_edge[s + 1] − 1 leave source s, so each source's
    history row is read while it sits in cache.
    """
    R = x.shape[0]
    c[:] = 0.0
    if kind == DENSE:
        c[:] = np.dot(dense, x)
    elif kind == SCATTER:
        for s in range(R):
            xs = x[s]
            for e in range(first_edge[s], first_edge[s + 1]):
                c[tgt[e]] += w[e] * xs
    elif kind == DELAYED:
        ring = hist.shape[1]
        slot = k % ring
        for s in range(R):
            hist[s, slot] = x[s]
        for s in range(R):
            row = hist[s]
            for e in range(first_edge[s], first_edge[s + 1]):
                i = slot - delay[e]
                if i < 0:
                    i += ring
                c[tgt[e]] += w[e] * row[i]
    if g != 1.0:
        for t in range(R):
            c[t] *= g


@numba.njit(cache=True, nogil=True)
def rate_steps(k_from, k_to, x, kind, first_edge, tgt, w, delay, hist, dense, g, theta, width, gain, low, high,
               event_steps, event_inputs, series, stride, peak, total, first):
    """Steps k_from .. k_to − 1 of the deterministic rate model, in place; returns nothing."""
    R = x.shape[0]
    c = np.empty(R)
    event = 0
    while event + 1 < event_steps.shape[0] and event_steps[event + 1] <= k_from:
        event += 1
    for k in range(k_from, k_to):
        if event + 1 < event_steps.shape[0] and event_steps[event + 1] == k:
            event += 1
        inputs = event_inputs[event]
        _coupling(kind, k, x, c, first_edge, tgt, w, delay, hist, dense, g)
        done = k + 1
        for t in range(R):
            target = 0.5 + 0.5 * math.tanh(0.5 * ((c[t] + inputs[t] - theta[t]) / width))
            a = x[t] + gain[t] * (target - x[t])
            a = min(max(a, low), high)
            x[t] = a
            if a > peak[t]:
                peak[t] = a
            total[t] += a
            if first[t] < 0 and a >= theta[t]:
                first[t] = done
        if done % stride == 0:
            series[done // stride, :] = x


def run_compiled(plan, params: dict, coupling: float, dt: float, x: np.ndarray, schedule_steps: list[int],
                 schedule_inputs: np.ndarray, recorder, activity, steps: int, tick) -> np.ndarray:
    """The deterministic rate model over every step with `rate_steps`, in chunks of 1% for progress."""
    from .network import DENSE_ABOVE

    R = len(plan.regions)
    sources = np.array(plan.src, dtype=np.int64)
    order = np.argsort(sources, kind="stable")  # grouped by source, in projection order within a source
    first_edge = np.searchsorted(sources[order], np.arange(R + 1)).astype(np.int64)
    src = sources[order]
    tgt = np.array(plan.tgt, dtype=np.int32)[order]
    w = np.array(plan.weights, dtype=np.float64)[order]
    delay = np.array(plan.delays, dtype=np.int32)[order]
    hist = np.empty((R, plan.max_delay + 1))
    hist[:] = x[:, None]  # before t = 0 every region is at rest
    dense = np.zeros((1, 1))
    kind = NONE if len(src) == 0 else DELAYED if plan.max_delay > 0 else SCATTER
    if kind == SCATTER and len(src) / R**2 > DENSE_ABOVE:
        kind, dense = DENSE, np.zeros((R, R))
        np.add.at(dense, (tgt, src), w)
    gain = dt / params["tau_ms"]
    chunk = max(1, -(-steps // 100))
    for start in range(0, steps, chunk):
        end = min(steps, start + chunk)
        rate_steps(start, end, x, kind, first_edge, tgt, w, delay, hist, dense, float(coupling), params["threshold"],
                   params["width"], gain, 0.0, 1.0, np.array(schedule_steps, dtype=np.int64), schedule_inputs,
                   recorder.series, recorder.stride, activity.peak, activity.total, activity.first)
        tick(end)
    return x
