"""The canonical JSON format: the reference format every other one converts through."""

from __future__ import annotations

import json
from typing import Any

import networkx as nx

from .. import jsontext
from ..atomic import write_text
from ..errors import located
from ..counting import rule_problem, scaling_problem, strength_limit
from ..numeric import check_positive
from ..graph import build_graph, to_document
from ..validation import RESERVED_PROJECTION_KEYS, _check_extra, key_problem, name_problem, neurons_problem, validate
from .inputs import Source, label, read_text
from .options import option_error

def _no_constants(token: str) -> Any:
    raise ValueError(f"{token} is not a JSON number")


def _check_object_extras(name: str, where: str, obj: dict, known: tuple[str, ...]) -> dict:
    if len(obj) == len(known) and all(k in obj for k in known):
        return {}  # only the known keys, which the caller checks
    extras = {k: v for k, v in obj.items() if k not in known}
    for key, value in extras.items():
        problem = key_problem(key)
        if problem:
            raise located(name, where, problem)
        problem = _check_extra(value)
        if problem:
            raise located(name, f"{where}.{key}", problem)
    return extras


def parse_document(doc: Any, name: str = "", *, name_override: str | None = None,
                   unbounded: bool = False) -> nx.DiGraph:
    """A validated topology graph from a decoded canonical JSON document (`unbounded`: strengths' upper
    bounds left to the caller, who rescales and then validates)."""
    if not isinstance(doc, dict):
        raise located(name, "", f"the top level must be a JSON object, got {type(doc).__name__}")
    topo_name = name_override if name_override is not None else doc.get("name")
    problem = name_problem(topo_name)
    if problem:
        if name_override is not None:
            raise option_error(name, "name", problem)
        raise located(name, "name", "is missing" if "name" not in doc else problem)
    description = doc.get("description")
    if description is not None and not isinstance(description, str):
        raise located(name, "description", f"must be a string, got {description!r}")
    neurons = doc.get("neurons")
    if neurons is not None and neurons_problem(neurons):
        raise located(name, "neurons", neurons_problem(neurons))
    regions, by_count = _regions(doc.get("regions"), name)
    if by_count:
        total = sum(r["share"] for r in regions.values())
        if neurons is not None and neurons != total:
            raise located(name, "neurons", f"must equal the sum of the regions' neurons ({total}), got {neurons}")
        if neurons_problem(total):
            raise located(name, "regions", f"the regions' neurons must add up to at most 1e18, got {total}")
        neurons = total
    problem = scaling_problem(doc.get("scaling"), neurons)
    if problem:
        raise located(name, "scaling", problem)
    projections = _projections(doc.get("projections", []), regions, name, unbounded)
    graph = build_graph(topo_name, regions.items(), ((s, t, a) for (s, t), a in projections.items()),
                        description=description, neurons=neurons, scaling=doc.get("scaling"))
    return graph if unbounded else validate(graph, name)


def _regions(raw: Any, name: str) -> tuple[dict[str, dict], bool]:
    """The regions by name, and whether they give `neurons` (counts) rather than `share`."""
    if raw is None:
        raise located(name, "regions", "is missing")
    if not isinstance(raw, list):
        raise located(name, "regions", f"must be a list, got {type(raw).__name__}")
    if not raw:
        raise located(name, "regions", "must list at least one region")
    by_count = isinstance(raw[0], dict) and "neurons" in raw[0]
    key = "neurons" if by_count else "share"
    regions: dict[str, dict] = {}
    for i, r in enumerate(raw):
        where = f"regions[{i}]"
        if not isinstance(r, dict):
            raise located(name, where, f"must be an object, got {type(r).__name__}")
        rname = r.get("name")
        problem = name_problem(rname)
        if problem:
            raise located(name, f"{where}.name", "is missing" if "name" not in r else problem)
        if rname in regions:
            raise located(name, f"{where}.name", f"duplicate region {rname!r}")
        if ("share" if by_count else "neurons") in r or (by_count and "neurons" not in r):
            raise located(name, where, "give every region either `share` or `neurons`, not a mix")
        if key not in r:
            raise located(name, f"{where}.share", "is missing")
        problem = neurons_problem(r[key]) if by_count else check_positive(r[key])
        if problem:
            raise located(name, f"{where}.{key}", problem)
        regions[rname] = {"share": r[key], **_check_object_extras(name, where, r, ("name", key))}
    return regions, by_count


def _projections(raw: Any, regions: dict[str, dict], name: str, unbounded: bool = False) -> dict[tuple[str, str], dict]:
    """The projections by (source, target), each checked against the regions."""
    if not isinstance(raw, list):
        raise located(name, "projections", f"must be a list, got {type(raw).__name__}")
    projections: dict[tuple[str, str], dict] = {}
    for i, p in enumerate(raw):
        where = f"projections[{i}]"
        if not isinstance(p, dict):
            raise located(name, where, f"must be an object, got {type(p).__name__}")
        for end in RESERVED_PROJECTION_KEYS:
            if end not in p:
                raise located(name, f"{where}.{end}", "is missing")
            if not isinstance(p[end], str) or p[end] not in regions:
                raise located(name, f"{where}.{end}", f"unknown region {p[end]!r}")
        key = (p["source"], p["target"])
        if key in projections:
            raise located(name, where, f"duplicate projection {key[0]!r} -> {key[1]!r}")
        if "strength" not in p:
            raise located(name, f"{where}.strength", "is missing")
        ruled = rule_problem(p, key[0] == key[1])
        if ruled:
            raise located(name, f"{where}.{ruled[0]}", ruled[1])
        problem = check_positive(p["strength"], maximum=None if unbounded else strength_limit(p))
        if problem:
            raise located(name, f"{where}.strength", problem)
        projections[key] = {"strength": p["strength"], **_check_object_extras(name, where, p, ("source", "target", "strength"))}
    return projections


def read_json(source: Source, *, name: str | None = None, unbounded: bool = False) -> nx.DiGraph:
    """Read a topology from canonical JSON (path or file object); `name` overrides the file's name."""
    where = label(source)
    text = read_text(source)
    if not text.strip():
        raise located(where, "", "the file is empty")
    try:
        doc = jsontext.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise located(where, f"line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}") from None
    except ValueError as exc:
        raise located(where, "", f"not valid JSON: {exc}") from None
    except RecursionError:
        raise located(where, "", "not valid JSON: nested too deeply") from None
    return parse_document(doc, where, name_override=name, unbounded=unbounded)


def dumps(graph: nx.DiGraph) -> str:
    """The canonical JSON text of a topology graph."""
    return jsontext.dumps(to_document(graph), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_json(graph: nx.DiGraph, target: Source) -> None:
    """Write a topology as canonical JSON to a path or file object."""
    write_text(target, dumps(validate(graph, label(target))))
