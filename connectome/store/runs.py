"""Recorded runs in the store: append-only rows, pending while their output file is put in place, and a
logged deletion as the only way a run row goes.

Triggers refuse any UPDATE of a finished run and any DELETE of a run without its row in `run_deletions`
(which itself cannot change). A run that writes a file is first committed as pending (`runs.pending`
holds the file's identity and the writing process), then its file is renamed into place, then the mark
is cleared. A pending row whose process is gone is reconciled by the next command that writes to the
store: completed when its file is in place, else deleted (logged) with its temporary file.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..errors import DatabaseError, InputError, Mention
from ..processes import gone, started
from .connection import Conn
from .locks import lock_wait_ms

VERSION = re.compile(r"v([0-9]+)")  # a version in a reference: NAME@vN, or a bare vN

if TYPE_CHECKING:
    from .facade import Store, VersionRef

# a pending row written from another machine is taken as abandoned when older than this (plus twice the
# lock wait): its process cannot be seen from here, and the window it marks lasts milliseconds
STALE_S = 3600
_IN_FLIGHT: set[str] = set()  # staged files of this process between their pending row and its completion

_RUN_COLUMNS = ("SELECT r.id, t.name, v.version, r.neurons, r.seed, CAST(r.parameters AS TEXT), r.started_at, "
                "r.wall_s, r.peak_rss_bytes, r.output, CAST(r.summary AS TEXT), r.sweep_id, r.sweep_point, "
                "CAST(r.pending AS TEXT) FROM runs r LEFT JOIN topology_versions v ON v.id = r.version_id "
                "LEFT JOIN topologies t ON t.id = v.topology_id")


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def now() -> datetime:
    """The current time in UTC, to the second, as the store keeps times."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def stamp(value: datetime | str | None) -> str | None:
    """A stored time as ISO 8601 UTC (SQLite keeps text, servers a timestamp)."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(microsecond=0).isoformat() + "Z"


RUN_OUTPUT_SUFFIXES = (".npz", ".csv")


def _next_id(conn: Conn) -> int:
    """The id of the next run, known before its insert so that its summary can carry it (rows never change).

    SQLite would reuse the id of a deleted newest row: ids of deleted runs count as taken.
    """
    if conn.dialect == "postgresql":
        return conn.scalar("SELECT nextval(pg_get_serial_sequence('runs', 'id'))")
    taken = conn.scalar("SELECT max(m) FROM (SELECT max(id) AS m FROM runs UNION ALL "
                        "SELECT max(run_id) FROM run_deletions) AS ids")
    if (taken or 0) >= 2**63 - 1:
        raise DatabaseError("run ids are exhausted (a run or run_deletions row holds id 2^63 - 1: rows were "
                            "changed behind the store's guards); nothing was written")
    return (taken or 0) + 1


def pending_mark(output: str | os.PathLike, staged: str | os.PathLike) -> dict[str, Any]:
    """What a pending row records: where its complete `staged` file goes, that file's identity and the writer."""
    info = os.stat(staged)
    return {"output": os.path.abspath(output), "staged": os.path.abspath(staged), "host": socket.gethostname(),
            "pid": os.getpid(), "started": started(os.getpid()), "since": time.time(), "device": info.st_dev,
            "inode": info.st_ino, "size": info.st_size}


def record(store: Store, version: VersionRef, *, neurons: int | None, parameters: dict[str, Any], seed: int | None,
           summary: dict[str, Any], output: str | None, started_at: datetime, wall_s: float,
           peak_rss_bytes: int | None, sweep: tuple[int, int] | None = None,
           staged: str | os.PathLike | None = None) -> int:
    """Insert a run (see `Store._record_run`); with `staged`, as pending, its output column empty until completed."""
    mark = None if staged is None or output is None else pending_mark(output, staged)
    if mark is not None:
        _IN_FLIGHT.add(mark["staged"])  # before its commit: no reconciler of this process may take it as abandoned
    try:
        with store.db.connect() as conn, conn.transaction():
            run_id = _next_id(conn)
            sweep_id, point = sweep if sweep is not None else (None, None)
            conn.execute(
                "INSERT INTO runs (id, version_id, neurons, parameters, seed, summary, output, started_at, wall_s, "
                "peak_rss_bytes, sweep_id, sweep_point, pending) VALUES (:id, :version_id, :neurons, :parameters, "
                ":seed, :summary, :output, :started_at, :wall_s, :peak_rss_bytes, :sweep_id, :sweep_point, :pending)",
                {"id": run_id, "version_id": version.id, "neurons": neurons, "parameters": _text(parameters),
                 "seed": seed, "summary": _text({**summary, "run_id": run_id}),
                 "output": output if mark is None else None,
                 "started_at": conn.stamp(started_at.replace(tzinfo=None, microsecond=0)), "wall_s": wall_s,
                 "peak_rss_bytes": peak_rss_bytes, "sweep_id": sweep_id, "sweep_point": point,
                 "pending": None if mark is None else _text(mark)})
    except BaseException:
        if mark is not None:
            _IN_FLIGHT.discard(mark["staged"])
        raise
    return run_id


