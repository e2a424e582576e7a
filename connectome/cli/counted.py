"""`topology stats` output of counted columns (`connectome.counted`), printed a chunk of projections at a time:
the same text as printing `count_topology`'s dict whole, without a cell or a dict per projection kept."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .common import table, table_lines

if TYPE_CHECKING:
    from ..counted import Counted


def print_counted(ref: str, counted: Counted) -> None:
    """The regions' sizes, then every projection's count, then the total."""
    click.echo(f"{ref} at {counted.neurons:,} neurons, {counted.scaling} scaling")
    click.echo(table([(r["name"], r["neurons"]) for r in counted.regions], ["region", "neurons"]))
    click.echo()
    for text in table_lines(lambda: ([(p["source"], p["target"], p["strength"], rule_text(p), p["connections"])
                                      for p in chunk] for chunk in counted.chunks()),
                            ["source", "target", "strength", "rule", "connections"]):
        click.echo(text)
    click.echo(f"\ntotal connections: {counted.total_connections:,}")


def print_uncounted(ref: str, counted: Counted) -> None:
    """`topology stats` of a topology with no N: shares, strengths and rules, and no derived-count column."""
    click.echo(f"{ref}: {len(counted.regions):,} regions, {len(counted):,} projections, "
               f"{counted.scaling} scaling (no neuron count: give --neurons N for derived counts)")
    click.echo(table([(r["name"], r["share"]) for r in counted.regions], ["region", "share"]))
    click.echo()
    for text in table_lines(lambda: ([(p["source"], p["target"], p["strength"], rule_text(p)) for p in chunk]
                                     for chunk in counted.chunks()), ["source", "target", "strength", "rule"]):
        click.echo(text)


def emit_counted(ref: str, counted: Counted) -> None:
    """`emit` of {ref, count_topology's figures}, the projections written a chunk at a time (the same text)."""
    from ..jsontext import dumps

    head = {"ref": ref, "neurons": counted.neurons, "scaling": counted.scaling, "regions": counted.regions,
            "projections": []}
    text = dumps(head, indent=2, ensure_ascii=False)
    assert text.endswith('"projections": []\n}')
    if not len(counted):
        click.echo(text[:-2] + (f',\n  "total_connections": {counted.total_connections}\n}}'
                                if counted.neurons is not None else "\n}"))
        return
    click.echo(text[:-len(']\n}')], nl=False)
    for i, chunk in enumerate(counted.chunks()):
        items = dumps(chunk, indent=2, ensure_ascii=False)[2:-2]  # without the list's brackets and its line breaks
        click.echo(("," if i else "") + "\n" + "\n".join("  " + line for line in items.split("\n")), nl=False)
    tail = f',\n  "total_connections": {counted.total_connections}' if counted.neurons is not None else ""
    click.echo(f"\n  ]{tail}\n}}")


def rule_text(p: dict) -> str:
    """A projection's rule, and `no autapses` where they are off."""
    return p.get("rule", "pairs") + (", no autapses" if p.get("autapses") is False else "")
