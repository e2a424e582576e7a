"""The coupling kernels of the neural-mass loop: c_t = f(Σ_s W_ts · pre(x_s(t − d_ts), x_t)) per coupled variable.

Two layouts of the same sums:

* push (float64, the default): edges grouped by source; each source's history row (written twice, at
  `slot` and `slot + ring`, so that a read never wraps) stays in cache while its out-edges stream past
  and add into per-block partial sums; the sources are cut into a number of blocks fixed by the network
  (never by the cores), summed into their own partial vectors and added in block order: the same sums
  on any number of cores;
* pull (`precision="tvb"`): edges grouped by target in source order, summed as TVB sums them (float32
  products and numpy's `add.reduceat` order), so that runs agree with TVB bit for bit.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .compile import njit_variant
from .coupling import DIFFERENCE, KURAMOTO, LINEAR

BLOCK_EDGES = 4096  # edges per source block of the push layout (at most MAX_BLOCKS blocks)
MAX_BLOCKS = 16


def push_blocks(projections: int) -> int:
    """How many source blocks the push layout sums separately (fixed by the network, not the machine)."""
    return min(MAX_BLOCKS, max(1, projections // BLOCK_EDGES))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _post(fn, cpar, total, n_cvar):
    """The coupling function applied to a target's sum (float64)."""
    a = cpar[0]
    if fn == LINEAR:
        return a * total + cpar[1]
    if fn == DIFFERENCE:
        return a * total
    if fn == KURAMOTO:
        return a / n_cvar * total
    return cpar[1] + (cpar[2] - cpar[1]) / (1.0 + math.exp(-a * ((total - cpar[3]) / cpar[4])))  # sigmoidal


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _pre(fn, xj, xi):
    """What a source's delayed value contributes before weighting."""
    if fn == DIFFERENCE:
        return xj - xi
    if fn == KURAMOTO:
        return math.sin(xj - xi)
    return xj


@numba.njit(cache=True, nogil=True, error_model="numpy")
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


@numba.njit(cache=True, nogil=True, error_model="numpy")
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


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _write_history(k, x, cvar, hist, push, kuramoto):
    """Step k's coupled variables into the ring: twice (at slot and slot + ring) for push; for push
    Kuramoto, their sines in the first channels and cosines in the next."""
    R, n_cvar = x.shape[1], cvar.shape[0]
    ring = hist.shape[2] // 2 if push else hist.shape[2]
    slot = k % ring
    for j in range(n_cvar):
        for s in range(R):
            value = x[cvar[j], s]
            if push and kuramoto:
                hist[j, s, slot] = hist[j, s, slot + ring] = math.sin(value)
                hist[n_cvar + j, s, slot] = hist[n_cvar + j, s, slot + ring] = math.cos(value)
            elif push:
                hist[j, s, slot] = hist[j, s, slot + ring] = value
            else:
                hist[j, s, slot] = value
    return slot, ring


def _push(fn, cpar, k, x, cvar, out, first, index, w, delay, hist, inputs, buffer):
    """out[j, t] ← the coupling of region t's j-th coupled variable at step k, plus the stimulus on j = 0.

    Edges grouped by source (index = targets), a doubled history ring, and `buffer` (blocks, channels ·
    regions) for the blocks' partial sums. Kuramoto's Σ W sin(x_s − x_t) is summed as
    cos x_t · Σ W sin x_s − sin x_t · Σ W cos x_s (the same to rounding, with no sine per projection).
    """
    R, n_cvar = x.shape[1], cvar.shape[0]
    kuramoto = fn == KURAMOTO
    slot, ring = _write_history(k, x, cvar, hist, True, kuramoto)
    blocks, base, channels = buffer.shape[0], slot + ring, hist.shape[0]
    for b in numba.prange(blocks):
        part = buffer[b]
        part[:] = 0.0
        for s in range(b * R // blocks, (b + 1) * R // blocks):
            for c in range(channels):
                h, row, v = hist[c, s], c * R, cvar[c % n_cvar]
                for e in range(first[s], first[s + 1]):
                    t = index[e]
                    xj = h[base - delay[e]]
                    part[row + t] += w[e] * (xj if kuramoto else _pre(fn, xj, x[v, t]))
    for t in range(R):
        for j in range(n_cvar):
            total, other = 0.0, 0.0
            for b in range(blocks):
                total += buffer[b, j * R + t]
                if kuramoto:
                    other += buffer[b, (n_cvar + j) * R + t]
            if kuramoto:
                xi = x[cvar[j], t]
                total = math.cos(xi) * total - math.sin(xi) * other
            out[j, t] = _post(fn, cpar, total, n_cvar)
        out[0, t] += inputs[t]


def _pull(fn, cpar, k, x, cvar, out, first, index, w, delay, hist, inputs, zero, buffer):
    """The same coupling with the edges grouped by target (index = sources), summed as TVB sums it.

    The history, the weights and `zero` share one float type: float64, or float32 as TVB (float32 history
    and products, x_i the float32 copy of the target's state, each row sum as numpy's `add.reduceat` takes
    it: the first product plus the pairwise sum of the others, in column order, `buffer` (regions,
    in-degree) holding a row's products). f(sum) is float64 either way.
    """
    R, n_cvar = x.shape[1], cvar.shape[0]
    slot, ring = _write_history(k, x, cvar, hist, False, False)
    tvb = buffer.shape[1] > 0
    for t in numba.prange(R):
        for j in range(n_cvar):
            xi = hist[j, t, slot]
            total = zero
            lo = first[t]
            for e in range(lo, first[t + 1]):
                i = slot - delay[e]
                if i < 0:
                    i += ring
                term = w[e] * _pre(fn, hist[j, index[e], i], xi)
                if tvb:
                    buffer[t, e - lo] = term
                else:
                    total += term
            n = first[t + 1] - lo
            if tvb and n > 0:
                total = buffer[t, 0] + _pairwise(buffer[t], 1, n - 1) if n > 1 else buffer[t, 0]
            out[j, t] = _post(fn, cpar, total, n_cvar)
        out[0, t] += inputs[t]


_push_serial, _push_parallel = njit_variant(_push, "_serial"), njit_variant(_push, "_parallel", parallel=True)
_pull_serial, _pull_parallel = njit_variant(_pull, "_serial"), njit_variant(_pull, "_parallel", parallel=True)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def couple(parallel, push, fn, cpar, k, x, cvar, out, first, index, w, delay, hist, inputs, zero, buffer):
    """The coupling of step k by the layout and on the cores chosen (see `_push` and `_pull`)."""
    if push and parallel:
        _push_parallel(fn, cpar, k, x, cvar, out, first, index, w, delay, hist, inputs, buffer)
    elif push:
        _push_serial(fn, cpar, k, x, cvar, out, first, index, w, delay, hist, inputs, buffer)
    elif parallel:
        _pull_parallel(fn, cpar, k, x, cvar, out, first, index, w, delay, hist, inputs, zero, buffer)
    else:
        _pull_serial(fn, cpar, k, x, cvar, out, first, index, w, delay, hist, inputs, zero, buffer)
