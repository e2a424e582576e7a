"""`sweep` and `sweeps list|show|plot`: parameter sweeps on Dask, every point a recorded run."""

from __future__ import annotations

import sys
from functools import partial
from typing import Any

import click

from ..errors import InputError
from ..sweeps.scores import OBJECTIVES
from .common import Command, Group, ROW_ID, emit, json_option, store_of, table, warnings_shown
from .flags import spelled
from .simulate import run_options, simulation_options, spec_of_options

EXIT_FAILED_POINTS = 5


@click.command(cls=Command)
@partial(simulation_options, required=False)
@run_options
@click.option("--grid", "axes", multiple=True, metavar="NAME=START:STOP:COUNT|NAME=V1,V2,…",
              help="An axis of the sweep (a run parameter: coupling, speed, dt, duration, neurons, noise.VAR, "
                   "coupling.NAME or a model parameter); repeatable: the grid is their product.")
@click.option("--seeds", type=click.IntRange(1), default=1, show_default=True, help="Runs per grid cell, seeds "
              "from numpy.random.SeedSequence(--seed).spawn.")
@click.option("--objective", type=click.Choice(list(OBJECTIVES)),
              help="Score every point: fc-sc (FC against the structure), fc-fit (Pearson correlation with an "
                   "empirical FC), fcd-ks (KS distance of the FCD from an empirical FCD; lower is better; takes "
                   "--fcd-window and --fcd-step).")
@click.option("--empirical-fc", type=click.Path(dir_okay=False), help="The empirical FC of fc-fit (.npy in the "
              "topology's region order, or a labelled .csv matrix).")
@click.option("--empirical-bold", type=click.Path(dir_okay=False), help="An empirical time series, for fc-fit (its "
              "FC) or fcd-ks (its FCD): .npy [samples, regions] or a .mat with one matrix (either way round) sampled "
              "every --bold-period ms, or a .csv with a header of region labels, optionally after a time_ms column.")
@click.option("--empirical-fcd", type=click.Path(dir_okay=False), help="The empirical FCD of fcd-ks (a square .npy, "
              "with the same --fcd-window and --fcd-step).")
@click.option("--scheduler", metavar="ADDRESS", help="A running Dask scheduler, tcp://HOST:PORT (tls:// with Dask's "
              "TLS settings), which must answer within 5 s [default: a LocalCluster on this machine, on 127.0.0.1].")
@click.option("--workers", type=click.IntRange(1), help="Workers of the LocalCluster, at most one per core; 1: the "
              "points run in this process, no cluster [default: one per core].")
@click.option("--batch", type=click.IntRange(1), metavar="K", help="At most K points stepped together by one kernel "
              "(points that differ only in coupling, parameters, noise, seed, stimuli or initial state) "
              "[default: up to 16, as memory and the workers allow].")
@click.option("--dashboard", is_flag=True, help="Open the LocalCluster's Dask dashboard on 127.0.0.1 and print its "
              "address on stderr [default: no dashboard].")
@click.option("--resume", type=ROW_ID, metavar="ID", help="Run the points of sweep ID that have no recorded run.")
@json_option
@click.pass_context
def sweep(ctx: click.Context, ref: str | None, neurons: int | None, axes: tuple[str, ...], seeds: int,
          objective: str | None, empirical_fc: str | None, empirical_bold: str | None, empirical_fcd: str | None,
          scheduler: str | None, workers: int | None, batch: int | None, dashboard: bool, resume: int | None,
          as_json: bool,
          **options: Any) -> None:
    """Run a grid of runs on Dask; each point is recorded as it finishes, and a re-run resumes.

    \b
    Examples:
      connectome sweep --topology multi_region@v1 --neurons 1e7 --model linear --grid coupling=0:0.9:4 --seeds 2 --objective fc-sc --workers 2
      connectome sweep --topology multi_region@v1 --neurons 1e7 --model linear --monitor bold --duration 600000 --grid coupling=0:0.9:4 --objective fcd-ks --fcd-window 60000 --fcd-step 2000 --empirical-bold bold.csv
    """
    from ..sweeps import Grid, run_sweep
    from ..sweeps.cluster import check_options
    from ..sweeps.plan import check_resume_alone

    check_options(scheduler, workers, dashboard)  # refused before the store is opened
    if resume is None:
        if ref is None or not axes:
            raise InputError("sweep: give --topology and at least one --grid (or --resume ID)")
        base, grid = spec_of_options(neurons, options), Grid.parse(axes, seeds)
    else:
        check_resume_alone(resume, {"ref": ref, "neurons": neurons, "grid": axes, "objective": objective,
                                    "empirical_fc": empirical_fc, "empirical_bold": empirical_bold,
                                    "empirical_fcd": empirical_fcd})
        base = grid = None
    with warnings_shown():
        out = run_sweep(store_of(ctx), ref, base, grid, objective=objective, empirical_fc=empirical_fc,
                        empirical_bold=empirical_bold, empirical_fcd=empirical_fcd, scheduler=scheduler,
                        workers=workers, batch=batch, resume=resume, dashboard=dashboard,
                        progress=not as_json and sys.stderr.isatty(),
                        on_dashboard=lambda link: click.echo(f"dashboard: {link}", err=True), error_text=spelled)
    if as_json:
        emit({k: v for k, v in out.items() if k != "created"})
    else:
        verb = "started" if out["created"] else "resumed"
        others = f", {out['skipped']} run by another process" if out["skipped"] else ""
        click.echo(f"sweep {out['sweep_id']} {verb}: {out['ran']} points run now{others}, {len(out['rows'])} of "
                   f"{out['points']} recorded")
        _print_table(out["rows"])
    for failure in out["failed"]:
        click.echo(f"error: point {failure['point']} failed: {failure['error']}", err=True)
    if out["failed"]:
        ctx.exit(EXIT_FAILED_POINTS)


