"""`topology …`: import, list, show, export, verify, count and compare versions."""

from __future__ import annotations

import json

import click

from ..errors import InputError
from .common import (complete_ref, emit, json_option, neurons_option, printable, scaling_option, store_of, table,
                     warnings_shown)
from .realise import speed_option


@click.group()
def topology() -> None:
    """Import, list, show, export, compare and count topologies."""


@topology.command("import")
@click.argument("file", type=click.Path(path_type=str))
@click.option("--name", help="Store under this name instead of the file's.")
@click.option("--message", "-m", help="A note kept with the version.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "graphml", "tvb", "npy", "matrix-csv", "mat"]),
              help="Input format [default: by extension and content].")
@click.option("--regions", "regions_file", type=click.Path(path_type=str), help="CSV only: the regions file (name,share[,extra…]).")
@click.option("--source", "source_column", metavar="COL", help="CSV only: the source column [default: source].")
@click.option("--target", "target_column", metavar="COL", help="CSV only: the target column [default: target].")
@click.option("--weight", "weight_column", metavar="COL", help="CSV only: the strength column [default: strength, else weight].")
@click.option("--weight-attr", metavar="NAME", help="GraphML only: the edge attribute to read as strength.")
@click.option("--undirected", is_flag=True, help="GraphML only: read an undirected graph, each edge both ways.")
@click.option("--labels", "labels_file", type=click.Path(path_type=str), help="npy only: the region names, one a line [default: STEM.labels.txt, else 0…n-1].")
@click.option("--matrix-key", metavar="NAME", help="mat only: the matrix variable [default: the only square one].")
@click.option("--labels-key", metavar="NAME", help="mat only: the variable of region names.")
@click.option("--orientation", type=click.Choice(["row-source", "row-target"]),
              help="Matrices: M[i, j] is i -> j (row-source, the default) or j -> i (row-target, TVB's).")
@click.option("--max-projections", type=click.IntRange(min=1), metavar="N",
              help="Matrices: refuse more than N non-zero entries [default: 2,000,000].")
@click.option("--normalise", type=click.Choice(["max"]), help="Divide every weight by the largest (before --strength-scale).")
@click.option("--strength-scale", type=float, help="Multiply every weight by this to get strengths [default: 1].")
@click.option("--dry-run", is_flag=True, help="Read and validate; print the content hash and what would be stored; write nothing.")
@json_option
@click.pass_context
def topology_import(ctx: click.Context, file: str, name: str | None, message: str | None, fmt: str | None,
                    regions_file: str | None, source_column: str | None, target_column: str | None,
                    weight_column: str | None, weight_attr: str | None, undirected: bool, labels_file: str | None,
                    matrix_key: str | None, labels_key: str | None, orientation: str | None,
                    max_projections: int | None, normalise: str | None, strength_scale: float | None, dry_run: bool,
                    as_json: bool) -> None:
    """Import FILE as the next version of its topology (nothing is stored if identical to the newest).

    \b
    Examples:
      python cli.py topology import examples/multi_region.json
      python cli.py topology import celegans.tsv --weight Weight --normalise max --strength-scale 100
      python cli.py topology import lausanne.graphml --undirected --weight-attr number_of_fibers --normalise max
      python cli.py topology import connectivity_76.zip --strength-scale 10 --dry-run
      python cli.py topology import sc.mat --matrix-key sc --labels-key names --normalise max
    """
    from ..formats import read

    with warnings_shown():
        graph = read(file, format=fmt, name=name, regions=regions_file, source_column=source_column,
                     target_column=target_column, weight_column=weight_column, weight_attr=weight_attr,
                     undirected=undirected, labels=labels_file, matrix_key=matrix_key, labels_key=labels_key,
                     orientation=orientation, max_projections=max_projections, normalise=normalise,
                     strength_scale=strength_scale)
    if dry_run:
        result = _dry_run(ctx, graph)
    else:
        result = store_of(ctx).save(graph, message=message, source=file)
    if as_json:
        emit({**result.as_dict(), **({"dry_run": True} if dry_run else {})})
    elif dry_run:
        verb = "would import" if result.created else "unchanged, already stored as"
        click.echo(f"{verb} {result.ref}: {result.regions} regions, {result.projections} projections, "
                   f"content {result.content_hash[:12]} (dry run: nothing written)")
    else:
        verb = "imported" if result.created else "unchanged, already stored as"
        click.echo(f"{verb} {result.ref}: {result.regions} regions, {result.projections} projections, "
                   f"content {result.content_hash[:12]}")


