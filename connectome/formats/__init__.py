"""Readers and writers of topology files, one module per format, chosen by name, extension or content."""

from __future__ import annotations

import os
from importlib import import_module
from pathlib import Path
from typing import Any

import networkx as nx

from ..bulk import without_gc
from ..errors import InputError

# format name -> (module, reader, writer, file extensions)
FORMATS: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "json": ("canonical", "read_json", "write_json", (".json",)),
    "csv": ("csvfiles", "read_csv", "write_csv", (".csv", ".tsv")),
    "graphml": ("graphml", "read_graphml", "write_graphml", (".graphml", ".xml")),
    "tvb": ("tvb", "read_tvb", "write_tvb", (".zip",)),
    "npy": ("matrix", "read_npy", "write_npy", (".npy",)),
    "matrix-csv": ("matrix", "read_matrix_csv", "write_matrix_csv", ()),
    "mat": ("matfile", "read_mat", "", (".mat",)),
}
# options that only some readers take: CLI option -> (reader keyword, formats)
READER_OPTIONS = {
    "--regions": ("regions", ("csv",)), "--source": ("source_column", ("csv",)),
    "--target": ("target_column", ("csv",)), "--weight": ("weight_column", ("csv",)),
    "--weight-attr": ("weight_attr", ("graphml",)), "--undirected": ("undirected", ("graphml",)),
    "--labels": ("labels", ("npy",)), "--matrix-key": ("matrix_key", ("mat",)), "--labels-key": ("labels_key", ("mat",)),
    "--orientation": ("orientation", ("npy", "matrix-csv", "mat")),
    "--max-projections": ("max_projections", ("npy", "matrix-csv", "mat")),
}


def _function(fmt: str, which: int):
    module, reader, writer, _ = FORMATS[fmt]
    if not (reader, writer)[which]:
        raise InputError(f"--format {fmt}: can be read, not written (choose {', '.join(f for f in FORMATS if FORMATS[f][2])})")
    return getattr(import_module(f"{__name__}.{module}"), (reader, writer)[which])


def detect(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The format of `path`: as given, else by extension, else by its first bytes."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise InputError(f"--format: unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
        return fmt
    p = Path(path)
    if p.is_dir():
        from .tvb import looks_like_tvb

        if looks_like_tvb(p):
            return "tvb"
        raise InputError(f"{p}: a folder, but not a TVB connectivity (no weights.txt)")
    suffixes = [s.lower() for s in p.suffixes]
    for name, (*_, extensions) in FORMATS.items():
        if suffixes and suffixes[-1] in extensions:
            return "matrix-csv" if name == "csv" and _starts_with_delimiter(p) else name
    try:
        with open(p, "rb") as fh:
            head = fh.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read: {exc.strerror}") from None
    if head.startswith(b"PK"):
        return "tvb"
    if head.startswith(b"{"):
        return "json"
    if head.startswith(b"<"):
        return "graphml"
    if not head:
        raise InputError(f"{p}: cannot tell the format from the name or content; give --format")
    return "csv"


def _starts_with_delimiter(path: Path) -> bool:
    """A CSV/TSV whose header starts with an empty cell: a labelled matrix, not an edge list."""
    try:
        with open(path, "rb") as fh:
            return fh.read(4).removeprefix(b"\xef\xbb\xbf")[:1] in (b",", b"\t")
    except OSError:
        return False


@without_gc
def read(path: str | os.PathLike, *, format: str | None = None, name: str | None = None,
         strength_scale: float | None = None, normalise: str | None = None, **options: Any) -> nx.DiGraph:
    """Read a topology file in any supported format; `options` are reader-specific (READER_OPTIONS).

    `normalise="max"` divides every weight by the largest and `strength_scale` multiplies it, for every
    format, before the strengths are checked against their rules' bounds.
    """
    from ..graph import validate

    fmt = detect(path, format)
    given = {k: v for k, v in options.items() if v not in (None, False)}
    for flag, (keyword, formats) in READER_OPTIONS.items():
        if keyword in given and fmt not in formats:
            raise InputError(f"{flag}: applies only to {'/'.join(formats)} files, not {fmt}")
    reader = _function(fmt, 0)
    if normalise is None and (strength_scale is None or fmt == "tvb"):
        # TVB scales its weights as it reads them (and suggests a scale when they exceed 1000)
        return reader(path, name=name, **given, **({} if strength_scale is None else {"strength_scale": strength_scale}))
    from ._strengths import rescale

    graph = reader(path, name=name, unbounded=True, **given)
    return validate(rescale(graph, str(path), scale=strength_scale, normalise=normalise), str(path))


def output_format(path: str | os.PathLike, format: str | None = None) -> str:
    """The format to write: as given, else implied by the extension, else JSON."""
    return detect(path, format or next((n for n, (*_, ext) in FORMATS.items() if Path(path).suffix.lower() in ext), "json"))


def write(graph: nx.DiGraph, path: str | os.PathLike, *, format: str | None = None) -> None:
    """Write a topology in the format named or implied by the extension (JSON when unknown)."""
    _function(output_format(path, format), 1)(graph, path)


def carries(graph: nx.DiGraph, path: str | os.PathLike, *, format: str | None = None) -> bool:
    """True when the file at `path` reads back to the same content as `graph` (same content hash)."""
    from ..graph import content_hash

    return content_hash(read(path, format=output_format(path, format))) == content_hash(graph)
