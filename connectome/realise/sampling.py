"""Drawing a projection's connections exactly, uniformly and in bounded memory, as a stream of chunks.

A projection s → t with S source slots per target (N_s, or N_s − 1 without autapses) has P = N_t · S ordered
pairs, numbered p = j · S + i for target j and slot i. Its derived count M is drawn:

* rule `pairs`: a uniform M-subset of the P pairs (no pair twice), by Vitter's sequential sampling
  (J. S. Vitter, "An efficient algorithm for sequential random sampling", ACM Trans. Math. Softw. 13(1):58–67,
  1987: Method D, with Method A once the sample is dense), which emits the chosen pair numbers in increasing
  order in O(M) time and O(1) state: the stream is the same whatever the chunk size;
* rule `synapses`: M independent uniform pairs (repeats allowed): the targets' counts are multinomial, drawn
  per block of targets fixed by (M, N_t) alone (a binomial per block, then uniform targets within it), and
  each synapse's source slot is uniform.

Both are reproducible from one seed per projection (numpy's SeedSequence of the run's seed and the
projection's index). Method D runs compiled (numba) on its own SplitMix64 generator, whose state is one
64-bit word kept between chunks.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..sim import compile as _compile  # noqa: F401  (numba's cache folder, before any kernel is compiled)
import numba

BLOCK_EDGES = 1 << 18  # synapses rule: expected edges per block of targets (fixed, so chunks do not matter)
_ALPHA_INV = 13  # Vitter: Method D while N > 13 n, then Method A
_N, _TOTAL, _CURRENT, _QU1, _THRESHOLD, _PHASE, _RNG, _J, _BASE = range(9)  # integer state
_VPRIME, _NREAL, _NINV, _QU1REAL, _TOP, _NREAL_A = range(6)  # float state


@numba.njit(cache=True, nogil=True)
def _uniform(state: np.ndarray) -> float:
    """SplitMix64 (Steele, Lea & Flood 2014) as a double in (0, 1); state[_RNG] holds its 64-bit word."""
    z = np.uint64(state[_RNG]) + np.uint64(0x9E3779B97F4A7C15)
    state[_RNG] = np.int64(z)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (float(z >> np.uint64(11)) + 0.5) * (1.0 / 9007199254740992.0)


@numba.njit(cache=True, nogil=True)
def _skip_d(si: np.ndarray, sf: np.ndarray) -> int:
    """Method D's next skip S (records passed over before the next one chosen); updates the state."""
    n, big_n, qu1 = si[_N], si[_TOTAL], si[_QU1]
    nreal, nbig, ninv, qu1real = sf[_NREAL], float(big_n), sf[_NINV], sf[_QU1REAL]
    vprime = sf[_VPRIME]
    nmin1inv = 1.0 / (nreal - 1.0)
    while True:
        while True:  # D2: X = N (1 - V'), a candidate skip below qu1
            x = nbig * (1.0 - vprime)
            s = int(x)
            if s < qu1:
                break
            vprime = np.exp(np.log(_uniform(si)) * ninv)
        u = _uniform(si)
        y1 = np.exp(np.log(u * nbig / qu1real) * nmin1inv)  # D3: the quick acceptance test
        vprime = y1 * (1.0 - x / nbig) * (qu1real / (qu1real - s))
        if vprime <= 1.0:
            break
        y2, top = 1.0, nbig - 1.0  # D4: the exact test
        if n - 1 > s:
            bottom, limit = nbig - nreal, big_n - s
        else:
            bottom, limit = nbig - s - 1.0, qu1
        t = big_n - 1
        while t >= limit:
            y2 = y2 * top / bottom
            top -= 1.0
            bottom -= 1.0
            t -= 1
        if nbig / (nbig - x) >= y1 * np.exp(np.log(y2) * nmin1inv):
            vprime = np.exp(np.log(_uniform(si)) * nmin1inv)
            break
        vprime = np.exp(np.log(_uniform(si)) * ninv)
    si[_N], si[_TOTAL], si[_QU1] = n - 1, big_n - s - 1, qu1 - s
    si[_THRESHOLD] -= _ALPHA_INV
    sf[_NREAL], sf[_NINV], sf[_QU1REAL], sf[_VPRIME] = nreal - 1.0, nmin1inv, qu1real - s, vprime
    return s


@numba.njit(cache=True, nogil=True)
def _skip_a(si: np.ndarray, sf: np.ndarray) -> int:
    """Method A's next skip (sequential search), for dense samples."""
    n = si[_N]
    if n == 1:
        s = int(np.floor(np.round(sf[_NREAL_A]) * _uniform(si)))
    else:
        v, s, top, nbig = _uniform(si), 0, sf[_TOP], sf[_NREAL_A]
        quot = top / nbig
        while quot > v:
            s += 1
            top -= 1.0
            nbig -= 1.0
            quot = quot * top / nbig
        sf[_TOP], sf[_NREAL_A] = top, nbig - 1.0
    si[_N] = n - 1
    return s


