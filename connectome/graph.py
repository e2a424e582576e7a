"""The in-memory model: a DiGraph of regions and projections, its validation and canonical form."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from .counting import DEFAULT_SCALING, DEFAULTS, count_topology, is_default

if TYPE_CHECKING:
    import networkx as nx


@dataclass
class Rows:
    """A topology as plain columns, in the graph's order: what the engine reads, without networkx.

    `regions` are (name, attributes) pairs; projection i goes from region `sources[i]` to `targets[i]`
    (indices into `regions`) with `strengths[i]`, and `extras[i]` holds its other attributes: a dict, their
    JSON text (as the store keeps them, decoded only when asked), or None.
    """

    name: str
    regions: list[tuple[str, dict[str, Any]]]
    sources: list[int]
    targets: list[int]
    strengths: list[Any]
    extras: list[Any]
    description: str | None = None
    neurons: int | None = None
    scaling: str | None = None

    def _chunks(self, size: int = 65536, keys: tuple[str, ...] = ()) -> Iterable[tuple[int, list[dict[str, Any] | None]]]:
        """(first index, extra attributes as dicts or None) per chunk; JSON texts decoded in one call per chunk.

        With `keys`, a chunk of texts none of which names any of them is not decoded (all None).
        """
        for start in range(0, len(self.extras), size):
            chunk = self.extras[start:start + size]
            texts = [e for e in chunk if isinstance(e, str)]
            joined = ",".join(texts)
            if keys and not any(f'"{key}"' in joined for key in keys):
                yield start, [None if isinstance(e, str) else e for e in chunk]
            elif len(texts) == len(chunk):
                yield start, json.loads("[" + joined + "]")
            else:
                decoded = iter(json.loads("[" + joined + "]") if texts else ())
                yield start, [next(decoded) if isinstance(e, str) else e for e in chunk]

    def columns(self, *keys: str) -> list[list[Any]]:
        """Extra attributes of every projection, one list per key (None where absent), in one decoding pass."""
        out: list[list[Any]] = [[] for _ in keys]
        for _, chunk in self._chunks(keys=keys):
            for key, values in zip(keys, out):
                values.extend([None if attrs is None else attrs.get(key) for attrs in chunk])
        return out

    def projections(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(source, target, attributes) per projection, for building a graph."""
        names = [name for name, _ in self.regions]
        out: list[tuple[str, str, dict[str, Any]]] = []
        for start, chunk in self._chunks():
            end = start + len(chunk)
            out.extend(zip(map(names.__getitem__, self.sources[start:end]), map(names.__getitem__, self.targets[start:end]),
                           [{"strength": w, **e} if e else {"strength": w} for w, e in zip(self.strengths[start:end], chunk)]))
        return out


def rows_of(graph: nx.DiGraph | Rows) -> Rows:
    """The rows of a topology graph (the rows themselves when given rows)."""
    if isinstance(graph, Rows):
        return graph
    if not hasattr(graph, "_adj") or graph.is_multigraph() or not graph.is_directed():
        from .errors import InputError

        raise InputError(f"the topology must be a networkx DiGraph, got {type(graph).__name__}")
    index = {name: i for i, name in enumerate(graph._adj)}
    edges = [(s, t, a) for s, targets in graph._adj.items() for t, a in targets.items()]
    return Rows(graph.graph.get("name"), list(graph.nodes(data=True)), [index[s] for s, _, _ in edges],
                [index[t] for _, t, _ in edges], [a.get("strength") for _, _, a in edges], [a for _, _, a in edges],
                graph.graph.get("description"), graph.graph.get("neurons"), graph.graph.get("scaling"))


