"""Readers and writers of topology files, one module per format, chosen by name, extension or content.

The formats are the records of `connectome.formats.registry` (the built-in ones declared in
`connectome.formats.builtin`, more added by `register_format`); `read`, `write` and `detect` dispatch
through it. Nothing here imports networkx until a file is read or written.

Example
-------
>>> from pathlib import Path
>>> output_format("out.graphml"), output_format("out.data")
('graphml', 'json')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..bulk import without_gc
from ..errors import InputError, Mention
from . import builtin  # noqa: F401  (registers the built-in formats)
from ._strengths import NORMALISE
from .options import OptionError, ReaderOption
from .registry import Format, check_applicable, format_named, formats, register_format

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["NORMALISE", "Format", "OptionError", "ReaderOption", "carries", "detect", "output_format", "read",
           "register_format", "write"]
HEAD_BYTES = 512
BOM = b"\xef\xbb\xbf"


def detect(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The format of `path`: as given, else by its extension, else by its first bytes.

    Parameters
    ----------
    path : str or os.PathLike
        A file or folder.
    fmt : str or None
        A format name, which wins when given (it must be registered).

    Returns
    -------
    str
        A registered format's name. Among the formats claiming the extension, the first whose `sniff`
        accepts the file's head wins, else the first of them; without one, the first format whose `sniff`
        accepts it, else the fallback (csv). A folder goes to the first format that reads it.

    Raises
    ------
    InputError
        An unknown `fmt` (an OptionError naming ``format``), a missing or unreadable file, an empty one,
        or a folder no format reads.

    Examples
    --------
    >>> detect("edges.tsv"), detect("anything", "npy")
    ('csv', 'npy')
    """
    if fmt is not None:
        return format_named(fmt).name
    p = Path(path)
    if p.is_dir():
        return _folder_format(p)
    suffix = p.suffix.lower()
    claiming = [f for f in formats() if suffix and suffix in f.extensions]
    if len(claiming) == 1:
        return claiming[0].name
    if claiming:
        head = _head(p, missing_ok=True)
        return next((f for f in claiming if f.sniff is not None and f.sniff(head)), claiming[0]).name
    head = _head(p)
    if not head.lstrip(b" \t\r\n"):
        raise OptionError(f"{p}: cannot tell the format from the name or content; give ", Mention("format"))
    found = next((f for f in formats() if f.sniff is not None and f.sniff(head)), None)
    found = found or next((f for f in formats() if f.fallback), None)
    if found is None:
        raise OptionError(f"{p}: cannot tell the format from the name or content; give ", Mention("format"))
    return found.name


def _folder_format(path: Path) -> str:
    """The first format that reads the folder `path`."""
    found = next((f for f in formats() if f.reads_folder(path)), None)
    if found is None:
        readers = "/".join(f.name for f in formats() if f.folder is not None) or "none"
        raise InputError(f"{path}: a folder, but not one any format reads (formats that read folders: {readers}; "
                         "a TVB connectivity holds weights.txt)")
    return found.name