def _print_table(rows: list[dict[str, Any]], limit: int | None = None) -> None:
    if not rows:
        return
    names = [k for k in rows[0] if k not in ("point", "seed", "run_id", "score")]
    shown = rows if limit is None else rows[:limit]
    click.echo(table([(r["point"], *(f"{r[n]:g}" for n in names), r["run_id"],
                       "-" if r["score"] is None else f"{r['score']:.4f}") for r in shown],
                     ["point", *names, "run", "score"]))


@click.group("sweeps", cls=Group)
def sweeps() -> None:
    """Recorded sweeps: list, show, plot."""


@sweeps.command("list")
@json_option
@click.pass_context
def list_sweeps(ctx: click.Context, as_json: bool) -> None:
    """Every sweep with its axes and how many points are recorded.

    \b
    Example:
      connectome sweeps list
    """
    from ..store import sweeps as stored

    found = stored.all_sweeps(store_of(ctx))
    if as_json:
        return emit(found)
    click.echo(table([(s["id"], s["ref"], " x ".join(f"{n}[{len(v)}]" for n, v in s["spec"]["grid"]["axes"]),
                       s["spec"]["grid"]["seeds"], s["spec"]["objective"] or "-", f"{s['recorded']}/{s['points']}",
                       s["created_at"]) for s in found],
                     ["id", "ref", "grid", "seeds", "objective", "recorded", "created_at"]))


@sweeps.command("show")
@click.argument("sweep_id", type=ROW_ID)
@json_option
@click.pass_context
def show_sweep(ctx: click.Context, sweep_id: int, as_json: bool) -> None:
    """The points of a sweep, best score first, and the best point.

    \b
    Example:
      connectome sweeps show 1 --json
    """
    from ..store import sweeps as stored
    from ..sweeps.runner import table as points
    from ..sweeps.scores import best_first

    found = stored.get(store_of(ctx), sweep_id)
    rows = sorted(points(store_of(ctx), sweep_id), key=best_first(found["spec"]["objective"]))
    if as_json:
        return emit({**found, "rows": rows, "best": rows[0] if rows and rows[0]["score"] is not None else None})
    click.echo(f"sweep {sweep_id} of {found['ref']}: {found['recorded']}/{found['points']} points recorded, "
               f"objective {found['spec']['objective'] or '-'}")
    _print_table(rows)
    if rows and rows[0]["score"] is not None:
        best = rows[0]
        click.echo("best: " + ", ".join(f"{k}={v:g}" for k, v in best.items() if k not in ("point", "seed", "run_id",
                                                                                            "score"))
                   + f" (run {best['run_id']}, score {best['score']:.4f})")


@sweeps.command("plot")
@click.argument("sweep_id", type=ROW_ID)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The picture (.png or .svg).")
@click.pass_context
def plot_sweep(ctx: click.Context, sweep_id: int, output: str) -> None:
    """The score over a one- or two-parameter grid (a line, or a heatmap), mean over seeds.

    \b
    Example:
      connectome sweeps plot 1 -o sweep.png
    """
    from ..sweeps.plot import plot

    with warnings_shown():
        plot(store_of(ctx), sweep_id, output)
    click.echo(f"sweep {sweep_id} plotted to {output}")

