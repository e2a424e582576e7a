"""`realise`: the explicit network of a topology at N neurons, streamed to a SONATA circuit."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..exact import parse_count
from ..realise import REALISERS
from ..realise.synapses import DEFAULT_SPEED_MM_PER_MS
from .common import (Command, complete_ref, emit, json_option, neurons_count, scaling_option, size_text, store_of,
                     warnings_shown)


def speed_option(prefix: str = "") -> Any:
    """The `--speed` option of the spiking hand-off (realise, export --format nest|pynn); `prefix` opens its help."""
    text = ("conduction speed for delays from `tract_length` where a projection gives no delay "
            f"[default: {DEFAULT_SPEED_MM_PER_MS} (TVB's), with a warning].")
    return click.option("--speed", type=float, metavar="MM_PER_MS",
                        help=prefix + text if prefix else text[0].upper() + text[1:])


@click.command(cls=Command)
@click.option("--topology", "ref", required=True, metavar="REF", shell_complete=complete_ref, help="Topology version: NAME@vN, NAME or vN.")
@click.option("--neurons", callback=neurons_count, required=True, metavar="N", help="Total neurons: 1e6, 10_000, …")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), help="Random seed [default: drawn and printed].")
@click.option("--format", "fmt", type=click.Choice(list(REALISERS)), default="sonata", show_default=True,
              help="The circuit format (SONATA: bmtk, NEURON, Arbor, libsonata).")
@click.option("-o", "--output", required=True, type=click.Path(path_type=str), metavar="DIR",
              help="A new folder for the circuit (written under a temporary name, renamed when complete).")
@scaling_option
@click.option("--chunk-size", type=click.IntRange(1, 2**26), default=2**17, show_default=True, metavar="EDGES",
              help="Edges drawn and written at a time: bounds the memory; the result does not depend on it.")
@click.option("--max-edges", default="1e9", show_default=True, metavar="N",
              callback=lambda _c, _p, v: parse_count(v, "max_edges"), help="Refuse a network with more edges.")
@speed_option()
@json_option
@click.pass_context
def realise(ctx: click.Context, ref: str, neurons: int, seed: int | None, fmt: str, output: str, scaling: str | None,
            chunk_size: int, max_edges: int, speed: float | None, as_json: bool) -> None:
    """Write REF at N neurons as an explicit network: exactly the derived count per projection, drawn uniformly.

    \b
    Example:
      connectome realise --topology potjans_diesmann_2014 --neurons 1e4 --seed 1 -o pd14_circuit
    """
    from ..extras import require
    from ..realise.sonata import realise_sonata

    require("sonata", "realise")  # before the store is opened
    store = store_of(ctx)
    found = store.resolve(ref)
    with warnings_shown():
        result = realise_sonata(store.rows(found), neurons, output, seed=seed, scaling=scaling, chunk=chunk_size,
                                max_edges=max_edges, progress=not as_json and sys.stderr.isatty(), speed=speed)
    result = {"ref": found.ref, "format": fmt, **result}
    if as_json:
        return emit(result)
    click.echo(f"realised {found.ref} at {neurons:,} neurons ({result['scaling']} scaling, seed {result['seed']}): "
               f"{result['nodes']:,} nodes, {result['edges']:,} edges in {len(result['projections'])} projections")
    click.echo(f"wrote {output}/ ({size_text(result['bytes'])}, {result['wall_s']:.2f} s): circuit_config.json, "
               "nodes.h5, edges.h5, node_types.csv, edge_types.csv")
