"""Counting rules and scaling: what a strength counts, and how the counts follow the number of neurons.

* rule ``pairs`` (the default): strength = connected ordered pairs per 1000, at most one connection per pair,
  so strength ≤ 1000;
* rule ``synapses``: strength = synapses per 1000 ordered pairs, repeated pairs allowed, strength ≤ 10^6;
* ``autapses`` (default true) on a projection from a region to itself: false leaves out the N_s pairs of a
  neuron with itself, so there are N_s·(N_s − 1) pairs;
* scaling ``probability`` (the default): count(s→t) = floor(N_t · S_s · strength / 1000) with S_s the source
  neurons a target can draw from at N (N_s, or N_s − 1 without autapses): counts ∝ N_s·N_t;
* scaling ``indegree``: S_s is taken at the topology's reference scale instead, so each target keeps the
  in-degree K_st = S_s,ref · strength / 1000 it has there, and counts ∝ N_t.

Both rules count the same way; the rule says whether a realised network may repeat a pair.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from .errors import InputError, Mention

if TYPE_CHECKING:
    from .graph import Rows

RULES = ("pairs", "synapses")
SCALINGS = ("probability", "indegree")
DEFAULT_RULE, DEFAULT_SCALING = "pairs", "probability"
PER = 1000  # strengths count per 1000 ordered pairs
STRENGTH_LIMITS = {"pairs": PER, "synapses": 10**6}  # synapses: 1000 per ordered pair on average at most
DEFAULTS = {"rule": DEFAULT_RULE, "autapses": True}  # projection attributes left out of the stored form


def rule_problem(attrs: Mapping[str, Any], same_region: bool) -> tuple[str, str] | None:
    """(attribute, why) when a projection's `rule` or `autapses` is not valid, else None."""
    rule = attrs.get("rule", DEFAULT_RULE)
    if rule not in RULES:
        return "rule", f"must be one of {', '.join(RULES)}, got {rule!r}"
    if "autapses" in attrs:
        if not isinstance(attrs["autapses"], bool):
            return "autapses", f"must be true or false, got {attrs['autapses']!r}"
        if not same_region:
            return "autapses", "applies only to a projection from a region to itself"
    return None


def strength_limit(attrs: Mapping[str, Any]) -> int:
    """The largest strength a projection's rule allows (the pairs rule's when the rule is not valid)."""
    return STRENGTH_LIMITS.get(attrs.get("rule", DEFAULT_RULE), PER)


def is_default(key: str, value: Any) -> bool:
    """True for `rule: pairs` and `autapses: true`, which the stored form leaves out."""
    return key in DEFAULTS and type(value) is type(DEFAULTS[key]) and value == DEFAULTS[key]


def scaling_problem(scaling: object, reference: int | None) -> str | None:
    """Why a topology's `scaling` cannot be used (unknown, or indegree without a reference scale), else None."""
    if scaling is None or scaling == DEFAULT_SCALING:
        return None
    if scaling not in SCALINGS:
        return f"must be one of {', '.join(SCALINGS)}, got {scaling!r}"
    if reference is None:
        return "indegree holds the in-degrees of a reference scale, and there is none: give the topology `neurons`"
    return None


def choose_scaling(own: str | None, override: str | None, reference: int | None, ref: str = "the topology") -> str:
    """The scaling a command uses: the `scaling` parameter (`override`) when given, else the topology's own;
    refused when unusable."""
    scaling = override or own or DEFAULT_SCALING
    problem = scaling_problem(scaling, reference)
    if problem:
        raise (InputError(Mention("scaling", str(scaling)), f": {ref}: {problem}") if override
               else InputError(f"{ref}: scaling: {problem}"))
    return scaling


def rule_columns(rules: Sequence[Any], autapses: Sequence[Any]) -> tuple[list[str], list[bool]]:
    """Each projection's rule and autapses flag from the columns of its attributes (None where absent);
    refused (InputError) when not valid, for graphs that reach counting without `validate`."""
    rules = [DEFAULT_RULE if r is None else r for r in rules]
    flags = [True if a is None else a for a in autapses]
    if set(rules) <= set(RULES) and {type(f) for f in flags} <= {bool}:
        return rules, flags
    for i, (rule, flag) in enumerate(zip(rules, flags)):
        if rule not in RULES or not isinstance(flag, bool):
            what = ("rule", rule_problem({"rule": rule}, True)) if rule not in RULES else \
                ("autapses", rule_problem({"autapses": flag}, True))
            raise InputError(f"projection {i + 1}: {what[0]}: {what[1][1]}")
    return rules, flags


def source_slots(sizes: Sequence[int], src: Sequence[int], tgt: Sequence[int],
                 autapses: Sequence[bool] | None) -> list[int]:
    """Per projection, the source neurons a target neuron can draw from: N_s, or N_s − 1 without autapses."""
    if autapses is None or all(autapses):
        return [sizes[s] for s in src]
    return [sizes[s] - (not a and s == t) for s, t, a in zip(src, tgt, autapses)]


