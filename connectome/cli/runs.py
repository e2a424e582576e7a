"""`runs …`: the recorded simulation runs."""

from __future__ import annotations

import json

import click

from .common import ROW_ID, emit, json_option, store_of, table
from .simulate import print_summary


@click.group()
def runs() -> None:
    """Recorded simulation runs."""


@runs.command("list")
@json_option
@click.pass_context
def runs_list(ctx: click.Context, as_json: bool) -> None:
    """List recorded runs, oldest first.

    \b
    Example:
      python cli.py runs list --json
    """
    found = store_of(ctx).runs()
    if as_json:
        return emit(found)
    click.echo(table([(r["id"], r["ref"], r["neurons"], r["started_at"], f"{r['wall_s']:.2f}",
                        " -> ".join(r["summary"]["propagation_order"])) for r in found],
                      ["id", "ref", "neurons", "started_at", "wall_s", "propagation"]))


@runs.command("show")
@click.argument("run_id", type=ROW_ID)
@json_option
@click.pass_context
def runs_show(ctx: click.Context, run_id: int, as_json: bool) -> None:
    """Show one recorded run: its parameters and summary.

    \b
    Example:
      python cli.py runs show 1
    """
    found = store_of(ctx).run(run_id)
    if as_json:
        return emit(found)
    print_summary(found["summary"])
    click.echo("parameters: " + json.dumps(found["parameters"], ensure_ascii=False))


@runs.command("rerun")
@click.argument("run_id", type=ROW_ID)
@click.option("--output", type=click.Path(path_type=str), help="Write the new run's activity (.npz or .csv).")
@json_option
@click.pass_context
def runs_rerun(ctx: click.Context, run_id: int, output: str | None, as_json: bool) -> None:
    """Run again exactly what run RUN_ID ran (same version, same RunSpec and seed); recorded as a new run.

    \b
    Example:
      python cli.py runs rerun 1 --output again.npz
    """
    from ..runs import spec_of_run, simulate_version

    store = store_of(ctx)
    found = store.run(run_id)
    summary = simulate_version(store, store.resolve(found["ref"]), spec_of_run(found), output=output,
                               warn=lambda text: click.echo(f"warning: {text}", err=True))
    if as_json:
        return emit(summary)
    print_summary(summary)