def complete(store: Store, run_id: int) -> bool:
    """Clear a run's pending mark, naming its output file; False when it was not pending (already done)."""
    mark = None
    try:
        with store.db.connect() as conn, conn.transaction():
            mark = conn.scalar("SELECT CAST(pending AS TEXT) FROM runs WHERE id = :id", {"id": run_id})
            if mark is None:
                return False
            staged = json.loads(mark)
            conn.execute("UPDATE runs SET output = :output, pending = NULL WHERE id = :id",
                         {"output": staged["output"], "id": run_id})
            return True
    finally:
        _IN_FLIGHT.discard(json.loads(mark)["staged"] if mark else "")


def discard(store: Store, run_id: int, reason: str) -> dict[str, Any] | None:
    """Delete a pending run of this process whose file did not get in place (logged); None if not pending."""
    with store.db.connect() as conn:
        mark = conn.scalar("SELECT CAST(pending AS TEXT) FROM runs WHERE id = :id", {"id": run_id})
    if mark is not None:
        _IN_FLIGHT.discard(json.loads(mark)["staged"])
    return delete(store, run_id, reason=reason, remove_output=False, pending=True)


def _abandoned(mark: dict[str, Any]) -> bool:
    """Whether the process that wrote a pending row is gone (exited, killed, or its id reused since)."""
    if mark.get("host") != socket.gethostname():
        return time.time() - float(mark.get("since", 0)) > STALE_S + 2 * lock_wait_ms() / 1000
    if mark.get("pid") == os.getpid():
        return mark.get("staged") not in _IN_FLIGHT
    start = mark.get("started")
    return gone(int(mark.get("pid", 0)), None if start is None else float(start))


def _same_file(path: str | None, mark: dict[str, Any]) -> bool:
    """Whether `path` is the very file the pending row recorded (same device, inode and size)."""
    try:
        info = os.stat(path) if path else None
    except OSError:
        return False
    return info is not None and (info.st_dev, info.st_ino, info.st_size) == \
        (mark.get("device"), mark.get("inode"), mark.get("size"))


def _own_temporary(mark: dict[str, Any]) -> bool:
    """Whether a pending row's `staged` path is the temporary its writer made beside its output: a row any client
    can insert never names another file to remove."""
    from ..atomic import is_temporary_of

    try:
        return is_temporary_of(mark["staged"], mark["output"], int(mark["pid"]))
    except (KeyError, TypeError, ValueError):
        return False


def reconcile(store: Store) -> list[dict[str, Any]]:
    """Settle the pending rows of processes that are gone: completed when their file is in place, else
    deleted through the deletion log with their temporary file. What was done, one dict per row."""
    with store.db.connect() as conn:
        rows = conn.rows("SELECT id, CAST(pending AS TEXT) FROM runs WHERE pending IS NOT NULL ORDER BY id")
    done = []
    for run_id, text in rows:
        mark = json.loads(text)
        try:
            if not isinstance(mark, dict) or not _abandoned(mark):
                continue
        except (TypeError, ValueError):  # a mark no writer of ours made: left alone (pending rows are never shown)
            continue
        if _same_file(mark.get("output"), mark):
            if complete(store, run_id):
                done.append({"run_id": run_id, "completed": True, "output": mark["output"]})
            continue
        if delete(store, run_id, reason="unfinished: its process ended before its output file was in place",
                  remove_output=False, pending=True) is not None:
            if _own_temporary(mark) and _same_file(mark["staged"], mark):
                with contextlib.suppress(OSError):
                    os.unlink(mark["staged"])
            done.append({"run_id": run_id, "completed": False, "output": None})
    return done


