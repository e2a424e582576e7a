"""What changed between two topology versions: regions, projections, attributes and derived connections."""

from __future__ import annotations

from typing import Any, Mapping

import networkx as nx

from .graph import derived_counts

_MISSING = object()


def _changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Attribute by attribute, {"old", "new"} where the values differ (None where absent)."""
    out = {}
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, _MISSING), new.get(key, _MISSING)
        if a is _MISSING or b is _MISSING or a != b or type(a) is not type(b) and not (
                isinstance(a, (int, float)) and isinstance(b, (int, float))):
            out[key] = {"old": None if a is _MISSING else a, "new": None if b is _MISSING else b}
    return out


def _labels(graph: nx.DiGraph) -> dict[str, Any]:
    """The graph attributes that change counts: the reference scale and the scaling."""
    return {"neurons": graph.graph.get("neurons"), "scaling": graph.graph.get("scaling", "probability")}


def _connections(graph: nx.DiGraph, neurons: int, scaling: str | None) -> dict[tuple[str, str], int]:
    return {(p["source"], p["target"]): p["connections"]
            for p in derived_counts(graph, neurons, scaling=scaling)["projections"]}


def diff(old: nx.DiGraph, new: nx.DiGraph, *, neurons: int | None = None, scaling: str | None = None) -> dict[str, Any]:
    """The differences from `old` to `new`; with `neurons`, also the change in derived connections (each
    version counted under its own scaling, or under `scaling` when given).

    Parameters
    ----------
    old, new : networkx.DiGraph
        The two topologies (validated).
    neurons : int or None
        A total neuron count N at which to compare the derived connections; None leaves them out.
    scaling : str or None
        ``"probability"`` or ``"indegree"``, for both versions instead of their own.

    Returns
    -------
    dict
        ``graph_changed`` (only when ``neurons`` or ``scaling`` differ), ``regions_added``/``removed``/``changed``,
        ``projections_added``/``removed``/``changed`` (each change as ``{"old", "new"}``) and, with `neurons`,
        ``connections_delta``: the totals and each projection whose count changed.

    Examples
    --------
    >>> from connectome import build_graph
    >>> old = build_graph("pair", [("a", {"share": 1}), ("b", {"share": 1})], [("a", "b", {"strength": 2.0})])
    >>> new = build_graph("pair", [("a", {"share": 1}), ("b", {"share": 1}), ("c", {"share": 2})],
    ...                   [("a", "b", {"strength": 4.0})])
    >>> changes = diff(old, new, neurons=1000)
    >>> changes["regions_added"], changes["projections_changed"][0]["changes"]
    (['c'], {'strength': {'old': 2.0, 'new': 4.0}})
    >>> changes["connections_delta"]["total"]  # c takes half the neurons: a and b have 250 each
    {'old': 500, 'new': 250, 'delta': -250}
    """
    result: dict[str, Any] = {
        **({"graph_changed": c} if (c := _changes(_labels(old), _labels(new))) else {}),
        "regions_added": [n for n in new if n not in old],
        "regions_removed": [n for n in old if n not in new],
        "regions_changed": [
            {"name": n, "changes": c} for n in old if n in new and (c := _changes(old.nodes[n], new.nodes[n]))
        ],
        "projections_added": [{"source": s, "target": t, **a} for s, t, a in new.edges(data=True) if not old.has_edge(s, t)],
        "projections_removed": [{"source": s, "target": t, **a} for s, t, a in old.edges(data=True) if not new.has_edge(s, t)],
        "projections_changed": [
            {"source": s, "target": t, "changes": c}
            for s, t, a in old.edges(data=True) if new.has_edge(s, t) and (c := _changes(a, new.edges[s, t]))
        ],
    }
    if neurons is not None:
        before, after = _connections(old, neurons, scaling), _connections(new, neurons, scaling)
        rows = []
        for key in list(before) + [k for k in after if k not in before]:
            a, b = before.get(key, 0), after.get(key, 0)
            if a != b:
                rows.append({"source": key[0], "target": key[1], "old": a, "new": b, "delta": b - a})
        total_old, total_new = sum(before.values()), sum(after.values())
        result["connections_delta"] = {
            "neurons": neurons,
            "total": {"old": total_old, "new": total_new, "delta": total_new - total_old},
            "projections": rows,
        }
    return result
