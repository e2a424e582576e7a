"""GraphML through networkx, hardened: no DTD, no entities, no parallel edges, no undirected graphs.

Typed attributes round-trip: `share` and `strength` as doubles, ints as long, strings, booleans; graph
attributes `name`, `description` and `neurons` too. GraphML cannot carry lists, objects or null
values (refused at export, naming the attribute), nor text that XML 1.0 cannot hold (control
characters other than tab, newline and carriage return; refused at export, naming the region or
attribute). An edge's XML `id` is read as an attribute named `id`.
"""

from __future__ import annotations

import re
from typing import Any

import networkx as nx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from ..errors import InputError, located
from ..graph import validate
from ._io import Source, label, read_bytes, write_text

MAX_BYTES = 512 * 2**20
NS = "{http://graphml.graphdrawing.org/xmlns}"
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _structure(tree: Any, where: str) -> None:
    """Refuse what networkx would silently turn into something else: undirected or parallel edges."""
    graphs = tree.findall(f"{NS}graph")
    if tree.tag != f"{NS}graphml" or len(graphs) != 1:
        raise located(where, "", "not a GraphML document with exactly one <graph>")
    graph = graphs[0]
    if graph.get("edgedefault", "directed") != "directed":
        raise located(where, "<graph>", "undirected graph (edgedefault=\"undirected\"); a topology is directed")
    seen: set[tuple[str | None, str | None]] = set()
    for i, edge in enumerate(graph.iter(f"{NS}edge")):
        if edge.get("directed") == "false":
            raise located(where, f"edge {i}", "undirected edge (directed=\"false\"); a topology is directed")
        pair = (edge.get("source"), edge.get("target"))
        if pair in seen:
            raise located(where, f"edge {i}", f"parallel edge {pair[0]!r} -> {pair[1]!r}; a topology has one projection per pair")
        seen.add(pair)
    if any(True for _ in graph.iter(f"{NS}hyperedge")):
        raise located(where, "", "hyperedges are not supported")


def read_graphml(source: Source, *, name: str | None = None) -> nx.DiGraph:
    """Read a topology from GraphML (path or file object); `name` overrides the file's name."""
    where = label(source)
    data = read_bytes(source, MAX_BYTES)
    if not data.strip():
        raise located(where, "", "the file is empty")
    found = _DECLARATION.search(data)
    if found:
        line = data.count(b"\n", 0, found.start()) + 1
        raise located(where, f"line {line}", "DOCTYPE and ENTITY declarations are not allowed (no DTD, no entities)")
    try:
        tree = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise located(where, f"line {line} column {column}", "not well-formed XML") from None
    except DefusedXmlException as exc:
        raise located(where, "", f"refused: {exc}") from None
    _structure(tree, where)
    try:
        graph = nx.parse_graphml(data, node_type=str)
    except (nx.NetworkXError, ValueError, TypeError, KeyError) as exc:
        raise located(where, "", f"bad GraphML: {exc}") from None
    graph.graph.pop("node_default", None)
    graph.graph.pop("edge_default", None)
    if name is not None:
        graph.graph["name"] = name
    elif not graph.graph.get("name"):
        graph.graph["name"] = _stem(where)
    return validate(graph, where)


def _stem(path: str) -> str:
    base = path.replace("\\", "/").rsplit("/", 1)[-1]
    return base[: -len(".graphml")] if base.lower().endswith(".graphml") else base.rsplit(".", 1)[0]


def _carryable(value: Any, where: str) -> None:
    if value is None or isinstance(value, (list, dict)):
        raise InputError(f"{where}: GraphML cannot carry {type(value).__name__} values; use JSON")
    if isinstance(value, str) and _XML_ILLEGAL.search(value):
        raise InputError(f"{where}: contains a character XML cannot carry ({_XML_ILLEGAL.search(value).group()!r})")


def write_graphml(graph: nx.DiGraph, target: Source) -> None:
    """Write a topology as GraphML, refusing anything the format (or XML) cannot carry faithfully."""
    where = label(target)
    validate(graph, where)
    out = nx.DiGraph()
    for key, value in graph.graph.items():
        _carryable(value, f"{where}: graph attribute {key!r}")
        out.graph[key] = value
    for region, attrs in graph.nodes(data=True):
        _carryable(region, f"{where}: region {region!r}")
        for key, value in attrs.items():
            _carryable(key, f"{where}: region {region!r} attribute name")
            _carryable(value, f"{where}: region {region!r}.{key}")
        out.add_node(region, **{**attrs, "share": float(attrs["share"])})
    for s, t, attrs in graph.edges(data=True):
        for key, value in attrs.items():
            _carryable(key, f"{where}: projection {s!r} -> {t!r} attribute name")
            _carryable(value, f"{where}: projection {s!r} -> {t!r}.{key}")
        out.add_edge(s, t, **{**attrs, "strength": float(attrs["strength"])})
    write_text(target, "\n".join(nx.generate_graphml(out)) + "\n")
