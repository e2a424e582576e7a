"""Square connectivity matrices: NumPy ``.npy`` (labels beside it), a labelled CSV/TSV matrix, MATLAB ``.mat``.

A matrix M of n × n non-negative finite numbers is a topology of n regions of equal share (1.0): each
non-zero M[i, j] is one projection with that strength, from region i to region j under the default
orientation ``row-source`` (the Brain Connectivity Toolbox's convention), or from j to i under
``row-target`` (The Virtual Brain's ``weights.txt``). Zero means no projection; the diagonal is read like
any other entry. Region names, in matrix order:

* ``.npy``: the ``labels`` file (one name a line), else ``STEM.labels.txt`` beside the matrix when it
  exists, else ``0`` … ``n-1``;
* labelled CSV/TSV (``matrix-csv``): the header row after its empty first cell, and the first cell of every
  row, which must repeat the header's names in the same order (delimiter: a tab, else a comma);
* ``.mat`` (read only): the variable ``matrix_key`` (default: the only square numeric matrix in the file)
  and ``labels_key`` (a cell array or char matrix of names; default: ``0`` … ``n-1``).

The writers keep every region, isolated ones included, in the topology's order; a matrix carries only
strengths: shares, attributes, the rule and the scaling are not written (``topology export`` warns).

Limits (``limits.py``), each checked before the matrix or the graph is made, each refusal one line: at
most ``MAX_MATRIX_CELLS`` cells as declared (a ``.npy`` header, read by numpy's ``read_magic`` and
``read_array_header_*`` before any data; a ``.mat`` variable's header; a CSV header's names) and at most
``max_projections`` non-zero entries (default ``MAX_PROJECTIONS``, 2,000,000).
Whatever numpy's header parser raises on a damaged file is one line too.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import warnings
from pathlib import Path
from typing import IO

import networkx as nx
import numpy as np

from ..atomic import open_output, staged
from ..errors import located
from ..graph import build_graph
from ..validation import shown, validate
from .builtin import ORIENTATIONS
from .csvcolumns import csv_records
from .inputs import DECIMAL, Source, decode, file_stem, label, read_bytes
from .limits import (MAX_MEMBER_BYTES, MAX_PROJECTIONS, brief, check_cells, check_projections,
                     max_projections_problem)
from .lengths import attach_lengths, check_key
from .options import option_error
MAX_NPY_HEADER = 65536  # numpy's own limit on a header it parses is 10,000 characters
MAX_LABELS_BYTES = 64 << 20
_ROW = re.compile(f"(?:{DECIMAL.pattern})(?:,(?:{DECIMAL.pattern}))*")


def labels_path_for(matrix: str | os.PathLike) -> Path:
    """The labels file that goes with a ``.npy`` matrix: same folder, stem + ``.labels.txt``."""
    path = Path(matrix)
    return path.with_name(f"{path.stem}.labels.txt")


def _graph(matrix: np.ndarray, labels: list[str], where: str, name: str | None, source: Source,
           orientation: str, unbounded: bool, max_projections: int = MAX_PROJECTIONS, *,
           lengths: Source | None = None, lengths_key: str | None = None) -> nx.DiGraph:
    """The topology of a checked square matrix and its labels (at most `max_projections` non-zero entries).

    A negative entry is a projection of strength |w| and ``sign`` -1; when there is one, every other
    projection carries ``sign`` 1. `lengths` (a file, read by `lengths.attach_lengths`) adds tract lengths.
    """
    if orientation not in ORIENTATIONS:
        raise option_error(where, "orientation", f"must be one of {', '.join(ORIENTATIONS)}, got {orientation!r}")
    if max_projections_problem(max_projections):
        raise option_error(where, "max_projections", max_projections_problem(max_projections))
    check_key(where, lengths, lengths_key)
    n = len(labels)
    if matrix.ndim != 2 or matrix.shape != (n, n):
        raise located(where, "", f"a {'×'.join(map(str, matrix.shape))} array, expected a square matrix of "
                                 f"{n} × {n} (one row and column per label)")
    if not np.issubdtype(matrix.dtype, np.number) or np.iscomplexobj(matrix):
        raise located(where, "", f"holds {matrix.dtype} values, expected real numbers")
    bad = ~np.isfinite(matrix)
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise located(where, f"row {i + 1} column {j + 1}", f"must be a finite number, got {matrix[i, j].item()!r}")
    check_projections(where, int(np.count_nonzero(matrix)), max_projections)
    if len(set(labels)) != n:
        seen: set[str] = set()
        duplicate = next(x for x in labels if x in seen or seen.add(x))
        raise located(where, "labels", f"duplicate region {shown(duplicate)}")
    values = matrix if orientation == "row-source" else matrix.T
    rows, columns = np.nonzero(values)
    weights = values[rows, columns].astype(np.float64)
    strengths = np.abs(weights).tolist()
    signs = np.where(weights < 0, -1, 1).tolist() if (weights < 0).any() else None
    graph = build_graph(name or file_stem(source) or "matrix", [(x, {"share": 1.0}) for x in labels],
                        ((labels[i], labels[j], {"strength": w} if signs is None else {"strength": w, "sign": signs[k]})
                         for k, (i, j, w) in enumerate(zip(rows.tolist(), columns.tolist(), strengths))))
    if lengths is not None:
        attach_lengths(graph, lengths, lengths_key=lengths_key, orientation=orientation, where=where)
    return graph if unbounded else validate(graph, where)


def label_lines(source: Source, n: int | None = None) -> list[str]:
    """The names of a labels file, one a line (blank lines skipped, surrounding spaces stripped); `n` of them."""
    where = label(source)
    names = [line.strip() for line in decode(read_bytes(source, MAX_LABELS_BYTES), where).splitlines() if line.strip()]
    if n is not None and len(names) != n:
        raise located(where, "", f"lists {len(names)} labels, expected {n} (one per matrix row)")
    return names


def _npy_header(fh: IO[bytes], where: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """(shape, fortran order, dtype) from a ``.npy`` header, parsed by numpy without reading any data."""
    from numpy.lib import format as npy

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numpy's note on headers written by Python 2
            version = npy.read_magic(fh)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f"format version {version[0]}.{version[1]} is not supported (1.0 and 2.0 are)")
            reader = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
            return reader(fh)
    except Exception as exc:  # numpy parses an untrusted header: ValueError, TokenError, SyntaxError, …
        raise located(where, "", f"not a NumPy array file (or one holding objects): {brief(exc)}") from None


def load_npy(source: Source) -> np.ndarray:
    """The array of a ``.npy`` file (path or binary file object), refused in one line before any allocation.

    The header is parsed by numpy (``read_magic``, ``read_array_header_*``) and checked first: real
    numbers only (no objects: nothing is unpickled), at most ``MAX_MATRIX_CELLS`` cells and
    ``MAX_MEMBER_BYTES`` bytes as declared, and a file that holds every declared byte. Raises InputError.
    """
    where = label(source)
    data = read_bytes(source, MAX_MEMBER_BYTES + MAX_NPY_HEADER)
    fh = io.BytesIO(data)
    shape, fortran, dtype = _npy_header(fh, where)
    if dtype.hasobject:
        raise located(where, "", "not a NumPy array file (or one holding objects): it holds Python objects, "
                                 "which are never loaded")
    if dtype.kind not in "iuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise located(where, "", f"holds {dtype} values, expected real numbers")
    check_cells(where, shape)
    cells = math.prod(shape)
    nbytes = cells * dtype.itemsize
    if nbytes > MAX_MEMBER_BYTES:
        raise located(where, "", f"declares {nbytes:,} bytes of data, above the {MAX_MEMBER_BYTES:,}-byte limit")
    offset = fh.tell()
    if len(data) - offset < nbytes:
        raise located(where, "", f"is truncated: its header declares {nbytes:,} bytes of data, the file holds "
                                 f"{len(data) - offset:,}")
    flat = np.frombuffer(data, dtype=dtype, count=cells, offset=offset)
    return flat.reshape(shape, order="F" if fortran else "C")


def read_npy(source: Source, *, name: str | None = None, labels: Source | None = None,
             lengths: Source | None = None, lengths_key: str | None = None, orientation: str = "row-source",
             max_projections: int = MAX_PROJECTIONS, unbounded: bool = False) -> nx.DiGraph:
    """Read a square ``.npy`` matrix (no pickled objects) and its labels into a topology graph.

    `lengths` is a tract-length matrix file (`connectome.formats.lengths`); `max_projections` caps the
    non-zero entries (default ``MAX_PROJECTIONS``); see `load_npy` for the checks made before the data is read.
    """
    where = label(source)
    matrix = load_npy(source)
    if labels is None and isinstance(source, (str, os.PathLike)) and labels_path_for(source).is_file():
        labels = labels_path_for(source)
    n = matrix.shape[0] if matrix.ndim else 0
    names = label_lines(labels, n) if labels is not None else [str(i) for i in range(n)]
    return _graph(matrix, names, where, name, source, orientation, unbounded, max_projections,
                  lengths=lengths, lengths_key=lengths_key)


def read_labelled_matrix(source: Source, *, max_projections: int | None = None) -> tuple[list[str], np.ndarray]:
    """The names and float matrix of a labelled CSV/TSV matrix, read row by row under the matrix caps.

    The header's names give n; an n × n matrix above ``MAX_MATRIX_CELLS`` is refused before it is made,
    and with `max_projections` the reading stops as soon as there are more non-zero cells than that.
    """
    where = label(source)
    text = decode(read_bytes(source), where)
    delimiter = "\t" if "\t" in text.partition("\n")[0] else ","
    records = csv_records(text, where, delimiter)
    line, header = next(records, (1, [""]))
    if not header or header[0].strip() or len(header) == 1:
        raise located(where, f"line {line}", "a labelled matrix starts with an empty cell, then the region names")
    names = [x.strip() for x in header[1:]]
    n = len(names)
    check_cells(where, (n, n))
    matrix = np.zeros((n, n))
    count = i = 0
    for line, row in records:
        if i == n:
            raise located(where, f"line {line}", f"more rows than the {n} names of the header: a labelled matrix is square")
        if len(row) != n + 1:
            raise located(where, f"line {line}", f"expected {n + 1} fields, got {len(row)}")
        if row[0].strip() != names[i]:
            raise located(where, f"line {line}", f"row {i + 1} is named {shown(row[0])}, the header's name {i + 1} is "
                                                 f"{shown(names[i])}: rows and columns must list the regions in one order")
        cells = [cell.strip() for cell in row[1:]]
        if not _ROW.fullmatch(",".join(cells)):
            j = next(j for j, cell in enumerate(cells) if not DECIMAL.fullmatch(cell))
            raise located(where, f"line {line} column {j + 2}", f"must be a number, got {shown(cells[j])}")
        matrix[i] = list(map(float, cells))
        count += int(np.count_nonzero(matrix[i]))
        if max_projections is not None and count > max_projections:
            check_projections(where, count, max_projections, at_least=True)
        i += 1
    if i != n:
        raise located(where, "", f"{i} rows for {n} names: a labelled matrix is square")
    return names, matrix


def read_matrix_csv(source: Source, *, name: str | None = None, lengths: Source | None = None,
                    lengths_key: str | None = None, orientation: str = "row-source",
                    max_projections: int = MAX_PROJECTIONS, unbounded: bool = False) -> nx.DiGraph:
    """Read a labelled CSV/TSV matrix (names across the header after an empty cell, and down the first column).

    `lengths` is a tract-length matrix file (`connectome.formats.lengths`).
    """
    where = label(source)
    if max_projections_problem(max_projections):
        raise option_error(where, "max_projections", max_projections_problem(max_projections))
    names, matrix = read_labelled_matrix(source, max_projections=max_projections)
    return _graph(matrix, names, where, name, source, orientation, unbounded, max_projections,
                  lengths=lengths, lengths_key=lengths_key)


def _dense(graph: nx.DiGraph, where: str) -> tuple[list[str], np.ndarray]:
    """Every region in order and the row-source matrix of strengths."""
    validate(graph, where)
    names = list(graph.nodes)
    index = {x: i for i, x in enumerate(names)}
    matrix = np.zeros((len(names), len(names)))
    for s, t, w in graph.edges(data="strength"):
        matrix[index[s], index[t]] = float(w)
    return names, matrix


def write_npy(graph: nx.DiGraph, target: str | os.PathLike) -> tuple[Path, Path]:
    """Write the row-source matrix as ``.npy`` and its labels as ``STEM.labels.txt`` (both or neither)."""
    where = label(target)
    names, matrix = _dense(graph, where)
    if any("\n" in x or "\r" in x or x != x.strip() for x in names):
        raise located(where, "labels", "a labels file holds one name a line: names with line breaks or "
                                       "surrounding spaces cannot be written")
    path = Path(target)
    labels = labels_path_for(path)
    buffer = io.BytesIO()
    np.save(buffer, matrix)
    with staged(path) as tmp:
        tmp.write_bytes(buffer.getvalue())
        with open_output(labels) as fh:
            fh.write("".join(f"{x}\n" for x in names))
        os.replace(tmp, path)
    return path, labels


def write_matrix_csv(graph: nx.DiGraph, target: Source) -> None:
    """Write the row-source matrix as a labelled CSV (every region, in order; floats exactly, by repr)."""
    names, matrix = _dense(graph, label(target))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["", *names])
    for name, row in zip(names, matrix.tolist()):
        writer.writerow([name, *(repr(v) if v else "0" for v in row)])
    with open_output(target) as fh:
        fh.write(out.getvalue())