def _head(path: Path, *, missing_ok: bool = False) -> bytes:
    """The first bytes of a file, without a UTF-8 byte-order mark (empty when `missing_ok` and unreadable)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(HEAD_BYTES).removeprefix(BOM)
    except OSError as exc:
        if missing_ok:
            return b""
        if isinstance(exc, FileNotFoundError):
            raise InputError(f"{path}: no such file") from None
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


@without_gc
def read(path: str | os.PathLike, *, format: str | None = None, name: str | None = None,
         strength_scale: float | None = None, normalise: str | None = None, **options: Any) -> nx.DiGraph:
    """Read a topology file in any registered format.

    Parameters
    ----------
    path : str or os.PathLike
        The file (or, for TVB, folder).
    format : str or None
        The format's name [default: `detect`].
    name : str or None
        The topology's name [default: the file's, or the one it holds].
    strength_scale : float or None
        Multiply every weight by this (after `normalise`).
    normalise : {"max"} or None
        ``"max"`` divides every weight by the largest.
    **options
        The reader's options by keyword (`registry.reader_options`; ``None``, ``False`` and ``()`` mean not given).

    Returns
    -------
    networkx.DiGraph
        The validated topology; the strengths are checked against their rules' bounds after scaling.

    Raises
    ------
    InputError
        For anything wrong with the file; an `OptionError` names the keyword at fault (an option the
        format does not take: ``labels_key: applies only to mat files, not csv``).

    Examples
    --------
    >>> from connectome.formats.canonical import dumps
    >>> import io, tempfile
    >>> path = Path(tempfile.mkdtemp()) / "pair.csv"
    >>> _ = path.write_text("source,target,strength\\na,b,4\\n")
    >>> read(path, normalise="max", strength_scale=2).edges["a", "b"]["strength"]
    2.0
    """
    from ..validation import validate

    fmt = format_named(detect(path, format))
    given = {k: v for k, v in options.items()
             if v is not None and v is not False and not (isinstance(v, tuple) and not v)}
    check_applicable(fmt, given)
    reader = fmt.read_function()
    if normalise is None and (strength_scale is None or fmt.scales):
        # a format that scales does it as it reads (TVB: exactly, and it suggests a scale above 1000)
        scaled = {} if strength_scale is None else {"strength_scale": strength_scale}
        return reader(path, name=name, **given, **scaled)
    from ._strengths import rescale

    graph = reader(path, name=name, unbounded=True, **given)
    return validate(rescale(graph, str(path), scale=strength_scale, normalise=normalise), str(path))


def output_format(path: str | os.PathLike, format: str | None = None) -> str:
    """The format to write: as given, else the first format claiming the extension, else JSON.

    Examples
    --------
    >>> output_format("out.csv"), output_format("out.csv", "matrix-csv")
    ('csv', 'matrix-csv')
    """
    if format is not None:
        return format_named(format).name
    suffix = Path(path).suffix.lower()
    return next((f.name for f in formats() if suffix and suffix in f.extensions), "json")


def write(graph: nx.DiGraph, path: str | os.PathLike, *, format: str | None = None) -> None:
    """Write a topology in the format named or implied by the extension (JSON when unknown).

    Parameters
    ----------
    graph : networkx.DiGraph
    path : str or os.PathLike
        Written atomically (a temporary name, then renamed).
    format : str or None
        A format that can be written [default: `output_format`].

    Examples
    --------
    >>> import networkx as nx, tempfile
    >>> g = nx.DiGraph(name="pair"); g.add_nodes_from("ab", share=1.0); g.add_edge("a", "b", strength=1.0)
    >>> path = Path(tempfile.mkdtemp()) / "pair.graphml"
    >>> write(g, path); carries(g, path)
    True
    """
    format_named(output_format(path, format)).write_function()(graph, path)


def carries(graph: nx.DiGraph, path: str | os.PathLike, *, format: str | None = None) -> bool:
    """True when the file at `path` reads back to the same content as `graph` (same content hash).

    Parameters
    ----------
    graph : networkx.DiGraph
        The topology written.
    path : str or os.PathLike
        The file to read back.
    format : str or None
        Its format [default: `output_format`, from the extension].

    Returns
    -------
    bool
        False when the format cannot hold everything in `graph` (a matrix has no shares, no ``neurons``).

    Examples
    --------
    >>> import networkx as nx, tempfile
    >>> g = nx.DiGraph(name="pair", neurons=10); g.add_nodes_from("ab", share=1.0); g.add_edge("a", "b", strength=1.0)
    >>> folder = Path(tempfile.mkdtemp())
    >>> write(g, folder / "pair.graphml"); write(g, folder / "pair.npy")
    >>> carries(g, folder / "pair.graphml"), carries(g, folder / "pair.npy")  # .npy loses neurons=10
    (True, False)
    """
    from ..graph import content_hash

    return content_hash(read(path, format=output_format(path, format))) == content_hash(graph)