def projection_counts(sizes: Sequence[int], src: Sequence[int], tgt: Sequence[int], strength_ints: Sequence[int],
                      power: int, *, autapses: Sequence[bool] | None = None, rules: Sequence[str] | None = None,
                      reference_sizes: Sequence[int] | None = None,
                      name: Callable[[int], tuple[str, str]] | None = None) -> list[int]:
    """floor(N_t · S_s · strength / 1000) per projection, strengths as integers over 10^power, exactly.

    `reference_sizes` (indegree scaling) takes S_s at the reference scale; a pairs-rule projection whose
    count would then exceed its pairs at N (at most one connection per pair) is refused, naming it.
    """
    scale = 10**power * PER
    now = source_slots(sizes, src, tgt, autapses)
    slots = now if reference_sizes is None else source_slots(reference_sizes, src, tgt, autapses)
    counts = [sizes[t] * k * m // scale for t, k, m in zip(tgt, slots, strength_ints)]
    if reference_sizes is not None:
        for i, (count, t, k) in enumerate(zip(counts, tgt, now)):
            if count > sizes[t] * k and (rules is None or rules[i] == "pairs"):
                s_name, t_name = name(i) if name else (str(src[i]), str(t))
                raise InputError(
                    f"projection {s_name!r} -> {t_name!r}: indegree scaling asks {count:,} connections of "
                    f"{sizes[t] * k:,} pairs at {sum(sizes):,} neurons, and the pairs rule connects a pair at most "
                    "once: use more neurons, scaling probability, or rule synapses")
    return counts


def count_topology(rows: "Rows", total: int | None, *, scaling: str | None = None) -> dict:
    """Region sizes, per-projection connections and their exact total at `total` neurons: what `topology
    stats` prints, under each projection's autapses and the topology's scaling (or `scaling`).

    `total` None: what needs no N, the regions' shares and the projections' strengths and rules, with no
    derived count (`neurons` None, no `total_connections`).

    Examples
    --------
    >>> import networkx as nx
    >>> from .graph import rows_of
    >>> g = nx.DiGraph(name="pair"); g.add_node("a", share=1.0); g.add_node("b", share=3.0)
    >>> g.add_edge("a", "b", strength=2.5)
    >>> count_topology(rows_of(g), 1000)["total_connections"]
    468
    >>> count_topology(rows_of(g), None)
    {'neurons': None, 'scaling': 'probability', 'regions': [{'name': 'a', 'share': 1.0}, {'name': 'b', 'share': 3.0}], 'projections': [{'source': 'a', 'target': 'b', 'strength': 2.5}]}
    """
    from .exact import apportion, scaled_list

    scaling = choose_scaling(rows.scaling, scaling, rows.neurons, rows.name or "the topology")
    names = [name for name, _ in rows.regions]
    shares = [attrs["share"] for _, attrs in rows.regions]
    if total is None:
        return _uncounted(rows, names, shares, scaling)
    sizes = apportion(total, shares)
    reference = apportion(rows.neurons, shares) if scaling == "indegree" else None
    rules, autapses = rule_columns(*rows.columns("rule", "autapses"))
    ints, power = scaled_list(rows.strengths)  # the decimals as written, over 10^power
    counts = projection_counts(sizes, rows.sources, rows.targets, ints, power, autapses=autapses, rules=rules,
                               reference_sizes=reference,
                               name=lambda i: (names[rows.sources[i]], names[rows.targets[i]]))
    projections = [{"source": names[s], "target": names[t], "strength": w, "connections": c}
                   for s, t, w, c in zip(rows.sources, rows.targets, rows.strengths, counts)]
    _mark_rules(projections, rules, autapses)
    return {"neurons": total, "scaling": scaling, "regions": [{"name": n, "neurons": c} for n, c in zip(names, sizes)],
            "projections": projections, "total_connections": sum(counts)}


def _mark_rules(projections: list[dict], rules: list[str], autapses: list[bool]) -> None:
    """A projection's `rule` where it is not the default, and `autapses` where they are off."""
    for p, rule, a in zip(projections, rules, autapses):
        if rule != DEFAULT_RULE:
            p["rule"] = rule
        if not a:
            p["autapses"] = False


def _uncounted(rows: "Rows", names: list[str], shares: list[Any], scaling: str) -> dict:
    """`count_topology` without N: shares, strengths and rules, no derived count."""
    rules, autapses = rule_columns(*rows.columns("rule", "autapses"))
    projections = [{"source": names[s], "target": names[t], "strength": w}
                   for s, t, w in zip(rows.sources, rows.targets, rows.strengths)]
    _mark_rules(projections, rules, autapses)
    return {"neurons": None, "scaling": scaling, "regions": [{"name": n, "share": s} for n, s in zip(names, shares)],
            "projections": projections}
