"""`runs …`: the recorded simulation runs."""

from __future__ import annotations

import json

import click

from .common import Group, ROW_ID, complete_ref, emit, json_option, store_of, table
from .simulate import print_summary


@click.group(cls=Group)
def runs() -> None:
    """Recorded simulation runs."""


@runs.command("list")
@click.option("--ref", metavar="REF", shell_complete=complete_ref,
              help="Only runs of this topology (NAME: every version; NAME@vN: that version).")
@click.option("--model", metavar="NAME", help="Only runs of this model.")
@click.option("--sweep", type=ROW_ID, metavar="ID", help="Only the points of this sweep.")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="Only the newest N runs that match.")
@json_option
@click.pass_context
def runs_list(ctx: click.Context, ref: str | None, model: str | None, sweep: int | None, limit: int | None,
              as_json: bool) -> None:
    """List recorded runs, oldest first: model, duration, score and output file.

    The score is the run's sweep objective's, else its FC–SC correlation (when it has FC).

    \b
    Examples:
      connectome runs list
      connectome runs list --ref connectivity_76 --model reduced-wong-wang --limit 5 --json
    """
    found = store_of(ctx).runs(ref=ref, model=model, sweep=sweep, limit=limit)
    if as_json:
        return emit(found)
    rate = any(r["model"] == "rate" for r in found)
    rows = [(r["id"], r["ref"], r["model"], *([r["neurons"]] if rate else []),
             None if r["duration_ms"] is None else f"{r['duration_ms']:g}", r["started_at"], f"{r['wall_s']:.2f}",
             _score(r), _output(r)) for r in found]
    click.echo(table(rows, ["id", "ref", "model", *(["neurons"] if rate else []), "duration_ms", "started_at",
                            "wall_s", "score", "output"]))


def _score(run: dict) -> str:
    return "" if run["score"] is None else f"{run['objective']} {run['score']:.3f}"


def _output(run: dict) -> str:
    return "" if not run["output"] else run["output"] + (" (missing)" if run["output_exists"] is False else "")


@runs.command("show")
@click.argument("run_id", type=ROW_ID)
@json_option
@click.pass_context
def runs_show(ctx: click.Context, run_id: int, as_json: bool) -> None:
    """Show one recorded run: its parameters and summary.

    \b
    Example:
      connectome runs show 1
    """
    found = store_of(ctx).run(run_id)
    if as_json:
        return emit(found)
    print_summary(found["summary"])
    if found["output_exists"] is False:
        click.echo(f"output {found['output']}: missing (moved or deleted since the run; `plot run` re-simulates it)")
    click.echo("parameters: " + json.dumps(found["parameters"], ensure_ascii=False))


@runs.command("delete")
@click.argument("run_id", type=ROW_ID)
@click.option("--reason", help="Why, kept in the deletion log.")
@click.option("--keep-output", is_flag=True, help="Keep the run's output file (it is removed by default).")
@json_option
@click.pass_context
def runs_delete(ctx: click.Context, run_id: int, reason: str | None, keep_output: bool, as_json: bool) -> None:
    """Delete run RUN_ID and its output file; the run, as it was, is kept in the deletion log (`run_deletions`).

    Runs are otherwise append-only: the database refuses any other change or deletion.

    \b
    Example:
      connectome runs delete 3 --reason "wrong stimulus"
    """
    done = store_of(ctx).delete_run(run_id, reason=reason, remove_output=not keep_output)
    if as_json:
        return emit(done)
    output = done["output"]
    kept = "" if output is None else f"; removed {output}" if done["output_removed"] else \
        f"; kept {output}" if keep_output else f"; {output} was already gone"
    click.echo(f"deleted run {run_id} ({done['ref']}){kept}; logged in run_deletions")
    if done.get("output_error"):
        click.echo(f"warning: {output}: cannot remove: {done['output_error']}", err=True)


@runs.command("rerun")
@click.argument("run_id", type=ROW_ID)
@click.option("--output", type=click.Path(path_type=str), help="Write the new run's activity (.npz or .csv).")
@json_option
@click.pass_context
def runs_rerun(ctx: click.Context, run_id: int, output: str | None, as_json: bool) -> None:
    """Run again exactly what run RUN_ID ran (same version, same RunSpec and seed); recorded as a new run.

    \b
    Example:
      connectome runs rerun 1 --output again.npz
    """
    from ..runs import engine_change, record_simulation, spec_of_run

    store = store_of(ctx)
    found = store.run(run_id)
    if (change := engine_change(found)) is not None:
        click.echo(f"warning: {change}", err=True)
    summary, _result = record_simulation(store, store.resolve(found["ref"]), spec_of_run(found), output=output,
                                         warn=lambda text: click.echo(f"warning: {text}", err=True))
    if as_json:
        return emit(summary)
    print_summary(summary)

