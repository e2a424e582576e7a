"""MATLAB ``.mat`` matrices (v4 to v7.2, read only, through scipy), bounded before anything is inflated.

A file names its variables and their shapes in headers that scipy's ``whosmat`` reads without
loading any data: the declared sizes of the numeric and char variables are checked first (at most
``MAX_MEMBER_BYTES`` in all, at most ``MAX_RATIO`` times the file's size once above ``RATIO_FLOOR``, the
matrix at most ``MAX_MATRIX_CELLS`` cells), then every compressed variable is inflated in ``CHUNK``
steps and counted against the same limits (so cell arrays and lying headers are bounded too), and only
then are the matrix and labels variables loaded. Whatever scipy raises on a damaged file is one line.
"""

from __future__ import annotations

import io
import math
import struct
import zlib
from typing import Any

import networkx as nx
import numpy as np

from ..errors import Mention, located
from ..extras import require
from ..validation import shown
from .inputs import Source, label, read_bytes
from .limits import (CHUNK, MAX_MEMBER_BYTES, MAX_PROJECTIONS, MAX_RATIO, brief, check_cells, check_inflation,
                     inflation_cap)
from .matrix import _graph, label_lines
from .options import option_error

NUMERIC = ("double", "single", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64")
ITEM_BYTES = {"double": 8, "single": 4, "int8": 1, "uint8": 1, "int16": 2, "uint16": 2, "int32": 4,
              "uint32": 4, "int64": 8, "uint64": 8, "logical": 1, "char": 4}  # char: as numpy's unicode
MI_COMPRESSED = 15
HEADER_BYTES = 128


def _variables(data: bytes, where: str) -> list[tuple[str, tuple[int, ...], str]]:
    """(name, shape, class) of every variable, from the headers alone (scipy's whosmat)."""
    from scipy.io import whosmat

    try:
        found = whosmat(io.BytesIO(data))
    except Exception as exc:  # scipy parses untrusted bytes: MatReadError, zlib.error, OSError, IndexError, …
        raise located(where, "", f"not a MATLAB file scipy can read (v4–v7.2): {brief(exc)}") from None
    return [(name, tuple(int(d) for d in shape), kind) for name, shape, kind in found if not name.startswith("__")]


def _check_declared(where: str, variables: list[tuple[str, tuple[int, ...], str]], size: int) -> None:
    """Refuse declared shapes whose data would exceed the byte or compression-ratio limits."""
    total = 0
    for name, shape, kind in variables:
        if kind in ITEM_BYTES:
            if any(d < 0 for d in shape):
                raise located(where, f"variable {_name(name)}", f"declares the shape {shape!r}")
            total += math.prod(shape) * ITEM_BYTES[kind]
    check_inflation(where, total, size)


def _check_inflated(data: bytes, where: str) -> None:
    """Inflate every compressed variable of a v5 file in chunks, counting its bytes against the limits."""
    if len(data) < HEADER_BYTES or 0 in data[:4]:
        return  # v4 (or too short for scipy): nothing is compressed
    order = "<" if data[126:128] == b"IM" else ">"
    view = memoryview(data)
    position, total, index = HEADER_BYTES, 0, 0
    while position + 8 <= len(data):
        kind, size = struct.unpack_from(order + "II", data, position)
        body = view[position + 8:position + 8 + size]
        index += 1
        total += _inflated(body, where, index) if kind == MI_COMPRESSED else len(body)
        if total > MAX_MEMBER_BYTES:
            raise located(where, "", f"inflates past the {MAX_MEMBER_BYTES:,}-byte limit")
        position += 8 + size


def _inflated(body: memoryview, where: str, index: int) -> int:
    """The size `body` (zlib data) inflates to, stopped one chunk past its cap."""
    cap = inflation_cap(len(body))
    inflater = zlib.decompressobj()
    produced = 0
    try:
        for start in range(0, len(body), CHUNK):
            pending = body[start:start + CHUNK]
            while pending:
                produced += len(inflater.decompress(pending, CHUNK))
                pending = inflater.unconsumed_tail
                if produced > cap:
                    raise located(where, f"variable {index}", f"inflates past {cap:,} bytes (more than {MAX_RATIO}:1 "
                                                              f"or above the {MAX_MEMBER_BYTES:,}-byte limit); refusing "
                                                              "a likely zip bomb")
            if inflater.eof:
                break
    except zlib.error as exc:
        raise located(where, f"variable {index}", f"not valid compressed data ({brief(exc)})") from None
    return produced


def _name(name: str) -> str:
    """A variable's name as messages show it: as written when printable and short, else escaped."""
    return name if name.isprintable() and 0 < len(name) <= 60 else shown(name)


def _listing(variables: list[tuple[str, tuple[int, ...], str]]) -> str:
    names = [_name(name) for name, _, _ in variables[:20]]
    return ", ".join(names) + (f", … ({len(variables)} in all)" if len(variables) > 20 else "")


def _load(data: bytes, where: str, names: list[str]) -> dict[str, Any]:
    from scipy.io import loadmat

    try:
        return loadmat(io.BytesIO(data), variable_names=names)
    except Exception as exc:  # as in _variables: anything scipy raises on a damaged file is one line
        raise located(where, "", f"not a MATLAB file scipy can read (v4–v7.2): {brief(exc)}") from None


def _open(source: Source) -> tuple[str, bytes, list[tuple[str, tuple[int, ...], str]]]:
    """(where, bytes, variables) of a ``.mat`` file whose declared sizes are within the limits."""
    where = label(source)
    require("mat", f"{where}: reading a MATLAB .mat file")
    data = read_bytes(source, MAX_MEMBER_BYTES)
    variables = _variables(data, where)
    _check_declared(where, variables, len(data))
    return where, data, variables


def _square_key(where: str, variables: list[tuple[str, tuple[int, ...], str]], option: str,
                square: bool = True) -> str:
    """The only square (or, `square` False, any) numeric matrix of a file; an OptionError naming `option` when
    there is not one."""
    found = [n for n, shape, kind in variables if kind in NUMERIC and len(shape) == 2 and min(shape) > 1
             and (shape[0] == shape[1] or not square)]
    if len(found) != 1:
        raise option_error(where, option, f"needed: the file holds {len(found)} {'square ' if square else ''}numeric "
                                          f"matrices ({_listing([v for v in variables if v[0] in found]) or 'none'}); "
                                          f"variables: {_listing(variables)}")
    return found[0]


def _loaded(where: str, data: bytes, variables: list[tuple[str, tuple[int, ...], str]],
            keys: dict[str, str | None], matrix: str) -> dict[str, Any]:
    """The variables named by `keys` (option → variable), the `matrix` one checked as a matrix first."""
    shapes = {n: (shape, kind) for n, shape, kind in variables}
    for option, key in keys.items():
        if key is not None and key not in shapes:
            raise option_error(where, option, f"no variable {shown(key)} (variables: {_listing(variables)})")
    check_cells(where, shapes[keys[matrix]][0])
    _check_inflated(data, where)
    wanted = [k for k in keys.values() if k is not None]
    loaded = _load(data, where, wanted)
    if any(k not in loaded for k in wanted):
        raise located(where, "", "not a MATLAB file scipy can read (v4–v7.2): a variable its header lists is missing")
    if not isinstance(loaded[keys[matrix]], np.ndarray):
        raise option_error(where, matrix, f"{_name(keys[matrix])} is not a dense numeric matrix")
    return loaded


def load_mat_matrix(source: Source, key: str | None = None, option: str = "matrix_key",
                    square: bool = True) -> np.ndarray:
    """The numeric matrix `key` of a ``.mat`` file (default: its only square one, or with `square` False its
    only matrix of any shape), checked as `read_mat` checks.

    `option` is the keyword that names `key` in messages. Raises InputError (an OptionError naming
    `option` for a missing, ambiguous or non-numeric variable).
    """
    where, data, variables = _open(source)
    key = key if key is not None else _square_key(where, variables, option, square)
    return _loaded(where, data, variables, {option: key}, option)[key]


def read_mat(source: Source, *, name: str | None = None, matrix_key: str | None = None,
             labels_key: str | None = None, labels: Source | None = None, lengths: Source | None = None,
             lengths_key: str | None = None, orientation: str = "row-source", max_projections: int = MAX_PROJECTIONS,
             unbounded: bool = False) -> nx.DiGraph:
    """Read a matrix (and optionally its labels and tract lengths) from a MATLAB ``.mat`` file through scipy.

    `matrix_key` names the matrix variable (default: the only square numeric matrix), `labels_key` a
    cell array or char matrix of region names, or `labels` a file of names, one a line (default: ``0`` …
    ``n-1``); `lengths` a tract-length matrix file (`connectome.formats.lengths`, its variable
    `lengths_key` in a ``.mat``); `max_projections` caps the non-zero entries. Raises InputError, in one
    line, for a damaged, hostile or oversized file, and MissingExtra without scipy (the `mat` extra).
    """
    where, data, variables = _open(source)
    if labels is not None and labels_key is not None:
        raise option_error(where, "labels", "give the names in a file or as ", Mention("labels_key"), ", not both")
    matrix_key = matrix_key if matrix_key is not None else _square_key(where, variables, "matrix_key")
    loaded = _loaded(where, data, variables, {"matrix_key": matrix_key, "labels_key": labels_key}, "matrix_key")
    matrix = loaded[matrix_key]
    n = matrix.shape[0] if matrix.ndim else 0
    if labels is not None:
        names = label_lines(labels, n)
    else:
        names = [str(i) for i in range(n)] if labels_key is None else _mat_labels(loaded[labels_key], where)
    return _graph(matrix, names, where, name, source, orientation, unbounded, max_projections,
                  lengths=lengths, lengths_key=lengths_key)


def _mat_labels(value: Any, where: str) -> list[str]:
    """Names from a MATLAB cell array of strings or a char matrix."""
    try:
        array = np.asarray(value)
        if array.dtype.kind in "US":
            return [str(x).strip() for x in array.ravel()]
        if array.dtype == object:
            return [str(np.asarray(x).ravel()[0]).strip() if np.asarray(x).size else "" for x in array.ravel()]
    except (ValueError, TypeError) as exc:
        raise option_error(where, "labels_key", f"cannot read names from it ({brief(exc)})") from None
    raise option_error(where, "labels_key", f"must be a cell array or char matrix of names, got {array.dtype}")
