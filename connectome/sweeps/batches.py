"""A sweep's points in batches: each batch one kernel stepping its points in lockstep (`connectome.sim.batch`).

Points whose specs differ only in per-point fields (coupling, parameters, noise intensities, seed,
stimuli, initial state) share batches; points that change the plan (speed, dt, duration, N, the model)
go to batches of their own. A batch holds at most `batch` points (by default MAX_BATCH, fewer where the
memory of one worker would not hold them, and no more than spread the points over every worker). A
batch is one task: the worker prepares its points, runs them together and returns every point's
summary and scores, or the error that refused it, as data.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from ..errors import InputError, Mention

MAX_BATCH = 16  # past this, the batch's history and monitors leave the caches: no faster per point


def check_batch(batch: Any) -> None:
    """`batch` is None (sized by the sweep) or a whole number ≥ 1.

    Examples
    --------
    >>> check_batch(8)
    >>> check_batch(0)
    Traceback (most recent call last):
    ...
    connectome.errors.InputError: batch: must be a whole number ≥ 1, got 0
    """
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 1):
        raise InputError(Mention("batch"), f": must be a whole number ≥ 1, got {batch!r}")


def batch_size(prepared: Any, points: int, workers: int, batch: int | None) -> int:
    """How many points of one plan share a batch: `batch` if given, else MAX_BATCH, at most what a fair share
    of the memory holds (half of what is available, divided among the workers) and at most the points
    spread over every worker; 1 for a finite-size population (it runs alone)."""
    import psutil

    from ..sim.memory import estimate

    if prepared.population:
        return 1
    if batch is not None:
        return batch
    per_point = max(1, estimate(prepared)["run_bytes"])
    fits = int(psutil.virtual_memory().available // 2 // max(1, workers) // per_point)
    return max(1, min(MAX_BATCH, fits, math.ceil(points / max(1, workers))))


def batches(plan: Any, todo: list[int], workers: int, batch: int | None) -> list[list[int]]:
    """The points `todo` of the sweep `plan` as batches: grouped by what they share, cut to their batch size."""
    from ..sim import prepare
    from ..sim.batch import batch_key
    from ..sim.spec import RunSpec

    groups: dict[str, list[int]] = defaultdict(list)
    specs = {}
    for point in todo:
        spec = RunSpec.from_json(plan.spec_json(point))
        key = batch_key(spec)
        groups[key].append(point)
        specs.setdefault(key, spec)
    out = []
    for key, points in groups.items():
        try:
            size = batch_size(prepare(plan.rows, specs[key]), len(points), workers, batch)
        except InputError:
            size = 1  # the group's first point is refused: each point runs, and fails, alone
        out += [points[i:i + size] for i in range(0, len(points), size)]
    return out


def run_points(rows: Any, specs: list[dict[str, Any]], ref: str, target: dict[str, Any] | None) -> list[dict[str, Any]]:
    """On a worker: the points of one batch (their RunSpecs as JSON) run together; for each, its summary (as
    `simulate` records it, its wall time the batch's shared out), its scores and its spec, or {"error": e}."""
    from ..runs import run_summary
    from ..sim import prepare
    from ..sim.batch import run_batch
    from ..sim.memory import estimate, verdict
    from ..sim.spec import RunSpec
    from .scores import point_scores

    started, clock = datetime.now(UTC), time.perf_counter()
    out: list[dict[str, Any] | None] = [None] * len(specs)
    ready = []
    for i, spec_json in enumerate(specs):
        try:
            prepared = prepare(rows, RunSpec.from_json(spec_json))
            verdict(estimate(prepared))
            ready.append((i, prepared))
        except InputError as error:
            out[i] = {"error": error}
    results = run_batch([p for _, p in ready], threads=1) if ready else []
    wall = (time.perf_counter() - clock) / max(1, len(specs))
    for (i, prepared), result in zip(ready, results):
        if isinstance(result, InputError):
            out[i] = {"error": result}
            continue
        summary = run_summary(result, ref, prepared.spec, wall, None)
        summary.update(point_scores(result, target))  # fc_fit or fcd_ks, against the empirical target
        out[i] = {"summary": summary, "started_at": started.isoformat(), "spec": prepared.spec.to_json()}
    return out


def warm(plan: Any, first: list[int]) -> None:
    """Compile the kernel of the batch `first` (or load it from the cache folder), stepping nothing."""
    from ..sim import prepare
    from ..sim.batch import compile_batch
    from ..sim.spec import RunSpec

    try:
        compile_batch([prepare(plan.rows, RunSpec.from_json(plan.spec_json(p))) for p in first], threads=1)
    except InputError:
        return  # the batch's own run reports it
