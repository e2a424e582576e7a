"""The push layout (the default): edges grouped by source, in delay order within a source.

Each source's history row stays in cache while its out-edges stream past and add into per-block partial
sums; the sources are cut into a number of blocks fixed by the network (never by the cores), each summed
into its own partial vector, then added in block order: the same sums on any number of threads. A phase
coupling (Kuramoto's Σ W sin(x_s − x_t)) is summed as cos x_t · Σ W sin x_s − sin x_t · Σ W cos x_s, the
same to rounding with no sine per projection.
"""

from __future__ import annotations

import math

from ..compose import prange
from ..history import remember

BLOCK_EDGES = 4096  # edges per source block (at most MAX_BLOCKS blocks)
MAX_BLOCKS = 16


def couple(k, x, cvar, out, net):  # a kernel part (connectome.sim.compose)
    """out[j, t] ← the coupling of region t's j-th coupled variable at step k, for each of the POINTS points
    of a batch (side by side: region t's point q at t · POINTS + q)."""
    first, index, w, delay, hist, buffer, cpar = net
    R, n_cvar = x.shape[1] // POINTS, cvar.shape[0]
    n = points_of(cpar)
    base = remember(k, x, cvar, hist) if DELAYED else 0
    blocks, channels = buffer.shape[0], hist.shape[0]
    for b in prange(blocks):
        part = buffer[b]
        for i in range(part.shape[0]):
            part[i] = 0.0
        for s in range(b * R // blocks, (b + 1) * R // blocks):
            for ch in range(channels):
                h, row, v = hist[ch, s], ch * R * n, cvar[ch % n_cvar]
                here = present(x, v, s, ch, n_cvar)
                for e in range(first[s], first[s + 1]):
                    t = index[e]
                    to, at, we = row + t * n, (base - delay[e]) * n, w[e]
                    if POINTS == 1:
                        xj = h[at] if DELAYED else here
                        part[to] += we * (xj if SIN_COS else pre(xj, x[v, t]))
                        continue
                    dst, past, now = part[to:to + n], h[at:at + n], x[v, t * n:t * n + n]
                    for q in range(n):
                        xj = past[q] if DELAYED else x[v, s * n + q]
                        dst[q] += we * (xj if SIN_COS else pre(xj, now[q]))
    add_blocks(x, cvar, out, buffer, cpar)


def add_blocks(x, cvar, out, buffer, cpar):  # a kernel part (connectome.sim.compose)
    """out[j, i] ← post(Σ_b buffer[b, j · R · POINTS + i]) in block order, with point i mod POINTS's own cpar."""
    width, n_cvar = x.shape[1], cvar.shape[0]
    blocks = buffer.shape[0]
    for i in range(width):
        for j in range(n_cvar):
            total, other = 0.0, 0.0
            for b in range(blocks):
                total += buffer[b, j * width + i]
                if SIN_COS:
                    other += buffer[b, (n_cvar + j) * width + i]
            if SIN_COS:
                xi = x[cvar[j], i]
                total = math.cos(xi) * total - math.sin(xi) * other
            out[j, i] = post(total, cpar[i % POINTS], n_cvar)


def present(x, v, s, ch, n_cvar):  # a kernel part (connectome.sim.compose)
    """Without delays, what every projection of source s reads on channel ch (a run alone): its present
    state, or for a phase coupling its sine (the first channels) or cosine (the next). A batch reads its
    points' present values from the ring (a phase coupling's batch keeps one, DELAYED, even without delays)."""
    value = x[v, s]
    if SIN_COS and not DELAYED:
        return math.sin(value) if ch < n_cvar else math.cos(value)
    return value


def points_of(cpar):  # a kernel part (connectome.sim.compose)
    """POINTS, as a count the compiler does not know in a batch (cpar's rows: one per point), so that it turns
    the points' innermost loop into vector instructions (a loop of a known 8 is unrolled into scalar code
    instead); alone, a known 1."""
    return 1 if POINTS == 1 else cpar.shape[0]


def blocks(projections: int) -> int:
    """How many source blocks are summed separately (fixed by the network, not the machine)."""
    return min(MAX_BLOCKS, max(1, projections // BLOCK_EDGES))


def arrays(plan, past, cpar, tvb: bool = False, points: int = 1) -> tuple:
    """(first, index, w, delay, hist, buffer, cpar): edges by source and delay, the ring at `past`, and
    one partial sum per block and channel; `cpar` one row per point."""
    import numpy as np

    from ..history import ring

    R = len(plan.regions)
    sources = np.array(plan.src, dtype=np.int64)
    order = np.lexsort((np.array(plan.delays, dtype=np.int64), sources))
    first = np.searchsorted(sources[order], np.arange(R + 1)).astype(np.int64)
    return (first, np.array(plan.tgt, dtype=np.int32)[order], np.array(plan.weights, dtype=np.float64)[order],
            np.array(plan.delays, dtype=np.int32)[order], ring(len(past), R, plan.max_delay, past, points=points),
            np.empty((blocks(plan.projections), len(past) * R * points)), np.array(cpar, dtype=np.float64).reshape(points, -1))


def bytes_needed(plan, channels: int, tvb: bool = False) -> int:
    """What `arrays` holds: 20 bytes per projection, the ring and the blocks' partial sums."""
    R = len(plan.regions)
    return plan.projections * 20 + (R + 1) * 8 + channels * R * 8 * (2 * (plan.max_delay + 1) + blocks(plan.projections))