@numba.njit(cache=True, nogil=True)
def _next(si: np.ndarray, sf: np.ndarray) -> int:
    """The next chosen number (si[_N] > 0): Method D while the sample is sparse, then Method A."""
    if si[_PHASE] == 0 and si[_N] > 1 and si[_THRESHOLD] < si[_TOTAL]:
        s = _skip_d(si, sf)
    elif si[_PHASE] == 0 and si[_N] == 1:  # Method D's last record: S = floor(N V'), V' already drawn
        s = int(float(si[_TOTAL]) * sf[_VPRIME])
        si[_N], si[_PHASE] = 0, 1
    else:
        if si[_PHASE] == 0:  # hand over to Method A
            si[_PHASE] = 1
            sf[_TOP], sf[_NREAL_A] = float(si[_TOTAL] - si[_N]), float(si[_TOTAL])
        s = _skip_a(si, sf)
    si[_CURRENT] += s + 1
    return si[_CURRENT]


@numba.njit(cache=True, nogil=True)
def _fill_subset(si: np.ndarray, sf: np.ndarray, out: np.ndarray) -> int:
    """Write the next chosen numbers (increasing) into `out`; return how many (fewer only at the end)."""
    k = 0
    while k < out.shape[0] and si[_N] > 0:
        out[k] = _next(si, sf)
        k += 1
    return k


@numba.njit(cache=True, nogil=True)
def _fill_pairs(si: np.ndarray, sf: np.ndarray, slots: int, first_source: int, first_target: int,
                skip_self: bool, src: np.ndarray, tgt: np.ndarray) -> int:
    """The next chosen pairs as node ids: pair p = j · slots + i is source slot i of target j.

    Pairs come in increasing order, so the target is followed by steps (a division only after a long gap).
    """
    k = 0
    j, base = si[_J], si[_BASE]
    while k < src.shape[0] and si[_N] > 0:
        p = _next(si, sf)
        if p - base >= 8 * slots:
            j = p // slots
            base = j * slots
        while p - base >= slots:
            j += 1
            base += slots
        i = p - base
        if skip_self and i >= j:
            i += 1
        src[k] = first_source + i
        tgt[k] = first_target + j
        k += 1
    si[_J], si[_BASE] = j, base
    return k


def _subset_state(m: int, pairs: int, seed: np.random.SeedSequence) -> tuple[np.ndarray, np.ndarray]:
    """The state of a uniform m-subset of range(pairs), before its first draw."""
    si = np.zeros(9, dtype=np.int64)
    sf = np.zeros(6, dtype=np.float64)
    si[_N], si[_TOTAL], si[_CURRENT], si[_QU1] = m, pairs, -1, pairs - m + 1
    si[_THRESHOLD], si[_RNG] = _ALPHA_INV * m, np.int64(seed.generate_state(1, np.uint64)[0].astype(np.int64))
    if m > 0:
        sf[_NREAL], sf[_NINV], sf[_QU1REAL] = float(m), 1.0 / m, float(pairs - m + 1)
        sf[_VPRIME] = np.exp(np.log(_uniform(si)) / m)
    return si, sf


def uniform_subset(m: int, pairs: int, seed: np.random.SeedSequence, chunk: int) -> Iterator[np.ndarray]:
    """A uniform m-subset of range(pairs), in increasing order, as int64 arrays of at most `chunk` numbers."""
    si, sf = _subset_state(m, pairs, seed)
    while si[_N] > 0:
        buffer = np.empty(min(chunk, si[_N]), dtype=np.int64)
        yield buffer[:_fill_subset(si, sf, buffer)]


def uniform_pairs(m: int, targets: int, slots: int, seed: np.random.SeedSequence, chunk: int, *,
                  first_source: int = 0, first_target: int = 0,
                  skip_self: bool = False) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """A uniform m-subset of the targets × slots pairs as (source ids, target ids), uint64, by increasing target.

    Source id = first_source + slot (+ 1 from the target's own position on when `skip_self`), target id =
    first_target + target.
    """
    si, sf = _subset_state(m, targets * slots, seed)
    while si[_N] > 0:
        size = min(chunk, si[_N])
        src, tgt = np.empty(size, dtype=np.uint64), np.empty(size, dtype=np.uint64)
        k = _fill_pairs(si, sf, slots, first_source, first_target, skip_self, src, tgt)
        yield src[:k], tgt[:k]


def uniform_multiset(m: int, targets: int, slots: int, seed: np.random.SeedSequence, chunk: int,
                     block: int = BLOCK_EDGES) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """m independent uniform (target, slot) pairs, by increasing target, as chunks of at most `chunk`.

    Blocks of targets hold `block` synapses on average: a block's count is binomial given what the blocks
    before it took; within it, targets are uniform (then sorted) and slots uniform. A block is drawn whole,
    so the stream does not depend on `chunk`; memory is bounded by the block and the chunk.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    per_block = max(1, -(-block * targets // max(m, 1)))
    left, start = m, 0
    while left > 0:
        size = min(per_block, targets - start)
        count = left if start + size == targets else int(rng.binomial(left, size / (targets - start)))
        where = rng.integers(0, size, count)
        where.sort()
        where += start
        slot = rng.integers(0, slots, count)
        for offset in range(0, count, chunk):
            yield where[offset:offset + chunk], slot[offset:offset + chunk]
        left -= count
        start += size
