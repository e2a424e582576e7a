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
    """out[j, t] ← the coupling of region t's j-th coupled variable at step k."""
    first, index, w, delay, hist, buffer, cpar = net
    R, n_cvar = x.shape[1], cvar.shape[0]
    base = remember(k, x, cvar, hist) if DELAYED else 0
    blocks, channels = buffer.shape[0], hist.shape[0]
    for b in prange(blocks):
        part = buffer[b]
        for i in range(part.shape[0]):
            part[i] = 0.0
        for s in range(b * R // blocks, (b + 1) * R // blocks):
            for ch in range(channels):
                h, row, v = hist[ch, s], ch * R, cvar[ch % n_cvar]
                now = x[v, s]  # without delays every projection reads the source's present state
                for e in range(first[s], first[s + 1]):
                    t = index[e]
                    xj = h[base - delay[e]] if DELAYED else now
                    part[row + t] += w[e] * (xj if SIN_COS else pre(xj, x[v, t]))
    add_blocks(x, cvar, out, buffer, cpar)


def add_blocks(x, cvar, out, buffer, cpar):  # a kernel part (connectome.sim.compose)
    """out[j, t] ← post(Σ_b buffer[b, j · R + t]) in block order."""
    R, n_cvar = x.shape[1], cvar.shape[0]
    blocks = buffer.shape[0]
    for t in range(R):
        for j in range(n_cvar):
            total, other = 0.0, 0.0
            for b in range(blocks):
                total += buffer[b, j * R + t]
                if SIN_COS:
                    other += buffer[b, (n_cvar + j) * R + t]
            if SIN_COS:
                xi = x[cvar[j], t]
                total = math.cos(xi) * total - math.sin(xi) * other
            out[j, t] = post(total, cpar, n_cvar)


def blocks(projections: int) -> int:
    """How many source blocks are summed separately (fixed by the network, not the machine)."""
    return min(MAX_BLOCKS, max(1, projections // BLOCK_EDGES))


def arrays(plan, past, cpar, tvb: bool = False) -> tuple:
    """(first, index, w, delay, hist, buffer, cpar): edges by source and delay, the ring at `past`, and
    one partial sum per block and channel."""
    import numpy as np

    from ..history import ring

    R = len(plan.regions)
    sources = np.array(plan.src, dtype=np.int64)
    order = np.lexsort((np.array(plan.delays, dtype=np.int64), sources))
    first = np.searchsorted(sources[order], np.arange(R + 1)).astype(np.int64)
    return (first, np.array(plan.tgt, dtype=np.int32)[order], np.array(plan.weights, dtype=np.float64)[order],
            np.array(plan.delays, dtype=np.int32)[order], ring(len(past), R, plan.max_delay, past),
            np.empty((blocks(plan.projections), len(past) * R)), np.array(cpar))


def bytes_needed(plan, channels: int, tvb: bool = False) -> int:
    """What `arrays` holds: 20 bytes per projection, the ring and the blocks' partial sums."""
    R = len(plan.regions)
    return plan.projections * 20 + (R + 1) * 8 + channels * R * 8 * (2 * (plan.max_delay + 1) + blocks(plan.projections))
