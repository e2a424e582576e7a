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

from .coupling import DIFFERENCE, KURAMOTO, LINEAR

BLOCK_EDGES = 4096  # edges per source block of the push layout (at most MAX_BLOCKS blocks)
MAX_BLOCKS = 16


def push_blocks(projections: int) -> int:
    """How many source blocks the push layout sums separately (fixed by the network, not the machine)."""
    return min(MAX_BLOCKS, max(1, projections // BLOCK_EDGES))


@numba.njit(cache=True, nogil=True)
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


@numba.njit(cache=True, nogil=True)
def _pre(fn, xj, xi):
    """What a source's delayed value contributes before weighting."""
    if fn == DIFFERENCE:
        return xj - xi
    if fn == KURAMOTO:
        return math.sin(xj - xi)
    return xj


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


def _couple(fn, cpar, k, x, cvar, out, first, index, w, delay, hist, inputs, zero, buffer, push):
    """out[j, t] ← the coupling of region t's j-th coupled variable at step k, plus the stimulus on j = 0.

    push: `first`/`index` group the edges by source (index = targets), `hist` has a doubled ring and
    `buffer` (blocks, coupled · regions) holds the blocks' partial sums. pull: they group the edges by
    target (index = sources), and the history, the weights and `zero` share one float type: float64, or
    float32 to sum as TVB does (float32 history and products, x_i the float32 copy of the target's state,
    each row sum as numpy's `add.reduceat` takes it: the first product plus the pairwise sum of the others,
    in column order; `buffer` (regions, in-degree) holds a row's products). f(sum) is float64 either way.
    """
    R, n_cvar = x.shape[1], cvar.shape[0]
    ring = hist.shape[2] // 2 if push else hist.shape[2]
    slot = k % ring
    for j in range(n_cvar):
        for s in range(R):
            hist[j, s, slot] = x[cvar[j], s]
            if push:
                hist[j, s, slot + ring] = x[cvar[j], s]
    if push:
        blocks, base = buffer.shape[0], slot + ring
        for b in numba.prange(blocks):
            part = buffer[b]
            part[:] = 0.0
            for s in range(b * R // blocks, (b + 1) * R // blocks):
                for j in range(n_cvar):
                    h, v, row = hist[j, s], cvar[j], j * R
                    for e in range(first[s], first[s + 1]):
                        t = index[e]
                        part[row + t] += w[e] * _pre(fn, h[base - delay[e]], x[v, t])
        for t in range(R):
            for j in range(n_cvar):
                total = 0.0
                for b in range(blocks):
                    total += buffer[b, j * R + t]
                out[j, t] = _post(fn, cpar, total, n_cvar)
            out[0, t] += inputs[t]
        return
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


couple_serial = numba.njit(cache=True, nogil=True)(_couple)
couple_parallel = numba.njit(cache=True, nogil=True, parallel=True)(_couple)
