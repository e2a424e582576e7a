"""The ledger: a hash chain over every sealed version, so that a missing, renamed, reordered or added
version shows in `topology verify` even when each remaining version is intact.

Each version row carries its place in the chain, `ledger_seq` (1, 2, …, in the order versions were
sealed), and `ledger_hash` = SHA-256 of the JSON array `[previous ledger_hash, topology name, version,
content hash]` (the previous hash is "" before the first entry). The one-row `ledger` table holds the
number of entries and the newest hash, written by the same transaction that seals the version, so that
deleting the newest version shows too. Triggers let the ledger only grow, one sealed version at a time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ..errors import DatabaseError
from .connection import Conn

# the columns an audit reads per version, in this order (see `Entry`)
ENTRY_COLUMNS = ("v.id, v.topology_id, t.name, v.version, v.content_hash, v.sealed, v.region_count, "
                 "v.projection_count, v.ledger_seq, v.ledger_hash")


def link(previous: str | None, name: str, version: int, content_hash: str) -> str:
    """The ledger hash of a version: SHA-256 of `[previous, name, version, content_hash]` as compact JSON."""
    text = json.dumps([previous or "", name, version, content_hash], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seal(conn: Conn, version_id: int, name: str, version: int, digest: str, regions: int, projections: int) -> None:
    """Seal a version as the next ledger entry, inside the import's transaction.

    SQLite's BEGIN IMMEDIATE already serialises writers; on a server the ledger row is locked
    (FOR UPDATE) until commit, so concurrent imports of different topologies append one after the
    other and never fork the chain.
    """
    lock = "" if conn.dialect == "sqlite" else " FOR UPDATE"
    row = conn.first(f"SELECT entries, head FROM ledger WHERE id = 1{lock}")
    if row is None:
        raise DatabaseError("the store's ledger row is missing (deleted behind its guards: see `topology verify`); "
                            "nothing was written")
    entries, head = row
    seq, new_head = entries + 1, link(head, name, version, digest)
    conn.execute("UPDATE topology_versions SET sealed = :sealed, region_count = :regions, "
                 "projection_count = :projections, ledger_seq = :seq, ledger_hash = :hash WHERE id = :id",
                 {"sealed": True, "regions": regions, "projections": projections, "seq": seq, "hash": new_head,
                  "id": version_id})
    conn.execute("UPDATE ledger SET entries = :seq, head = :hash WHERE id = 1", {"seq": seq, "hash": new_head})


@dataclass(frozen=True)
class Entry:
    """One version row as the audit reads it (`name` is None when its topology row is missing)."""

    id: int
    topology_id: int
    name: str | None
    version: int
    content_hash: str
    sealed: bool
    region_count: int
    projection_count: int
    seq: int | None
    ledger_hash: str | None

    @property
    def ref(self) -> str:
        """NAME@vN, or a placeholder naming the missing topology row."""
        return f"{self.name if self.name is not None else f'<missing topology {self.topology_id}>'}@v{self.version}"


def read(conn: Conn) -> tuple[list[Entry], tuple[int, str | None] | None]:
    """Every version row (by name and version) and the ledger row (entries, head), from one snapshot.

    Called first in a transaction (`Conn.transaction(write=False)`): on PostgreSQL its isolation level is
    set before any query; SQLite's read transaction is a snapshot already.
    """
    if conn.dialect == "postgresql":
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    rows = conn.rows(f"SELECT {ENTRY_COLUMNS} FROM topology_versions v LEFT JOIN topologies t "
                     "ON t.id = v.topology_id ORDER BY t.name, v.version, v.id")
    ledger = conn.first("SELECT entries, head FROM ledger WHERE id = 1")
    return [Entry(*r[:5], bool(r[5]), *r[6:]) for r in rows], (None if ledger is None else tuple(ledger))


def audit(entries: list[Entry], ledger: tuple[int, str | None] | None) -> tuple[dict[int, list[str]], dict[str, Any]]:
    """Recompute the chain in sequence order: problems per version id, and the ledger's own report.

    At a break the chain is resumed from the stored hash, so that each problem is reported where it is.
    """
    by_seq = {e.seq: e for e in entries if e.seq is not None}
    count, head = ledger if ledger is not None else (max(by_seq, default=0), None)  # without its row: as far as seen
    problems: dict[int, list[str]] = {e.id: [] for e in entries}
    for e in entries:
        if e.name is None:
            problems[e.id].append("its topology row is missing (deleted behind the triggers)")
        if e.seq is None and e.sealed:
            problems[e.id].append("not in the ledger: added outside an import")
    missing, previous, computed = [], "", ""
    for seq in range(1, max([count, *by_seq]) + 1):
        entry = by_seq.get(seq)
        if entry is None:
            missing.append(seq)
            previous = computed = None
            continue
        expected = link(previous, entry.name or "", entry.version, entry.content_hash) if previous is not None else None
        if seq > count:
            problems[entry.id].append(f"ledger entry {seq} is beyond the ledger's {count} entries: added outside an import")
        elif expected is not None and expected != entry.ledger_hash:
            problems[entry.id].append(f"ledger entry {seq} does not chain: renamed, reordered or its hash changed")
        computed = link(computed, entry.name or "", entry.version, entry.content_hash) if computed is not None else None
        previous = entry.ledger_hash
    store_problems = _store_problems(ledger, missing, by_seq.get(count), head, count)
    report = {"ref": "(ledger)", "entries": count, "stored_hash": head,
              "computed_hash": computed,
              "ok": not store_problems, "problems": store_problems}
    return problems, report


def _store_problems(ledger: Any, missing: list[int], newest: Entry | None, head: str | None, count: int) -> list[str]:
    if ledger is None:
        return ["the ledger row is missing (deleted behind the triggers)"]
    out = []
    if missing:
        shown = ", ".join(map(str, missing[:5])) + (", …" if len(missing) > 5 else "")
        out.append(f"{len(missing)} of its {count} entries missing ({shown}): "
                   f"{'a version was' if len(missing) == 1 else 'versions were'} deleted")
    if count and newest is not None and newest.ledger_hash != head:
        out.append(f"its head is not the hash of entry {count}")
    if not count and head is not None:
        out.append("it has a head but no entries")
    return out
