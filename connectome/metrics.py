"""Graph metrics of a topology, computed by networkx (the Brain Connectivity Toolbox's measures, checked against
its Python port `bctpy` by the tests).

Weights are the strengths (or, with `weight="connections"`, the derived connection counts at N neurons).
Distances, for paths, betweenness and efficiency, are each projection's `tract_length` when every projection
has one (positive, or 0 from a region to itself, as TVB writes; `distance="auto"` or `"tract_length"`), else
1 / weight (`"inverse"`): strong projections are short.

Per region: in/out degree, in/out strength (the sum of weights), the directed weighted clustering coefficient
(Fagiolo 2007, on weights divided by the largest, networkx's `clustering`, which leaves self-projections out), betweenness (shortest paths by
distance, counted over ordered pairs, not normalised: BCT's `betweenness_wei`) and its community. For the
graph: density (projections / (n(n − 1)), self-projections counted as networkx does), reciprocity (the share
of projections whose reverse exists; a self-projection is not a reciprocated pair), the
characteristic path length (the mean distance over ordered pairs of distinct regions with a path, BCT's `charpath` without
infinite distances), global efficiency (the mean of 1 / distance over ordered pairs, 0 where there is no
path: BCT's `efficiency_wei` with 1/weight lengths), the communities of Louvain's method (seeded) with their
directed weighted modularity, and the rich-club coefficient φ(k) of the undirected, unweighted graph without
self-projections (networkx's, not normalised: BCT's `rich_club_bu`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import InputError, Mention

if TYPE_CHECKING:
    import networkx as nx

WEIGHTS = ("strength", "connections")
DISTANCES = ("auto", "tract_length", "inverse")


def weighted(graph: nx.DiGraph, *, weight: str = "strength", neurons: int | None = None,
             distance: str = "auto") -> tuple[nx.DiGraph, str]:
    """A plain DiGraph with `weight` and `distance` on every edge, and the distance used."""
    import networkx as nx

    from .graph import derived_counts

    if weight not in WEIGHTS:
        raise InputError(Mention("weight"), f": must be one of {', '.join(WEIGHTS)}, got {weight!r}")
    if distance not in DISTANCES:
        raise InputError(Mention("distance"), f": must be one of {', '.join(DISTANCES)}, got {distance!r}")
    if weight == "connections":
        if neurons is None:
            raise InputError(Mention("weight", "connections"), ": needs ", Mention("neurons", "N"),
                             " (or a topology with a reference scale)")
        counts = {(p["source"], p["target"]): p["connections"] for p in derived_counts(graph, neurons)["projections"]}
        values = {(s, t): float(c) for (s, t), c in counts.items()}
    else:
        values = {(s, t): float(w) for s, t, w in graph.edges(data="strength")}
    lengths = {(s, t): a.get("tract_length") for s, t, a in graph.edges(data=True)}
    has_lengths = bool(lengths) and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                        and (v > 0 or s == t and v == 0) for (s, t), v in lengths.items())
    if distance == "tract_length" and not has_lengths:
        raise InputError(Mention("distance", "tract_length"), ": not every projection has a positive tract_length")
    used = "tract_length" if distance == "tract_length" or (distance == "auto" and has_lengths) else "inverse"
    out = nx.DiGraph()
    out.add_nodes_from(graph.nodes)
    for (s, t), w in values.items():
        if w > 0:
            out.add_edge(s, t, weight=w, distance=float(lengths[s, t]) if used == "tract_length" else 1.0 / w)
    return out, used


def _sum(edges: Any) -> float:
    """The sum of the edges' weights, exactly from the decimals as written, then rounded once."""
    from fractions import Fraction

    from .exact import exact

    return float(sum((exact(w) for *_, w in edges), Fraction(0)))


def _paths(g: nx.DiGraph) -> tuple[float | None, float]:
    """(characteristic path length over connected ordered pairs, global efficiency) by distance."""
    import networkx as nx

    n = g.number_of_nodes()
    total = inverse = 0.0
    reached = 0
    for source, lengths in nx.all_pairs_dijkstra_path_length(g, weight="distance"):
        for target, d in lengths.items():
            if target != source:
                total += d
                inverse += 1.0 / d
                reached += 1
    pairs = n * (n - 1)
    return (total / reached if reached else None), (inverse / pairs if pairs else 0.0)


def metrics(graph: nx.DiGraph, *, weight: str = "strength", neurons: int | None = None, distance: str = "auto",
            seed: int = 0) -> dict[str, Any]:
    """Region and graph metrics of a topology (see the module docstring for each definition)."""
    import networkx as nx
    from networkx.algorithms import community

    g, used = weighted(graph, weight=weight, neurons=neurons, distance=distance)
    clustering = nx.clustering(g, weight="weight")
    loopless = nx.DiGraph(g)  # a self-projection lies on no shortest path (and one of length 0 would count twice)
    loopless.remove_edges_from(list(nx.selfloop_edges(loopless)))
    betweenness = nx.betweenness_centrality(loopless, weight="distance", normalized=False)
    communities = [sorted(c, key=list(g).index) for c in community.louvain_communities(g, weight="weight", seed=seed)]
    communities.sort(key=lambda c: list(g).index(c[0]))
    member = {x: i for i, c in enumerate(communities) for x in c}
    path_length, efficiency = _paths(loopless)
    simple = nx.Graph(g.to_undirected(as_view=False))
    simple.remove_edges_from(nx.selfloop_edges(simple))
    rich = nx.rich_club_coefficient(simple, normalized=False) if simple.number_of_edges() else {}
    regions = [{"name": x, "in_degree": g.in_degree(x), "out_degree": g.out_degree(x),
                "in_strength": _sum(g.in_edges(x, data="weight")), "out_strength": _sum(g.out_edges(x, data="weight")),
                "clustering": clustering[x], "betweenness": betweenness[x], "community": member[x]} for x in g]
    return {"weight": weight, "neurons": neurons, "distance": used, "regions": regions,
            "graph": {"regions": g.number_of_nodes(), "projections": g.number_of_edges(),
                      "density": nx.density(g), "reciprocity": nx.reciprocity(g) if g.number_of_edges() else 0.0,
                      "characteristic_path_length": path_length, "global_efficiency": efficiency,
                      "modularity": community.modularity(g, communities, weight="weight") if g.number_of_edges() else 0.0,
                      "communities": communities, "seed": seed,
                      "rich_club": {str(k): v for k, v in sorted(rich.items())}}}
