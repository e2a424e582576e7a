"""A version's projections packed as arrays beside its rows (table `projection_arrays`): what the engine reads
of a large topology in a few queries, with no Python object per projection.

One row per field: `source` and `target` (the regions' positions in id order, little-endian int32),
`strength` and each attribute `attrs.KEY` (little-endian float64, NaN where a projection lacks it), each
with the SHA-256 of its bytes. They are written in the version's own transaction, before it is sealed
(the store's triggers refuse them after), and only where every number is a float: a version with an exact
decimal or a non-float attribute is read from its rows alone. The rows stay the truth: a field whose length
or digest does not match is ignored (the rows are read instead) and reported by `topology verify`.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from ..columns import Columns, ColumnsBuilder

INDEX, NUMBER = "<i4", "<f8"
ATTRS = "attrs."
TABLE = "projection_arrays"


def fields(columns: Columns) -> dict[str, np.ndarray] | None:
    """The arrays to pack of `columns` by field name, or None where some number is not a float.

    Examples
    --------
    >>> b = ColumnsBuilder(2); b.add([0, 1], [1, 1], [0.5, 2.0], ['{"tract_length":12.5}', None])
    >>> packed = fields(b.build("pair", [("a", {}), ("b", {})]))
    >>> {k: (v.dtype.str, v.tolist()) for k, v in packed.items()}  # doctest: +NORMALIZE_WHITESPACE
    {'source': ('<i4', [0, 1]), 'target': ('<i4', [1, 1]), 'strength': ('<f8', [0.5, 2.0]),
     'attrs.tract_length': ('<f8', [12.5, nan])}
    """
    if not isinstance(columns.strengths, np.ndarray) or len(columns.regions) >= 2**31 or \
            not all(isinstance(v, np.ndarray) for v in columns.extras.values()):
        return None
    out = {"source": columns.sources.astype(INDEX), "target": columns.targets.astype(INDEX),
           "strength": columns.strengths.astype(NUMBER)}
    return out | {ATTRS + key: column.astype(NUMBER) for key, column in sorted(columns.extras.items())}


def saved_columns(regions: list[tuple], projections: Any) -> Columns:
    """The Columns of a version's content rows as the store saves them (`connectome.graph.content_rows`:
    regions (name, share, attrs text) and projections (source name, target name, strength, attrs text))."""
    names = [r[0] for r in regions]
    given = getattr(projections, "columns", None)
    if isinstance(given, Columns) and getattr(projections, "names", None) == names:
        return given
    position = {name: i for i, name in enumerate(names)}
    builder = ColumnsBuilder(len(projections))
    rows = iter(projections)
    while chunk := [row for _, row in zip(range(16384), rows)]:
        sources, targets, strengths, texts = zip(*chunk)
        builder.add(list(map(position.__getitem__, sources)), list(map(position.__getitem__, targets)),
                    list(strengths), list(texts))
    return builder.build(None, [])


def write(conn: Any, version_id: int, columns: Columns) -> int:
    """Pack `columns` as version `version_id`'s arrays (nothing when some number is not a float, or none are
    given); the number of fields written."""
    packed = fields(columns) if len(columns) else None
    if packed is None:
        return 0
    written = list(packed)
    for name in list(packed):  # one field at a time: a field's bytes are let go before the next is made
        array = packed.pop(name)
        data = array.tobytes()
        conn.execute(f"INSERT INTO {TABLE} (version_id, field, dtype, data, sha256) "
                     "VALUES (:v, :field, :dtype, :data, :sha256)",
                     {"v": version_id, "field": name, "dtype": array.dtype.str, "data": data,
                      "sha256": hashlib.sha256(data).hexdigest()})
    return len(written)


def read(conn: Any, version_id: int, count: int, regions: int) -> dict[str, np.ndarray] | None:
    """Version `version_id`'s packed arrays as the engine takes them (int64 positions, float64 numbers), or
    None when it has none or any field is not whole: a wrong type or length (checked before a byte is
    read), a digest that differs, a position outside the `regions`."""
    listed = {f: (d, n, h) for f, d, n, h in conn.rows(
        f"SELECT field, dtype, length(data), sha256 FROM {TABLE} WHERE version_id = :v", {"v": version_id})}
    if not _whole(listed, count):
        return None
    out: dict[str, np.ndarray] = {}
    for name, (dtype, _, digest) in sorted(listed.items()):
        data = conn.scalar(f"SELECT data FROM {TABLE} WHERE version_id = :v AND field = :f",
                           {"v": version_id, "f": name})
        if data is None or hashlib.sha256(data).hexdigest() != digest:
            return None
        out[name] = np.frombuffer(data, dtype=dtype).astype(np.int64 if dtype == INDEX else np.float64)
    if count and not all(0 <= out[k].min() and out[k].max() < regions for k in ("source", "target")):
        return None
    return out


def _whole(listed: dict[str, tuple[str, int, str]], count: int) -> bool:
    """Whether the listed fields are the three required ones plus attributes, each of its type and length."""
    if not {"source", "target", "strength"} <= listed.keys():
        return False
    for name, (dtype, length, _) in listed.items():
        wanted = INDEX if name in ("source", "target") else NUMBER
        if (name not in ("source", "target", "strength") and not name.startswith(ATTRS)) or dtype != wanted or \
                length != count * np.dtype(wanted).itemsize:
            return False
    return True


def problems(conn: Any, version_id: int, rows: Columns) -> list[str]:
    """What differs between version `version_id`'s packed arrays and `rows`, its columns read from its rows."""
    present = conn.scalar(f"SELECT count(*) FROM {TABLE} WHERE version_id = :v", {"v": version_id})
    expected = fields(rows) if len(rows) else None
    if not present:
        return [] if expected is None else ["its packed arrays are missing"]
    found = read(conn, version_id, len(rows), len(rows.regions))
    if found is None:
        return ["its packed arrays are damaged (a length or digest differs)"]
    same = expected is not None and found.keys() == expected.keys() and all(
        np.array_equal(found[k].astype(v.dtype).view(np.uint8), v.view(np.uint8)) for k, v in expected.items())
    return [] if same else ["its packed arrays differ from its rows"]


def as_columns(arrays: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(sources, targets, strengths, extras by attribute name) of `read`'s arrays."""
    extras = {k[len(ATTRS):]: v for k, v in arrays.items() if k.startswith(ATTRS)}
    return arrays["source"], arrays["target"], arrays["strength"], extras
