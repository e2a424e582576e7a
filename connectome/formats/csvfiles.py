"""Two CSV files: an edge list ``source,target,strength[,extra…]`` and a region list ``name,share[,extra…]``.

The edge file is required; the regions file is optional. When none is given and the edge file is a
path, ``STEM.regions.csv`` beside it (the name ``write_csv`` gives it) is used if it exists.
Without a regions file every region named in the edge list gets ``share`` 1.0, in order of first
appearance; with one, an edge naming a region the regions file does not list is an error. The
delimiter is the header's: a tab (TSV), else a comma, else runs of spaces (then without quoting).
Columns are found by their header name with case ignored, so ``Source``, ``TARGET`` and ``Weight``
do; a ``weight`` column stands for ``strength`` when there is none, and ``source_column``,
``target_column`` and ``weight_column`` name others. Their order is free; every other column is an extra
attribute, named as written (names follow the rules of region names: no control or format characters, at most
1000 characters; at most 1000 columns). With `no_header` the edge file's first line is data and its
columns are named ``"1"``, ``"2"``, … by position: source 1, target 2 and strength 3 unless named otherwise,
column 3 only when every cell of it is a number (`connectome.formats.csvcolumns`). An edge list without a
strength column counts each row 1 (with ``duplicates="sum"``, a pair's strength is its number of rows), and a
warning says so. Files are UTF-8 with or without a byte-order mark, with LF or CRLF
line ends and RFC 4180 quoting; blank lines are skipped.
Line numbers in messages count physical lines, the header (if any) being line 1.

Cells are read strictly: ``share`` and ``strength`` must be decimal numbers (``0.3``, ``-1``,
``2.5e-3``; no ``nan``, ``inf``, underscores, spaces or empty cells). Region names lose surrounding
whitespace; a negative weight gives ``sign`` -1; `where` filters rows and `duplicates` merges a pair's
rows (`connectome.formats.edgerows`); `lengths` adds tract lengths (`connectome.formats.lengths`). In an extra column a cell
``true`` or ``false`` (case ignored) becomes a boolean, an integer (``[+-]digits``) an int, a decimal
or exponent number a float, anything else stays a string, and an empty cell means the row has no
such attribute. ``write_csv`` writes booleans as ``true`` and ``false``.

What CSV cannot carry: the topology's ``description``, reference ``neurons`` and ``scaling``
(``write_csv`` drops them; the name comes from the file name or the ``name`` argument); null values,
lists and objects; strings that read back as numbers or booleans (``"42"``, ``"1e3"``, ``"True"``);
empty strings; an attribute with an empty name; a string longer than the csv module's field limit
(128 KiB); a region name with surrounding spaces. ``write_csv`` refuses, naming the region or projection
and the attribute, rather than write any of the values; everything else round-trips to the same
``content_hash`` (floats are written with ``repr``, so exactly).

Example: ``write_csv(read_csv("e.csv", regions="r.csv"), "out.csv")`` writes ``out.csv`` and ``out.regions.csv``.
"""

from __future__ import annotations

import csv
import decimal
import math
import os
import re
import warnings
from pathlib import Path
from typing import Any

import networkx as nx

from ..atomic import open_output
from ..counting import rule_problem, strength_limit
from ..errors import ConnectomeWarning, Mention, located
from ..numeric import check_positive
from ..graph import build_graph
from ..validation import RESERVED_REGION_KEYS, validate
from .inputs import DECIMAL, INTEGER, Source, file_stem, label
from . import edgerows
from .csvcolumns import csv_records, rows as _rows  # noqa: F401 (csv_records: importable from here too)
from .lengths import attach_lengths, check_key
from .options import option_error

EDGE_COLUMNS = ("source", "target", "strength")
_BOOLEAN_TEXT = {"true": True, "false": False}
REGION_COLUMNS = ("name", "share")
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


# ---------------------------------------------------------------- reading


def _positive(where: str, line: int, column: str, cell: str, maximum: float | None = None) -> float:
    """A share or strength cell as a float, strictly parsed and checked."""
    if not DECIMAL.fullmatch(cell):
        raise located(where, f"line {line}", f"{column}: must be a number, got {cell!r}")
    value = float(cell)
    problem = check_positive(value, maximum=maximum)
    if problem:
        raise located(where, f"line {line}", f"{column}: {problem}")
    return value


