"""Sweeps in the store: the specification kept before any point runs, and the points already recorded."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .locks import lock_key
from .runs import now

if TYPE_CHECKING:
    from .facade import Store, VersionRef


PAGE = 200


def _text(spec: dict[str, Any]) -> str:
    return json.dumps(spec, sort_keys=True, ensure_ascii=False, allow_nan=False)


def create_or_find(store: Store, version: VersionRef, spec: dict[str, Any], seed: int,
                   points: int) -> tuple[int, bool, int]:
    """(sweep id, created, seed): the sweep of `version` with this specification (its drawn `seed` aside),
    or a new one stored with `seed`."""
    text = _text(spec)
    # the same sweep started twice at once finds one row: SQLite's BEGIN IMMEDIATE, PostgreSQL's advisory lock
    with store.db.connect() as conn, conn.transaction(lock=lock_key("sweep", str(version.id))):
        for sweep_id, stored in conn.rows("SELECT id, CAST(spec AS TEXT) FROM sweeps WHERE version_id = :v "
                                          "ORDER BY id", {"v": version.id}):
            found = json.loads(stored)
            if _text({k: v for k, v in found.items() if k != "seed"}) == text:
                return sweep_id, False, found["seed"]
        sweep_id = conn.insert("INSERT INTO sweeps (version_id, spec, points, created_at) "
                               "VALUES (:v, :spec, :points, :at)",
                               {"v": version.id, "spec": _text({**spec, "seed": seed}), "points": points,
                                "at": conn.stamp(now())})
    return sweep_id, True, seed


def get(store: Store, sweep_id: int) -> dict[str, Any]:
    """One sweep: id, ref, version id, specification, points, creation time."""
    found = [s for s in _sweeps(store, sweep_id)]
    if not found:
        raise InputError(f"sweep {sweep_id}: no such sweep (see `sweeps list`)")
    return found[0]


def all_sweeps(store: Store) -> list[dict[str, Any]]:
    """Every sweep, oldest first, with how many of its points are recorded."""
    return _sweeps(store, None)


def _sweeps(store: Store, sweep_id: int | None) -> list[dict[str, Any]]:
    query = ("SELECT s.id, t.name, v.version, v.id, CAST(s.spec AS TEXT), s.points, s.created_at, "
             "(SELECT count(*) FROM runs r WHERE r.sweep_id = s.id) FROM sweeps s "
             "JOIN topology_versions v ON v.id = s.version_id JOIN topologies t ON t.id = v.topology_id")
    with store.db.connect() as conn:
        rows = (conn.rows(f"{query} ORDER BY s.id") if sweep_id is None
                else conn.rows(f"{query} WHERE s.id = :id", {"id": sweep_id}))
    return [{"id": i, "ref": f"{name}@v{v}", "version_id": vid, "spec": json.loads(spec), "points": points,
             "created_at": str(created)[:19].replace(" ", "T"), "recorded": recorded}
            for i, name, v, vid, spec, points, created, recorded in rows]


def has_point(store: Store, sweep_id: int, point: int) -> bool:
    """Whether point `point` of sweep `sweep_id` has its run recorded (by this process or any other)."""
    with store.db.connect() as conn:
        return conn.first("SELECT 1 FROM runs WHERE sweep_id = :sweep AND sweep_point = :point",
                          {"sweep": sweep_id, "point": point}) is not None


def recorded(store: Store, sweep_id: int) -> dict[int, dict[str, Any]]:
    """The recorded points of a sweep: point number → {run_id, seed, fc_sc, fc_fit, fcd_ks} (the scores only, so that
    a large sweep's table stays small)."""
    out: dict[int, dict[str, Any]] = {}
    last = -1
    with store.db.connect() as conn:
        while True:  # a page at a time: a large sweep's summaries are never all in memory at once
            rows = conn.rows("SELECT sweep_point, id, seed, CAST(summary AS TEXT) FROM runs WHERE sweep_id = :sweep "
                             "AND sweep_point > :last ORDER BY sweep_point LIMIT :page",
                             {"sweep": sweep_id, "last": last, "page": PAGE})
            for point, run_id, seed, summary in rows:
                found = json.loads(summary)
                fc_sc = found.get("fc_sc")  # flat, or nested {"fc_sc", "fc_log_sc"} as runs once recorded it
                out[point] = {"run_id": run_id, "seed": seed,
                              "fc_sc": fc_sc.get("fc_sc") if isinstance(fc_sc, dict) else fc_sc,
                              "fc_fit": found.get("fc_fit"), "fcd_ks": found.get("fcd_ks")}
            if len(rows) < PAGE:
                return out
            last = rows[-1][0]
