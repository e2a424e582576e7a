"""The formats the library ships, registered in this order (which breaks ties between extensions).

Each is declared here by name, extensions, content test and options, its reader and writer named by path
so that nothing is imported before a file is read or written. The modules themselves:
`canonical` (json), `csvfiles` (csv), `graphml`, `tvb`, `matrix` (npy, matrix-csv) and `matfile` (mat).

Example
-------
>>> from connectome.formats.registry import readable
>>> readable()
('json', 'csv', 'graphml', 'tvb', 'npy', 'matrix-csv', 'mat')
"""

from __future__ import annotations

from pathlib import Path

from .limits import MAX_PROJECTIONS
from .options import ReaderOption
from .registry import register_format

ORIENTATIONS = ("row-source", "row-target")
_SPACE = b" \t\r\n"

REGIONS = ReaderOption("regions", Path, "the regions file (name,share[,extra…])")
SOURCE_COLUMN = ReaderOption("source_column", str, "the source column [default: source; 1 with no header]",
                             metavar="COL")
TARGET_COLUMN = ReaderOption("target_column", str, "the target column [default: target; 2 with no header]",
                             metavar="COL")
WEIGHT_COLUMN = ReaderOption("weight_column", str, "the strength column [default: strength, else weight; 3 with "
                             "no header if all numbers; without one each row counts 1]", metavar="COL")
NO_HEADER = ReaderOption("no_header", bool, "the first line is data: columns are named 1, 2, … by position")
WEIGHT_ATTR = ReaderOption("weight_attr", str, "the edge attribute to read as strength", metavar="NAME")
UNDIRECTED = ReaderOption("undirected", bool, "read an undirected graph, each edge both ways")
LABELS = ReaderOption("labels", Path, "the region names, one a line [default: npy: STEM.labels.txt; 0…n-1]")
LENGTHS = ReaderOption("lengths", Path, "tract lengths (mm): a .npy, .mat, labelled CSV/TSV or plain text matrix")
LENGTHS_KEY = ReaderOption("lengths_key", str, "the variable of a .mat lengths file [default: the only square one]",
                           metavar="NAME")
DUPLICATE_RULES = ("error", "sum", "max", "first")
DUPLICATES = ReaderOption("duplicates", DUPLICATE_RULES, "rows of one source and target: refused (error, the "
                          "default), or one projection of their weights' sum, the largest or the first")
WHERE = ReaderOption("where", str, "read only the rows whose COLUMN holds VALUE (repeatable: any value given for "
                     "a column, for every column given)", metavar="COLUMN=VALUE", multiple=True)
MATRIX_KEY = ReaderOption("matrix_key", str, "the matrix variable [default: the only square one]", metavar="NAME")
LABELS_KEY = ReaderOption("labels_key", str, "the variable of region names", metavar="NAME")
ORIENTATION = ReaderOption("orientation", ORIENTATIONS,
                           "M[i, j] is i -> j (row-source, the default) or j -> i (row-target, TVB's)")
MAX_PROJECTIONS_OPTION = ReaderOption("max_projections", int,
                                      f"refuse more than N non-zero entries [default: {MAX_PROJECTIONS:,}]",
                                      metavar="N", minimum=1)
MATRIX_OPTIONS = (ORIENTATION, MAX_PROJECTIONS_OPTION)


def starts_with(prefix: bytes, *, blank: bool = True):
    """A `Format.sniff` test: the head starts with `prefix` (after blank space when `blank`).

    Examples
    --------
    >>> starts_with(b"{")(b"  {\\n"), starts_with(b",", blank=False)(b" ,a")
    (True, False)
    """
    def sniff(head: bytes) -> bool:
        return (head.lstrip(_SPACE) if blank else head).startswith(prefix)

    return sniff


def _labelled_matrix(head: bytes) -> bool:
    """A CSV/TSV whose header starts with an empty cell: a labelled matrix, not an edge list."""
    return head[:1] in (b",", b"\t")


register_format("json", extensions=(".json",), reader="connectome.formats.canonical:read_json",
                writer="connectome.formats.canonical:write_json", sniff=starts_with(b"{"))
register_format("csv", extensions=(".csv", ".tsv"), reader="connectome.formats.csvfiles:read_csv",
                writer="connectome.formats.csvfiles:write_csv", fallback=True,
                options=(REGIONS, SOURCE_COLUMN, TARGET_COLUMN, WEIGHT_COLUMN, NO_HEADER, DUPLICATES, WHERE, LENGTHS,
                         LENGTHS_KEY))
register_format("graphml", extensions=(".graphml", ".xml"), reader="connectome.formats.graphml:read_graphml",
                writer="connectome.formats.graphml:write_graphml", sniff=starts_with(b"<"),
                options=(WEIGHT_ATTR, UNDIRECTED, LENGTHS, LENGTHS_KEY))
register_format("tvb", extensions=(".zip",), reader="connectome.formats.tvb:read_tvb",
                writer="connectome.formats.tvb:write_tvb", sniff=starts_with(b"PK"),
                folder="connectome.formats.tvb:looks_like_tvb", scales=True)
register_format("npy", extensions=(".npy",), reader="connectome.formats.matrix:read_npy",
                writer="connectome.formats.matrix:write_npy", sniff=starts_with(b"\x93NUMPY", blank=False),
                options=(LABELS, LENGTHS, LENGTHS_KEY, *MATRIX_OPTIONS))
register_format("matrix-csv", extensions=(".csv", ".tsv"), reader="connectome.formats.matrix:read_matrix_csv",
                writer="connectome.formats.matrix:write_matrix_csv", sniff=_labelled_matrix,
                options=(LENGTHS, LENGTHS_KEY, *MATRIX_OPTIONS))
register_format("mat", extensions=(".mat",), reader="connectome.formats.matfile:read_mat",
                sniff=starts_with(b"MATLAB", blank=False),
                options=(MATRIX_KEY, LABELS_KEY, LABELS, LENGTHS, LENGTHS_KEY, *MATRIX_OPTIONS))
