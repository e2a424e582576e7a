"""The plan of a topology held as columns: numpy arrays from the store to the kernel, bit-identical to `build_plan`.

Each step is vectorised only where the result provably equals the exact integer one (`connectome.sim.plan`):

* raw weights: sign · strength, a sign flip of the float nearest each decimal;
* mean-input weights: K_st = S_s · m_st (m_st the strength over 10^power) and K_t = Σ_s K_st in int64 when no
  sum can reach 2^53; then K_st and K_t are exact doubles and one IEEE division rounds K_st / K_t correctly,
  as Python's int / int does. Otherwise the exact integers decide, as for lists;
* delays: by floats away from halves, in integers near them (`plan._delays_by_floats`);
* the total of the counts: floor(N_t · S_s · m_st / (1000 · 10^power)) in int64 when no product can overflow,
  else in Python integers a chunk at a time.

Anything irregular (a Decimal strength, a value out of range, a non-float attribute) takes the list path and
its checks, so its errors are those of `build_plan`; the plan is then turned into arrays.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..counting import PER, rule_columns
from ..exact import MAX_STRENGTH, scaled_chunk, scaled_columns
from .plan import Plan, _delays_by_floats

if TYPE_CHECKING:
    import numpy as np

    from ..columns import Columns

EXACT_DOUBLE = 2**53  # every integer below is a double, exactly
INT64 = 2**63
CHUNK = 65536


def columnar_plan(topology: Columns, mode: str, sizes: list[int] | None, in_degree_sizes: list[int] | None, *,
                  speed: Fraction | None, dt: Fraction, steps: int) -> Plan | None:
    """The plan of `topology` as arrays, or None where a value needs the list path (its checks and messages).

    `sizes` and `in_degree_sizes` are the region sizes at N and at the reference (or None), as `build_plan`
    apportions them; indegree scaling (a reference) takes the list path.
    """
    import numpy as np

    if in_degree_sizes is not None:
        return None
    src, tgt, strengths = topology.sources, topology.targets, topology.strengths
    signs = _signs(topology)
    lengths = topology.numbers("tract_length")
    if signs is None or lengths is None or not isinstance(strengths, np.ndarray) or \
            not (np.all(strengths > 0) and np.all(strengths <= MAX_STRENGTH)):
        return None
    present = ~np.isnan(lengths)
    if not np.all(np.isfinite(lengths[present]) & (lengths[present] >= 0)):
        return None
    _, autapses = _rules(topology)  # checked as the list path checks them
    slots = None if sizes is None else _slots(sizes, src, tgt, autapses)
    scaled, power = scaled_columns(strengths) if sizes is not None else (None, 0)
    if mode == "mean-input":
        weights = _mean_input(slots, tgt, signs, scaled, power, len(topology.regions))
    else:
        weights = signs * strengths
    delays = np.zeros(len(src), dtype=np.int64)
    delayed = speed is not None and bool(present.any())
    if delayed:
        delays[present] = _delays_by_floats(lengths[present], speed * dt, steps)
    total = None if sizes is None else _total(sizes, tgt, slots, scaled, power)
    return Plan([name for name, _ in topology.regions], sizes, src, tgt, weights, delays,
                int(delays.max()) if len(delays) else 0, mode, total, delayed)


def _signs(topology: Columns) -> np.ndarray | None:
    """Every projection's sign as float64 ±1 (1 where absent), or None when some sign is not ±1."""
    import numpy as np

    column = topology.extras.get("sign")
    if column is None:
        return np.ones(len(topology))
    values = np.where(np.isnan(column), 1.0, column) if isinstance(column, np.ndarray) else \
        [1 if s is None else s for s in column]
    if not isinstance(values, np.ndarray):
        if not all(type(s) is int for s in values):
            return None
        values = np.array(values, dtype=np.float64)
    return values if np.all((values == 1) | (values == -1)) else None


def _rules(topology: Columns) -> tuple[list[str] | None, list[bool] | None]:
    """Each projection's rule and autapses flag (None for all defaults), checked as `rule_columns` does."""
    if "rule" not in topology.extras and "autapses" not in topology.extras:
        return None, None
    rules, autapses = rule_columns(*topology.columns("rule", "autapses"))
    return rules, (None if all(autapses) else autapses)


def _slots(sizes: list[int], src: np.ndarray, tgt: np.ndarray, autapses: list[bool] | None) -> list | np.ndarray:
    """`counting.source_slots` as int64 (N_s, less one on a projection to itself without autapses)."""
    import numpy as np

    slots = np.array(sizes, dtype=np.int64)[src]
    if autapses is not None:
        slots -= (~np.array(autapses, dtype=bool)) & (src == tgt)
    return slots


def _chunks(n: int) -> range:
    return range(0, n, CHUNK)


def _mean_input(slots: np.ndarray, tgt: np.ndarray, signs: np.ndarray, scaled: Any, power: int,
                regions: int) -> np.ndarray:
    """w_st = ±K_st / K_t, in int64 and one float division where that is exact, else in Python integers."""
    import numpy as np

    if not isinstance(scaled, tuple) and len(slots) and \
            int(slots.max()) * int(scaled.max()) * len(slots) < EXACT_DOUBLE:
        k = slots * scaled  # every K_st, and every sum of them, below 2^53: exact in int64 and in doubles
        k_in = np.zeros(regions, dtype=np.int64)
        np.add.at(k_in, tgt, k)
        below = k_in[tgt]
        return np.where(below > 0, signs * k / np.where(below > 0, below, 1), 0.0)
    k_in = [0] * regions
    for start in _chunks(len(slots)):
        for n, m, t in zip(slots[start:start + CHUNK].tolist(), scaled_chunk(scaled, power, start, start + CHUNK),
                           tgt[start:start + CHUNK].tolist()):
            k_in[t] += n * m
    weights = np.empty(len(slots))
    for start in _chunks(len(slots)):
        end = start + CHUNK
        weights[start:end] = [(sign * n * m / k_in[t]) if k_in[t] else 0.0 for n, m, t, sign in
                              zip(slots[start:end].tolist(), scaled_chunk(scaled, power, start, end), tgt[start:end].tolist(),
                                  signs[start:end].astype(np.int64).tolist())]
    return weights


def _total(sizes: list[int], tgt: np.ndarray, slots: np.ndarray, scaled: Any, power: int) -> int:
    """Σ floor(N_t · S_s · m / (1000 · 10^power)), exactly: in int64 where no product can overflow."""
    import numpy as np

    n_t = np.array(sizes, dtype=np.int64)[tgt]
    scale = 10**power * PER
    if not isinstance(scaled, tuple) and \
            max(sizes) * int(slots.max(initial=0)) * int(scaled.max(initial=0)) < INT64:
        counts = n_t * slots * scaled // scale
        if int(counts.max(initial=0)) * len(counts) < INT64:
            return int(counts.sum())
        return sum(counts.tolist())
    total = 0
    for start in _chunks(len(n_t)):
        end = start + CHUNK
        total += sum([n * k * m // scale for n, k, m in zip(n_t[start:end].tolist(), slots[start:end].tolist(),
                                                             scaled_chunk(scaled, power, start, end))])
    return total


def in_arrays(plan: Plan) -> Plan:
    """A plan built from lists, with its per-projection fields as arrays."""
    import numpy as np

    return Plan(plan.regions, plan.sizes, np.array(plan.src, dtype=np.int64), np.array(plan.tgt, dtype=np.int64),
                np.array(plan.weights, dtype=np.float64), np.array(plan.delays, dtype=np.int64), plan.max_delay,
                plan.mode, plan.total_connections, plan.delayed)
