"""`topology …`: import, list, show, export, verify, count and compare versions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import click

from ..errors import InputError
from ..formats import NORMALISE
from ..formats.options import ReaderOption
from ..formats.registry import readable, reader_options, writable
from ..realise.scripts import SCRIPTS
from .common import (Group, complete_ref, emit, json_option, neurons_option, printable, scaling_option, store_of, table,
                     warnings_shown)
from .realise import speed_option


def _option_type(option: ReaderOption) -> dict[str, Any]:
    """The click keywords of a reader option's type."""
    kind = option.type
    if kind is bool:
        return {"is_flag": True}
    if kind is Path:
        return {"type": click.Path(path_type=str)}
    if isinstance(kind, tuple):
        return {"type": click.Choice(list(kind))}
    if kind is int and option.minimum is not None:
        return {"type": click.IntRange(min=option.minimum)}
    return {"type": kind, **({"multiple": True} if option.multiple else {})}


def reader_flags(command: Callable) -> Callable:
    """The options of every registered reader, as flags of `command` (each passed by its keyword).

    >>> [p.opts[0] for p in click.command()(reader_flags(lambda **kw: None)).params][:2]
    ['--regions', '--source']
    """
    from .flags import FLAGS

    spelled: dict[str, tuple[str, ReaderOption, tuple[str, ...]]] = {}
    for option, formats in reader_options().values():
        flag = FLAGS.get(option.keyword, "--" + option.keyword.replace("_", "-"))
        if flag in spelled:
            raise ValueError(f"reader option {option.keyword}: its flag {flag} is {spelled[flag][1].keyword}'s")
        spelled[flag] = (flag, option, formats)
    for flag, option, formats in reversed(spelled.values()):
        command = click.option(flag, option.keyword, metavar=option.metavar,
                               help=f"{'/'.join(formats)} only: {option.help}.", **_option_type(option))(command)
    return command


@click.group(cls=Group)
def topology() -> None:
    """Import, list, show, export, compare and count topologies."""


@topology.command("import")
@click.argument("file", type=click.Path(path_type=str))
@click.option("--name", help="Store under this name instead of the file's.")
@click.option("--message", "-m", help="A note kept with the version.")
@click.option("--format", "fmt", type=click.Choice(readable()),
              help="Input format [default: by extension and content].")
@reader_flags
@click.option("--normalise", type=click.Choice(list(NORMALISE)),
              help="Divide every weight by the largest (before --strength-scale).")
@click.option("--strength-scale", type=float, help="Multiply every weight by this to get strengths [default: 1].")
@click.option("--dry-run", is_flag=True, help="Read and validate; print the content hash and what would be stored; write nothing.")
@json_option
@click.pass_context
def topology_import(ctx: click.Context, file: str, name: str | None, message: str | None, fmt: str | None,
                    normalise: str | None, strength_scale: float | None, dry_run: bool, as_json: bool,
                    **options: Any) -> None:
    """Import FILE as the next version of its topology (nothing is stored if identical to the newest).

    \b
    Examples:
      connectome topology import examples/multi_region.json
      connectome topology import celegans.tsv --weight Weight --normalise max --strength-scale 100
      connectome topology import lausanne.graphml --undirected --weight-attr number_of_fibers --normalise max
      connectome topology import connectivity_76.zip --strength-scale 10 --dry-run
      connectome topology import DTI_CM.mat --labels names.txt --lengths DTI_LEN.mat --normalise max
      connectome topology import edges.csv --duplicates sum --where Type=chemical --where Type=electrical
    """
    from ..formats import read

    large = None if dry_run or normalise or strength_scale else _large_json(file, fmt, name, options)
    if large is not None:  # regions as a graph, projections as columns: no object per projection
        from ..store.columnar import save_columns

        result = save_columns(store_of(ctx, create=True), *large, message=message, source=file)
    else:
        with warnings_shown():
            graph = read(file, format=fmt, name=name, normalise=normalise, strength_scale=strength_scale, **options)
        result = _dry_run(ctx, graph) if dry_run else \
            store_of(ctx, create=True).save(graph, message=message, source=file)
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