def build_graph(
    name: str,
    regions: Iterable[tuple[str, Mapping[str, Any]]],
    projections: Iterable[tuple[str, str, Mapping[str, Any]]],
    *,
    description: str | None = None,
    neurons: int | None = None,
    scaling: str | None = None,
) -> nx.DiGraph:
    """A topology DiGraph from (name, attrs) regions and (source, target, attrs) projections.

    The graph is not checked: `validate` does that.

    Parameters
    ----------
    name : str
        The topology's name (the graph attribute ``name``).
    regions : iterable of (str, mapping)
        Each region's name and attributes (``share`` and any others).
    projections : iterable of (str, str, mapping)
        Each projection's source, target and attributes (``strength`` and any others); a region named here
        but not in `regions` is added without attributes.
    description : str or None
        A free text, kept as the graph attribute ``description``.
    neurons : int or None
        The reference scale, kept as the graph attribute ``neurons``.
    scaling : str or None
        ``"indegree"`` or ``"probability"``; the default (probability) is left out of the graph.

    Returns
    -------
    networkx.DiGraph

    Examples
    --------
    >>> g = build_graph("pair", [("a", {"share": 1.0}), ("b", {"share": 3.0})], [("a", "b", {"strength": 2.5})],
    ...                 neurons=1000)
    >>> g.graph, list(g.edges(data=True))
    ({'name': 'pair', 'neurons': 1000}, [('a', 'b', {'strength': 2.5})])
    """
    import networkx as nx

    graph = nx.DiGraph(name=name)
    if description is not None:
        graph.graph["description"] = description
    if neurons is not None:
        graph.graph["neurons"] = neurons
    if scaling is not None and scaling != DEFAULT_SCALING:
        graph.graph["scaling"] = scaling
    graph.add_nodes_from(regions)
    # straight into networkx's adjacency (what its algorithms read): add_edges_from costs ~3x per edge
    succ, pred = graph._succ, graph._pred
    for s, t, attrs in projections:
        if s not in succ:
            graph.add_node(s)
        if t not in succ:
            graph.add_node(t)
        succ[s][t] = pred[t][s] = attrs
    return graph


def _extras(attrs: Mapping[str, Any], key: str) -> dict[str, Any]:
    if len(attrs) == 1:
        return {}
    return {k: v for k, v in sorted(attrs.items()) if k != key and not is_default(k, v)}


def _number(value: Any) -> float | Decimal:
    """A share or strength as stored and hashed: a float, or the Decimal a double cannot carry."""
    return value if isinstance(value, Decimal) else float(value)


def to_document(graph: nx.DiGraph, *, canonical: bool = False) -> dict[str, Any]:
    """The canonical JSON document of a topology; `canonical` also sorts regions and projections.

    Parameters
    ----------
    graph : networkx.DiGraph
        A validated topology.
    canonical : bool
        Sort regions by name and projections by (source, target); False keeps the graph's order.

    Returns
    -------
    dict
        ``name``, then ``description``, ``neurons`` and ``scaling`` where set (not the default), ``regions``
        and ``projections``; attributes at their default values (``rule: pairs``) are left out.

    Examples
    --------
    >>> g = build_graph("pair", [("b", {"share": 3}), ("a", {"share": 1})], [("a", "b", {"strength": 2.5})])
    >>> to_document(g, canonical=True)
    {'name': 'pair', 'regions': [{'name': 'a', 'share': 1.0}, {'name': 'b', 'share': 3.0}], 'projections': [{'source': 'a', 'target': 'b', 'strength': 2.5}]}
    """
    regions = [
        {"name": n, "share": _number(a["share"]), **_extras(a, "share")} for n, a in graph.nodes(data=True)
    ]
    projections = [
        {"source": s, "target": t, "strength": _number(a["strength"]), **_extras(a, "strength")}
        for s, t, a in graph.edges(data=True)
    ]
    if canonical:
        regions.sort(key=lambda r: r["name"])
        projections.sort(key=lambda p: (p["source"], p["target"]))
    doc: dict[str, Any] = {"name": graph.graph.get("name")}
    if graph.graph.get("description") is not None:
        doc["description"] = graph.graph["description"]
    if graph.graph.get("neurons") is not None:
        doc["neurons"] = graph.graph["neurons"]
    if graph.graph.get("scaling", DEFAULT_SCALING) != DEFAULT_SCALING:
        doc["scaling"] = graph.graph["scaling"]
    doc["regions"] = regions
    doc["projections"] = projections
    return doc


_encode_sorted = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode

RegionRow = tuple[str, float, "str | None"]
ProjectionRow = tuple[str, str, float, "str | None"]