def _dry_run(ctx: click.Context, graph):
    """What an import would store, without creating a database that does not exist yet."""
    from ..graph import validate
    from ..store.facade import plan_save
    from ..store.url import resolve_url, sqlite_path

    path = sqlite_path(resolve_url(ctx.find_root().obj["db"]))
    if path is not None and not path.exists():
        return plan_save(validate(graph), None)
    return store_of(ctx).plan_save(graph)


@topology.command("list")
@click.option("--name", "pattern", metavar="PATTERN", help="Only topologies whose name matches (shell pattern: *, ?, [...]).")
@click.option("--latest", is_flag=True, help="Only the newest version of each topology.")
@json_option
@click.pass_context
def topology_list(ctx: click.Context, pattern: str | None, latest: bool, as_json: bool) -> None:
    """List every version of every topology (or those asked for).

    \b
    Examples:
      python cli.py topology list
      python cli.py topology list --name 'connectivity_*' --latest --json
    """
    versions = store_of(ctx).versions(pattern, latest=latest)
    if as_json:
        return emit(versions)
    click.echo(table([(v["ref"], v["regions"], v["projections"], v["created_at"], v["message"]) for v in versions],
                      ["ref", "regions", "projections", "created_at", "message"]))


@topology.command("show")
@click.argument("ref", shell_complete=complete_ref)
@json_option
@click.pass_context
def topology_show(ctx: click.Context, ref: str, as_json: bool) -> None:
    """Show the regions and projections of REF (NAME@vN, NAME, NAME@latest or vN).

    \b
    Examples:
      python cli.py topology show multi_region@v1
      python cli.py topology show v1 --json
    """
    from ..graph import to_document

    store = store_of(ctx)
    found = store.resolve(ref)
    doc = to_document(store.load(found))
    if as_json:
        return emit(doc)
    click.echo(f"{found.ref}" + (f": {doc['description']}" if doc.get("description") else ""))
    click.echo(table([(r["name"], r["share"], _extras(r, ("name", "share"))) for r in doc["regions"]],
                      ["region", "share", "attributes"]))
    click.echo()
    click.echo(table([(p["source"], p["target"], p["strength"], _extras(p, ("source", "target", "strength")))
                       for p in doc["projections"]], ["source", "target", "strength", "attributes"]))


