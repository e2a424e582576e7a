"""`count_topology`'s figures for a topology held as columns, kept as arrays and given a chunk at a time.

For a large topology, `topology stats` prints what `count_topology` computes without a dict per projection:
the counts are exact integers (int64 where they fit, Python integers otherwise), and `projections` builds
the same dicts `count_topology` lists, a slice at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from .columns import Columns
from .counting import DEFAULT_RULE, _mark_rules, choose_scaling, projection_counts, rule_columns
from .exact import apportion, scaled_chunk, scaled_columns

CHUNK = 65536


@dataclass
class Counted:
    """Region figures, and per projection its strength, rule and (with N) its count, as columns.

    `as_dict()` is `count_topology`'s dict; `projections(start, end)` its projections start to end.
    """

    neurons: int | None
    scaling: str
    regions: list[dict[str, Any]]
    names: list[str]
    columns: Columns
    counts: Any  # int64 or object array; None without N
    rules: list[str] | None  # None: every projection the default rule with autapses
    autapses: list[bool] | None
    total_connections: int | None

    def __len__(self) -> int:
        return len(self.columns)

    def projections(self, start: int = 0, end: int | None = None) -> list[dict[str, Any]]:
        """Projections start to end as `count_topology` gives them (source, target, strength, connections)."""
        c, names = self.columns, self.names
        end = len(self) if end is None else min(end, len(self))
        strengths = c.strengths[start:end]
        rows = zip(c.sources[start:end].tolist(), c.targets[start:end].tolist(),
                   strengths.tolist() if not isinstance(strengths, list) else strengths)
        if self.counts is None:
            out = [{"source": names[s], "target": names[t], "strength": w} for s, t, w in rows]
        else:
            out = [{"source": names[s], "target": names[t], "strength": w, "connections": n}
                   for (s, t, w), n in zip(rows, self.counts[start:end].tolist())]
        if self.rules is not None:
            _mark_rules(out, self.rules[start:end], self.autapses[start:end])
        return out

    def chunks(self, size: int | None = None) -> Iterator[list[dict[str, Any]]]:
        """The projections, `size` (default CHUNK) at a time."""
        size = size or CHUNK
        for start in range(0, len(self), size):
            yield self.projections(start, start + size)

    def as_dict(self) -> dict[str, Any]:
        """The dict `count_topology` returns."""
        out = {"neurons": self.neurons, "scaling": self.scaling, "regions": self.regions,
               "projections": self.projections()}
        if self.neurons is not None:
            out["total_connections"] = self.total_connections
        return out


def count_columns(columns: Columns, total: int | None, *, scaling: str | None = None) -> Counted:
    """`connectome.counting.count_topology` of a topology held as columns, its figures kept as columns.

    Examples
    --------
    >>> from .columns import ColumnsBuilder
    >>> b = ColumnsBuilder(1); b.add([0], [1], [2.5], [None])
    >>> c = b.build("pair", [("a", {"share": 1.0}), ("b", {"share": 3.0})])
    >>> count_columns(c, 1000).as_dict()["total_connections"]
    468
    """
    import numpy as np

    scaling = choose_scaling(columns.scaling, scaling, columns.neurons, columns.name or "the topology")
    names = [name for name, _ in columns.regions]
    shares = [attrs["share"] for _, attrs in columns.regions]
    rules, autapses = _rules(columns)
    if total is None:
        return Counted(None, scaling, [{"name": n, "share": s} for n, s in zip(names, shares)], names, columns,
                       None, rules, autapses, None)
    sizes = apportion(total, shares)
    reference = apportion(columns.neurons, shares) if scaling == "indegree" else None
    scaled, power = scaled_columns(columns.strengths)
    src, tgt = columns.sources, columns.targets
    counts = np.empty(len(columns), dtype=object)
    for start in range(0, len(columns), CHUNK):
        end = start + CHUNK
        counts[start:end] = projection_counts(
            sizes, src[start:end].tolist(), tgt[start:end].tolist(), scaled_chunk(scaled, power, start, end), power,
            autapses=None if autapses is None else autapses[start:end],
            rules=None if rules is None else rules[start:end], reference_sizes=reference,
            name=lambda i, at=start: (names[int(src[at + i])], names[int(tgt[at + i])]))
    whole = int(sum(counts.tolist()))
    if len(counts) and max(counts.tolist()) < 2**63:
        counts = counts.astype(np.int64)
    return Counted(total, scaling, [{"name": n, "neurons": c} for n, c in zip(names, sizes)], names, columns,
                   counts, rules, autapses, whole)


def _rules(columns: Columns) -> tuple[list[str] | None, list[bool] | None]:
    """Each projection's rule and autapses flag, checked; (None, None) when every one is the default."""
    if "rule" not in columns.extras and "autapses" not in columns.extras:
        return None, None
    rules, autapses = rule_columns(*columns.columns("rule", "autapses"))
    if all(r == DEFAULT_RULE for r in rules) and all(autapses):
        return None, None
    return rules, autapses
