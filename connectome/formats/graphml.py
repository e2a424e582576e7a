"""GraphML through networkx, hardened against hostile XML and strict about what a topology is.

A topology is one ``<graph edgedefault="directed">``: a ``<node>`` per region (its ``id`` is the
region name), an ``<edge>`` per projection. Attributes are typed ``<key>``/``<data>`` pairs:
``share`` and ``strength`` are written as ``double``, other floats as ``double``, ints as ``long``,
strings as ``string`` and booleans as ``boolean``; the graph's ``name``, ``description``,
``neurons`` and ``scaling`` (when not the default) are graph-level data. A key's ``<default>`` applies
to the nodes or edges without that data. Numbers are read strictly (``NaN``, ``INF``, underscores or spaces are refused, naming the
region or projection and the attribute); the graph's name is the ``name`` argument, else its
``name`` data, else the file's stem.

Refused on reading, with a one-line InputError: a file above 512 MiB; any ``<!DOCTYPE`` or
``<!ENTITY`` (checked in the raw bytes, then again by defusedxml, so billion-laughs and external
entities are never expanded or fetched); an undirected graph (``edgedefault="undirected"`` or an
edge with ``directed="false"``) and parallel edges (two edges joining the same ordered pair),
which are never silently converted; more than one graph, nested graphs, hyperedges and ports;
nodes declared twice, edges to undeclared nodes, data for undeclared keys or keys of another scope,
the same attribute twice on one element, key types other than boolean, int, long, float,
double and string, and key names (``attr.name``) that break the rules of names (control or format
characters, more than 1000 characters). Ignored: an edge's XML ``id``, ``<desc>``, yFiles graphics (keys with
``yfiles.type``), elements of other namespaces and graph-level data other than name, description
and neurons.

What GraphML cannot carry, refused by ``write_graphml`` naming the region or projection and the
attribute: lists, objects and null values; integers beyond 64 bits (GraphML's ``long``); attribute
names that are not strings; text that XML 1.0 cannot hold (control characters other than tab,
newline and carriage return, lone surrogates, U+FFFE and U+FFFF) in region names, attribute names
and values, the name or the description. Everything else round-trips to the same
``content_hash`` (floats are written with ``repr``, so exactly; a carriage return in a value is
written as ``&#13;`` so that XML's line-end normalisation leaves it alone).

Example::

    >>> g = read_graphml("visual.graphml")          # doctest: +SKIP
    >>> write_graphml(g, "copy.graphml")            # doctest: +SKIP
"""

from __future__ import annotations

import io
import re
from typing import Any
from xml.etree.ElementTree import Element
from xml.parsers.expat import ErrorString

import networkx as nx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from networkx.readwrite.graphml import GraphMLReader

from ..atomic import open_output
from ..errors import Mention, located
from ..graph import build_graph
from ..validation import key_problem, shown, validate
from .inputs import DECIMAL, INTEGER, Source, file_stem, label, read_bytes
from .limits import brief
from .lengths import attach_lengths, check_key
from .options import OptionError, option_error

MAX_BYTES = 512 * 2**20
NS = "http://graphml.graphdrawing.org/xmlns"
TYPES = ("boolean", "int", "long", "float", "double", "string")
GRAPH_KEYS = ("name", "description", "neurons", "scaling")
LONG = 2**63
_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}  # networkx's reading, case ignored


# ---------------------------------------------------------------- reading


def _local(element: Element) -> str | None:
    """The tag without the GraphML namespace, or None for an element of another namespace."""
    prefix = f"{{{NS}}}"
    return element.tag[len(prefix):] if element.tag.startswith(prefix) else None


def _value(where: str, at: str, kind: str, text: str | None) -> Any:
    """A data or default text checked against its key's type, as networkx will decode it."""
    text = "" if text is None else text
    if kind == "string":
        return text
    if kind == "boolean":
        if text.lower() not in _BOOLEANS:
            raise located(where, at, f"must be a boolean (true or false), got {text!r}")
        return _BOOLEANS[text.lower()]
    if kind in ("int", "long"):
        if not (INTEGER.fullmatch(text) and len(text) <= 20 and -LONG <= int(text) < LONG):
            raise located(where, at, f"must be a 64-bit integer ({kind}), got {text!r}")
        return int(text)
    if not DECIMAL.fullmatch(text):
        raise located(where, at, f"must be a number ({kind}), got {text!r}")
    return float(text)


