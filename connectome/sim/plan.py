"""The network plan of a run: region sizes, coupling weights and delays, in exact integer arithmetic, once.

Strengths and tract lengths are taken as the decimals written. Each distinct value becomes an integer
over a common power of ten (cached), so that

* mean-input weights w_st = ±K_st / Σ_s' K_s't, with K_st ∝ N_s · strength_st, are one correctly rounded
  int / int division per projection: bit-identical to the exact rational definition, with no Fraction
  per projection;
* delays d_st = round-half-up(tract_length_st / (speed · dt)) are one integer floor division;
* raw weights are the strengths themselves (the float nearest each decimal).

Nothing here depends on the model: the plan is O(regions + projections) and is built once per run.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Callable

from ..bulk import without_gc
from ..errors import InputError
from ..counting import STRENGTH_LIMITS, projection_counts, rule_columns, source_slots
from ..exact import MAX_STRENGTH, apportion, scaled, scaled_list
from ..graph import Rows
from ..numeric import check_positive, is_finite_number

if TYPE_CHECKING:
    from ..columns import Columns


@dataclass
class Plan:
    """Sizes, edges (source, target indices in projection order), weights and delays of one run.

    `src`, `tgt`, `weights` and `delays` are lists for a plan built from rows, int64 and float64 arrays for
    one built from columns: the same values either way.
    """

    regions: list[str]
    sizes: list[int] | None  # None: a run without N (no region sizes, no connection counts)
    src: list[int]
    tgt: list[int]
    weights: list[float]
    delays: list[int]
    max_delay: int
    mode: str
    total_connections: int | None
    delayed: bool = False  # whether delays were taken from tract lengths (a speed given, and a projection's length)

    @property
    def projections(self) -> int:
        """Number of projections."""
        return len(self.src)


def _check_edges(topology: Rows, signs: list[Any], rules: list[str]) -> list[int]:
    """Every projection's sign (±1) after checking its strength and sign; the first fault names the projection."""
    out = []
    for i, (strength, sign, rule) in enumerate(zip(topology.strengths, signs, rules)):
        if sign is None:
            sign = 1
        if type(strength) is float and 0 < strength <= MAX_STRENGTH and type(sign) is int and (sign == 1 or sign == -1):
            out.append(sign)  # the common case, without building messages
            continue
        where = f"projection {topology.regions[topology.sources[i]][0]!r} -> {topology.regions[topology.targets[i]][0]!r}"
        if rule not in STRENGTH_LIMITS:
            raise InputError(f"{where}.rule: must be pairs or synapses, got {rule!r}")
        problem = check_positive(strength, maximum=STRENGTH_LIMITS[rule])
        if problem:
            raise InputError(f"{where}.strength: {problem}")
        if not is_finite_number(sign) or sign not in (1, -1):
            raise InputError(f"{where}.sign: must be 1 (excitatory) or -1 (inhibitory), got {sign!r}")
        out.append(int(sign))
    return out


def mean_input_weights(slots: list[int], tgt: list[int], signs: list[int], strength_ints: list[int],
                       regions: int) -> list[float]:
    """w_st = ±K_st / Σ_s' K_s't (K_st ∝ S_s · strength, S_s a target's source neurons), each one correctly
    rounded int / int division."""
    k = [n * m for n, m in zip(slots, strength_ints)]
    k_in = [0] * regions
    for value, t in zip(k, tgt):
        k_in[t] += value
    return [(sign * value / k_in[t]) if k_in[t] else 0.0 for value, t, sign in zip(k, tgt, signs)]


def delays_in_steps(lengths: list[Any], speed: Fraction, dt: Fraction, steps: int,
                    where: Callable[[int], tuple[str, str]]) -> list[int]:
    """round-half-up(length / (speed · dt)) in integers over a common power of ten, held at steps + 1.

    A delay longer than the run is never read in full: what arrives after the end does not matter,
    so holding it at steps + 1 keeps the history bounded by the run without changing any result.
    """
    for i, length in enumerate(lengths):
        if length is not None and not (type(length) is float and 0 <= length < math.inf) and \
                (not (is_finite_number(length) or isinstance(length, Decimal)) or length < 0):
            name = where(i)
            raise InputError(f"projection {name[0]!r} -> {name[1]!r}.tract_length: must be a finite number "
                             f"≥ 0 (mm), got {length!r}")
    per_step = speed * dt
    if len(lengths) > 50_000 and all(type(length) is float for length in lengths):
        return _delays_by_floats(lengths, per_step, steps).tolist()
    return _delays_exactly(lengths, per_step, steps)


