"""`topology metrics`: degrees, strengths, clustering, betweenness, paths, efficiency, communities, rich club."""

from __future__ import annotations

import click

from ..metrics import DISTANCES, WEIGHTS
from .common import Command, complete_ref, emit, json_option, neurons_option, store_of, table


@click.command("metrics", cls=Command)
@click.argument("ref", shell_complete=complete_ref)
@click.option("--weight", type=click.Choice(list(WEIGHTS)), default="strength", show_default=True,
              help="Edge weights: the strengths, or the derived connection counts at --neurons N.")
@neurons_option
@click.option("--distance", type=click.Choice(list(DISTANCES)), default="auto",
              show_default=True, help="Path lengths: tract_length (auto: when every projection has one) or 1/weight.")
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=0, show_default=True, help="Louvain's seed.")
@json_option
@click.pass_context
def metrics(ctx: click.Context, ref: str, weight: str, neurons: int | None, distance: str, seed: int,
            as_json: bool) -> None:
    """Graph metrics of REF through networkx: per region and for the whole graph.

    \b
    Examples:
      connectome topology metrics multi_region
      connectome topology metrics potjans_diesmann_2014 --weight connections --json
    """
    from ..metrics import metrics as compute

    store = store_of(ctx)
    found = store.resolve(ref)
    graph = store.load(found)
    result = {"ref": found.ref, **compute(graph, weight=weight, neurons=neurons or graph.graph.get("neurons"),
                                          distance=distance, seed=seed)}
    if as_json:
        return emit(result)
    g = result["graph"]
    click.echo(f"{found.ref}: weights {weight}, distances {result['distance']}")
    click.echo(table([(r["name"], r["in_degree"], r["out_degree"], f"{r['in_strength']:.6g}",
                       f"{r['out_strength']:.6g}", f"{r['clustering']:.4f}", f"{r['betweenness']:g}", r["community"])
                      for r in result["regions"]],
                     ["region", "in", "out", "in_strength", "out_strength", "clustering", "betweenness", "community"]))
    path = g["characteristic_path_length"]
    click.echo(f"\ndensity {g['density']:.4f}, reciprocity {g['reciprocity']:.4f}, characteristic path length "
               f"{'-' if path is None else f'{path:.4g}'}, global efficiency {g['global_efficiency']:.4g}")
    click.echo(f"modularity {g['modularity']:.4f} in {len(g['communities'])} communities (Louvain, seed {seed})")
    if g["rich_club"]:
        click.echo("rich club φ(k): " + ", ".join(f"{k}: {v:.3f}" for k, v in g["rich_club"].items()))
