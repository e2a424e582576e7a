"""`plot …`: pictures of a topology (matrix, graph) and of a recorded run (activity, FC), PNG or SVG."""

from __future__ import annotations

import sys

import click

from .common import Group, ROW_ID, complete_ref, store_of

output_option = click.option("-o", "--output", required=True, type=click.Path(path_type=str), metavar="FILE",
                             help="The picture: .png or .svg (written under a temporary name, then renamed).")


@click.group(cls=Group)
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
      connectome plot matrix multi_region -o docs/matrix.png --order community
    """
    from ..plots import check_picture, plot_matrix as draw, save

    check_picture(output)
    store = store_of(ctx)
    click.echo(f"wrote {save(draw(store.load(store.resolve(ref)), order=order), output)}")


@plot.command("graph")
@click.argument("ref", shell_complete=complete_ref)
@output_option
@click.option("--top", type=click.IntRange(min=1), metavar="K",
              help="Draw the K strongest projections [default: 3 per region]; self-loops are never drawn.")
@click.option("--color-by", metavar="ATTR", help="Colour regions by a region attribute (e.g. hemisphere).")
@click.pass_context
def plot_graph(ctx: click.Context, ref: str, output: str, top: int | None, color_by: str | None) -> None:
    """REF as a graph: regions at their x/y when present (else a layout), its strongest projections.

    \b
    Example:
      connectome plot graph multi_region -o docs/graph.png
      connectome plot graph connectivity_76 -o graph76.png --top 150 --color-by hemisphere
    """
    from ..plots import check_picture, plot_graph as draw, save

    check_picture(output)
    store = store_of(ctx)
    click.echo(f"wrote {save(draw(store.load(store.resolve(ref)), top=top, color_by=color_by), output)}")


@plot.command("run")
@click.argument("run_id", type=ROW_ID)
@output_option
@click.option("--variable", "variables", multiple=True, metavar="NAME",
              help="A state variable to draw, or bold (its BOLD signal); repeatable [default: the observed one].")
@click.pass_context
def plot_run(ctx: click.Context, run_id: int, output: str, variables: tuple[str, ...]) -> None:
    """Activity traces of run RUN_ID per region, stimuli shaded, activation times marked.

    Read from the run's output file when it holds them; else the run is re-simulated in memory (a line
    on stderr says so, and why), recording nothing.

    \b
    Examples:
      connectome plot run 1 -o docs/run.png
      connectome plot run 2 --variable bold -o bold.png
    """
    from ..plots import check_picture, plot_run as draw, save
    from ..recorded import BOLD, arrays_for

    check_picture(output)
    bold = [v for v in variables if v.lower() == BOLD.lower()]
    if bold and len(variables) > 1:
        raise click.UsageError(f"--variable {bold[0]} is drawn alone (BOLD has its own time axis)")
    result = arrays_for(store_of(ctx), run_id, [BOLD] if bold else list(variables),
                        show_progress=sys.stderr.isatty(), notify=lambda line: click.echo(line, err=True))
    if bold:
        result, variables = result.bold_series(), ()
    neurons = f" at {result.neurons:,} neurons" if result.model == "rate" and result.neurons else ""
    title = f"run {run_id}: {result.summary['ref']}, {result.model}{neurons}"
    click.echo(f"wrote {save(draw(result, variables=variables, title=title), output)}")


@plot.command("fc")
@click.argument("run_id", type=ROW_ID)
@output_option
@click.pass_context
def plot_fc(ctx: click.Context, run_id: int, output: str) -> None:
    """Run RUN_ID's functional connectivity beside the structural one, and their scatter.

    The FC is read from the run's output file when it holds it; else the run is re-simulated in memory
    (a line on stderr says so, and why), recording nothing.

    \b
    Example:
      connectome plot fc 2 -o docs/fc.png
    """
    from ..plots import check_picture, plot_result_fc as draw, save
    from ..recorded import arrays_for

    check_picture(output)
    store = store_of(ctx)
    result = arrays_for(store, run_id, ["fc"], show_progress=sys.stderr.isatty(),
                        notify=lambda line: click.echo(line, err=True))
    ref = result.summary["ref"]
    title = f"run {run_id}: {ref}, {result.model}"
    click.echo(f"wrote {save(draw(result, store.load(store.resolve(ref)), title=title), output)}")
