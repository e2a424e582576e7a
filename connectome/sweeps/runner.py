"""Running a sweep: batches of points on Dask workers (or here, with one worker); the client records each point.

Without a scheduler address a `distributed.LocalCluster` on 127.0.0.1 sized to the machine (one
single-threaded worker per core, threads of this process; no dashboard unless asked), started while the
client compiles the first batch's kernel; with one worker, the batches run in this process and no
cluster starts; with a scheduler address, any running Dask
cluster (see `cluster`). A task is a batch of points stepped together (`batches`). Workers never touch
the database: they get the topology's rows once (scattered) and each batch's RunSpecs, and return each
point's summary and score, or its error; the client records every point of a finished batch at once, as
a run linked to the sweep, so a sweep killed midway loses no finished batch, and holds nothing per batch
but its future. A point that raises is reported, the others go on; a batch whose worker dies is retried
once (Dask's `retries=1`). The same sweep run by two processes at once (or resumed while it runs) shares
its points: a point recorded by the other is not submitted, or, if both ran it, the first record stands
and the other process counts the point as skipped.
"""

from __future__ import annotations

import os
import sys
import warnings
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Callable, Iterator

from ..errors import ConnectomeWarning
from ..sim.spec import RunSpec
from .cluster import check_options, connect, cores, local_cluster
from .grid import Grid

IN_FLIGHT_PER_WORKER = 4
SWEEP_POINT_INDEX = "ix_runs_sweep_point"  # one run per (sweep, point): the store's unique index


def score_of(scores: dict[str, Any], objective: str | None) -> float | None:
    """The point's score under the sweep's objective, from its recorded {fc_sc, fc_fit, fcd_ks}."""
    return {"fc-sc": scores.get("fc_sc"), "fc-fit": scores.get("fc_fit"), "fcd-ks": scores.get("fcd_ks")}.get(objective)


def run_sweep(store: Any, ref: str | None, base: RunSpec | None, grid: Grid | None, *, objective: str | None = None,
              empirical_fc: str | None = None, empirical_bold: str | None = None, empirical_fcd: str | None = None,
              scheduler: str | None = None, workers: int | None = None, batch: int | None = None,
              resume: int | None = None, dashboard: bool = False, progress: bool = False,
              on_point: Callable[[dict[str, Any]], None] | None = None,
              on_dashboard: Callable[[str], None] | None = None,
              error_text: Callable[[BaseException], str] = str) -> dict[str, Any]:
    """Run (or resume) a sweep of `ref` and return {sweep_id, points, ran, skipped, failed: [...], rows: [...]}.

    `workers` sizes the LocalCluster (at most the cores this process may use; 1: the points run in this
    process, no cluster); `scheduler` is the address of a running Dask scheduler instead; `batch` is the
    most points one kernel steps together (None: sized by memory and workers, see `batches`); `dashboard`
    opens the local cluster's dashboard on 127.0.0.1 and hands its address to `on_dashboard`. Points another
    process records meanwhile (the same sweep run twice at once) are left to it and counted in `skipped`.
    Each distinct ConnectomeWarning of the plan and the points is warned once, after they ran.
    `empirical_fc`, `empirical_bold` and `empirical_fcd` are the objective's empirical file (see `scores`). A
    failed point's error is written by `error_text`.
    """
    from .batches import check_batch
    from .plan import plan_sweep

    address = check_options(scheduler, workers, dashboard)
    check_batch(batch)
    remote = (connect(address), None) if address else None  # a scheduler that does not answer: nothing stored
    try:
        with _each_warning_once():
            empirical = {"fc": empirical_fc, "bold": empirical_bold, "fcd": empirical_fcd}
            plan = plan_sweep(store, ref, base, grid, objective, empirical, resume)
            todo = [i for i in range(plan.points) if i not in plan.done]
            here = remote is None and workers == 1 and not dashboard
            start = None if here else remote or (lambda: local_cluster(workers, dashboard, on_dashboard))
            count = len(remote[0].scheduler_info()["workers"]) if remote else workers or cores()
            tally = _compute(store, plan, todo, start, progress, on_point, batch, count)
    finally:
        if remote is not None:
            remote[0].close()
    rows = table(store, plan.sweep_id)
    return {"sweep_id": plan.sweep_id, "points": plan.points, "ran": tally["ran"], "skipped": tally["skipped"],
            "failed": [{"point": point, "error": f"{type(e).__name__}: {error_text(e)}".strip()}
                       for point, e in tally["failed"]], "rows": rows, "created": plan.created}


@contextmanager
def _each_warning_once() -> Iterator[None]:
    """Warn once of each warning the sweep's points raise (the same step warning of every point is one
    warning), after the block, from this thread (the local cluster's workers are this process's threads)."""
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConnectomeWarning)  # every one recorded; others as the caller filters them
            yield
    finally:
        seen: set[tuple[type, str]] = set()
        for w in caught:
            if (w.category, str(w.message)) not in seen:
                seen.add((w.category, str(w.message)))
                warnings.warn(w.message, stacklevel=3)


