"""Large canonical JSON files read a block at a time, their projections straight into columns.

`read_json_columns` gives what `read_json` would (the topology's regions as a validated graph, its projections
as `connectome.columns.Columns` in file order) without a Python object per projection. It takes only files
whose every projection is plainly valid (known regions, a float strength within the pairs rule's bound, plain
extra attributes, no `rule` or `autapses`, no repeated pair); for anything else it returns None and the caller
reads the file with `read_json`, whose checks and messages then apply. What it accepts, `read_json` accepts
and reads to the same content.
"""

from __future__ import annotations

import json
import os
import re
from typing import TYPE_CHECKING, Any, Iterator

from .. import jsontext
from ..columns import Columns, ColumnsBuilder
from ..exact import MAX_STRENGTH
from ..validation import key_problem
from .canonical import _no_constants, parse_document
from .inputs import MAX_FILE_BYTES

if TYPE_CHECKING:
    import networkx as nx

STREAM_FROM = 32 * 2**20  # bytes: smaller files are read whole
BLOCK = 2**20
CHUNK = 16384
_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder(parse_float=jsontext.parse_float, parse_constant=_no_constants)
_SCAN = _DECODER.scan_once
MARGIN = 2**16  # characters kept ahead of an item before it is decoded in place


class _Refused(Exception):
    """The file takes the whole-file reader."""


def read_json_columns(path: str | os.PathLike, *, name: str | None = None) -> tuple[nx.DiGraph, Columns] | None:
    """A large canonical JSON file as (its regions: a validated graph with no edges, its projections as columns),
    or None when the file is small or not plainly valid (read it with `read_json`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.json"
    >>> _ = path.write_text('{"name": "t", "regions": [{"name": "a", "share": 1.0}], "projections": []}')
    >>> read_json_columns(path) is None  # small: read whole
    True
    """
    try:
        size = os.path.getsize(path)
    except OSError:
        return None
    if not STREAM_FROM <= size <= MAX_FILE_BYTES:
        return None
    try:
        with open(path, encoding="utf-8-sig") as fh:
            return _Document(fh).read(str(path), name)
    except (_Refused, ValueError, UnicodeDecodeError, RecursionError):
        return None


class _Document:
    """The top-level object of a canonical JSON file, its `projections` streamed into a ColumnsBuilder."""

    def __init__(self, fh: Any) -> None:
        self.fh, self.text, self.at, self.eof = fh, "", 0, False

    def _more(self) -> None:
        block = self.fh.read(BLOCK)
        self.eof = not block
        self.text = self.text[self.at:] + block
        self.at = 0

    def _skip(self) -> str:
        """The next character that is not white space ('' at the end)."""
        while True:
            self.at = _SPACE.match(self.text, self.at).end()
            if self.at < len(self.text) or self.eof:
                return self.text[self.at:self.at + 1]
            self._more()

    def _expect(self, chars: str) -> str:
        char = self._skip()
        if not char or char not in chars:
            raise _Refused
        self.at += 1
        return char

    def _value(self) -> Any:
        """One JSON value; read further while it could be cut by the end of the buffer."""
        self._skip()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.at)
            except json.JSONDecodeError:
                if self.eof:
                    raise _Refused from None
                self._more()
                continue
            if end < len(self.text) or self.eof:
                self.at = end
                return value
            self._more()

    def read(self, where: str, name: str | None) -> tuple[nx.DiGraph, Columns]:
        self._more()
        self._expect("{")
        head: dict[str, Any] = {}
        projections: list[_Chunks] = []
        if self._skip() == "}":
            raise _Refused
        while True:
            key = self._value()
            self._expect(":")
            if key == "projections" and self._skip() == "[":
                if projections:
                    raise _Refused  # a repeated key: json keeps the last one
                projections.append(_Chunks(self._elements()))
                head[key] = []
            else:
                head[key] = self._value()
            if self._expect(",}") == "}":
                break
        if self._skip() != "" or not projections:
            raise _Refused
        graph = parse_document(head, where, name_override=name)
        return graph, projections[0].columns(list(graph.nodes))

    def _elements(self) -> Iterator[list[Any]]:
        """The projections array's items, a chunk of decoded objects at a time (consumed before the next key)."""
        self._expect("[")
        if self._skip() == "]":
            self.at += 1
            return
        chunk: list[Any] = []
        while True:
            chunk.append(self._item())
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
            if self._expect(",]") == "]":
                break
        if chunk:
            yield chunk

    def _item(self) -> Any:
        """`_value`, decoded in place while the buffer holds more than a margin after it."""
        if len(self.text) - self.at < MARGIN and not self.eof:
            self._more()
        at = _SPACE.match(self.text, self.at).end()
        try:
            value, end = _SCAN(self.text, at)
        except (StopIteration, json.JSONDecodeError):  # cut by the end of the buffer, or not JSON: read with care
            return self._value()
        if end >= len(self.text) and not self.eof:
            return self._value()
        self.at = end
        return value


class _Chunks:
    """The projections read so far, as compact columns: region names resolved once the regions are known."""

    def __init__(self, chunks: Iterator[list[Any]]) -> None:
        self.builder = ColumnsBuilder(None)
        self.names: dict[str, int] = {}
        self.good: set[str] = set()
        for chunk in chunks:
            self._add(chunk)

    def _index(self, value: Any) -> int:
        if type(value) is not str:
            raise _Refused
        found = self.names.get(value)
        if found is None:
            found = self.names[value] = len(self.names)
        return found

    def _add(self, chunk: list[Any]) -> None:
        sources, targets, extras = [], [], []
        for p in chunk:
            if type(p) is not dict:
                raise _Refused
            sources.append(self._index(p.get("source")))
            targets.append(self._index(p.get("target")))
            w = p.get("strength")
            if type(w) is not float or not 0 < w <= MAX_STRENGTH:
                raise _Refused
            extras.append(self._extras(p) if len(p) > 3 else None)
        self.builder.add(sources, targets, strengths_of(chunk), extras)

    def _extras(self, p: dict) -> dict[str, Any]:
        out = {k: v for k, v in p.items() if k not in ("source", "target", "strength")}
        for key, value in out.items():
            if key not in self.good:
                if key in ("rule", "autapses") or key_problem(key):
                    raise _Refused
                self.good.add(key)
            kind = type(value)
            if not (kind is str or kind is int or (kind is float and value - value == 0)):
                raise _Refused
        return out

    def columns(self, regions: list[str]) -> Columns:
        """The columns, with indices into `regions`; refused when a name is not a region or a pair repeats."""
        import numpy as np

        position = {name: i for i, name in enumerate(regions)}
        if any(name not in position for name in self.names):
            raise _Refused
        remap = np.array([position[name] for name in self.names], dtype=np.int64)
        columns = self.builder.build(None, [])
        columns.sources, columns.targets = remap[columns.sources], remap[columns.targets]
        codes = np.sort(columns.sources * len(regions) + columns.targets)
        if len(codes) and not np.all(codes[1:] != codes[:-1]):
            raise _Refused  # a repeated pair
        return columns


def strengths_of(chunk: list[dict]) -> list[float]:
    """The chunk's strengths."""
    return [p["strength"] for p in chunk]
