"""numpy's pairwise summation, for sums that must match numpy's bit for bit (TVB's row sums)."""

from __future__ import annotations

import numpy as np


def pairwise_leaf(a, lo, n):  # a kernel part (connectome.sim.compose)
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


def pairwise(a, lo, n):  # a kernel part (connectome.sim.compose)
    """numpy's `pairwise_sum` of a[lo:lo + n]: above 128, the sum of the halves (cut at a multiple of 8),
    walked with explicit stacks (numba's cache cannot hold a recursive function safely)."""
    if n <= 128:
        return pairwise_leaf(a, lo, n)
    starts, sizes, stage = np.empty(64, np.int64), np.empty(64, np.int64), np.empty(64, np.int64)
    values = np.empty(64, a.dtype)
    top, count = 0, 0
    starts[0], sizes[0], stage[0] = lo, n, 0
    while top >= 0:
        first, size = starts[top], sizes[top]
        if size <= 128:
            values[count] = pairwise_leaf(a, first, size)
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