def _extras(where: str, line: int, cells: dict[str, str], known: tuple[str, ...]) -> dict[str, Any]:
    """The row's extra attributes: int, float or str by the look of each non-empty cell."""
    attrs: dict[str, Any] = {}
    for column, cell in cells.items():
        if column in known or cell == "":
            continue
        if cell.lower() in _BOOLEAN_TEXT:
            attrs[column] = _BOOLEAN_TEXT[cell.lower()]
        elif INTEGER.fullmatch(cell):
            try:
                attrs[column] = int(cell)
            except ValueError:  # beyond Python's int-from-text digit limit
                raise located(where, f"line {line}", f"{column}: integer with too many digits") from None
        elif DECIMAL.fullmatch(cell):
            attrs[column] = value = float(cell)
            if not math.isfinite(value):
                raise located(where, f"line {line}", f"{column}: must be finite, got {cell!r}")
        else:
            attrs[column] = cell
    return attrs


def regions_path_for(edges: str | os.PathLike) -> Path:
    """The regions file that goes with an edge file: same folder, stem + ``.regions.csv``."""
    path = Path(edges)
    return path.with_name(f"{path.stem}.regions.csv") if path.name else path


def _regions(regions: Source) -> dict[str, dict[str, Any]]:
    """The regions file: each region's share and extra attributes, by name, in file order."""
    regions_where = label(regions)
    known: dict[str, dict[str, Any]] = {}
    first: dict[str, int] = {}
    reserved = tuple(k for k in RESERVED_REGION_KEYS if k not in REGION_COLUMNS)
    stripped = edgerows.Names()
    for line, cells in _rows(regions, regions_where, REGION_COLUMNS, reserved):
        region = stripped(regions_where, line, "name", cells["name"])
        if region in known:
            raise located(regions_where, f"line {line}",
                          f"name: duplicate region {region!r} (first on line {first[region]})")
        share = _positive(regions_where, line, "share", cells["share"])
        known[region] = {"share": share, **_extras(regions_where, line, cells, REGION_COLUMNS)}
        first[region] = line
    if not known:
        raise located(regions_where, "", "lists no regions")
    stripped.warn(regions_where, len(known))
    return known


def read_csv(edges: Source, *, regions: Source | None = None, name: str | None = None,
             source_column: str | None = None, target_column: str | None = None,
             weight_column: str | None = None, no_header: bool = False, duplicates: str = "error",
             where: Any = None, lengths: Source | None = None, lengths_key: str | None = None,
             unbounded: bool = False) -> nx.DiGraph:
    """Read a topology from an edge-list CSV/TSV and an optional regions CSV (paths or file objects).

    Parameters: `edges` the ``source,target,strength[,extra…]`` file (a ``weight`` column stands for
    ``strength`` when there is none); `regions` the ``name,share[,extra…]`` file (default:
    ``STEM.regions.csv`` beside the edge file if it exists, else every region in the edge list with
    share 1.0); `name` the topology's name (default: the edge file's stem); `source_column`,
    `target_column`, `weight_column` name the columns to read as source, target and strength (case
    ignored); `no_header` reads the first line as data, the columns named ``"1"``, ``"2"``, … by position
    (source 1, target 2, strength 3 when every cell of it is a number); without a strength column each row
    counts 1 (and ``duplicates="sum"`` counts a pair's rows); `duplicates` and `where` say which rows make
    which projections (`connectome.formats.edgerows`); `lengths` is a tract-length matrix file
    (`connectome.formats.lengths`, `lengths_key` its variable in a ``.mat``); `unbounded` leaves the
    strength's upper bound to the caller (who rescales, then validates).
    Returns a validated DiGraph. Raises InputError naming the file, line and column for anything broken.
    """
    where_file = label(edges)
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise option_error(where_file, "name", f"must be a non-empty string, got {name!r}")
    topo_name = name if name is not None else file_stem(edges)
    if topo_name is None:
        raise option_error(where_file, "name", "is required when the edge list is a stream without a file name")
    check_key(where_file, lengths, lengths_key)
    wanted = edgerows.conditions(where, where_file)
    if duplicates not in edgerows.DUPLICATE_RULES:
        raise option_error(where_file, "duplicates", f"must be one of {', '.join(edgerows.DUPLICATE_RULES)}, "
                                                     f"got {duplicates!r}")
    if regions is None and isinstance(edges, (str, os.PathLike)):
        companion = regions_path_for(edges)
        if companion.is_file() and companion != Path(edges):
            regions = companion
    known = _regions(regions) if regions is not None else None
    defaults = ("1", "2", ("3",)) if no_header else ("source", "target", ("strength", "weight"))
    table = {"names": {"source": (source_column or defaults[0],), "target": (target_column or defaults[1],),
                       "strength": (weight_column,) if weight_column else defaults[2]},
             "optional": () if weight_column else ("strength",), "no_header": bool(no_header)}
    found, pairs = _edge_rows(edges, where_file, known, wanted, duplicates, table)
    projections = edgerows.projections(pairs, duplicates, where_file)
    for (s, t), attrs in projections.items():
        problem = check_positive(attrs["strength"], maximum=None if unbounded else strength_limit(attrs))
        if problem:
            raise located(where_file, f"line {pairs[s, t].line}", f"strength: {problem}")
    graph = build_graph(topo_name, (known if known is not None else found).items(),
                        ((s, t, attrs) for (s, t), attrs in projections.items()))
    if lengths is not None:
        attach_lengths(graph, lengths, lengths_key=lengths_key, where=where_file)
    return graph if unbounded else validate(graph, where_file)