def delete(store: Store, run_id: int, *, reason: str | None = None, remove_output: bool = True,
           pending: bool = False) -> dict[str, Any] | None:
    """Delete a run: log it in `run_deletions` and delete its row in one transaction, then remove its output
    file. `pending`: delete a pending row instead (None when there is none)."""
    with store.db.connect() as conn, conn.transaction():
        row = conn.first(f"{_RUN_COLUMNS} WHERE r.id = :id", {"id": run_id})
        if row is None or (row[-1] is not None) != pending:
            if pending:
                return None
            raise missing(conn, run_id)
        found = _as_dict(row)
        deleted_at = now()
        conn.execute("INSERT INTO run_deletions (run_id, ref, output, record, reason, deleted_at) "
                     "VALUES (:run_id, :ref, :output, :record, :reason, :deleted_at)",
                     {"run_id": run_id, "ref": found["ref"], "output": found["output"], "record": _text(found),
                      "reason": reason, "deleted_at": conn.stamp(deleted_at)})
        conn.execute("DELETE FROM runs WHERE id = :id", {"id": run_id})
    outcome = {"run_id": run_id, "ref": found["ref"], "output": found["output"], "output_removed": False,
               "reason": reason, "deleted_at": stamp(deleted_at)}
    if remove_output and found["output"]:
        _remove_output(found["output"], outcome)
    return outcome


def _remove_output(path: str, outcome: dict[str, Any]) -> None:
    """Remove a deleted run's output file: only a regular file named as run outputs are (.npz, .csv), never a
    folder, a link or another kind of file a row inserted by any client might name."""
    import stat

    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or os.path.splitext(path)[1].lower() not in RUN_OUTPUT_SUFFIXES:
            outcome["output_error"] = "not a run's output file (a regular .npz or .csv file): left in place"
            return
        os.unlink(path)
        outcome["output_removed"] = True
    except FileNotFoundError:
        pass
    except OSError as exc:
        outcome["output_error"] = exc.strerror or str(exc)


def missing(conn: Conn, run_id: int) -> InputError:
    """The error for a run id that names no finished run: deleted (when and why, from the log), or never."""
    deleted = conn.first("SELECT deleted_at, reason FROM run_deletions WHERE run_id = :id", {"id": run_id})
    if deleted is not None:
        why = f": {deleted[1]}" if deleted[1] else ""
        return InputError(f"run {run_id}: deleted at {stamp(deleted[0])}{why} (see run_deletions)")
    return InputError(f"run {run_id}: no such run (see `runs list`)")


def _as_dict(row: tuple) -> dict[str, Any]:
    i, name, version, neurons, seed, params, started, wall, rss, output, summary, sweep_id, point, mark = row
    return {"id": i, "ref": f"{name}@v{version}", "neurons": neurons, "seed": seed, "parameters": json.loads(params),
            "started_at": stamp(started), "wall_s": wall, "peak_rss_bytes": rss, "output": output,
            "summary": json.loads(summary), "sweep_id": sweep_id, "sweep_point": point,
            **({"pending": json.loads(mark)} if mark is not None else {})}


def output_exists(path: str | None) -> bool | None:
    """Whether a run's output file is still where the run recorded it: True, False (moved or deleted since),
    or None (no output; or a relative path, recorded before outputs were recorded whole, whose folder is unknown).

    Examples
    --------
    >>> output_exists(None), output_exists("run.npz"), output_exists("/no/such/folder/run.npz")
    (None, None, False)
    """
    if not path or not os.path.isabs(path):
        return None
    return os.path.isfile(path)


_PUBLIC = ("id", "ref", "neurons", "seed", "parameters", "started_at", "wall_s", "peak_rss_bytes", "output",
           "summary")


