"""`plot …`: pictures of a topology (matrix, graph) and of a recorded run (activity, FC), PNG or SVG."""

from __future__ import annotations

import click

from .common import ROW_ID, complete_ref, store_of

output_option = click.option("-o", "--output", required=True, type=click.Path(path_type=str), metavar="FILE",
                             help="The picture: .png or .svg (written under a temporary name, then renamed).")


@click.group()
def plot() -> None:
    """Draw a topology or a run (matplotlib, PNG or SVG)."""


@plot.command("matrix")
@click.argument("ref", shell_complete=complete_ref)
@output_option
@click.option("--order", metavar="ATTR|community", help="Order regions by a region attribute, or by Louvain community.")
@click.pass_context
def plot_matrix(ctx: click.Context, ref: str, output: str, order: str | None) -> None:
    """The connectivity matrix of REF (row: source, column: target), on a log colour scale.

    \b
    Example:
      python cli.py plot matrix multi_region -o docs/matrix.png --order community
    """
    from ..plots import check_picture, plot_matrix as draw

    check_picture(output)
    store = store_of(ctx)
    click.echo(f"wrote {draw(store.load(store.resolve(ref)), output, order=order)}")


@plot.command("graph")
@click.argument("ref", shell_complete=complete_ref)
@output_option
@click.pass_context
def plot_graph(ctx: click.Context, ref: str, output: str) -> None:
    """REF as a graph: regions at their x/y when present (else a layout), edge width by strength.

    \b
    Example:
      python cli.py plot graph multi_region -o docs/graph.png
    """
    from ..plots import check_picture, plot_graph as draw

    check_picture(output)
    store = store_of(ctx)
    click.echo(f"wrote {draw(store.load(store.resolve(ref)), output)}")


@plot.command("run")
@click.argument("run_id", type=ROW_ID)
@output_option
@click.option("--variable", "variables", multiple=True, metavar="NAME", help="A state variable to draw; repeatable [default: the observed one].")
@click.pass_context
def plot_run(ctx: click.Context, run_id: int, output: str, variables: tuple[str, ...]) -> None:
    """Activity traces of run RUN_ID per region, stimuli shaded, activation times marked (re-run in memory).

    \b
    Example:
      python cli.py plot run 1 -o docs/run.png
    """
    from ..plots import check_picture, plot_run as draw
    from ..runs import replay

    check_picture(output)
    found, result = replay(store_of(ctx), run_id)
    title = f"run {run_id}: {found['ref']}, {result.model} at {result.neurons:,} neurons"
    click.echo(f"wrote {draw(result, output, variables=variables, title=title)}")


@plot.command("fc")
@click.argument("run_id", type=ROW_ID)
@output_option
@click.pass_context
def plot_fc(ctx: click.Context, run_id: int, output: str) -> None:
    """Run RUN_ID's functional connectivity beside the structural one, and their scatter (re-run in memory).

    \b
    Example:
      python cli.py plot fc 2 -o docs/fc.png
    """
    from ..errors import InputError
    from ..plots import check_picture, connectivity, plot_fc as draw
    from ..runs import replay

    check_picture(output)
    store = store_of(ctx)
    found, result = replay(store, run_id)
    if result.fc is None:
        raise InputError(f"run {run_id}: has no functional connectivity (simulate with --fc)")
    sc = connectivity(store.load(store.resolve(found["ref"])), result.regions)
    fit = found["summary"].get("fc_sc") or {}
    title = "FC vs SC" + (f": r = {fit['fc_sc']:.3f}" if fit.get("fc_sc") is not None else "")
    click.echo(f"wrote {draw(result.fc, sc + sc.T, result.regions, output, title=title)}")