def _edge_rows(edges: Source, where: str, known: dict[str, dict[str, Any]] | None, wanted: dict[str, set[str]],
               duplicates: str, table: dict[str, Any]
               ) -> tuple[dict[str, dict[str, Any]], dict[tuple[str, str], edgerows.Pair]]:
    """The regions named (share 1.0, in order) and the rows of each source and target kept by `wanted`.

    `table` holds the keywords of `csvcolumns.rows` that find the columns; without a strength column each
    row's weight is 1, and a warning says so.
    """
    found: dict[str, dict[str, Any]] = {}
    pairs: dict[tuple[str, str], edgerows.Pair] = {}
    stripped = edgerows.Names()
    read = 0
    unweighted = False
    for line, cells in _rows(edges, where, EDGE_COLUMNS, **table):
        unweighted = "strength" not in cells
        if wanted:
            if read == 0:
                wanted = edgerows.resolved(wanted, list(cells), where)
            read += 1
            if not edgerows.kept(cells, wanted):
                continue
        ends = []
        for column in ("source", "target"):
            region = stripped(where, line, column, cells[column])
            if known is not None and region not in known:
                raise located(where, f"line {line}", f"{column}: unknown region {region!r}")
            found.setdefault(region, {"share": 1.0})
            ends.append(region)
        extras = _extras(where, line, cells, EDGE_COLUMNS)
        ruled = rule_problem(extras, ends[0] == ends[1])
        if ruled:
            raise located(where, f"line {line}", f"{ruled[0]}: {ruled[1]}")
        weight = _weight(where, line, cells.get("strength"), extras)
        edgerows.add(pairs, (ends[0], ends[1]), edgerows.Pair(line, weight, extras), duplicates, where)
    if wanted and not pairs:
        shown_where = "; ".join(f"{c}={'|'.join(sorted(v))}" for c, v in wanted.items())
        raise located(where, "", f"no row has {shown_where}" if read else "lists no projections")
    if known is None and not found:
        raise located(where, "", "lists no projections, and without a regions file there are no regions")
    stripped.warn(where, len(found))
    if unweighted:
        warnings.warn(ConnectomeWarning(f"{where}: no weight column: each row counts 1 as its strength (",
                                        Mention("duplicates", "sum"), " makes a pair's strength its number of rows)"),
                      stacklevel=3)
    return found, pairs


def _weight(where: str, line: int, cell: str | None, extras: dict[str, Any]) -> decimal.Decimal:
    """A row's weight as written (non-zero, a sign column beside a negative one refused); 1 without a cell."""
    if cell is None:
        return decimal.Decimal(1)
    if not DECIMAL.fullmatch(cell):
        raise located(where, f"line {line}", f"strength: must be a number, got {cell!r}")
    weight = edgerows.signed(where, line, cell, extras)
    problem = check_positive(abs(float(weight))) if weight else f"must not be 0, got {cell}"
    if problem:
        raise located(where, f"line {line}", f"strength: {problem}")
    return weight


# ---------------------------------------------------------------- writing


