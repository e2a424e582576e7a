"""Validation of a topology graph: names, attributes, shares, strengths and counting rules, one clear error each."""

from __future__ import annotations

import math
import unicodedata
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Mapping

from .counting import rule_problem, scaling_problem, strength_limit
from .errors import located
from .exact import MAX_NEURONS, MAX_STRENGTH
from .numeric import check_positive

if TYPE_CHECKING:
    import networkx as nx

RESERVED_REGION_KEYS = ("name", "neurons")
RESERVED_PROJECTION_KEYS = ("source", "target")

MAX_NAME_LENGTH = 1000


def name_problem(value: object) -> str | None:
    """Why `value` cannot name a topology or region, or None when it can.

    Control and format characters (NUL, newlines, U+202E right-to-left override, …) are refused:
    they cannot be typed on a command line, and they split or spoof the tables that show names.
    """
    if isinstance(value, str) and len(value) > MAX_NAME_LENGTH:
        return f"must be at most {MAX_NAME_LENGTH} characters, got {len(value):,}"
    if not isinstance(value, str) or not value.strip():
        return f"must be a non-empty string, got {shown(value)}"
    if not value.isprintable():
        for i, char in enumerate(value):
            if unicodedata.category(char) in ("Cc", "Cf", "Cs"):
                return f"must not contain control or format characters, got U+{ord(char):04X} at position {i + 1}"
    return None


def shown(value: object, limit: int = 60) -> str:
    """`value` for a one-line message: its repr (control characters escaped), cut to `limit` characters."""
    text = repr(value[:limit + 1] if isinstance(value, str) else value)
    return text if len(text) <= limit else text[:limit] + "…"


def text_problem(text: str) -> str | None:
    r"""Why a free text (a description, a message) cannot be stored: a control character other than tab and line
    breaks (NUL, escape sequences: what PostgreSQL cannot hold or a terminal would obey), or None.

    >>> text_problem("two\nlines"), text_problem("a\x00b")
    (None, 'must not contain the control character U+0000 (at position 2)')
    """
    for i, c in enumerate(text):
        if (c < " " and c not in "\t\n\r") or "\x7f" <= c <= "\x9f":
            return f"must not contain the control character U+{ord(c):04X} (at position {i + 1})"
    return None


def key_problem(key: object) -> str | None:
    """Why `key` cannot name an attribute (the rules of names: a string, no control or format characters,
    at most 1000 characters), or None when it can."""
    if not isinstance(key, str):
        return f"attribute names must be strings, got {shown(key)}"
    problem = name_problem(key)
    return f"attribute name {shown(key)} {problem}" if problem else None


def neurons_problem(value: object) -> str | None:
    """Why `value` is not a neuron count (a whole number from 1 to 10^18), or None when it is."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_NEURONS:
        return f"must be a whole number from 1 to 1e18, got {value!r}"
    return None


def _check_extra(value: Any) -> str | None:
    """Why an extra attribute value cannot be stored, or None when it can."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be finite, got {value!r}"
    if value is None or isinstance(value, (str, bool, int, float)):
        return None
    if isinstance(value, list):
        return next(filter(None, map(_check_extra, value)), None)
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            return "object keys must be strings"
        return next(filter(None, map(_check_extra, value.values())), None)
    return f"must be a string, number, boolean, list or object, got {type(value).__name__}"


def _plain(value: Any) -> bool:
    """A string, int or finite float: the values that need no further check."""
    kind = type(value)
    return kind is str or kind is int or (kind is float and value - value == 0)


def _plain_extras(attrs: Mapping[str, Any], good: set[str]) -> bool:
    """True when every attribute name is in `good` (checked, unreserved) and every value is plain."""
    return good.issuperset(attrs) and all(map(_plain, attrs.values()))


def _check_attrs(source: object, where: str, attrs: Mapping[str, Any], reserved: tuple[str, ...],
                 good: set[str] | None = None) -> None:
    """Check attribute names and values; names that pass are added to `good` (so each is checked once)."""
    for key, value in attrs.items():
        if good is None or key not in good:
            problem = key_problem(key)
            if problem:
                raise located(source, where, problem)
            if good is not None and key not in reserved and key not in ("rule", "autapses"):
                good.add(key)
        if key in reserved:
            raise located(source, f"{where}.{key}", "is a reserved name and cannot be an attribute")
        problem = _check_extra(value)
        if problem:
            raise located(source, f"{where}.{key}", problem)