class _Vetted:
    """The checks networkx's reader does not make, on the parsed tree, before it reads it."""

    def __init__(self, root: Element, where: str, undirected: bool = False):
        self.where = where
        self.undirected = undirected
        self.keys: dict[str, tuple[str, str, str]] = {}  # id -> (attr.name, attr.type, for)
        self.key_elements: dict[str, Element] = {}
        self.yfiles: set[str] = set()
        self.defaults: dict[str, dict[str, Any]] = {"node": {}, "edge": {}}
        if root.tag != f"{{{NS}}}graphml":
            found = "<graphml> without the GraphML namespace" if root.tag == "graphml" else f"<{root.tag}>"
            raise located(where, "", f"not GraphML: the root element is {found}, expected <graphml xmlns=\"{NS}\">")
        for child in root:
            if _local(child) not in (None, "key", "graph", "desc", "data"):
                raise located(where, "", f"<{_local(child)}> elements are not supported")
        for key in root.findall(f"{{{NS}}}key"):
            self._key(root, key)
        graphs = root.findall(f"{{{NS}}}graph")
        if len(graphs) != 1:
            raise located(where, "", f"holds {len(graphs)} <graph> elements; a topology file holds exactly one")
        self.graph = graphs[0]
        self._graph(self.graph)

    def _key(self, root: Element, key: Element) -> None:
        kid = key.get("id")
        if kid is None:
            raise located(self.where, "", "a <key> without an id")
        if kid in self.keys or kid in self.yfiles:
            raise located(self.where, f"key {kid!r}", "declared twice")
        if key.get("yfiles.type") is not None:  # yEd graphics: not topology data
            self.yfiles.add(kid)
            root.remove(key)
            return
        name, kind, scope = key.get("attr.name"), key.get("attr.type", "string"), key.get("for", "all")
        if name is None:
            raise located(self.where, f"key {shown(kid)}", "attr.name is missing")
        problem = key_problem(name)
        if problem:
            raise located(self.where, f"key {shown(kid)}", problem)
        if kind not in TYPES:
            raise located(self.where, f"key {kid!r} ({name!r})",
                          f"attr.type {kind!r} is not supported (use {', '.join(TYPES)})")
        key.set("attr.type", kind)  # networkx warns when it is absent
        self.keys[kid] = (name, kind, scope)
        self.key_elements[kid] = key
        for default in key.findall(f"{{{NS}}}default"):  # applied here, after networkx has read the graph
            value = _value(self.where, f"key {kid!r} ({name!r}) default", kind, default.text)
            for applies in (("node", "edge") if scope == "all" else (scope,)):
                if applies in self.defaults:
                    self.defaults[applies][name] = value
            key.remove(default)

    def _graph(self, graph: Element) -> None:
        direction = graph.get("edgedefault")
        if direction == "undirected" and self.undirected:
            direction = "directed"
        if direction == "undirected":
            raise located(self.where, "", 'the graph is undirected (edgedefault="undirected"); a topology is '
                                          'directed, and undirected edges are not converted silently')
        if direction != "directed":
            raise located(self.where, "", f'the <graph> needs edgedefault="directed", got {direction!r}')
        nodes: set[str] = set()
        edges = []
        for child in list(graph):
            tag = _local(child)
            if tag == "node":
                region = child.get("id")
                if region is None:
                    raise located(self.where, "", "a <node> without an id")
                if region in nodes:
                    raise located(self.where, f"region {region!r}", "declared twice")
                nodes.add(region)
                self._children(child, f"region {region!r}", "node")
            elif tag == "edge":
                edges.append(child)
            elif tag == "data":
                self._data(graph, child, "graph", "graph", set())
            elif tag not in (None, "desc"):
                raise located(self.where, "", f"<{tag}> elements are not supported")
        first: dict[tuple[str, str], int] = {}
        for i, edge in enumerate(edges, 1):
            s, t = edge.get("source"), edge.get("target")
            at = f"edge {i}" if s is None or t is None else f"projection {s!r} -> {t!r}"
            for end, region in (("source", s), ("target", t)):
                if region is None:
                    raise located(self.where, at, f"{end} is missing")
                if region not in nodes:
                    raise located(self.where, at, f"{end} {region!r} is not a declared node")
            directed = edge.get("directed")
            if self.undirected:
                edge.attrib.pop("directed", None)
                directed = None
                s, t = sorted((s, t))  # one projection each way: a pair given twice is a parallel edge
            if directed == "false":
                raise located(self.where, at, 'an undirected edge (directed="false"); a topology is directed, '
                                              'and undirected edges are not converted silently')
            if directed not in (None, "true"):
                raise located(self.where, at, f'directed must be "true" or "false", got {directed!r}')
            if (s, t) in first:
                raise located(self.where, at, f"parallel edges (edges {first[s, t]} and {i} join the same pair); "
                                              "a topology has at most one projection per ordered pair")
            first[s, t] = i
            edge.attrib.pop("id", None)  # networkx would make it an attribute named `id`
            self._children(edge, at, "edge")

    def _children(self, element: Element, at: str, scope: str) -> None:
        seen: set[str] = set()
        for child in list(element):
            tag = _local(child)
            if tag == "data":
                self._data(element, child, at, scope, seen)
            elif tag == "graph":
                raise located(self.where, at, "nested graphs are not supported")
            elif tag not in (None, "desc"):
                raise located(self.where, at, f"<{tag}> elements are not supported")

    def _data(self, parent: Element, data: Element, at: str, scope: str, seen: set[str]) -> None:
        kid = data.get("key")
        if kid in self.yfiles:
            parent.remove(data)
            return
        if kid not in self.keys:
            raise located(self.where, at, f"<data> for the undeclared key {kid!r}")
        name, kind, declared = self.keys[kid]
        where = name if scope == "graph" else f"{at}.{name}"
        if declared not in (scope, "all"):
            raise located(self.where, where, f"key {kid!r} is declared for={declared!r}, not for a {scope}")
        if name in seen:
            raise located(self.where, where, "given twice")
        seen.add(name)
        if len(data):
            raise located(self.where, where, "holds XML elements, not a value")
        if kind in ("int", "long") and data.text is not None and not INTEGER.fullmatch(data.text.strip()) \
                and DECIMAL.fullmatch(data.text.strip()):
            kind = "double"  # an integer key holding decimals (networkx would crash): read as the values say
            self.keys[kid] = (name, kind, declared)
            self.key_elements[kid].set("attr.type", kind)
        _value(self.where, where, kind, data.text)