def _large_json(file: str, fmt: str | None, name: str | None, options: dict[str, Any]):
    """A large canonical JSON file read a block at a time (`formats.canonical_stream`), or None: read it whole."""
    import os

    from ..formats import detect
    from ..formats.canonical_stream import STREAM_FROM, read_json_columns

    given = [v for v in options.values() if v is not None and v is not False and v != ()]
    if given or fmt not in (None, "json") or not os.path.isfile(file) or os.path.getsize(file) < STREAM_FROM or \
            detect(file, fmt) != "json":
        return None
    return read_json_columns(file, name=name)


def _dry_run(ctx: click.Context, graph):
    """What an import would store, without creating a database that does not exist yet."""
    from ..validation import validate
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
      connectome topology list
      connectome topology list --name 'connectivity_*' --latest --json
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
      connectome topology show multi_region@v1
      connectome topology show multi_region@v1 --json
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
@click.option("--format", "fmt", type=click.Choice([*writable(), *SCRIPTS]),
              help=f"Output format [default: by extension, else json]; {' and '.join(SCRIPTS)} write a simulator "
                   "script.")
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
      connectome topology export multi_region -o multi_region.graphml
      connectome topology export potjans_diesmann_2014 --format nest --neurons 1e5 -o pd14_nest.py
    """
    from ..formats import carries, output_format, write
    from ..formats.canonical import dumps

    store = store_of(ctx)
    found = store.resolve(ref)
    if fmt in SCRIPTS:
        return _export_script(store, found, fmt, output, neurons, scaling, neuron_model, speed)
    for option, value in (("--neurons", neurons), ("--scaling", scaling), ("--neuron-model", neuron_model),
                          ("--speed", speed)):
        if value is not None:
            raise InputError(f"{option}: applies only to --format {' or '.join(SCRIPTS)}")
    graph = store.load(found)
    if output is None:
        if fmt not in (None, "json"):
            raise InputError(f"--format {fmt}: needs -o FILE; only JSON goes to stdout")
        click.echo(dumps(graph), nl=False)
        return
    write(graph, output, format=fmt)
    click.echo(f"wrote {output}", err=True)
    carried = carries(graph, output, format=fmt)
    if not carried:
        click.echo(f"warning: {output}: {output_format(output, fmt)} cannot carry everything in {found.ref} "
                   "(e.g. its reference neurons or extra attributes): importing it gives different content", err=True)


def _export_script(store, found, fmt: str, output: str | None, neurons: int | None, scaling: str | None,
                   model: str | None, speed: float | None) -> None:
    """`export --format nest|pynn`: the simulator script, to -o FILE (atomically) or stdout."""
    from ..atomic import write_text
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
      connectome topology verify
      connectome topology verify multi_region@v1 --json
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
    """Exact region sizes and connection counts of REF at N neurons (default: its reference scale); without
    either, its shares, strengths and rules only.

    \b
    Examples:
      connectome topology stats multi_region@v1 --neurons 1e7
      connectome topology stats potjans_diesmann_2014 --neurons 1e9 --scaling indegree
    """
    from ..counted import count_columns
    from .counted import emit_counted, print_counted, print_uncounted

    store = store_of(ctx)
    found = store.resolve(ref)
    columns = store.columns(found)
    neurons = neurons or columns.neurons
    counted = count_columns(columns, neurons, scaling=scaling)
    if as_json:
        return emit_counted(found.ref, counted)
    if neurons is None:
        return print_uncounted(found.ref, counted)
    print_counted(found.ref, counted)


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
      connectome topology diff multi_region@v1 multi_region@v2 --neurons 1e7
    """
    from ..compare import diff

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
