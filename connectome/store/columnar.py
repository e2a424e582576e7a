"""A stored version read as columns (`connectome.columns.Columns`): its projections fetched a chunk at a time
straight into numpy arrays, with no Python object kept per projection."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:  # numpy and the columns only when a version is read as columns
    import networkx as nx

    from ..columns import Columns, ColumnsBuilder

CHUNK = 16384


def stored_number(value: float, text: str | None) -> float | Decimal:
    """A stored share or strength: its float column, or its exact text where a double could not carry it."""
    return value if text is None else Decimal(text)


def with_attrs(key: str, values: list[Any], exact: list[str | None], texts: list[str | None]) -> list[dict[str, Any]]:
    """Attribute dicts {key: value, **extras}; the JSON texts are decoded in one pass, not one call each."""
    present = [t for t in texts if t is not None]
    decoded = iter(json.loads("[" + ",".join(present) + "]") if present else ())
    values = list(map(stored_number, values, exact))
    return [{key: v} if t is None else {key: v, **next(decoded)} for v, t in zip(values, texts)]


def read(conn: Any, found: Any, *, packed: bool = True) -> Columns:
    """The columns of version `found` (a `facade.VersionRef`) through an open connection of the store: its
    packed arrays where it has whole ones (`packed`), else its rows a chunk at a time."""
    import numpy as np

    from ..columns import Columns, ColumnsBuilder
    from . import packed as packing

    description, neurons, scaling, sealed, sealed_count = conn.first(
        "SELECT description, reference_neurons, scaling, sealed, projection_count FROM topology_versions "
        "WHERE id = :id", {"id": found.id})
    regions = conn.rows("SELECT id, name, share, share_text, CAST(attrs AS TEXT) FROM regions "
                        "WHERE version_id = :v ORDER BY id", {"v": found.id})
    ids, names, shares, share_texts, attrs = zip(*regions) if regions else ((),) * 5
    regions_of = list(zip(names, with_attrs("share", shares, share_texts, attrs)))
    arrays = packing.read(conn, found.id, sealed_count, len(ids)) if packed and sealed else None
    if arrays is not None:  # a sealed version's count is on its row: no scan of its projections
        return Columns(found.name, regions_of, *packing.as_columns(arrays), description, neurons, scaling)
    low, high, count = conn.first("SELECT min(id), max(id), count(*) FROM projections WHERE version_id = :v",
                                  {"v": found.id})
    builder = ColumnsBuilder(count)
    if count:
        lookup = np.full(max(ids) - min(ids) + 1, -1, dtype=np.int64)
        lookup[np.array(ids, dtype=np.int64) - min(ids)] = np.arange(len(ids))
        if conn.dialect == "sqlite":  # a connection of its own, closed after: a scan reads each page once
            conn.execute("PRAGMA cache_size=-2000")
        _fill(conn, builder, lookup, min(ids), (low, high, found.id))
    return builder.build(found.name, regions_of, description, neurons, scaling)


def _fill(conn: Any, builder: ColumnsBuilder, lookup: Any, first: int, span: tuple[int, int, int]) -> None:
    """Fetch the projections of ids low to high of version v into `builder`, a chunk at a time."""
    import numpy as np

    low, high, version = span
    # the version's id range, read in id order without sorting (`+` keeps the version's index out of it)
    cursor = conn.execute("SELECT source_id, target_id, strength, strength_text, CAST(attrs AS TEXT) "
                          "FROM projections WHERE id BETWEEN :low AND :high AND +version_id = :v ORDER BY id",
                          {"low": low, "high": high, "v": version})
    while chunk := cursor.fetchmany(CHUNK):
        source_ids, target_ids, values, texts, extras = zip(*chunk)
        strengths = list(map(stored_number, values, texts)) if any(texts) else values
        builder.add(lookup[np.array(source_ids, dtype=np.int64) - first],
                    lookup[np.array(target_ids, dtype=np.int64) - first], strengths, extras)


class ProjectionRows:
    """A topology's projection rows as `content_rows` gives them, (source, target, strength, extras text), made
    from its columns a chunk at a time: stored order when iterated, sorted order from `sorted_chunks`."""

    def __init__(self, columns: Columns, names: list[str]) -> None:
        self.columns, self.names = columns, names

    def __len__(self) -> int:
        return len(self.columns)

    def __iter__(self) -> Iterator[tuple]:
        import numpy as np

        for start in range(0, len(self), CHUNK):
            yield from self.chunk(np.arange(start, min(start + CHUNK, len(self))))

    def sorted_chunks(self) -> Iterator[list[tuple]]:
        """The rows in `sorted` order (by source then target name: each pair appears once), a chunk at a time."""
        import numpy as np

        rank = np.empty(len(self.names), dtype=np.int64)
        rank[sorted(range(len(self.names)), key=self.names.__getitem__)] = np.arange(len(self.names))
        order = np.lexsort((rank[self.columns.targets], rank[self.columns.sources]))
        for start in range(0, len(order), CHUNK):
            yield self.chunk(order[start:start + CHUNK])

    def chunk(self, index: Any) -> list[tuple]:
        """The rows at positions `index` (an int array)."""
        import numpy as np

        from ..counting import DEFAULTS
        from ..graph import _number, attrs_text

        c, names = self.columns, self.names
        strengths = c.strengths[index].tolist() if not isinstance(c.strengths, list) else \
            [c.strengths[i] for i in index.tolist()]
        keys = sorted(c.extras)
        if keys and all(isinstance(c.extras[k], np.ndarray) for k in keys) and not DEFAULTS.keys() & set(keys):
            extras = _float_texts(keys, [c.extras[k][index] for k in keys])
        else:
            values = [_values(c.extras[k], index) for k in keys]
            extras = [attrs_text({"strength": w, **{k: v for k, v in zip(keys, vs) if v is not None}}, "strength")
                      for w, *vs in zip(strengths, *values)] if keys else [None] * len(index)
        return [(names[s], names[t], _number(w), a)
                for s, t, w, a in zip(c.sources[index].tolist(), c.targets[index].tolist(), strengths, extras)]


def _float_texts(keys: list[str], parts: list[Any]) -> list[str | None]:
    """`attrs_text` of attributes that are all floats (NaN: absent), spelled as it spells them."""
    import numpy as np
    from json.encoder import encode_basestring

    pieces = []
    for key, part in zip(keys, parts):
        name = encode_basestring(key) + ":"
        texts: list[str | None] = [name + r for r in map(float.__repr__, part.tolist())]
        for i in np.flatnonzero(np.isnan(part)).tolist():
            texts[i] = None
        pieces.append(texts)
    if len(pieces) == 1:
        return [None if t is None else "{" + t + "}" for t in pieces[0]]
    return ["{" + ",".join(present) + "}" if present else None
            for present in ([t for t in ts if t is not None] for ts in zip(*pieces))]


def _values(column: Any, index: Any) -> list[Any]:
    """A column's values at `index` (None where absent)."""
    import numpy as np

    if isinstance(column, list):
        return [column[i] for i in index.tolist()]
    part = column[index]
    out = part.tolist()
    for i in np.flatnonzero(np.isnan(part)).tolist():
        out[i] = None
    return out