def read_graphml(source: Source, *, name: str | None = None, weight_attr: str | None = None,
                 undirected: bool = False, lengths: Source | None = None, lengths_key: str | None = None,
                 unbounded: bool = False) -> nx.DiGraph:
    """Read a topology from GraphML (path or file object); `name` overrides the graph's name.

    `lengths` is a tract-length matrix file (`connectome.formats.lengths`, its rows in node order unless
    labelled; `lengths_key` its variable in a ``.mat``).

    Returns a validated DiGraph, regions in document order. Raises InputError, naming the file and
    the element or attribute, for anything broken, hostile, undirected or with parallel edges.
    """
    where = label(source)
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise option_error(where, "name", f"must be a non-empty string, got {name!r}")
    data = read_bytes(source, MAX_BYTES)
    if not data.strip():
        raise located(where, "", "the file is empty")
    declaration = _DECLARATION.search(data)
    if declaration:
        line = data.count(b"\n", 0, declaration.start()) + 1
        raise located(where, f"line {line}", "DOCTYPE and ENTITY declarations are refused (no DTD, no entities)")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        reason = ErrorString(exc.code) if isinstance(getattr(exc, "code", None), int) else "unreadable"
        raise located(where, f"line {line} column {column}", f"not well-formed XML ({reason})") from None
    except LookupError as exc:  # an XML declaration naming an encoding Python does not know
        raise located(where, "line 1", f"not well-formed XML ({brief(exc)})") from None
    except DefusedXmlException as exc:  # a DTD in an encoding the byte scan cannot read
        raise located(where, "", f"DOCTYPE and ENTITY declarations are refused ({type(exc).__name__})") from None
    vetted = _Vetted(root, where, undirected)
    reader = GraphMLReader(node_type=str)
    try:
        keys, _ = reader.find_graphml_keys(root)
        graph = reader.make_graph(vetted.graph, keys, {})
    except (nx.NetworkXError, ValueError, KeyError, TypeError) as exc:  # not expected after the checks
        raise located(where, "", f"not valid GraphML: {exc}") from None
    for kind, items in (("node", (a for _, a in graph.nodes(data=True))),
                        ("edge", (a for *_, a in graph.edges(data=True)))):
        defaults = vetted.defaults[kind]
        if defaults:
            for attrs in items:
                for key, value in defaults.items():
                    attrs.setdefault(key, value)
    kept = {k: graph.graph[k] for k in GRAPH_KEYS if k in graph.graph}
    graph.graph.clear()
    graph.graph.update(kept)
    if name is not None:
        graph.graph["name"] = name
    elif "name" not in graph.graph:
        stem = file_stem(source)
        if stem is None:
            raise OptionError(f"{where}: name: is missing: no name data in the graph and no file name; give ",
                              Mention("name"))
        graph.graph["name"] = stem
    if undirected:
        graph = _both_ways(graph)
    if weight_attr is not None:
        _weights_from(graph, weight_attr, where)
    if graph.number_of_nodes() and not any("share" in a for _, a in graph.nodes(data=True)):
        for _, attrs in graph.nodes(data=True):  # no region gives a share: all the same size
            attrs["share"] = 1.0
    check_key(where, lengths, lengths_key)
    if lengths is not None:
        attach_lengths(graph, lengths, lengths_key=lengths_key, where=where)
    return graph if unbounded else validate(graph, where)


