"""CSV: an edge list `source,target,strength[,extra…]` and an optional regions file `name,share[,extra…]`.

Files are UTF-8 with or without a byte-order mark, CRLF or LF line ends, quoted fields allowed.
Without a regions file every region named in the edge list gets share 1.0, in order of first
appearance; `edges.csv` is paired with `edges.regions.csv` when that file sits beside it. Extra
columns hold numbers (a cell that reads as an integer becomes an int, as a decimal a float) or
text; an empty cell means the attribute is absent.

CSV cannot carry the reference `neurons`, booleans, null, lists or objects, nor attribute text
that reads as a number or is empty; the writer refuses those rather than write something that
would read back differently. The name and description are labels: the name read back is the edge
file's name, and the description is not written.
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path
from typing import Any, Iterator

import networkx as nx

from ..errors import InputError, located
from ..exact import MAX_STRENGTH, check_positive
from ..graph import build_graph, validate
from ._io import Source, label, read_text, write_text

_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
EDGE_COLUMNS = ("source", "target", "strength")
REGION_COLUMNS = ("name", "share")


def _rows(source: Source, required: tuple[str, ...]) -> Iterator[tuple[str, int, dict[str, str]]]:
    """(file label, line number, {column: cell}) for every data row; the header is checked first."""
    where = label(source)
    text = read_text(source)
    if not text.strip():
        raise located(where, "", "the file is empty")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
        for column in required:
            if column not in header:
                raise located(where, "line 1", f"missing column {column!r} (the header must start {','.join(required)})")
        duplicate = next((h for h in header if header.count(h) > 1), None)
        if duplicate is not None or "" in header:
            raise located(where, "line 1", f"duplicate or empty column name {duplicate or ''!r}")
        for cells in reader:
            if not cells or cells == [""]:
                continue
            if len(cells) != len(header):
                raise located(where, f"line {reader.line_num}", f"{len(cells)} fields, the header has {len(header)}")
            yield where, reader.line_num, dict(zip(header, cells))
    except csv.Error as exc:
        raise located(where, f"line {reader.line_num}", f"bad CSV: {exc}") from None


def _number(where: str, line: int, column: str, cell: str, maximum: float | None = None) -> float:
    if not _FLOAT.fullmatch(cell):
        raise located(where, f"line {line}", f"{column}: must be a number, got {cell!r}")
    value = float(cell)
    problem = check_positive(value, maximum=maximum)
    if problem:
        raise located(where, f"line {line}", f"{column}: {problem}")
    return value


def _cell(cell: str) -> Any:
    """An extra column's value: int, float or text as it reads."""
    if _INT.fullmatch(cell):
        return int(cell)
    if _FLOAT.fullmatch(cell):
        return float(cell)
    return cell


def _extras(row: dict[str, str], known: tuple[str, ...]) -> dict[str, Any]:
    return {k: _cell(v) for k, v in row.items() if k not in known and v != ""}


def _paired_regions(edges: Source) -> Path | None:
    if not isinstance(edges, (str, os.PathLike)):
        return None
    path = Path(edges)
    sibling = path.with_name(path.stem + ".regions.csv")
    return sibling if sibling.is_file() else None


def read_csv(edges: Source, *, regions: Source | None = None, name: str | None = None) -> nx.DiGraph:
    """Read a topology from an edge-list CSV and an optional regions CSV (paths or file objects)."""
    edges_label = label(edges)
    if name is None:
        if not isinstance(edges, (str, os.PathLike)):
            raise InputError(f"{edges_label}: give a name for a topology read from a stream")
        name = Path(edges).stem
    regions = regions if regions is not None else _paired_regions(edges)
    nodes: dict[str, dict[str, Any]] = {}
    given_regions = regions is not None
    if given_regions:
        for where, line, row in _rows(regions, REGION_COLUMNS):
            region = row["name"]
            if not region.strip():
                raise located(where, f"line {line}", "name: must be a non-empty string")
            if region in nodes:
                raise located(where, f"line {line}", f"duplicate region {region!r}")
            nodes[region] = {"share": _number(where, line, "share", row["share"]), **_extras(row, REGION_COLUMNS)}
        if not nodes:
            raise located(label(regions), "", "no regions listed")
    projections: dict[tuple[str, str], dict[str, Any]] = {}
    for where, line, row in _rows(edges, EDGE_COLUMNS):
        s, t = row["source"], row["target"]
        for column, region in (("source", s), ("target", t)):
            if not region.strip():
                raise located(where, f"line {line}", f"{column}: must be a non-empty region name")
            if region not in nodes:
                if given_regions:
                    raise located(where, f"line {line}", f"{column}: unknown region {region!r}")
                nodes[region] = {"share": 1.0}
        if (s, t) in projections:
            raise located(where, f"line {line}", f"duplicate projection {s!r} -> {t!r}")
        projections[s, t] = {"strength": _number(where, line, "strength", row["strength"], MAX_STRENGTH),
                             **_extras(row, EDGE_COLUMNS)}
    if not nodes:
        raise located(edges_label, "", "no projections and no regions file: nothing to import")
    graph = build_graph(name, nodes.items(), ((s, t, a) for (s, t), a in projections.items()))
    return validate(graph, edges_label)


def _text(value: Any, where: str) -> str:
    """A value as a cell that reads back as the same value, or an InputError."""
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise InputError(f"{where}: CSV cannot carry {type(value).__name__} values; use JSON or GraphML")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if value == "" or _FLOAT.fullmatch(value):
        raise InputError(f"{where}: CSV cannot carry the text {value!r} (it would read back as a number or as absent)")
    return value


def _table(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_csv(graph: nx.DiGraph, target: str | os.PathLike, *, regions_target: str | os.PathLike | None = None
              ) -> tuple[Path, Path]:
    """Write `target` (edges) and `<stem>.regions.csv` beside it; both or neither are written."""
    edges_path = Path(target)
    regions_path = Path(regions_target) if regions_target is not None else edges_path.with_name(edges_path.stem + ".regions.csv")
    validate(graph, str(edges_path))
    if graph.graph.get("neurons") is not None:
        raise InputError(f"{edges_path}: CSV cannot carry the topology's reference neurons; use JSON or GraphML")
    region_keys = sorted({k for _, a in graph.nodes(data=True) for k in a} - {"share"})
    edge_keys = sorted({k for _, _, a in graph.edges(data=True) for k in a} - {"strength"})
    region_rows = []
    for region, attrs in graph.nodes(data=True):
        where = f"{regions_path}: region {region!r}"
        region_rows.append([region, repr(float(attrs["share"]))] +
                           [_text(attrs[k], f"{where}.{k}") if k in attrs else "" for k in region_keys])
    edge_rows = []
    for s, t, attrs in graph.edges(data=True):
        where = f"{edges_path}: projection {s!r} -> {t!r}"
        edge_rows.append([s, t, repr(float(attrs["strength"]))] +
                         [_text(attrs[k], f"{where}.{k}") if k in attrs else "" for k in edge_keys])
    regions_text = _table(list(REGION_COLUMNS) + region_keys, region_rows)
    edges_text = _table(list(EDGE_COLUMNS) + edge_keys, edge_rows)
    if not edges_path.parent.is_dir():
        raise InputError(f"{edges_path}: folder {str(edges_path.parent)!r} does not exist")
    write_text(regions_path, regions_text)
    write_text(edges_path, edges_text)
    return edges_path, regions_path