def _compute(store: Any, plan: Any, todo: list[int], connection: Any, progress: bool,
             on_point: Callable[[dict[str, Any]], None] | None, batch: int | None = None,
             workers: int = 1) -> dict[str, Any]:
    """Run the points not yet recorded in batches, record each point as its batch finishes; {ran, skipped,
    failed: [(point, error)]}. `connection` is a (client, cluster) pair, a function that starts one (a
    LocalCluster, closed here; it starts while the client compiles the first batch's kernel), or None: the
    batches run here, one after the other."""
    from tqdm import tqdm

    from .batches import batches, warm

    tally: dict[str, Any] = {"ran": 0, "skipped": 0, "failed": []}
    if not todo:
        return tally
    work = batches(plan, todo, workers, batch)
    with tqdm(total=len(todo), unit="point", file=sys.stderr, disable=not progress, leave=False) as bar:
        if connection is None:
            for points in work:
                _settle_batch(store, plan, _fresh(store, plan, points, tally, bar), None, tally, on_point, bar)
            return tally
        owned = callable(connection)
        starting = _Starting(connection) if owned else None
        if owned:
            warm(plan, work[0])  # compiled here once while the workers start: they load it from the cache
        client, cluster = starting.wait() if owned else connection
        try:
            _on_cluster(client, store, plan, work, tally, on_point, bar)
        finally:
            if owned:
                client.close()
                if cluster is not None:
                    cluster.close()
    return tally


class _Starting:
    """A LocalCluster starting in a thread of its own; `wait` gives its (client, cluster) or raises its error."""

    def __init__(self, start: Callable[[], tuple[Any, Any]]) -> None:
        import threading

        self.out: dict[str, Any] = {}
        self.thread = threading.Thread(target=self._start, args=(start,), name="connectome-cluster-start", daemon=True)
        self.thread.start()

    def _start(self, start: Callable[[], tuple[Any, Any]]) -> None:
        try:
            self.out["value"] = start()
        except BaseException as e:  # handed to the caller's thread
            self.out["error"] = e

    def wait(self) -> tuple[Any, Any]:
        self.thread.join()
        if "error" in self.out:
            raise self.out["error"]
        return self.out["value"]


def _fresh(store: Any, plan: Any, points: list[int], tally: dict[str, Any], bar: Any) -> list[int]:
    """The batch's points no other process has recorded meanwhile (those are counted as skipped)."""
    from ..store import sweeps as stored

    left = [p for p in points if not stored.has_point(store, plan.sweep_id, p)]
    tally["skipped"] += len(points) - len(left)
    bar.update(len(points) - len(left))
    return left


def _on_cluster(client: Any, store: Any, plan: Any, work: list[list[int]], tally: dict[str, Any],
                on_point: Callable[[dict[str, Any]], None] | None, bar: Any) -> None:
    """Submit the batches to Dask, a bounded window in flight, and record each as it finishes."""
    from distributed import as_completed

    from .batches import run_points

    rows = client.scatter(plan.rows, broadcast=True)
    empirical = None if plan.empirical is None else client.scatter(plan.empirical, broadcast=True)
    futures: dict[Any, list[int]] = {}
    waiting, pending = as_completed(loop=client.loop), iter(work)

    def submit_next() -> None:
        for points in pending:
            points = _fresh(store, plan, points, tally, bar)
            if not points:
                continue
            future = client.submit(run_points, rows, [plan.spec_json(p) for p in points], plan.version.ref, empirical,
                                   retries=1, pure=False,
                                   key=f"connectome-sweep-{plan.sweep_id}-{points[0]}-{len(points)}-{os.getpid()}")
            futures[future] = points
            waiting.add(future)
            return

    for _ in range(IN_FLIGHT_PER_WORKER * max(1, len(client.scheduler_info()["workers"]))):
        submit_next()  # a bounded window of batches in flight: the client's memory does not grow with the grid
    for future in waiting:
        points = futures.pop(future)
        _settle_batch(store, plan, points, future, tally, on_point, bar)
        future.release()
        submit_next()


def _settle_batch(store: Any, plan: Any, points: list[int], future: Any, tally: dict[str, Any],
                  on_point: Callable[[dict[str, Any]], None] | None, bar: Any) -> None:
    """Record a finished batch's points (each recorded, failed, or another process's); `future` None: run here."""
    from .batches import run_points

    if not points:
        return
    try:
        outs = future.result() if future is not None else \
            run_points(plan.rows, [plan.spec_json(p) for p in points], plan.version.ref, plan.empirical)
    except Exception as e:  # the batch's task failed after its retry (its worker died): each point fails with it
        outs = [{"error": e.with_traceback(None)}] * len(points)
    for point, out in zip(points, outs):
        _settle(store, plan, point, out, tally, on_point)
    bar.update(len(points))


def _settle(store: Any, plan: Any, point: int, out: dict[str, Any], tally: dict[str, Any],
            on_point: Callable[[dict[str, Any]], None] | None) -> None:
    """Record a finished point, or count it as failed, or as another process's."""
    from ..store import sweeps as stored

    if "error" in out:  # the point's own error
        if stored.has_point(store, plan.sweep_id, point):
            tally["skipped"] += 1
        else:
            tally["failed"].append((point, out["error"]))  # written once the sweep ends
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
        store._record_run(plan.version, neurons=neurons, parameters=spec, seed=spec.get("seed"),
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
