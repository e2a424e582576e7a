"""A topology as columns: one numpy array per projection field, no Python object per projection.

What the engine and the counts read of a large topology. The store fills it a chunk of rows at a time
(`ColumnsBuilder`); `Columns.rows` gives the list form (`connectome.graph.Rows`) where an exact path needs it.
"""

from __future__ import annotations

import json
import operator
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .graph import Rows


@dataclass
class Columns:
    """A topology's projections as arrays, in stored order; regions as (name, attributes) pairs.

    `sources` and `targets` are int64 region indices; `strengths` a float64 array, or a list where some
    strength is a Decimal (a decimal a double cannot carry). `extras` holds each other attribute by name:
    a float64 array (NaN where a projection lacks it) when every value given is a float, else a list (None
    where absent).

    Examples
    --------
    >>> b = ColumnsBuilder(2)
    >>> b.add([0, 1], [1, 0], [0.5, 2.0], ['{"tract_length":12.5}', None])
    >>> c = b.build("pair", [("a", {"share": 1.0}), ("b", {"share": 1.0})])
    >>> c.sources.tolist(), c.strengths.tolist(), c.numbers("tract_length").tolist(), c.columns("sign")
    ([0, 1], [0.5, 2.0], [12.5, nan], [[None, None]])
    """

    name: str | None
    regions: list[tuple[str, dict[str, Any]]]
    sources: np.ndarray
    targets: np.ndarray
    strengths: np.ndarray | list
    extras: dict[str, np.ndarray | list] = field(default_factory=dict)
    description: str | None = None
    neurons: int | None = None
    scaling: str | None = None

    def __len__(self) -> int:
        return len(self.sources)

    def numbers(self, key: str) -> np.ndarray | None:
        """Attribute `key` of every projection as float64 (NaN where absent), or None when some value is not a float."""
        column = self.extras.get(key)
        if column is None:
            return np.full(len(self), np.nan)
        return column if isinstance(column, np.ndarray) else None

    def columns(self, *keys: str) -> list[list[Any]]:
        """Attributes of every projection, one list per key (None where absent), as `Rows.columns` gives them."""
        return [_listed(self.extras.get(key), len(self)) for key in keys]

    def rows(self) -> Rows:
        """The list form of the same topology (extra attributes as dicts, keys sorted as the store keeps them)."""
        keys = sorted(self.extras)
        lists = self.columns(*keys)
        extras = [{k: v for k, v in zip(keys, values) if v is not None} or None for values in zip(*lists)] \
            if keys else [None] * len(self)
        strengths = self.strengths.tolist() if isinstance(self.strengths, np.ndarray) else list(self.strengths)
        return Rows(self.name, self.regions, self.sources.tolist(), self.targets.tolist(), strengths, extras,
                    self.description, self.neurons, self.scaling)


def _listed(column: np.ndarray | list | None, n: int) -> list[Any]:
    """A column as a list with None where absent."""
    if column is None:
        return [None] * n
    if isinstance(column, list):
        return column
    values = column.tolist()
    for i in np.flatnonzero(np.isnan(column)).tolist():
        values[i] = None
    return values


