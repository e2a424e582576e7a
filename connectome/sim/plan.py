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

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Iterable

from ..errors import InputError
from ..exact import MAX_STRENGTH, apportion, check_positive, exact
from .stimulus import is_finite_number

if TYPE_CHECKING:
    import networkx as nx


@dataclass
class Plan:
    """Sizes, edges (source, target indices in projection order), weights and delays of one run."""

    regions: list[str]
    sizes: list[int]
    src: list[int]
    tgt: list[int]
    weights: list[float]
    delays: list[int]
    max_delay: int
    mode: str

    @property
    def projections(self) -> int:
        """Number of projections."""
        return len(self.src)


def scaled(values: Iterable[Any]) -> tuple[dict[Any, int], int]:
    """Each distinct decimal value as an integer over 10^power: ({value: integer}, power)."""
    fractions = {v: exact(v) for v in set(values)}
    power = 0
    for f in fractions.values():
        while (10**power) % f.denominator:
            power += 1
    return {v: f.numerator * 10**power // f.denominator for v, f in fractions.items()}, power


def _check_edge(s: str, t: str, attrs: dict) -> int:
    """The projection's sign (±1) after checking its strength and sign."""
    problem = check_positive(attrs.get("strength"), maximum=MAX_STRENGTH)
    if problem:
        raise InputError(f"projection {s!r} -> {t!r}.strength: {problem}")
    sign = attrs.get("sign", 1)
    if not is_finite_number(sign) or sign not in (1, -1):
        raise InputError(f"projection {s!r} -> {t!r}.sign: must be 1 (excitatory) or -1 (inhibitory), got {sign!r}")
    return int(sign)


def mean_input_weights(sizes: list[int], src: list[int], tgt: list[int], signs: list[int],
                       strengths: list[Any]) -> list[float]:
    """w_st = ±K_st / Σ_s' K_s't (K_st = N_s · strength / 1000), each correctly rounded from exact integers."""
    ints, _ = scaled(strengths)
    k = [sizes[s] * ints[w] for s, w in zip(src, strengths)]
    k_in = [0] * len(sizes)
    for value, t in zip(k, tgt):
        k_in[t] += value
    return [(sign * value / k_in[t]) if k_in[t] else 0.0 for value, t, sign in zip(k, tgt, signs)]


def delays_in_steps(lengths: list[Any], speed: Fraction, dt: Fraction, steps: int, where: list[str]) -> list[int]:
    """round-half-up(length / (speed · dt)), integer arithmetic per distinct length, held at steps + 1.

    A delay longer than the run is never read in full: what arrives after the end does not matter,
    so holding it at steps + 1 keeps the history bounded by the run without changing any result.
    """
    per_step = speed * dt
    cache: dict[Any, int] = {}
    out = []
    for length, name in zip(lengths, where):
        if length is None:
            out.append(0)
            continue
        if length not in cache:
            if not (is_finite_number(length) or hasattr(length, "is_finite")) or length < 0:
                raise InputError(f"{name}.tract_length: must be a finite number ≥ 0 (mm), got {length!r}")
            ratio = exact(length) / per_step
            cache[length] = min((2 * ratio.numerator + ratio.denominator) // (2 * ratio.denominator), steps + 1)
        out.append(cache[length])
    return out


def build_plan(graph: nx.DiGraph, neurons: int, mode: str, *, speed: Fraction | None, dt: Fraction,
               steps: int) -> Plan:
    """The plan of `graph` at `neurons` neurons in coupling `mode` (`raw` or `mean-input`)."""
    import networkx as nx  # loaded already by whoever built the graph

    if not isinstance(graph, nx.DiGraph) or graph.is_multigraph():
        raise InputError(f"the topology must be a networkx DiGraph, got {type(graph).__name__}")
    if graph.number_of_nodes() == 0:
        raise InputError("the topology has no regions")
    regions = list(graph.nodes)
    shares = []
    for region in regions:
        share = graph.nodes[region].get("share")
        problem = check_positive(share)
        if problem:
            raise InputError(f"region {region!r}.share: {problem}")
        shares.append(share)
    sizes = apportion(neurons, shares)
    index = {r: i for i, r in enumerate(regions)}
    src, tgt, signs, strengths, lengths, names = [], [], [], [], [], []
    for s, t, attrs in graph.edges(data=True):
        signs.append(_check_edge(s, t, attrs))
        src.append(index[s])
        tgt.append(index[t])
        strengths.append(attrs["strength"])
        lengths.append(attrs.get("tract_length") if speed is not None else None)
        names.append(f"projection {s!r} -> {t!r}")
    if mode == "mean-input":
        weights = mean_input_weights(sizes, src, tgt, signs, strengths)
    else:
        weights = [sign * float(w) for sign, w in zip(signs, strengths)]
    delays = delays_in_steps(lengths, speed, dt, steps, names) if speed is not None else [0] * len(src)
    return Plan(regions, sizes, src, tgt, weights, delays, max(delays, default=0), mode)


def connection_counts(sizes: list[int], src: list[int], tgt: list[int], strengths: list[Any]) -> list[int]:
    """floor(N_s · N_t · strength / 1000) per projection, from integers over a common power of ten."""
    ints, power = scaled(strengths)
    scale = 10**power * MAX_STRENGTH
    return [sizes[s] * sizes[t] * ints[w] // scale for s, t, w in zip(src, tgt, strengths)]
