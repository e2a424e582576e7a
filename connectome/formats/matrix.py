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
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from ..errors import located
from ..graph import build_graph, validate
from ._io import DECIMAL, Source, decode, file_stem, label, open_output, read_bytes, staged

ORIENTATIONS = ("row-source", "row-target")


def labels_path_for(matrix: str | os.PathLike) -> Path:
    """The labels file that goes with a ``.npy`` matrix: same folder, stem + ``.labels.txt``."""
    path = Path(matrix)
    return path.with_name(f"{path.stem}.labels.txt")


def _graph(matrix: np.ndarray, labels: list[str], where: str, name: str | None, source: Source,
           orientation: str, unbounded: bool) -> nx.DiGraph:
    """The topology of a checked square matrix and its labels."""
    if orientation not in ORIENTATIONS:
        raise located(where, "--orientation", f"must be one of {', '.join(ORIENTATIONS)}, got {orientation!r}")
    n = len(labels)
    if matrix.ndim != 2 or matrix.shape != (n, n):
        raise located(where, "", f"a {'×'.join(map(str, matrix.shape))} array, expected a square matrix of "
                                 f"{n} × {n} (one row and column per label)")
    if not np.issubdtype(matrix.dtype, np.number) or np.iscomplexobj(matrix):
        raise located(where, "", f"holds {matrix.dtype} values, expected real numbers")
    bad = ~np.isfinite(matrix) | (matrix < 0)
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise located(where, f"row {i + 1} column {j + 1}", f"must be a finite number ≥ 0, got {matrix[i, j].item()!r}")
    if len(set(labels)) != n:
        seen: set[str] = set()
        duplicate = next(x for x in labels if x in seen or seen.add(x))
        raise located(where, "labels", f"duplicate region {duplicate!r}")
    values = matrix if orientation == "row-source" else matrix.T
    rows, columns = np.nonzero(values)
    strengths = values[rows, columns].astype(np.float64).tolist()
    graph = build_graph(name or file_stem(source) or "matrix", [(x, {"share": 1.0}) for x in labels],
                        ((labels[i], labels[j], {"strength": w}) for i, j, w in zip(rows.tolist(), columns.tolist(),
                                                                                   strengths)))
    return graph if unbounded else validate(graph, where)


def _label_lines(source: Source, n: int | None = None) -> list[str]:
    where = label(source)
    names = [line.strip() for line in decode(read_bytes(source), where).splitlines() if line.strip()]
    if n is not None and len(names) != n:
        raise located(where, "", f"lists {len(names)} labels, expected {n} (one per matrix row)")
    return names


def read_npy(source: Source, *, name: str | None = None, labels: Source | None = None,
             orientation: str = "row-source", unbounded: bool = False) -> nx.DiGraph:
    """Read a square ``.npy`` matrix (no pickled objects) and its labels into a topology graph."""
    where = label(source)
    try:
        matrix = np.load(io.BytesIO(read_bytes(source)), allow_pickle=False)
    except ValueError as exc:
        raise located(where, "", f"not a NumPy array file (or one holding objects): {exc}") from None
    if labels is None and isinstance(source, (str, os.PathLike)) and labels_path_for(source).is_file():
        labels = labels_path_for(source)
    n = matrix.shape[0] if matrix.ndim else 0
    names = _label_lines(labels, n) if labels is not None else [str(i) for i in range(n)]
    return _graph(matrix, names, where, name, source, orientation, unbounded)


def read_matrix_csv(source: Source, *, name: str | None = None, orientation: str = "row-source",
                    unbounded: bool = False) -> nx.DiGraph:
    """Read a labelled CSV/TSV matrix (names across the header after an empty cell, and down the first column)."""
    where = label(source)
    text = decode(read_bytes(source), where)
    delimiter = "\t" if "\t" in text.split("\n", 1)[0] else ","
    rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if row]
    if not rows or rows[0][0].strip():
        raise located(where, "line 1", "a labelled matrix starts with an empty cell, then the region names")
    names = [x.strip() for x in rows[0][1:]]
    if len(rows) - 1 != len(names):
        raise located(where, "", f"{len(rows) - 1} rows for {len(names)} names: a labelled matrix is square")
    matrix = np.zeros((len(names), len(names)))
    for i, row in enumerate(rows[1:]):
        if len(row) != len(names) + 1:
            raise located(where, f"line {i + 2}", f"expected {len(names) + 1} fields, got {len(row)}")
        if row[0].strip() != names[i]:
            raise located(where, f"line {i + 2}", f"row {i + 1} is named {row[0]!r}, the header's name {i + 1} is "
                                                  f"{names[i]!r}: rows and columns must list the regions in one order")
        for j, cell in enumerate(row[1:]):
            cell = cell.strip()
            if not DECIMAL.fullmatch(cell):
                raise located(where, f"line {i + 2} column {j + 2}", f"must be a number, got {cell!r}")
            matrix[i, j] = float(cell)
    return _graph(matrix, names, where, name, source, orientation, unbounded)


def read_mat(source: Source, *, name: str | None = None, matrix_key: str | None = None,
             labels_key: str | None = None, orientation: str = "row-source", unbounded: bool = False) -> nx.DiGraph:
    """Read a matrix (and optionally its labels) from a MATLAB ``.mat`` file through scipy."""
    from scipy.io import loadmat

    where = label(source)
    try:
        variables = {k: v for k, v in loadmat(io.BytesIO(read_bytes(source))).items() if not k.startswith("__")}
    except (ValueError, TypeError, NotImplementedError) as exc:
        raise located(where, "", f"not a MATLAB file scipy can read (v4–v7.2): {exc}") from None
    if matrix_key is None:
        square = [k for k, v in variables.items() if isinstance(v, np.ndarray) and v.ndim == 2
                  and v.shape[0] == v.shape[1] > 1 and np.issubdtype(v.dtype, np.number)]
        if len(square) != 1:
            raise located(where, "--matrix-key", f"needed: the file holds {len(square)} square numeric matrices "
                                                 f"({', '.join(square) or 'none'}); variables: {', '.join(variables)}")
        matrix_key = square[0]
    if matrix_key not in variables:
        raise located(where, "--matrix-key", f"no variable {matrix_key!r} (variables: {', '.join(variables)})")
    matrix = np.asarray(variables[matrix_key])
    n = matrix.shape[0] if matrix.ndim else 0
    names = [str(i) for i in range(n)]
    if labels_key is not None:
        if labels_key not in variables:
            raise located(where, "--labels-key", f"no variable {labels_key!r} (variables: {', '.join(variables)})")
        names = _mat_labels(variables[labels_key], where)
    return _graph(matrix, names, where, name, source, orientation, unbounded)


def _mat_labels(value: Any, where: str) -> list[str]:
    """Names from a MATLAB cell array of strings or a char matrix."""
    array = np.asarray(value)
    if array.dtype.kind in "US":
        return [str(x).strip() for x in array.ravel()]
    if array.dtype == object:
        return [str(np.asarray(x).ravel()[0]).strip() if np.asarray(x).size else "" for x in array.ravel()]
    raise located(where, "--labels-key", f"must be a cell array or char matrix of names, got {array.dtype}")


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