def validate(graph: nx.DiGraph, source: object = None) -> nx.DiGraph:
    """Check a topology graph against the data model; raise InputError naming the first fault.

    Parameters
    ----------
    graph : networkx.DiGraph
        The topology.
    source : object
        Where it came from (a file name), the first part of the message; None leaves it out.

    Returns
    -------
    networkx.DiGraph
        `graph` itself, unchanged.

    Raises
    ------
    InputError
        A graph that is not a DiGraph, lacks a name or regions, or has a share, strength, name or attribute
        the data model refuses: ``SOURCE: WHERE: PROBLEM``.

    Examples
    --------
    >>> from connectome import build_graph
    >>> g = build_graph("pair", [("a", {"share": 1.0}), ("b", {"share": 1.0})], [("a", "b", {"strength": 1001})])
    >>> validate(g, "pair.json")
    Traceback (most recent call last):
    ...
    connectome.errors.InputError: pair.json: projection 'a' -> 'b'.strength: must be ≤ 1000, got 1001 (more than one connection per pair needs rule synapses)
    """
    if graph.is_multigraph() or not graph.is_directed():
        kind = "a multigraph" if graph.is_multigraph() else "undirected"
        raise located(source, "", f"the graph is {kind}; a topology is a directed graph without parallel edges")
    problem = name_problem(graph.graph.get("name"))
    if problem:
        raise located(source, "name", problem)
    description = graph.graph.get("description")
    if description is not None and not isinstance(description, str):
        raise located(source, "description", f"must be a string, got {description!r}")
    if description is not None and text_problem(description):
        raise located(source, "description", text_problem(description))
    neurons = graph.graph.get("neurons")
    if neurons is not None and neurons_problem(neurons):
        raise located(source, "neurons", neurons_problem(neurons))
    problem = scaling_problem(graph.graph.get("scaling"), neurons)
    if problem:
        raise located(source, "scaling", problem)
    for key in graph.graph:
        problem = key_problem(key)
        if problem:
            raise located(source, "", f"graph {problem}")
    if graph.number_of_nodes() == 0:
        raise located(source, "regions", "must list at least one region")
    region_keys: set[str] = set()
    good: set[str] = {"strength"}  # projection attribute names known to be fine
    for region, attrs in graph.nodes(data=True):
        where = f"region {region!r}"
        problem = name_problem(region)
        if problem:
            raise located(source, "regions", f"region names {problem}")
        if "share" not in attrs:
            raise located(source, f"{where}.share", "is missing")
        problem = check_positive(attrs["share"])
        if problem:
            raise located(source, f"{where}.share", problem)
        _check_attrs(source, where, {k: v for k, v in attrs.items() if k != "share"}, RESERVED_REGION_KEYS,
                     region_keys)
    for s, t, attrs in graph.edges(data=True):
        strength = attrs.get("strength")
        if type(strength) is float and 0 < strength <= MAX_STRENGTH and (len(attrs) == 1 or _plain_extras(attrs, good)):
            continue  # the common case, checked without building messages
        where = f"projection {s!r} -> {t!r}"
        if "strength" not in attrs:
            raise located(source, f"{where}.strength", "is missing")
        ruled = rule_problem(attrs, s == t)
        if ruled:
            raise located(source, f"{where}.{ruled[0]}", ruled[1])
        problem = check_positive(strength, maximum=strength_limit(attrs))
        if problem:
            raise located(source, f"{where}.strength", problem + _rule_hint(attrs, strength))
        _check_attrs(source, where, {k: v for k, v in attrs.items() if k != "strength"}, RESERVED_PROJECTION_KEYS,
                     good)
    return graph


def _rule_hint(attrs: Mapping[str, Any], strength: Any) -> str:
    """A pointer to the synapses rule when a pairs-rule strength is above 1000."""
    over = isinstance(strength, (int, float, Decimal)) and not isinstance(strength, bool) and strength > MAX_STRENGTH
    return " (more than one connection per pair needs rule synapses)" if over and "rule" not in attrs else ""
