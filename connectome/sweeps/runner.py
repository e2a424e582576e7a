"""Running a sweep on Dask: workers compute points and return summaries; the client records each as it ends.

Without a scheduler address a `distributed.LocalCluster` on 127.0.0.1 sized to the machine (one
single-threaded worker process per core, no dashboard unless asked); with one, any running Dask cluster
(see `cluster`). Workers never touch the database: they get the topology's rows once (scattered) and each
point's RunSpec, and return its summary and score; the client records every finished point at once, as a
run linked to the sweep, so a sweep killed midway loses no finished point, and holds nothing per point but
its future. A point that raises, or whose worker dies, is retried once (Dask's `retries=1`), then
reported; the others go on. The same sweep run by two processes at once (or resumed while it runs) shares
its points: a point recorded by the other is not submitted, or, if both ran it, the first record stands
and the other process counts the point as skipped.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime
from typing import Any, Callable

from ..sim.spec import RunSpec
from .cluster import check_options, connect, local_cluster
from .grid import Grid
from .scores import point_scores

IN_FLIGHT_PER_WORKER = 4
SWEEP_POINT_INDEX = "ix_runs_sweep_point"  # one run per (sweep, point): the store's unique index


def run_point(rows: Any, spec_json: dict[str, Any], ref: str, target: dict[str, Any] | None) -> dict[str, Any]:
    """On a worker: one point's run; its summary (as `simulate` records it) and its scores."""
    from ..runs import run_summary
    from ..sim import checked_run, prepare

    spec = RunSpec.from_json(spec_json)
    started, clock = datetime.now(UTC), time.perf_counter()
    prepared = prepare(rows, spec)
    result = checked_run(prepared, warn=lambda _text: None)
    summary = run_summary(result, ref, prepared.spec, time.perf_counter() - clock, None)
    summary.update(point_scores(result, target))  # fc_fit or fcd_ks, against the empirical target
    return {"summary": summary, "started_at": started.isoformat(), "spec": prepared.spec.to_json()}


def score_of(scores: dict[str, Any], objective: str | None) -> float | None:
    """The point's score under the sweep's objective, from its recorded {fc_sc, fc_fit, fcd_ks}."""
    return {"fc-sc": scores.get("fc_sc"), "fc-fit": scores.get("fc_fit"), "fcd-ks": scores.get("fcd_ks")}.get(objective)


def run_sweep(store: Any, ref: str | None, base: RunSpec | None, grid: Grid | None, *, objective: str | None = None,
              empirical_fc: str | None = None, empirical_bold: str | None = None, empirical_fcd: str | None = None,
              scheduler: str | None = None, workers: int | None = None,
              resume: int | None = None, dashboard: bool = False, progress: bool = False,
              on_point: Callable[[dict[str, Any]], None] | None = None,
              on_dashboard: Callable[[str], None] | None = None,
              error_text: Callable[[BaseException], str] = str) -> dict[str, Any]:
    """Run (or resume) a sweep of `ref` and return {sweep_id, points, ran, skipped, failed: [...], rows: [...]}.

    `workers` sizes the LocalCluster (at most the cores this process may use); `scheduler` is the address of
    a running Dask scheduler instead; `dashboard` opens the local cluster's dashboard on 127.0.0.1 and hands
    its address to `on_dashboard`. Points another process records meanwhile (the same sweep run twice at
    once) are left to it and counted in `skipped`. `empirical_fc`, `empirical_bold` and `empirical_fcd` are
    the objective's empirical file (see `scores`). A failed point's error is written by `error_text`.
    """
    from .plan import plan_sweep

    address = check_options(scheduler, workers, dashboard)
    remote = (connect(address), None) if address else None  # a scheduler that does not answer: nothing stored
    try:
        empirical = {"fc": empirical_fc, "bold": empirical_bold, "fcd": empirical_fcd}
        plan = plan_sweep(store, ref, base, grid, objective, empirical, resume)
        todo = [i for i in range(plan.points) if i not in plan.done]
        start = remote or (lambda: local_cluster(workers, dashboard, on_dashboard))
        tally = _compute(store, plan, todo, start, progress, on_point)
    finally:
        if remote is not None:
            remote[0].close()
    rows = table(store, plan.sweep_id)
    return {"sweep_id": plan.sweep_id, "points": plan.points, "ran": tally["ran"], "skipped": tally["skipped"],
            "failed": [{"point": point, "error": f"{type(e).__name__}: {error_text(e)}".strip()}
                       for point, e in tally["failed"]], "rows": rows, "created": plan.created}