def _both_ways(graph: nx.Graph) -> nx.DiGraph:
    """Each undirected edge as two projections, s → t and t → s, with the same attributes."""
    directed = nx.DiGraph(**graph.graph)
    directed.add_nodes_from(graph.nodes(data=True))
    for s, t, attrs in graph.edges(data=True):
        directed.add_edge(s, t, **attrs)
        directed.add_edge(t, s, **attrs)
    return directed


def _weights_from(graph: nx.DiGraph, key: str, where: str) -> None:
    """The strength of every projection from its attribute `key` (`weight_attr`), which it replaces."""
    for s, t, attrs in graph.edges(data=True):
        if key not in attrs:
            raise OptionError(f"{where}: projection {s!r} -> {t!r}: has no {key!r} attribute (",
                              Mention("weight_attr"), ")")
        attrs["strength"] = attrs.pop(key)


# ---------------------------------------------------------------- writing


def _xml_text(where: str, at: str, what: str, text: str) -> str:
    bad = _NOT_XML.search(text)
    if bad:
        raise located(where, at, f"{what} contains {bad.group()!r} (U+{ord(bad.group()):04X}), "
                                 "which XML 1.0 (so GraphML) cannot carry")
    return text


def _carry(where: str, at: str, value: Any) -> Any:
    """The value as networkx will write it with the right GraphML type, or InputError."""
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        if not -LONG <= value < LONG:
            raise located(where, at, f"GraphML's long holds 64-bit integers; this one needs {value.bit_length() + 1} bits")
        return int(value)
    if isinstance(value, float):
        return float(value)  # numpy floats would be written as `float`, not `double`
    if isinstance(value, str):
        return _xml_text(where, at, "the value", value)
    kind = {type(None): "a null value", list: "a list", dict: "an object"}.get(type(value), type(value).__name__)
    raise located(where, at, f"GraphML cannot carry {kind}")


def _attrs(where: str, at: str, attrs: dict, main: str) -> dict[str, Any]:
    converted: dict[str, Any] = {}
    for key, value in attrs.items():  # validate() has checked that names are strings
        _xml_text(where, at, f"the attribute name {key!r}", key)
        converted[key] = float(value) if key == main else _carry(where, f"{at}.{key}", value)
    return converted


def write_graphml(graph: nx.DiGraph, target: Source) -> None:
    """Write a topology as GraphML to a path (replaced atomically) or file object.

    Everything is checked before a byte is written; see the module docstring for what GraphML
    cannot carry.
    """
    where = label(target)
    validate(graph, where)
    labels = {key: graph.graph.get(key) for key in GRAPH_KEYS}
    for key in ("name", "description"):
        if labels[key] is not None:
            _xml_text(where, key, "the value", labels[key])
    regions = []
    for region, attrs in graph.nodes(data=True):
        at = f"region {region!r}"
        regions.append((_xml_text(where, at, "the name", region), _attrs(where, at, attrs, "share")))
    projections = [(s, t, _attrs(where, f"projection {s!r} -> {t!r}", attrs, "strength"))
                   for s, t, attrs in graph.edges(data=True)]
    out = build_graph(labels["name"], regions, projections, description=labels["description"],
                      neurons=labels["neurons"], scaling=labels["scaling"])
    buffer = io.BytesIO()
    nx.write_graphml_xml(out, buffer, encoding="utf-8")
    # ElementTree leaves a CR in text as it is, and XML parsers read it back as a LF
    data = buffer.getvalue().replace(b"\r", b"&#13;")
    with open_output(target, binary=True) as fh:
        fh.write(data.decode("utf-8") if isinstance(fh, io.TextIOBase) else data)
