"""A topology format added from outside the library (a test plugin): a plain edge list.

One projection a line, ``SOURCE TARGET STRENGTH`` (blank lines and ``#`` comments skipped), every region of
share 1.0 in order of first appearance; the reader option `separator` (``--separator``) splits on a given
string instead of blanks. Importing this module registers it as ``edges`` (extension ``.edges``); nothing in
`connectome/` names it.
"""

from __future__ import annotations

import networkx as nx

from connectome.atomic import write_text
from connectome.errors import located
from connectome.formats import ReaderOption, register_format
from connectome.formats.inputs import Source, file_stem, label, read_text
from connectome.formats.options import option_error
from connectome.graph import build_graph
from connectome.validation import validate

SEPARATOR = ReaderOption("separator", str, "the column separator [default: blanks]", metavar="TEXT")


def read_edges(source: Source, *, name: str | None = None, separator: str | None = None,
               unbounded: bool = False) -> nx.DiGraph:
    """Read an edge list (path or file object); `separator` splits the columns instead of blanks."""
    where = label(source)
    if separator is not None and not separator.strip():
        raise option_error(where, "separator", f"must be a visible string, got {separator!r}")
    regions: dict[str, dict] = {}
    projections = []
    for number, line in enumerate(read_text(source).splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in line.split(separator)] if separator else line.split()
        if len(cells) != 3:
            raise located(where, f"line {number}", f"expected source, target and strength, got {len(cells)} value(s)")
        try:
            strength = float(cells[2])
        except ValueError:
            raise located(where, f"line {number}", f"strength: not a number: {cells[2]!r}") from None
        for region in cells[:2]:
            regions.setdefault(region, {"share": 1.0})
        projections.append((cells[0], cells[1], {"strength": strength}))
    graph = build_graph(name or file_stem(source) or "edges", regions.items(), projections)
    return graph if unbounded else validate(graph, where)


def write_edges(graph: nx.DiGraph, target: Source) -> None:
    """Write the projections, one a line (regions without projections, shares and attributes are dropped)."""
    where = label(target)
    validate(graph, where)
    for region in graph:
        if any(c.isspace() for c in region) or region.startswith("#"):
            raise located(where, f"region {region!r}", "an edge list cannot carry a name with blanks or a leading #")
    write_text(target, "".join(f"{s} {t} {a['strength']!r}\n" for s, t, a in graph.edges(data=True)))


register_format("edges", extensions=(".edges",), reader=read_edges, writer=write_edges, options=(SEPARATOR,))
