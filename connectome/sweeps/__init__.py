"""Parameter sweeps on Dask: a grid of run parameters × seeds, every point a recorded run, resumable."""

from __future__ import annotations

from typing import Any

from .grid import Grid, parse_axis
from .runner import run_sweep


def sweep(store: Any, ref: str | None = None, neurons: int | None = None, *, grid: dict[str, Any] | list[str] = (),
          seeds: int = 1, objective: str | None = None, empirical_fc: str | None = None,
          empirical_bold: str | None = None, empirical_fcd: str | None = None, scheduler: str | None = None,
          workers: int | None = None, resume: int | None = None, dashboard: bool = False,
          **run: Any) -> dict[str, Any]:
    """Run (or resume) a sweep from Python, as `python cli.py sweep` does.

    `store` is a `Store` or a database path or URL; `grid` maps a parameter to its values (or is a list of
    `NAME=START:STOP:COUNT` / `NAME=V1,V2` texts); `run` are RunSpec fields (model, duration_ms, …).
    `objective` is "fc-sc", "fc-fit" (with `empirical_fc` or `empirical_bold`) or "fcd-ks" (with
    `empirical_bold` or `empirical_fcd`, and the RunSpec's `fcd_window_ms` and `fcd_step_ms`); see
    `connectome.sweeps.scores`.
    `workers` sizes the local cluster (at most this machine's cores); `scheduler` is a running Dask
    scheduler's address (`tcp://HOST:PORT`) instead; `dashboard` opens the local cluster's dashboard on
    127.0.0.1 (off by default).
    Returns {sweep_id, points, ran, skipped, failed, rows, created} (`skipped`: points another process
    recorded meanwhile); `rows` is one dict per recorded point:
    point, the axes' values, seed, run_id, score (a table: `pandas.DataFrame(result["rows"])`).
    """
    from ..sim import make_spec
    from ..store import Store

    if not isinstance(store, Store):
        store = Store(store)
    base = axes = None
    if resume is None:
        texts = list(grid) if not isinstance(grid, dict) else \
            [f"{name}={','.join(str(v) for v in values)}" for name, values in grid.items()]
        axes = Grid.parse(texts, seeds)
        base = make_spec(neurons, **run)
    return run_sweep(store, ref, base, axes, objective=objective, empirical_fc=empirical_fc,
                     empirical_bold=empirical_bold, empirical_fcd=empirical_fcd, scheduler=scheduler,
                     workers=workers, resume=resume, dashboard=dashboard)


__all__ = ["Grid", "parse_axis", "run_sweep", "sweep"]