def _delays_exactly(lengths: list[Any], per_step: Fraction, steps: int) -> list[int]:
    """round-half-up(length / per_step), held at steps + 1, in integers: length / per_step = m · q / (10^power · p)."""
    ints, power = scaled([length for length in lengths if length is not None])
    num, den = per_step.denominator, 10**power * per_step.numerator
    steps_of = {v: min((2 * m * num + den) // (2 * den), steps + 1) for v, m in ints.items()}
    return [0 if length is None else steps_of[length] for length in lengths]


def _delays_by_floats(lengths: Any, per_step: Fraction, steps: int) -> Any:
    """The same delays for many float lengths: by floats where no rounding can change the result, exactly elsewhere.

    The float ratio is within ~1e-12 (relative) of length / (speed · dt) as written; unless its
    fractional part lies within 1e-6 of one half, round-half-up of both is the same whole number.
    The others (exact halves among them) are decided in integers, as for any length.
    """
    import numpy as np

    values = np.asarray(lengths, dtype=np.float64)
    step = float(per_step) if per_step < sys.float_info.max else math.inf
    if not sys.float_info.min <= step < math.inf:  # a double holds the step only roughly, or not at all
        return np.array(_delays_exactly(values.tolist(), per_step, steps), dtype=np.int64)
    with np.errstate(over="ignore", invalid="ignore"):  # a ratio beyond a double is held at steps + 1 below
        ratio = values / step
        nearest = np.floor(ratio + 0.5)
        unsure = np.abs(ratio - np.floor(ratio) - 0.5) < 1e-6
    out = np.minimum(nearest, steps + 1).astype(np.int64)
    if unsure.any():
        doubtful = np.flatnonzero(unsure)
        out[doubtful] = _delays_exactly(values[doubtful].tolist(), per_step, steps)
    return out


@without_gc
def build_plan(topology: Rows | Columns, neurons: int | None, mode: str, *, speed: Fraction | None, dt: Fraction,
               steps: int, reference: int | None = None) -> Plan:
    """The plan of a topology (its rows, or its columns) at `neurons` neurons in coupling `mode` (`raw` or
    `mean-input`). From rows, its fields are lists; from columns (`connectome.columns.Columns`), numpy arrays
    with the same values, bit for bit (`connectome.sim.plan_columns`).

    `reference` (indegree scaling): the in-degrees K_st, and so the counts, are those of this scale.
    `neurons` None (raw mode only): no region sizes and no connection counts; `speed` None: no delays.
    """
    if not topology.regions:
        raise InputError("the topology has no regions")
    regions = [name for name, _ in topology.regions]
    for region, attrs in topology.regions:
        problem = check_positive(attrs.get("share"))
        if problem:
            raise InputError(f"region {region!r}.share: {problem}")
    if neurons is None and mode == "mean-input":
        raise InputError("mean-input coupling needs a neuron count: its weights follow the region sizes")
    sizes = None if neurons is None else apportion(neurons, [attrs["share"] for _, attrs in topology.regions])
    in_degree_sizes = None if reference is None else apportion(reference, [a["share"] for _, a in topology.regions])
    if not isinstance(topology, Rows):  # columns: arrays throughout, where provably the same plan
        from .plan_columns import columnar_plan, in_arrays

        plan = columnar_plan(topology, mode, sizes, in_degree_sizes, speed=speed, dt=dt, steps=steps)
        return plan or in_arrays(build_plan(topology.rows(), neurons, mode, speed=speed, dt=dt, steps=steps,
                                            reference=reference))
    sign_column, length_column, rule_column, autapse_column = topology.columns("sign", "tract_length", "rule", "autapses")
    rules, autapses = rule_columns(rule_column, autapse_column)
    signs = _check_edges(topology, sign_column, rules)
    src, tgt, strengths = topology.sources, topology.targets, topology.strengths
    strength_ints, power = scaled_list(strengths)
    if mode == "mean-input":
        weights = mean_input_weights(source_slots(in_degree_sizes or sizes, src, tgt, autapses), tgt, signs,
                                     strength_ints, len(regions))
    else:
        weights = [sign * float(w) for sign, w in zip(signs, strengths)]
    delays = [0] * len(src)
    delayed = speed is not None and any(length is not None for length in length_column)
    if delayed:
        delays = delays_in_steps(length_column, speed, dt, steps,
                                 lambda i: (regions[src[i]], regions[tgt[i]]))
    total = None
    if sizes is not None:
        total = sum(projection_counts(sizes, src, tgt, strength_ints, power, autapses=autapses, rules=rules,
                                      reference_sizes=in_degree_sizes,
                                      name=lambda i: (regions[src[i]], regions[tgt[i]])))
    return Plan(regions, sizes, src, tgt, weights, delays, max(delays, default=0), mode, total, delayed)
