"""The command line: parses arguments, calls the library, prints tables or JSON. No behaviour lives here."""

from __future__ import annotations

import json
import sys
from typing import Any, Callable, Iterable, Sequence

import click

from . import db as dbmod
from .errors import ConnectomeError, InputError
from .exact import derived_counts, parse_count
from .store import Store


class _CLI(click.Group):
    """A group that turns every expected error into one line on stderr and its documented exit code."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except ConnectomeError as exc:
            _fail(str(exc), exc.exit_code)
        except click.Abort:
            _fail("aborted", 1)
        sys.exit(0)


def _fail(message: str, code: int) -> None:
    click.echo("error: " + " ".join(message.split("\n")), err=True)
    sys.exit(code)


def _emit(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _table(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> str:
    """A plain aligned text table; numbers right-aligned."""
    rows = [list(r) for r in rows]
    numeric = [bool(rows) and all(isinstance(r[i], (int, float)) and not isinstance(r[i], bool) for r in rows)
               for i in range(len(headers))]
    cells = [[("" if v is None else f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v)) for v in r]
             for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if numeric[i] else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths))).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in cells])


def _neurons(_ctx: click.Context, _param: click.Parameter, value: str | None) -> int | None:
    return None if value is None else parse_count(value)


json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
neurons_option = click.option("--neurons", callback=_neurons, metavar="N",
                              help="Total neurons: 10000000, 10_000_000, 1e7 or 1.5e9.")


@click.group(cls=_CLI, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", metavar="PATH_OR_URL", envvar="CONNECTOME_DB", show_envvar=True,
              help="Database: a SQLite file path or any SQLAlchemy URL [default: ./connectome.db].")
@click.version_option(package_name="connectome")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """connectome: a versioned connectome store with aggregate edges and a constant-memory engine."""
    ctx.obj = {"db": db}
    ctx.call_on_close(lambda: ctx.obj.get("store") and ctx.obj["store"].close())


def _store(ctx: click.Context) -> Store:
    root = ctx.find_root()
    if "store" not in root.obj:
        root.obj["store"] = Store(root.obj["db"])
    return root.obj["store"]


# ---------------------------------------------------------------- topology

@cli.group()
def topology() -> None:
    """Import, list, show, export, compare and count topologies."""


@topology.command("import")
@click.argument("file", type=click.Path(path_type=str))
@click.option("--name", help="Store under this name instead of the file's.")
@click.option("--message", "-m", help="A note kept with the version.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "graphml", "tvb"]), help="Input format [default: by extension and content].")
@click.option("--regions", "regions_file", type=click.Path(path_type=str), help="CSV only: the regions file (name,share[,extra…]).")
@click.option("--strength-scale", type=float, help="TVB only: multiply weights by this to get strengths [default: 1].")
@json_option
@click.pass_context
def topology_import(ctx: click.Context, file: str, name: str | None, message: str | None, fmt: str | None,
                    regions_file: str | None, strength_scale: float | None, as_json: bool) -> None:
    """Import FILE as the next version of its topology (nothing is stored if identical to the newest)."""
    from .formats import read

    graph = read(file, format=fmt, name=name, regions=regions_file, strength_scale=strength_scale)
    result = _store(ctx).save(graph, message=message, source=file)
    if as_json:
        _emit(result.as_dict())
    else:
        verb = "imported" if result.created else "unchanged, already stored as"
        click.echo(f"{verb} {result.ref}: {result.regions} regions, {result.projections} projections, "
                   f"content {result.content_hash[:12]}")


@topology.command("list")
@json_option
@click.pass_context
def topology_list(ctx: click.Context, as_json: bool) -> None:
    """List every version of every topology."""
    versions = _store(ctx).versions()
    if as_json:
        return _emit(versions)
    click.echo(_table([(v["ref"], v["regions"], v["projections"], v["created_at"], v["message"]) for v in versions],
                      ["ref", "regions", "projections", "created_at", "message"]))


@topology.command("show")
@click.argument("ref")
@json_option
@click.pass_context
def topology_show(ctx: click.Context, ref: str, as_json: bool) -> None:
    """Show the regions and projections of REF (NAME@vN, NAME, NAME@latest or vN)."""
    from .graph import to_document

    store = _store(ctx)
    found = store.resolve(ref)
    doc = to_document(store.load(found))
    if as_json:
        return _emit(doc)
    click.echo(f"{found.ref}" + (f": {doc['description']}" if doc.get("description") else ""))
    click.echo(_table([(r["name"], r["share"], _extras(r, ("name", "share"))) for r in doc["regions"]],
                      ["region", "share", "attributes"]))
    click.echo()
    click.echo(_table([(p["source"], p["target"], p["strength"], _extras(p, ("source", "target", "strength")))
                       for p in doc["projections"]], ["source", "target", "strength", "attributes"]))


def _extras(item: dict, known: tuple[str, ...]) -> str:
    return " ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in item.items() if k not in known)


@topology.command("export")
@click.argument("ref")
@click.option("-o", "--output", type=click.Path(path_type=str), help="Write here instead of stdout.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "graphml", "tvb"]), help="Output format [default: by extension, else json].")
@click.pass_context
def topology_export(ctx: click.Context, ref: str, output: str | None, fmt: str | None) -> None:
    """Export REF; importing the file again gives the same content hash."""
    from .formats import write
    from .formats.canonical import dumps

    graph = _store(ctx).load(ref)
    if output is None:
        if fmt not in (None, "json"):
            raise InputError(f"--format {fmt}: needs -o FILE; only JSON goes to stdout")
        click.echo(dumps(graph), nl=False)
        return
    write(graph, output, format=fmt)
    click.echo(f"wrote {output}", err=True)


@topology.command("stats")
@click.argument("ref")
@neurons_option
@json_option
@click.pass_context
def topology_stats(ctx: click.Context, ref: str, neurons: int | None, as_json: bool) -> None:
    """Exact region sizes and connection counts of REF at N neurons."""
    store = _store(ctx)
    found = store.resolve(ref)
    graph = store.load(found)
    neurons = neurons or graph.graph.get("neurons")
    if neurons is None:
        raise InputError(f"--neurons: required, {found.ref} has no reference neuron count")
    stats = {"ref": found.ref, **derived_counts(graph, neurons)}
    if as_json:
        return _emit(stats)
    click.echo(f"{found.ref} at {neurons:,} neurons")
    click.echo(_table([(r["name"], r["neurons"]) for r in stats["regions"]], ["region", "neurons"]))
    click.echo()
    click.echo(_table([(p["source"], p["target"], p["strength"], p["connections"]) for p in stats["projections"]],
                      ["source", "target", "strength", "connections"]))
    click.echo(f"\ntotal connections: {stats['total_connections']:,}")


@topology.command("diff")
@click.argument("old")
@click.argument("new")
@neurons_option
@json_option
@click.pass_context
def topology_diff(ctx: click.Context, old: str, new: str, neurons: int | None, as_json: bool) -> None:
    """What changed from version OLD to version NEW."""
    from .diff import diff

    store = _store(ctx)
    a, b = store.resolve(old), store.resolve(new)
    result = {"from": a.ref, "to": b.ref, **diff(store.load(a), store.load(b), neurons=neurons)}
    if as_json:
        return _emit(result)
    click.echo(f"--- {a.ref}\n+++ {b.ref}")
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
    if "connections_delta" in result:
        total = result["connections_delta"]["total"]
        click.echo(f"connections at {neurons:,} neurons: {total['old']:,} -> {total['new']:,} ({total['delta']:+,})")


def _changed(changes: dict) -> str:
    return ", ".join(f"{k} {json.dumps(v['old'], ensure_ascii=False)} -> {json.dumps(v['new'], ensure_ascii=False)}"
                     for k, v in changes.items())


# ---------------------------------------------------------------- db

@cli.group("db")
def db_group() -> None:
    """Inspect and upgrade the database schema."""


def _engine(ctx: click.Context):
    return dbmod.make_engine(dbmod.resolve_url(ctx.find_root().obj["db"]))


@db_group.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Back up a SQLite file to FILE.bak-REVISION, then migrate it to the newest schema."""
    url = dbmod.resolve_url(ctx.find_root().obj["db"])
    engine = dbmod.make_engine(url)
    try:
        current, head = dbmod.current_revision(engine), dbmod.head_revision()
        if current == head:
            click.echo(f"already at {head} (head)")
            return
        saved = dbmod.backup(url, current) if current is not None else None
        if saved:
            click.echo(f"backed up to {saved}")
        dbmod.upgrade(engine)
        click.echo(f"upgraded {current or 'empty database'} -> {head}")
    finally:
        engine.dispose()


@db_group.command("current")
@click.pass_context
def db_current(ctx: click.Context) -> None:
    """Print the schema revision of the database and the one this version expects."""
    engine = _engine(ctx)
    try:
        current, head = dbmod.current_revision(engine), dbmod.head_revision()
    finally:
        engine.dispose()
    state = "up to date" if current == head else "behind: run `python cli.py db upgrade`" if current else "empty"
    click.echo(f"{current or 'none'} (this version expects {head}; {state})")


@db_group.command("history")
def db_history() -> None:
    """List the schema migrations, oldest first."""
    for rev in dbmod.history():
        click.echo(f"{rev['down_revision'] or '<base>'} -> {rev['revision']}: {rev['message']}")


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of `python cli.py` and the `connectome` console script."""
    cli.main(args=argv, prog_name="connectome")