def _quote(cell: str) -> str:
    """RFC 4180 quoting; unlike csv.writer with LF line ends, a lone CR gets quoted too."""
    return f'"{cell.replace(chr(34), chr(34) * 2)}"' if _NEEDS_QUOTES.search(cell) else cell


def _cell(where: str, at: str, value: Any) -> str:
    """The CSV text of an extra attribute value, or InputError when CSV cannot carry it faithfully."""
    if value is None:
        raise located(where, at, "CSV cannot carry a null value (an empty cell means no attribute)")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError:
            raise located(where, at, "integer with too many digits for CSV") from None
    if isinstance(value, float):
        return repr(float(value))  # float(): numpy's repr is "np.float64(…)"
    if isinstance(value, str):
        if value == "":
            raise located(where, at, "CSV cannot carry an empty string (an empty cell means no attribute)")
        if DECIMAL.fullmatch(value):
            raise located(where, at, f"CSV cannot carry the string {value!r}: it would read back as a number")
        if value.lower() in _BOOLEAN_TEXT:
            raise located(where, at, f"CSV cannot carry the string {value!r}: it would read back as a boolean")
        if len(value) > csv.field_size_limit():
            raise located(where, at, f"a string of {len(value):,} characters is above the CSV field limit")
        return value
    kind = "a list" if isinstance(value, list) else "an object" if isinstance(value, dict) else type(value).__name__
    raise located(where, at, f"CSV cannot carry {kind}")


def _table(where: str, fixed: tuple[str, ...], rows: list[tuple[str, list[str], dict[str, Any]]]) -> str:
    """The CSV text of rows given as (label for messages, fixed cells, extra attributes)."""
    extras: dict[str, None] = {}
    for at, _, attrs in rows:
        for key in attrs:
            if not isinstance(key, str) or not key:
                raise located(where, at, f"CSV cannot carry an attribute named {key!r}")
            if len(key) > csv.field_size_limit():
                raise located(where, at, "an attribute name is above the CSV field limit")
            extras[key] = None
    lines = [",".join(map(_quote, (*fixed, *extras)))]
    for at, cells, attrs in rows:
        cells = cells + ["" if k not in attrs else _cell(where, f"{at}.{k}", attrs[k]) for k in extras]
        lines.append(",".join(map(_quote, cells)))
    return "\n".join(lines) + "\n"


def write_csv(graph: nx.DiGraph, target: str | os.PathLike, *,
              regions_target: str | os.PathLike | None = None) -> tuple[Path, Path]:
    """Write a topology as an edge CSV and a regions CSV; returns their paths (both or neither written).

    `regions_target` defaults to the edge file's folder and stem plus ``.regions.csv``
    (``edges.csv`` → ``edges.regions.csv``). See the module docstring for what CSV cannot carry.
    """
    where = label(target)
    if not isinstance(target, (str, os.PathLike)) or (
            regions_target is not None and not isinstance(regions_target, (str, os.PathLike))):
        raise located(where, "", "CSV export writes two files (edges and regions): give paths, not file objects")
    validate(graph, where)
    padded = next((x for x in graph if x != x.strip()), None)
    if padded is not None:
        raise located(where, f"region {padded!r}", "CSV cannot carry a name with surrounding spaces "
                                                   "(reading strips them)")
    edges_path = Path(target)
    if edges_path.is_dir():
        raise located(where, "", "is a folder, not a file")
    regions_path = Path(regions_target) if regions_target is not None else regions_path_for(edges_path)
    if regions_path.resolve() == edges_path.resolve():
        raise located(where, "", f"the regions file {str(regions_path)!r} would overwrite the edge file")

    regions_text = _table(str(regions_path), REGION_COLUMNS, [
        (f"region {n!r}", [n, repr(float(a["share"]))], {k: v for k, v in a.items() if k != "share"})
        for n, a in graph.nodes(data=True)])
    edges_text = _table(where, EDGE_COLUMNS, [
        (f"projection {s!r} -> {t!r}", [s, t, repr(float(a["strength"]))],
         {k: v for k, v in a.items() if k != "strength"})
        for s, t, a in graph.edges(data=True)])
    # both files are renamed into place only when both were written whole
    with open_output(edges_path) as edges_fh, open_output(regions_path) as regions_fh:
        edges_fh.write(edges_text)
        regions_fh.write(regions_text)
    return edges_path, regions_path