def _extras(item: dict, known: tuple[str, ...]) -> str:
    return printable(" ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in item.items() if k not in known))


@topology.command("export")
@click.argument("ref", shell_complete=complete_ref)
@click.option("-o", "--output", type=click.Path(path_type=str), help="Write here instead of stdout.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "graphml", "tvb", "npy", "matrix-csv", "nest", "pynn"]),
              help="Output format [default: by extension, else json]; nest and pynn write a simulator script.")
@neurons_option
@scaling_option
@click.option("--neuron-model", metavar="MODEL",
              help="nest/pynn: the neuron model of every population [default: iaf_psc_exp / IF_curr_exp].")
@speed_option("nest/pynn: ")
@click.pass_context
def topology_export(ctx: click.Context, ref: str, output: str | None, fmt: str | None, neurons: int | None,
                    scaling: str | None, neuron_model: str | None, speed: float | None) -> None:
    """Export REF; importing the file again gives the same content hash, or a warning says it cannot.

    With --format nest or pynn, a runnable script that builds REF at --neurons N with the simulator's own
    connection rules (no edge is written).

    \b
    Examples:
      python cli.py topology export multi_region -o multi_region.graphml
      python cli.py topology export potjans_diesmann_2014 --format nest --neurons 1e5 -o pd14_nest.py
    """
    from ..formats import carries, output_format, write
    from ..formats.canonical import dumps

    store = store_of(ctx)
    found = store.resolve(ref)
    if fmt in ("nest", "pynn"):
        return _export_script(store, found, fmt, output, neurons, scaling, neuron_model, speed)
    for flag, value in (("--neurons", neurons), ("--scaling", scaling), ("--neuron-model", neuron_model),
                        ("--speed", speed)):
        if value is not None:
            raise InputError(f"{flag}: applies only to --format nest or pynn")
    graph = store.load(found)
    if output is None:
        if fmt not in (None, "json"):
            raise InputError(f"--format {fmt}: needs -o FILE; only JSON goes to stdout")
        click.echo(dumps(graph), nl=False)
        return
    write(graph, output, format=fmt)
    click.echo(f"wrote {output}", err=True)
    if not carries(graph, output, format=fmt):
        click.echo(f"warning: {output}: {output_format(output, fmt)} cannot carry everything in {found.ref} "
                   "(e.g. its reference neurons or extra attributes): importing it gives different content", err=True)


def _export_script(store, found, fmt: str, output: str | None, neurons: int | None, scaling: str | None,
                   model: str | None, speed: float | None) -> None:
    """`export --format nest|pynn`: the simulator script, to -o FILE (atomically) or stdout."""
    from ..formats._io import write_text
    from ..realise.scripts import simulator_script

    rows = store.rows(found)
    neurons = neurons or rows.neurons
    if neurons is None:
        raise InputError(f"--neurons: required, {found.ref} has no reference neuron count")
    with warnings_shown():
        text = simulator_script(rows, neurons, fmt, model=model, scaling=scaling, ref=found.ref, speed=speed)
    if output is None:
        click.echo(text, nl=False)
        return
    write_text(output, text)
    click.echo(f"wrote {output}", err=True)


@topology.command("verify")
@click.argument("ref", required=False, shell_complete=complete_ref)
@json_option
@click.pass_context
def topology_verify(ctx: click.Context, ref: str | None, as_json: bool) -> None:
    """Check every version (or REF) and, without REF, the store as a whole; report what is wrong (exit 4).

    Each version's content hash is recomputed from its rows and compared with the stored one; its seal,
    counts and ledger entry are checked. Without REF the ledger (a hash chain over every version in sealing
    order, its head kept in the `ledger` table) is recomputed too: a version missing, renamed, reordered or
    added outside an import is reported.

    \b
    Examples:
      python cli.py topology verify
      python cli.py topology verify multi_region@v1 --json
    """
    from ..errors import VerificationFailed

    report = store_of(ctx).verify(ref, ledger_entry=ref is None)
    versions = [r for r in report if "entries" not in r]
    chain = next((r for r in report if "entries" in r), None)
    if as_json:
        emit(report)
    else:
        click.echo(table([(r["ref"], ("ok" + (f": {r['entries']} version{'s' * (r['entries'] != 1)} chained" if "entries" in r else ""))
                           if r["ok"] else "FAILED: " + "; ".join(r["problems"]),
                           (r["computed_hash"] or r["stored_hash"] or "")[:12]) for r in report],
                         ["ref", "verdict", "content"]))
    failed = [r["ref"] for r in versions if not r["ok"]]
    problems = [f"{len(failed)} of {len(versions)} versions failed verification: {', '.join(failed[:5])}"] if failed else []
    if chain is not None and not chain["ok"]:
        problems.append("the ledger: " + "; ".join(chain["problems"]))
    if problems:
        raise VerificationFailed("; ".join(problems))


@topology.command("stats")
@click.argument("ref", shell_complete=complete_ref)
@neurons_option
@scaling_option
@json_option
@click.pass_context
def topology_stats(ctx: click.Context, ref: str, neurons: int | None, scaling: str | None, as_json: bool) -> None:
    """Exact region sizes and connection counts of REF at N neurons (default: its reference scale).

    \b
    Examples:
      python cli.py topology stats v1 --neurons 1e7
      python cli.py topology stats potjans_diesmann_2014 --neurons 1e9 --scaling indegree
    """
    from ..counting import count_topology

    store = store_of(ctx)
    found = store.resolve(ref)
    rows = store.rows(found)
    neurons = neurons or rows.neurons
    if neurons is None:
        raise InputError(f"--neurons: required, {found.ref} has no reference neuron count")
    stats = {"ref": found.ref, **count_topology(rows, neurons, scaling=scaling)}
    if as_json:
        return emit(stats)
    click.echo(f"{found.ref} at {neurons:,} neurons, {stats['scaling']} scaling")
    click.echo(table([(r["name"], r["neurons"]) for r in stats["regions"]], ["region", "neurons"]))
    click.echo()
    click.echo(table([(p["source"], p["target"], p["strength"], _rule_text(p), p["connections"])
                      for p in stats["projections"]], ["source", "target", "strength", "rule", "connections"]))
    click.echo(f"\ntotal connections: {stats['total_connections']:,}")


def _rule_text(p: dict) -> str:
    return p.get("rule", "pairs") + (", no autapses" if p.get("autapses") is False else "")


@topology.command("diff")
@click.argument("old", shell_complete=complete_ref)
@click.argument("new", shell_complete=complete_ref)
@neurons_option
@scaling_option
@json_option
@click.pass_context
def topology_diff(ctx: click.Context, old: str, new: str, neurons: int | None, scaling: str | None,
                  as_json: bool) -> None:
    """What changed from version OLD to version NEW (with --neurons, in connections too).

    \b
    Example:
      python cli.py topology diff multi_region@v1 multi_region@v2 --neurons 1e7
    """
    from ..diff import diff

    store = store_of(ctx)
    a, b = store.resolve(old), store.resolve(new)
    result = {"from": a.ref, "to": b.ref, **diff(store.load(a), store.load(b), neurons=neurons, scaling=scaling)}
    if as_json:
        return emit(result)
    click.echo(f"--- {a.ref}\n+++ {b.ref}")
    if "graph_changed" in result:
        click.echo(f"~ topology: {_changed(result['graph_changed'])}")
    for name in result["regions_added"]:
        click.echo(f"+ region {name}")
    for name in result["regions_removed"]:
        click.echo(f"- region {name}")
    for item in result["regions_changed"]:
        click.echo(f"~ region {item['name']}: {_changed(item['changes'])}")
    for p in result["projections_added"]:
        click.echo(f"+ projection {p['source']} -> {p['target']} strength {p['strength']}")
    for p in result["projections_removed"]:
        click.echo(f"- projection {p['source']} -> {p['target']} strength {p['strength']}")
    for p in result["projections_changed"]:
        click.echo(f"~ projection {p['source']} -> {p['target']}: {_changed(p['changes'])}")
    if not any(result[k] for k in result if k.startswith(("graph_", "regions_", "projections_"))):
        click.echo("no differences")
    if "connections_delta" in result:
        total = result["connections_delta"]["total"]
        click.echo(f"connections at {neurons:,} neurons: {total['old']:,} -> {total['new']:,} ({total['delta']:+,})")


def _changed(changes: dict) -> str:
    from ..jsontext import dumps

    return ", ".join(f"{k} {dumps(v['old'], ensure_ascii=False)} -> {dumps(v['new'], ensure_ascii=False)}"
                     for k, v in changes.items())


def _add_analysis() -> None:
    from .metrics import metrics

    topology.add_command(metrics)


_add_analysis()
