"""Parameter sweeps on Dask: a grid of run parameters × seeds, every point a recorded run, resumable."""

from __future__ import annotations

from typing import Any

from .grid import Grid, parse_axis


def __getattr__(name: str) -> Any:  # the runner (numpy, the engine) only when a sweep runs
    if name == "run_sweep":
        from .runner import run_sweep

        return run_sweep
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def sweep(store: Any, ref: str | None = None, neurons: int | None = None, *, grid: dict[str, Any] | list[str] = (),
          seeds: int = 1, objective: str | None = None, empirical_fc: str | None = None,
          empirical_bold: str | None = None, empirical_fcd: str | None = None, scheduler: str | None = None,
          workers: int | None = None, batch: int | None = None, resume: int | None = None,
          dashboard: bool = False, **run: Any) -> SweepResult:
    """Run (or resume) a sweep from Python, as the `sweep` command does.

    It runs from a plain script, guarded by ``if __name__ == "__main__":`` or not, and from a notebook (the
    local cluster's workers are threads of this process: nothing runs the script again). Running the same
    sweep again resumes it: the points already recorded are not run twice.

    Parameters
    ----------
    store : Store or str
        A `Store`, or a database path or URL.
    ref : str, optional
        The stored version to run (`NAME@vN`, `NAME`); not needed with `resume`.
    neurons : int, optional
        The total N, for the models that use it.
    grid : dict or list of str
        A parameter to its values, or `NAME=START:STOP:COUNT` / `NAME=V1,V2` texts (`connectome.sweeps.grid`).
        Values are numbers of any numpy or Python type, lists, ranges or 0-d/1-d arrays, each kept as the
        exact number given (`Grid.of`).
    seeds : int
        Runs per grid cell, each with its own seed drawn from the RunSpec's `seed`.
    objective : {"fc-sc", "fc-fit", "fcd-ks"}, optional
        The score of each point (`connectome.sweeps.scores`): "fc-fit" with `empirical_fc` or `empirical_bold`,
        "fcd-ks" with `empirical_bold` or `empirical_fcd` and the RunSpec's `fcd_window_ms` and `fcd_step_ms`.
    empirical_fc, empirical_bold, empirical_fcd : str, optional
        The objective's empirical file.
    scheduler : str, optional
        A running Dask scheduler's address (`tcp://HOST:PORT`), instead of a local cluster.
    workers : int, optional
        The local cluster's size (at most this machine's cores; 1: the points run in this process).
    batch : int, optional
        The most points one kernel steps together (None: up to 16, as memory and workers allow).
    resume : int, optional
        A sweep's id: run its points that have no recorded run, with its stored parameters (refused with
        `ref`, `neurons`, `grid`, `objective`, an empirical file or a RunSpec field, which it would ignore).
    dashboard : bool
        Open the local cluster's dashboard on 127.0.0.1.
    **run
        RunSpec fields (model, duration_ms, seed, …): what every point shares.

    Returns
    -------
    SweepResult
        The dict {sweep_id, points, ran, skipped, failed, rows, created} (`skipped`: points another process
        recorded meanwhile); `rows` is one dict per recorded point: point, the axes' values, seed, run_id,
        score; `.to_dataframe()` gives them as a table.

    Examples
    --------
    >>> import os, tempfile, networkx as nx
    >>> from connectome import Store
    >>> store = Store(os.path.join(tempfile.mkdtemp(), "lab.db"))
    >>> g = nx.DiGraph([("a", "b", {"strength": 1.0}), ("b", "c", {"strength": 2.0}), ("a", "c", {"strength": 5.0})])
    >>> nx.set_node_attributes(g, 1.0, "share"); g.graph["name"] = "trio"; ref = store.save(g).ref
    >>> result = sweep(store, ref, model="kuramoto", grid={"coupling": [0.0, 1.0]}, duration_ms=20.0,
    ...                objective="fc-sc", workers=1, seed=1)
    >>> result["points"], result["ran"], result["failed"], [round(row["score"], 3) for row in result["rows"]]
    (2, 2, [], [-0.388, 0.327])
    """
    from ..sim import make_spec
    from ..store import Store
    from .plan import check_resume_alone
    from .runner import run_sweep

    check_resume_alone(resume, {"ref": ref, "neurons": neurons, "grid": grid, "objective": objective,
                                "empirical_fc": empirical_fc, "empirical_bold": empirical_bold,
                                "empirical_fcd": empirical_fcd, **run})
    base = axes = None
    if resume is None:  # checked before the store is opened: a bad argument creates no database
        axes = Grid.of(grid, seeds)
        base = make_spec(neurons, **run)
    if not isinstance(store, Store):
        store = Store(store)
    return SweepResult(run_sweep(store, ref, base, axes, objective=objective, empirical_fc=empirical_fc,
                                 empirical_bold=empirical_bold, empirical_fcd=empirical_fcd, scheduler=scheduler,
                                 workers=workers, batch=batch, resume=resume, dashboard=dashboard))


class SweepResult(dict):
    """What `sweep` returns: the dict {sweep_id, points, ran, skipped, failed, rows, created}, and its rows as
    a table.

    Examples
    --------
    >>> result = SweepResult(rows=[{"point": 0, "coupling": 0.0, "seed": 5, "run_id": 1, "score": 0.25}])
    >>> result.to_dataframe().to_dict("index")
    {0: {'coupling': 0.0, 'seed': 5, 'run_id': 1, 'score': 0.25}}
    """

    def to_dataframe(self) -> Any:
        """A `pandas.DataFrame` of the recorded points (the `notebook` extra): indexed by point, a column per
        axis, then seed, run_id and score (None where the sweep has no objective).

        Returns
        -------
        pandas.DataFrame
            One row per recorded point.

        Raises
        ------
        MissingExtra
            pandas is not installed.

        Examples
        --------
        >>> rows = [{"point": 0, "coupling": 0.0, "seed": 5, "run_id": 1, "score": 0.25},
        ...         {"point": 1, "coupling": 1.0, "seed": 5, "run_id": 2, "score": 0.5}]
        >>> table = SweepResult(sweep_id=1, rows=rows).to_dataframe()
        >>> table.index.name, table.columns.tolist(), table.shape, table["score"].tolist()
        ('point', ['coupling', 'seed', 'run_id', 'score'], (2, 4), [0.25, 0.5])
        """
        return frame(self["rows"])


def frame(rows: list[dict[str, Any]]) -> Any:
    """Sweep rows (`SweepResult["rows"]`, `runner.table`) as a `pandas.DataFrame` indexed by point.

    Examples
    --------
    >>> frame([{"point": 3, "gamma": -1.0, "seed": 1, "run_id": 9, "score": None}]).columns.tolist()
    ['gamma', 'seed', 'run_id', 'score']
    """
    from ..extras import require

    pd, = require("notebook", "SweepResult.to_dataframe", "pandas")
    table = pd.DataFrame.from_records(rows, columns=list(rows[0]) if rows else ["point", "seed", "run_id", "score"])
    return table.set_index("point")


__all__ = ["Grid", "SweepResult", "frame", "parse_axis", "run_sweep", "sweep"]