def finished(store: Store, run_id: int | None = None) -> list[dict[str, Any]]:
    """Every finished run, oldest first, or the one with `run_id` (InputError when there is none); pending
    rows are left out. Each has `output_exists` (see `output_exists`) beside its recorded columns."""
    with store.db.connect() as conn:
        rows = (conn.rows(f"{_RUN_COLUMNS} WHERE r.pending IS NULL ORDER BY r.id") if run_id is None
                else conn.rows(f"{_RUN_COLUMNS} WHERE r.id = :id AND r.pending IS NULL", {"id": run_id}))
        if run_id is not None and not rows:
            raise missing(conn, run_id)
    return [_public(found) for found in map(_as_dict, rows)]


def _public(found: dict[str, Any]) -> dict[str, Any]:
    return {**{k: found[k] for k in _PUBLIC}, "output_exists": output_exists(found["output"])}


# a sweep's objective → the key of its score in a point's summary
_SCORE_KEYS = {"fc-sc": "fc_sc", "fc-fit": "fc_fit", "fcd-ks": "fcd_ks"}


def _score(summary: dict[str, Any], objective: str | None) -> float | None:
    """A run's score under `objective` (a FC–SC correlation recorded nested or flat)."""
    value = summary.get(_SCORE_KEYS.get(objective or "", ""))
    return value.get("fc_sc") if isinstance(value, dict) else value


def _listed(found: dict[str, Any], objectives: dict[int, str | None]) -> dict[str, Any]:
    """A run as `listing` gives it: its record with its model, duration, sweep point, objective and score."""
    summary, parameters = found["summary"], found["parameters"]
    sweep_id = found["sweep_id"]
    objective = objectives.get(sweep_id) if sweep_id is not None else None
    if objective is None and summary.get("fc_sc") is not None:
        objective = "fc-sc"  # a run's own FC–SC correlation, when it has FC
    duration = parameters.get("duration_ms", summary.get("duration_ms"))
    return {**_public(found), "model": parameters.get("model") or summary.get("model") or "rate",
            "duration_ms": duration, "sweep_id": sweep_id, "sweep_point": found["sweep_point"],
            "objective": objective, "score": _score(summary, objective)}


def listing(store: Store, *, ref: str | None = None, model: str | None = None, sweep: int | None = None,
            limit: int | None = None) -> list[dict[str, Any]]:
    """Finished runs, oldest first, filtered (see `Store.runs`), each with its model, duration, objective and score."""
    where, params = ["r.pending IS NULL"], {}
    if ref is not None:
        where.append(_ref_clause(store, ref, params))
    if sweep is not None:
        where.append("r.sweep_id = :sweep")
        params["sweep"] = sweep
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InputError(Mention("limit"), f": must be a whole number ≥ 1, got {limit!r}")
    with store.db.connect() as conn:
        rows = conn.rows(f"{_RUN_COLUMNS} WHERE {' AND '.join(where)} ORDER BY r.id", params)
        specs = conn.rows("SELECT id, CAST(spec AS TEXT) FROM sweeps")
    objectives = {i: json.loads(text).get("objective") for i, text in specs}
    if sweep is not None and sweep not in objectives:  # an unknown sweep is refused, not shown as no runs
        raise InputError(f"sweep {sweep}: no such sweep (see `sweeps list`)")
    found = [_listed(run, objectives) for run in map(_as_dict, rows)]
    if model is not None:
        found = [run for run in found if run["model"] == model]
    return found if limit is None else found[-limit:]


def _ref_clause(store: Store, ref: str, params: dict[str, Any]) -> str:
    """The WHERE clause of runs of `ref`: a topology's every version for a bare NAME, else the one version
    (NAME@vN, NAME@latest or vN) it resolves to."""
    if "@" not in ref and not VERSION.fullmatch(ref):
        with store.db.connect() as conn:
            topology = conn.scalar("SELECT id FROM topologies WHERE name = :name", {"name": ref})
        if topology is None:
            store.resolve(ref)  # raises: no topology of that name
        params["topology"] = topology
        return "v.topology_id = :topology"
    params["version"] = store.resolve(ref).id
    return "r.version_id = :version"


def deletions(store: Store) -> list[dict[str, Any]]:
    """The deletion log, oldest first: run id, ref, output, reason and when."""
    with store.db.connect() as conn:
        rows = conn.rows("SELECT run_id, ref, output, reason, deleted_at FROM run_deletions ORDER BY id")
    return [{"run_id": r, "ref": ref, "output": out, "reason": why, "deleted_at": stamp(at)}
            for r, ref, out, why, at in rows]
