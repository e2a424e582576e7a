"""The dense layout: source-major matrices W[s, t] and d[s, t] (0 where no projection), for dense graphs.

Each source's history row stays in cache while its matrix rows stream past; the sources are cut into
BLOCKS fixed blocks summed into their own partial vectors, then added in block order (`push.add_blocks`):
the same sums on any number of threads.
"""

from __future__ import annotations

from ..compose import prange
from ..history import remember
from .push import add_blocks, points_of, present

BLOCKS = 16


def couple(k, x, cvar, out, net):  # a kernel part (connectome.sim.compose)
    """out[j, t] ← the coupling of region t's j-th coupled variable at step k, for each of the POINTS points
    of a batch (side by side: region t's point q at t · POINTS + q)."""
    weights, delays, hist, buffer, cpar = net
    R, n_cvar = x.shape[1] // POINTS, cvar.shape[0]
    n = points_of(cpar)
    base = remember(k, x, cvar, hist) if DELAYED else 0
    blocks, channels = buffer.shape[0], hist.shape[0]
    for b in prange(blocks):
        part = buffer[b]
        for i in range(part.shape[0]):
            part[i] = 0.0
        for s in range(b * R // blocks, (b + 1) * R // blocks):
            w, d = weights[s], delays[s]  # one view per source, over all R targets
            if POINTS == 1 and channels == 2:
                both(part, hist, w, d, base, x, cvar, s)
                continue
            for ch in range(channels):
                h, row, v = hist[ch, s], ch * R * n, cvar[ch % n_cvar]
                here = present(x, v, s, ch, n_cvar)
                for t in range(R):
                    to, at, wt = row + t * n, (base - d[t]) * n, w[t]
                    if POINTS == 1:
                        xj = h[at] if DELAYED else here
                        part[to] += wt * (xj if SIN_COS else pre(xj, x[v, t]))
                        continue
                    dst, past, now = part[to:to + n], h[at:at + n], x[v, t * n:t * n + n]
                    for q in range(n):
                        xj = past[q] if DELAYED else x[v, s * n + q]
                        dst[q] += wt * (xj if SIN_COS else pre(xj, now[q]))
    add_blocks(x, cvar, out, buffer, cpar)


def both(part, hist, w, d, base, x, cvar, s):  # a kernel part (connectome.sim.compose)
    """Source s's projections on two channels in one pass (a run alone): each weight and delay read once, the
    two channels' values side by side; each channel's sums as `couple` takes them one channel at a time."""
    R, n_cvar = x.shape[1], cvar.shape[0]
    h0, h1, v0, v1 = hist[0, s], hist[1, s], cvar[0], cvar[1 % n_cvar]
    here0, here1 = present(x, v0, s, 0, n_cvar), present(x, v1, s, 1, n_cvar)
    for t in range(R):
        at, wt = base - d[t], w[t]
        a0 = h0[at] if DELAYED else here0
        a1 = h1[at] if DELAYED else here1
        part[t] += wt * (a0 if SIN_COS else pre(a0, x[v0, t]))
        part[R + t] += wt * (a1 if SIN_COS else pre(a1, x[v1, t]))


def _delay_type(plan):
    import numpy as np

    return np.int16 if plan.max_delay < np.iinfo(np.int16).max else np.int32


def arrays(plan, past, cpar, tvb: bool = False, points: int = 1) -> tuple:
    """(W, d, hist, buffer, cpar) with W[s, t] the weight and d[s, t] the delay of s → t; `cpar` one row per point."""
    import numpy as np

    from ..history import ring

    R = len(plan.regions)
    src, tgt = np.array(plan.src, dtype=np.int64), np.array(plan.tgt, dtype=np.int64)
    weights = np.zeros((R, R))
    weights[src, tgt] = plan.weights
    delays = np.zeros((R, R), dtype=_delay_type(plan))
    delays[src, tgt] = plan.delays
    return (weights, delays, ring(len(past), R, plan.max_delay, past, points=points),
            np.empty((min(BLOCKS, R), len(past) * R * points)), np.array(cpar, dtype=np.float64).reshape(points, -1))


def bytes_needed(plan, channels: int, tvb: bool = False) -> int:
    """What `arrays` holds: the two matrices, the ring and the blocks' partial sums."""
    import numpy as np

    R = len(plan.regions)
    return R * R * (8 + np.dtype(_delay_type(plan)).itemsize) + channels * R * 8 * (2 * (plan.max_delay + 1) + BLOCKS)