def _compute(store: Any, plan: Any, todo: list[int], connection: Any, progress: bool,
             on_point: Callable[[dict[str, Any]], None] | None) -> dict[str, Any]:
    """Submit the points not yet recorded, record each as it finishes; {ran, skipped, failed: [(point, error)]}.
    `connection` is a (client, cluster) pair, or a function that starts one (a LocalCluster, closed here)."""
    from distributed import as_completed
    from tqdm import tqdm

    from ..store import sweeps as stored

    tally: dict[str, Any] = {"ran": 0, "skipped": 0, "failed": []}
    if not todo:
        return tally
    owned = callable(connection)
    client, cluster = connection() if owned else connection
    try:
        rows = client.scatter(plan.rows, broadcast=True)
        empirical = None if plan.empirical is None else client.scatter(plan.empirical, broadcast=True)
        futures: dict[Any, int] = {}
        waiting, pending = as_completed(loop=client.loop), iter(todo)

        def submit_next() -> None:
            for point in pending:
                if stored.has_point(store, plan.sweep_id, point):  # recorded meanwhile by another process
                    tally["skipped"] += 1
                    bar.update(1)
                    continue
                future = client.submit(run_point, rows, plan.spec_json(point), plan.version.ref, empirical, retries=1,
                                       pure=False, key=f"connectome-sweep-{plan.sweep_id}-{point}-{os.getpid()}")
                futures[future] = point
                waiting.add(future)
                return

        with tqdm(total=len(todo), unit="point", file=sys.stderr, disable=not progress, leave=False) as bar:
            for _ in range(IN_FLIGHT_PER_WORKER * max(1, len(client.scheduler_info()["workers"]))):
                submit_next()  # a bounded window of points in flight: the client's memory does not grow with the grid
            for future in waiting:
                point = futures.pop(future)
                _settle(store, plan, point, future, tally, on_point)
                future.release()
                bar.update(1)
                submit_next()
    finally:
        if owned:
            client.close()
            if cluster is not None:
                cluster.close()
    return tally


def _settle(store: Any, plan: Any, point: int, future: Any, tally: dict[str, Any],
            on_point: Callable[[dict[str, Any]], None] | None) -> None:
    """Record a finished point, or count it as failed, or as another process's."""
    from ..store import sweeps as stored

    try:
        out = future.result()
    except Exception as e:  # the point's own error, after its retry
        if stored.has_point(store, plan.sweep_id, point):
            tally["skipped"] += 1
        else:
            tally["failed"].append((point, e.with_traceback(None)))  # written once the sweep ends
        return
    if _record(store, plan, point, out):
        tally["ran"] += 1
        if on_point is not None:
            on_point(out["summary"])
    else:
        tally["skipped"] += 1


def _record(store: Any, plan: Any, point: int, out: dict[str, Any]) -> bool:
    """Record a finished point as a run of the sweep; False if another process recorded that point first."""
    summary = out["summary"]
    spec = out["spec"]
    try:
        neurons = None if spec.get("neurons") is None else int(spec["neurons"])
        store.record_run(plan.version, neurons=neurons, parameters=spec, seed=spec.get("seed"),
                         summary=summary, output=None, started_at=datetime.fromisoformat(out["started_at"]),
                         wall_s=summary["wall_s"], peak_rss_bytes=summary["peak_rss_bytes"],
                         sweep=(plan.sweep_id, point))
    except Exception as e:
        if _point_taken(e):
            return False
        raise
    return True


def _point_taken(exc: BaseException) -> bool:
    """Whether `exc` (or what it wraps) is the unique violation of one run per sweep point."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        orig = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's error
        code = getattr(orig, "sqlite_errorname", None) or getattr(orig, "sqlstate", None)
        if code == "23505":
            return getattr(getattr(orig, "diag", None), "constraint_name", None) == SWEEP_POINT_INDEX
        if code == "SQLITE_CONSTRAINT_UNIQUE":
            return "runs.sweep_id, runs.sweep_point" in str(orig)
        if code == "SQLITE_CONSTRAINT_TRIGGER":  # the store's guard against OR REPLACE, on the same key
            return "runs (sweep_id, sweep_point)" in str(orig)
        exc = exc.__cause__ or exc.__context__
    return False


def table(store: Any, sweep_id: int) -> list[dict[str, Any]]:
    """Every recorded point: its number, axis values, seed, run id and score, in point order."""
    from ..store import sweeps as stored

    found = stored.get(store, sweep_id)
    grid, objective = Grid.from_json(found["spec"]["grid"]), found["spec"].get("objective")
    cells = grid.cells
    return [{"point": p, **cells[p // grid.seeds], "seed": r["seed"], "run_id": r["run_id"],
             "score": score_of(r, objective)}
            for p, r in stored.recorded(store, sweep_id).items()]