def content_digest(graph: "nx.DiGraph", regions: list[tuple], projections: ProjectionRows) -> str:
    """`connectome.graph.content_hash` of content rows whose projections come a sorted chunk at a time."""
    import hashlib
    import json

    from ..counting import DEFAULT_SCALING

    def text(value: Any) -> str:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=str)

    digest = hashlib.sha256()
    digest.update(f"[{text(graph.graph.get('neurons'))},{text(sorted(regions))},[".encode("utf-8"))
    for i, chunk in enumerate(projections.sorted_chunks()):
        digest.update(("," if i else "").encode("utf-8") + text(chunk)[1:-1].encode("utf-8"))
    scaling = graph.graph.get("scaling", DEFAULT_SCALING)
    digest.update(("]" + ("," + text(scaling) if scaling != DEFAULT_SCALING else "") + "]").encode("utf-8"))
    return digest.hexdigest()


def save_columns(store: Any, graph: "nx.DiGraph", columns: Columns, *, message: str | None = None,
                 source: str | None = None) -> Any:
    """`Store.save` of a topology held as a validated graph of its regions and its projections' columns (as
    `connectome.formats.canonical_stream` reads them): the same version, content hash and rows.

    Examples
    --------
    >>> import os, tempfile, networkx as nx
    >>> from connectome import Store
    >>> from connectome.columns import ColumnsBuilder
    >>> from connectome.graph import content_hash
    >>> g = nx.DiGraph(name="pair"); g.add_node("a", share=1.0); g.add_node("b", share=2.0)
    >>> b = ColumnsBuilder(1); b.add([0], [1], [0.5], ['{"tract_length":3.0}'])
    >>> store = Store(os.path.join(tempfile.mkdtemp(), "s.db"))
    >>> saved = save_columns(store, g.copy(), b.build(None, []))
    >>> g.add_edge("a", "b", strength=0.5, tract_length=3.0); saved.content_hash == content_hash(g)
    True
    """
    from ..graph import content_rows

    regions, _ = content_rows(graph)
    projections = ProjectionRows(columns, list(graph.nodes))
    return store._save_rows(graph, (regions, projections), content_digest(graph, regions, projections),
                           message=message, source=source)
