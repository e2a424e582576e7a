"""Running a sweep on Dask: workers compute points and return summaries; the client records each as it ends.

Without a scheduler address a `distributed.LocalCluster` sized to the machine (one single-threaded worker
process per core); with one, any running Dask cluster. Workers never touch the database: they get the
topology's rows once (scattered) and each point's RunSpec, and return its summary and score; the client
records every finished point at once, as a run linked to the sweep, so a sweep killed midway loses no
finished point, and holds nothing per point but its future. A point that raises, or whose worker dies,
is retried once (Dask's `retries=1`), then reported; the others go on.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from datetime import UTC, datetime
from typing import Any, Callable

from ..errors import InputError
from ..sim.spec import RunSpec
from .grid import Grid
from .scores import fc_fit

IN_FLIGHT_PER_WORKER = 4


def run_point(rows: Any, spec_json: dict[str, Any], ref: str, empirical: Any) -> dict[str, Any]:
    """On a worker: one point's run; its summary (as `simulate` records it) and its scores."""
    from ..runs import run_summary
    from ..sim import estimate_prepared, prepare, run, verdict

    spec = RunSpec.from_json(spec_json)
    started, clock = datetime.now(UTC), time.perf_counter()
    prepared = prepare(rows, spec)
    verdict(estimate_prepared(prepared))
    result = run(prepared)
    summary = run_summary(result, ref, prepared.spec, time.perf_counter() - clock, None)
    if empirical is not None:
        summary["fc_fit"] = fc_fit(result.fc, empirical)
    return {"summary": summary, "started_at": started.isoformat(), "spec": prepared.spec.to_json()}


def score_of(scores: dict[str, Any], objective: str | None) -> float | None:
    """The point's score under the sweep's objective, from its recorded {fc_sc, fc_fit}."""
    return {"fc-sc": scores.get("fc_sc"), "fc-fit": scores.get("fc_fit")}.get(objective)


def _client(scheduler: str | None, workers: int | None):
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="10s"), None
        except (OSError, TimeoutError) as e:
            raise InputError(f"--scheduler {scheduler}: no Dask scheduler answers there ({e})") from None
    n = workers or len(os.sched_getaffinity(0))
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=logging.ERROR)
    return Client(cluster), cluster


def run_sweep(store: Any, ref: str | None, base: RunSpec | None, grid: Grid | None, *, objective: str | None = None,
              empirical_fc: str | None = None, scheduler: str | None = None, workers: int | None = None,
              resume: int | None = None, progress: bool = False,
              on_point: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run (or resume) a sweep of `ref` and return {sweep_id, points, failed: [...], rows: [...]}."""
    from .plan import plan_sweep

    remote = _client(scheduler, None) if scheduler else None  # a scheduler that does not answer: nothing stored
    try:
        plan = plan_sweep(store, ref, base, grid, objective, empirical_fc, resume)
        todo = [i for i in range(plan.points) if i not in plan.done]
        failed = _compute(store, plan, todo, remote or (lambda: _client(None, workers)), progress, on_point)
    finally:
        if remote is not None:
            remote[0].close()
    rows = table(store, plan.sweep_id)
    return {"sweep_id": plan.sweep_id, "points": plan.points, "ran": len(todo) - len(failed), "failed": failed,
            "rows": rows, "created": plan.created}


def _compute(store: Any, plan: Any, todo: list[int], connection: Any, progress: bool,
             on_point: Callable[[dict[str, Any]], None] | None) -> list[dict[str, Any]]:
    """Submit the points not yet recorded, record each as it finishes; the failures. `connection` is a
    (client, cluster) pair, or a function that starts one (a LocalCluster, closed here)."""
    from distributed import as_completed
    from tqdm import tqdm

    if not todo:
        return []
    failed = []
    owned = callable(connection)
    client, cluster = connection() if owned else connection
    try:
        rows = client.scatter(plan.rows, broadcast=True)
        empirical = None if plan.empirical is None else client.scatter(plan.empirical, broadcast=True)
        futures: dict[Any, int] = {}
        waiting, pending = as_completed(), iter(todo)

        def submit_next() -> None:
            point = next(pending, None)
            if point is not None:
                future = client.submit(run_point, rows, plan.spec_json(point), plan.version.ref, empirical, retries=1,
                                       pure=False, key=f"connectome-sweep-{plan.sweep_id}-{point}-{os.getpid()}")
                futures[future] = point
                waiting.add(future)

        for _ in range(IN_FLIGHT_PER_WORKER * max(1, len(client.scheduler_info()["workers"]))):
            submit_next()  # a bounded window of points in flight: the client's memory does not grow with the grid
        with tqdm(total=len(todo), unit="point", file=sys.stderr, disable=not progress, leave=False) as bar:
            for future in waiting:
                point = futures.pop(future)
                try:
                    out = future.result()
                except Exception as e:  # the point's own error, after its retry
                    failed.append({"point": point, "error": f"{type(e).__name__}: {e}".strip()})
                else:
                    _record(store, plan, point, out)
                    if on_point is not None:
                        on_point(out["summary"])
                future.release()
                bar.update(1)
                submit_next()
    finally:
        if owned:
            client.close()
            if cluster is not None:
                cluster.close()
    return failed


def _record(store: Any, plan: Any, point: int, out: dict[str, Any]) -> None:
    summary = out["summary"]
    spec = out["spec"]
    store.record_run(plan.version, neurons=int(spec["neurons"]), parameters=spec, seed=spec.get("seed"),
                     summary=summary, output=None, started_at=datetime.fromisoformat(out["started_at"]),
                     wall_s=summary["wall_s"], peak_rss_bytes=summary["peak_rss_bytes"],
                     sweep=(plan.sweep_id, point))


def table(store: Any, sweep_id: int) -> list[dict[str, Any]]:
    """Every recorded point: its number, axis values, seed, run id and score, in point order."""
    from ..store import sweeps as stored

    found = stored.get(store, sweep_id)
    grid, objective = Grid.from_json(found["spec"]["grid"]), found["spec"].get("objective")
    cells = grid.cells
    return [{"point": p, **cells[p // grid.seeds], "seed": r["seed"], "run_id": r["run_id"],
             "score": score_of(r, objective)}
            for p, r in stored.recorded(store, sweep_id).items()]