class ColumnsBuilder:
    """Columns of `size` projections filled a chunk of rows at a time, in place: indices, strengths and
    attribute texts (JSON or None). `size` None: as many as are added (the arrays grow by doubling)."""

    def __init__(self, size: int | None) -> None:
        self.n, self.size, self.fixed = 0, size or 0, size is not None
        self._sources = np.empty(self.size, dtype=np.int64)
        self._targets = np.empty(self.size, dtype=np.int64)
        self._strengths: np.ndarray | list = np.empty(self.size, dtype=np.float64)
        self._extras: dict[str, np.ndarray | list] = {}

    def _grow(self, end: int) -> None:
        """Room for `end` projections (doubling), or a refusal when the size was announced."""
        if self.fixed:
            raise ValueError(f"more than the {self.size} projections announced")
        size = max(end, 2 * self.size, 1024)

        def grown(column: np.ndarray | list, fill: Any) -> np.ndarray | list:
            if isinstance(column, list):
                return column + [fill] * (size - len(column))
            out = np.full(size, fill, dtype=column.dtype) if fill is not None else np.empty(size, dtype=column.dtype)
            out[:len(column)] = column
            return out

        self._sources, self._targets = grown(self._sources, None), grown(self._targets, None)
        self._strengths = grown(self._strengths, None)
        self._extras = {k: grown(v, np.nan if isinstance(v, np.ndarray) else None) for k, v in self._extras.items()}
        self.size = size

    def add(self, sources: Sequence[int], targets: Sequence[int], strengths: Sequence[Any],
            texts: Sequence[str | dict | None]) -> None:
        """One chunk: region indices, strengths (floats, or Decimals) and each projection's other attributes
        (their JSON text, a dict, or None)."""
        start, end = self.n, self.n + len(sources)
        if end > self.size:
            self._grow(end)
        self._sources[start:end] = sources
        self._targets[start:end] = targets
        if isinstance(self._strengths, np.ndarray) and not _all_of(float, strengths):
            self._strengths = self._strengths[:start].tolist() + [None] * (self.size - start)  # a Decimal: a list
        self._strengths[start:end] = strengths if isinstance(self._strengths, np.ndarray) else list(strengths)
        if texts.count(None) != len(texts):
            self._add_extras(texts)
        self.n = end

    def _add_extras(self, texts: Sequence[str | dict | None]) -> None:
        strings = texts if _all_of(str, texts) else [t for t in texts if isinstance(t, str)]
        decoded = json.loads("[" + ",".join(strings) + "]") if strings else []
        if len(strings) != len(texts):  # dicts (from a graph's rows) and None beside the texts
            parsed = iter(decoded)
            decoded = [next(parsed) if isinstance(t, str) else t for t in texts]
        single = _single_key(decoded)
        if single is not None:  # the common case: every projection has the same one attribute
            key, values = single
            found: dict[str, tuple[Any, list[Any]]] = {key: (np.arange(len(values)), values)}
        else:
            found = _by_key(decoded)
        for key, (index, values) in found.items():
            column = self._extras.get(key)
            floats = _all_of(float, values)
            array = np.array(values, dtype=np.float64) if floats else None
            if column is None:
                column = self._extras[key] = np.full(self.size, np.nan) if floats else [None] * self.size
            if isinstance(column, np.ndarray) and (array is None or np.isnan(array).any()):
                column = self._extras[key] = _listed(column, self.size)  # not all floats: a list
            at = np.asarray(index, dtype=np.int64) + self.n
            if isinstance(column, np.ndarray):
                column[at] = array
            else:
                for i, v in zip(at.tolist(), values):
                    column[i] = v

    def build(self, name: str | None, regions: list[tuple[str, dict[str, Any]]], description: str | None = None,
              neurons: int | None = None, scaling: str | None = None) -> Columns:
        """The Columns of every chunk added."""
        if self.fixed and self.n != self.size:
            raise ValueError(f"{self.n} projections of the {self.size} announced")
        n = self.n

        def cut(column: np.ndarray | list) -> np.ndarray | list:  # grown ones copied, not kept whole under a view
            return column[:n].copy() if isinstance(column, np.ndarray) and len(column) > n else column[:n]

        return Columns(name, regions, cut(self._sources), cut(self._targets), cut(self._strengths),
                       {k: cut(v) for k, v in self._extras.items()}, description, neurons, scaling)


def _all_of(kind: type, values: Sequence[Any]) -> bool:
    """Whether every value is exactly of type `kind` (one pass in C)."""
    return set(map(type, values)) <= {kind}


def _single_key(decoded: list[Any]) -> tuple[str, list[Any]] | None:
    """(key, values) when every item is a dict of the same one key, else None."""
    first = decoded[0] if decoded else None
    if not isinstance(first, dict) or len(first) != 1 or not _all_of(dict, decoded) or \
            set(map(len, decoded)) != {1}:
        return None
    key = next(iter(first))
    try:
        return key, list(map(operator.itemgetter(key), decoded))
    except KeyError:
        return None


def _by_key(decoded: list[Any]) -> dict[str, tuple[list[int], list[Any]]]:
    """Each key's (positions, values) among the attribute dicts (None or {} where a projection has none)."""
    found: dict[str, tuple[list[int], list[Any]]] = {}
    for i, attrs in enumerate(decoded):
        if attrs:
            for key, value in attrs.items():
                where = found.get(key)
                if where is None:
                    where = found[key] = ([], [])
                where[0].append(i)
                where[1].append(value)
    return found


def columns_of(rows: Rows) -> Columns:
    """The columns of a topology's rows (for tests and callers holding rows).

    Examples
    --------
    >>> from .graph import Rows
    >>> columns_of(Rows("p", [("a", {"share": 1.0})], [0], [0], [0.25], [{"sign": -1}])).columns("sign")
    [[-1]]
    """
    builder = ColumnsBuilder(len(rows.sources))
    extras = [e if e is None or isinstance(e, str) else {k: v for k, v in e.items() if k != "strength"}
              for e in rows.extras]
    builder.add(rows.sources, rows.targets, rows.strengths, extras)
    return builder.build(rows.name, rows.regions, rows.description, rows.neurons, rows.scaling)
