"""The pull layout: edges grouped by target, each target's sums taken by one thread in a fixed order.

In projection order this is the reference order (a target's inputs summed as the topology lists them;
`kernel="scatter"`). With `precision="tvb"` the edges are in source order and the sums are taken as
The Virtual Brain takes them: float32 history and products, x_i the float32 copy of the target's state,
each row sum as numpy's `add.reduceat` (the first product plus the pairwise sum of the others, `buffer`
holding a row's products); f(sum) in float64 either way. Results do not depend on the thread count.
"""

from __future__ import annotations

from ..compose import prange
from ..history import remember
from .sums import pairwise


def couple(k, x, cvar, out, net):  # a kernel part (connectome.sim.compose)
    """out[j, t] ← the coupling of region t's j-th coupled variable at step k, for each of the POINTS points
    of a batch (side by side: region t's point q at t · POINTS + q)."""
    first, index, w, delay, hist, buffer, cpar, zero = net
    R, n_cvar = x.shape[1] // POINTS, cvar.shape[0]
    base = remember(k, x, cvar, hist) if DELAYED else 0
    tvb = buffer.shape[1] > 0
    for t in prange(R):
        lo, hi = first[t], first[t + 1]
        for j in range(n_cvar):
            for q in range(POINTS):
                i = t * POINTS + q
                xi = hist[j, t, base * POINTS + q] if DELAYED else x[cvar[j], i]
                if tvb:
                    for e in range(lo, hi):
                        buffer[t, e - lo] = w[e] * pre(hist[j, index[e], (base - delay[e]) * POINTS + q], xi)
                    total = buffer[t, 0] + pairwise(buffer[t], 1, hi - lo - 1) if hi - lo > 1 else \
                        buffer[t, 0] if hi > lo else zero
                else:
                    total = zero
                    for e in range(lo, hi):
                        xj = hist[j, index[e], (base - delay[e]) * POINTS + q] if DELAYED else \
                            x[cvar[j], index[e] * POINTS + q]
                        total += w[e] * pre(xj, xi)
                out[j, i] = post(total, cpar[q], n_cvar)


def arrays(plan, past, cpar, tvb: bool, points: int = 1) -> tuple:
    """(first, index, w, delay, hist, buffer, cpar, zero): edges by target (in source order for TVB's sums,
    else in projection order), the ring at `past`, and a row of products per target for TVB's sums."""
    import numpy as np

    from ..history import ring

    R = len(plan.regions)
    targets = np.array(plan.tgt, dtype=np.int64)
    order = np.lexsort((plan.src, targets)) if tvb else np.argsort(targets, kind="stable")
    first = np.searchsorted(targets[order], np.arange(R + 1)).astype(np.int64)
    real = np.float32 if tvb else np.float64
    width = int(np.max(np.diff(first), initial=0)) if tvb else 0
    return (first, np.array(plan.src, dtype=np.int32)[order], np.array(plan.weights, dtype=real)[order],
            np.array(plan.delays, dtype=np.int32)[order], ring(len(past), R, plan.max_delay, past, real, points),
            np.empty((R, width), dtype=real), np.array(cpar, dtype=np.float64).reshape(points, -1), real(0.0))


def bytes_needed(plan, channels: int, tvb: bool) -> int:
    """What `arrays` holds: 20 bytes per projection (16 with float32 weights), the ring, TVB's rows."""
    R, real = len(plan.regions), 4 if tvb else 8
    rows = R * _max_in_degree(plan) * real if tvb else 0
    return plan.projections * (12 + real) + (R + 1) * 8 + channels * R * 2 * (plan.max_delay + 1) * real + rows


def _max_in_degree(plan) -> int:
    import numpy as np

    return int(np.bincount(np.asarray(plan.tgt, dtype=np.int64)).max(initial=0))
