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

from .compile import njit_variant

SCATTER, DELAYED, DENSE, NONE, DENSE_DELAYED = 0, 1, 2, 3, 4


PARALLEL_FROM = 50_000  # projections from which the coupling's targets are summed on every core
from .network import CHUNKS


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


def _dense_delayed(k, x, c, weights, delays, hist, part, g):
    """c ← G · Σ_s W_st · x_s(t_k − d_st) from source-major matrices (W[s, t], d[s, t]; 0 where no projection).

    Each source's history row (written twice, at `slot` and `slot + ring`, so a read never wraps) stays in
    cache while its matrix row streams past; the sources are cut into CHUNKS fixed blocks summed into their
    own partial vectors, then added in block order: the same sums on any number of cores.
    """
    R, ring = x.shape[0], hist.shape[1] // 2
    slot = k % ring
    for s in range(R):
        hist[s, slot] = x[s]
        hist[s, slot + ring] = x[s]
    base = slot + ring
    blocks = part.shape[0]
    for b in numba.prange(blocks):
        p = part[b]
        p[:] = 0.0
        for s in range(b * R // blocks, (b + 1) * R // blocks):
            h, w, d = hist[s], weights[s], delays[s]
            for t in range(R):
                p[t] += w[t] * h[base - d[t]]
    for t in range(R):
        total = 0.0
        for b in range(blocks):
            total += part[b, t]
        c[t] = total * g if g != 1.0 else total


_coupling_serial = njit_variant(_coupling, "_serial")  # prange is range here
_coupling_parallel = njit_variant(_coupling, "_parallel", parallel=True)
_dense_delayed_serial = njit_variant(_dense_delayed, "_serial")
_dense_delayed_parallel = njit_variant(_dense_delayed, "_parallel", parallel=True)


@numba.njit(cache=True, nogil=True, error_model="numpy")
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


@numba.njit(cache=True, nogil=True, error_model="numpy")
def rate_steps(k_from, k_to, x, kind, parallel, first_edge, src, w, delay, hist, matrices, g, theta, width, gain,
               low, high, event_steps, event_inputs, series, stride, peak, total, first, level):
    """Steps k_from .. k_to − 1 of the deterministic rate model, in place (scatter or delayed coupling).

    `matrices` is (W, d, partial sums) for DENSE_DELAYED, unused otherwise.
    """
    c = np.empty(x.shape[0])
    event = 0
    for k in range(k_from, k_to):
        while event + 1 < event_steps.shape[0] and event_steps[event + 1] <= k:
            event += 1
        if kind == DENSE_DELAYED and parallel:
            _dense_delayed_parallel(k, x, c, matrices[0], matrices[1], hist, matrices[2], g)
        elif kind == DENSE_DELAYED:
            _dense_delayed_serial(k, x, c, matrices[0], matrices[1], hist, matrices[2], g)
        elif parallel:
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


def edges_by_target(plan, by_source: bool = False) -> tuple[np.ndarray, ...]:
    """first_edge, src, tgt, weights, delays with the edges grouped by target, in projection order within
    one, or by source index (`by_source`: the order of TVB's row sums)."""
    R = len(plan.regions)
    targets = np.array(plan.tgt, dtype=np.int64)
    order = np.lexsort((plan.src, targets)) if by_source else np.argsort(targets, kind="stable")
    first_edge = np.searchsorted(targets[order], np.arange(R + 1)).astype(np.int64)
    return (first_edge, np.array(plan.src, dtype=np.int32)[order], targets[order],
            np.array(plan.weights, dtype=np.float64)[order], np.array(plan.delays, dtype=np.int32)[order])


def edges_by_source(plan) -> tuple[np.ndarray, ...]:
    """first_out, tgt, weights, delays with the edges grouped by source, by delay within one: a source's
    history row is then read in one sweep. (A target gets at most one edge per source, so the order
    within a source changes no sum.)"""
    R = len(plan.regions)
    sources = np.array(plan.src, dtype=np.int64)
    order = np.lexsort((np.array(plan.delays, dtype=np.int64), sources))
    first_out = np.searchsorted(sources[order], np.arange(R + 1)).astype(np.int64)
    return (first_out, np.array(plan.tgt, dtype=np.int32)[order], np.array(plan.weights, dtype=np.float64)[order],
            np.array(plan.delays, dtype=np.int32)[order])


def _layout(plan, x: np.ndarray):
    """The compiled kernel's arrays for `plan`: its kind, edges grouped by target, history and dense matrices."""
    from .network import compiled_layout

    R = len(plan.regions)
    first_edge, src, tgt, w, delay = edges_by_target(plan)
    layout = compiled_layout(plan)
    kind = {"none": NONE, "scatter": SCATTER, "delayed": DELAYED, "dense": DENSE, "dense-delayed": DENSE_DELAYED}[layout]
    ring = plan.max_delay + 1
    hist = np.empty((R, 2 * ring if kind == DENSE_DELAYED else ring))
    hist[:] = x[:, None]  # before t = 0 every region is at rest
    matrices = (np.zeros((0, 0)), np.zeros((0, 0), dtype=np.int16), np.zeros((0, 0)))
    if kind in (DENSE, DENSE_DELAYED):
        weights = np.zeros((R, R))
        np.add.at(weights, (src, tgt), w)
        delays = np.zeros((R, R), dtype=np.int16 if ring <= np.iinfo(np.int16).max else np.int32)
        delays[src, tgt] = delay
        matrices = (weights, delays, np.zeros((min(CHUNKS, R), R)))
        src, w, delay = src[:0], w[:0], delay[:0]
    return kind, first_edge, src, w, delay, hist, matrices


def run_compiled(plan, params: dict, coupling: float, dt: float, x: np.ndarray, schedule_steps: list[int],
                 schedule_inputs: np.ndarray, recorder, activity, steps: int, tick) -> np.ndarray:
    """The deterministic rate model over every step with `rate_steps`, in chunks of 1% for progress."""
    kind, first_edge, src, w, delay, hist, matrices = _layout(plan, x)
    dense = np.ascontiguousarray(matrices[0].T) if kind == DENSE else None  # rows = targets for numpy's product
    gain, events = dt / params["tau_ms"], np.array(schedule_steps, dtype=np.int64)
    parallel = plan.projections >= PARALLEL_FROM
    chunk = max(1, -(-steps // 100))
    for start in range(0, steps, chunk):
        end = min(steps, start + chunk)
        if kind == DENSE:
            _dense_steps(start, end, x, dense, float(coupling), params["threshold"], params["width"], gain, events,
                         schedule_inputs, recorder, activity)
        else:
            rate_steps(start, end, x, kind, parallel, first_edge, src, w, delay, hist, matrices, float(coupling),
                       params["threshold"], params["width"], gain, 0.0, 1.0, events, schedule_inputs,
                       recorder.series, recorder.stride, activity.peak, activity.total, activity.first,
                       activity.level)
        tick(end)
    return x