def attrs_text(attrs: Mapping[str, Any], key: str) -> str | None:
    """The extra attributes (all but `key`) as canonical JSON text, or None when there are none."""
    if len(attrs) == 1:
        return None
    extras = sorted((k, v) for k, v in attrs.items() if k != key and not (k in DEFAULTS and is_default(k, v)))
    if not extras:
        return None
    parts = []
    for k, v in extras:
        # flat strings and finite numbers spelled as JSONEncoder spells them, without its per-call set-up
        kind = type(v)
        if kind is float and v - v == 0:
            text = float.__repr__(v)
        elif kind is int:
            text = int.__repr__(v)
        elif kind is str:
            text = encode_basestring(v)
        else:
            return _encode_sorted(dict(extras))
        parts.append(f"{encode_basestring(k)}:{text}")
    return "{" + ",".join(parts) + "}"


def content_rows(graph: nx.DiGraph) -> tuple[list[RegionRow], list[ProjectionRow]]:
    """Regions (name, share, extras) and projections (source, target, strength, extras), in graph order."""
    regions = [(n, _number(a["share"]), attrs_text(a, "share")) for n, a in graph.nodes(data=True)]
    projections = [(s, t, _number(a["strength"]), attrs_text(a, "strength")) for s, t, a in graph.edges(data=True)]
    return regions, projections


def content_hash(graph: nx.DiGraph, rows: tuple[list[RegionRow], list[ProjectionRow]] | None = None) -> str:
    """SHA-256 of the canonical content (sorted rows); name and description are labels and left out.

    A number a double cannot carry (a Decimal) enters as its decimal text, a JSON string.

    Parameters
    ----------
    graph : networkx.DiGraph
        A validated topology.
    rows : tuple of two lists, or None
        Its `content_rows`, when already computed; None computes them.

    Returns
    -------
    str
        64 hexadecimal digits.

    Examples
    --------
    >>> g = build_graph("pair", [("a", {"share": 1.0}), ("b", {"share": 3.0})], [("a", "b", {"strength": 2.5})])
    >>> h = build_graph("renamed", [("b", {"share": 3}), ("a", {"share": 1})], [("a", "b", {"strength": 2.5})])
    >>> content_hash(g), content_hash(h) == content_hash(g)
    ('aec161bc8aa2...', True)
    """
    regions, projections = rows or content_rows(graph)
    content = [graph.graph.get("neurons"), sorted(regions), sorted(projections)]
    if graph.graph.get("scaling", DEFAULT_SCALING) != DEFAULT_SCALING:  # the default leaves older hashes as they were
        content.append(graph.graph["scaling"])
    text = json.dumps(content, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def same_topology(a: nx.DiGraph, b: nx.DiGraph) -> bool:
    """True when two graphs have identical labels and content (region order aside)."""
    return to_document(a, canonical=True) == to_document(b, canonical=True)


def derived_counts(graph: nx.DiGraph, total: int, *, scaling: str | None = None) -> dict:
    """Region sizes, per-projection connections and their exact total for `total` neurons.

    Each projection's `autapses` and the topology's `scaling` (or `scaling`) apply; see `connectome.counting`.

    Parameters
    ----------
    graph : networkx.DiGraph
        A validated topology.
    total : int
        The total number of neurons N, apportioned to the regions by share.
    scaling : str or None
        ``"probability"`` or ``"indegree"``, instead of the topology's own.

    Returns
    -------
    dict
        ``neurons``, ``scaling``, ``regions`` (name, neurons), ``projections`` (source, target, strength,
        connections; ``rule``/``autapses`` where not the default) and ``total_connections``: Python ints.

    Raises
    ------
    InputError
        A scaling it cannot apply (``indegree`` without the reference scale ``neurons``).

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph(name="pair")
    >>> g.add_node("a", share=1.0); g.add_node("b", share=3.0); g.add_edge("a", "b", strength=2.5)
    >>> counts = derived_counts(g, 1000)
    >>> counts["regions"], counts["total_connections"]
    ([{'name': 'a', 'neurons': 250}, {'name': 'b', 'neurons': 750}], 468)
    """
    return count_topology(rows_of(graph), total, scaling=scaling)
