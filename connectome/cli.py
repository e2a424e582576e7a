"""The command line: parses arguments, calls the library, prints tables or JSON. No behaviour lives here."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

import click

if TYPE_CHECKING:
    from .store import Store
    from .store.connection import Database

from .errors import ConnectomeError, InputError
from .exact import parse_count


class _CLI(click.Group):
    """A group that turns every expected error into one line on stderr and its documented exit code."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except ConnectomeError as exc:
            _fail(str(exc), exc.exit_code)
        except click.Abort:
            _fail("aborted", 1)
        sys.exit(code if isinstance(code, int) else 0)  # click returns the code of ctx.exit(); commands return None


def _fail(message: str, code: int) -> None:
    click.echo("error: " + " ".join(message.split("\n")), err=True)
    sys.exit(code)


def _emit(data: Any) -> None:
    from .jsontext import dumps

    click.echo(dumps(data, indent=2, ensure_ascii=False))


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


def _store(ctx: click.Context) -> "Store":
    from .store import Store

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
    """Export REF; importing the file again gives the same content hash, or a warning says it cannot."""
    from .formats import carries, output_format, write
    from .formats.canonical import dumps

    found = _store(ctx).resolve(ref)
    graph = _store(ctx).load(found)
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


@topology.command("verify")
@click.argument("ref", required=False)
@json_option
@click.pass_context
def topology_verify(ctx: click.Context, ref: str | None, as_json: bool) -> None:
    """Recompute the content hash of every version (or of REF) and report any that no longer match (exit 4)."""
    from .errors import VerificationFailed

    report = _store(ctx).verify(ref)
    if as_json:
        _emit(report)
    else:
        click.echo(_table([(r["ref"], "ok" if r["ok"] else "FAILED: " + "; ".join(r["problems"]), r["computed_hash"][:12])
                           for r in report], ["ref", "verdict", "content"]))
    failed = [r["ref"] for r in report if not r["ok"]]
    if failed:
        raise VerificationFailed(f"{len(failed)} of {len(report)} versions failed verification: {', '.join(failed[:5])}")


@topology.command("stats")
@click.argument("ref")
@neurons_option
@json_option
@click.pass_context
def topology_stats(ctx: click.Context, ref: str, neurons: int | None, as_json: bool) -> None:
    """Exact region sizes and connection counts of REF at N neurons."""
    from .exact import count_rows

    found, regions, projections, reference = _store(ctx).numbers(ref)
    neurons = neurons or reference
    if neurons is None:
        raise InputError(f"--neurons: required, {found.ref} has no reference neuron count")
    stats = {"ref": found.ref, **count_rows(regions, projections, neurons)}
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
    if not any(result[k] for k in result if k.startswith(("regions_", "projections_"))):
        click.echo("no differences")
    if "connections_delta" in result:
        total = result["connections_delta"]["total"]
        click.echo(f"connections at {neurons:,} neurons: {total['old']:,} -> {total['new']:,} ({total['delta']:+,})")


def _changed(changes: dict) -> str:
    from .jsontext import dumps

    return ", ".join(f"{k} {dumps(v['old'], ensure_ascii=False)} -> {dumps(v['new'], ensure_ascii=False)}"
                     for k, v in changes.items())


# ---------------------------------------------------------------- engine

def _max_steps(_ctx: click.Context, _param: click.Parameter, value: str) -> int:
    return parse_count(value, "--max-steps")


def _simulation_options(func: Callable) -> Callable:
    for option in reversed([
        click.option("--topology", "ref", required=True, metavar="REF", help="Topology version: NAME@vN, NAME or vN."),
        click.option("--neurons", callback=_neurons, required=True, metavar="N", help="Total neurons: 1e7, 10_000_000, …"),
        click.option("--duration", type=float, default=1000.0, show_default=True, help="Simulated time in ms."),
        click.option("--dt", type=float, default=0.1, show_default=True, help="Time step in ms."),
        click.option("--record-every", type=float, metavar="MS", help="Record activity every MS ms [default: every step]."),
        click.option("--speed", type=float, metavar="MM_PER_MS", help="Conduction speed; delays from `tract_length` [default: no delays]."),
        click.option("--max-steps", callback=_max_steps, default="1e8", show_default=True, metavar="N",
                     help="Refuse a run of more time steps than this."),
    ]):
        func = option(func)
    return func


def _estimate(graph: Any, neurons: int, duration: float, dt: float, record_every: float | None,
              speed: float | None, max_steps: int) -> dict[str, Any]:
    from .engine import estimate

    return estimate(graph, neurons, duration_ms=duration, dt_ms=dt, record_every_ms=record_every,
                    speed_mm_per_ms=speed, max_steps=max_steps)


@cli.command()
@_simulation_options
@json_option
@click.pass_context
def estimate(ctx: click.Context, ref: str, neurons: int, duration: float, dt: float, record_every: float | None,
             speed: float | None, max_steps: int, as_json: bool) -> None:
    """Estimate the memory a run takes, next to what explicit connection lists would take."""
    found = _store(ctx).resolve(ref)
    est = _estimate(_store(ctx).load(found), neurons, duration, dt, record_every, speed, max_steps)
    if as_json:
        return _emit(est)
    click.echo(f"{found.ref} at {neurons:,} neurons: {est['total_connections']:,} connections")
    click.echo(f"  this run:         {_bytes(est['run_bytes'])}")
    click.echo(f"  explicit storage: {_bytes(est['explicit_bytes'])} (8 bytes per connection)")
    click.echo(f"  available:        {_bytes(est['available_bytes'])} -> {'fits' if est['fits'] else 'does NOT fit'}")
    click.echo(f"  time (rough):     {est['time_s']:,.2f} s for {est['steps']:,} steps")


def _bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


@cli.command()
@_simulation_options
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), help="Random seed [default: drawn and recorded].")
@click.option("--stimulus", "stimuli", multiple=True, metavar="REGION=AMPLITUDE[@START:END]",
              help="Constant input to a region while on (ms); repeatable.")
@click.option("--deterministic", is_flag=True, help="The N → ∞ limit: no sampling noise.")
@click.option("--coupling", type=float, default=1.0, show_default=True, help="Global coupling g of the network input.")
@click.option("--width", type=float, default=0.1, show_default=True, help="Width of the regions' response sigmoid.")
@click.option("--output", type=click.Path(path_type=str), help="Write time, activity and region names (.npz or .csv).")
@json_option
@click.pass_context
def simulate(ctx: click.Context, ref: str, neurons: int, duration: float, dt: float, record_every: float | None,
             speed: float | None, max_steps: int, seed: int | None, stimuli: tuple[str, ...], deterministic: bool,
             coupling: float, width: float, output: str | None, as_json: bool) -> None:
    """Simulate region activity of a topology at N neurons, in constant memory; the run is recorded."""
    from .engine import check_memory, parse_stimulus
    from .runs import check_output, simulate_version

    store = _store(ctx)
    found = store.resolve(ref)
    graph = store.load(found)
    parsed = [parse_stimulus(text) for text in stimuli]
    check_output(output)
    warning = check_memory(_estimate(graph, neurons, duration, dt, record_every, speed, max_steps))
    if warning:
        click.echo(f"warning: {warning}", err=True)
    summary = simulate_version(
        store, found, graph, neurons, output=output,
        show_progress=not as_json and sys.stderr.isatty(),
        duration_ms=duration, dt_ms=dt, seed=seed, stimuli=parsed, deterministic=deterministic,
        speed_mm_per_ms=speed, record_every_ms=record_every, coupling=coupling, width=width, max_steps=max_steps,
    )
    if as_json:
        return _emit(summary)
    _print_summary(summary)


def _print_summary(summary: dict[str, Any]) -> None:
    mode = "deterministic" if summary["deterministic"] else f"seed {summary['seed']}"
    click.echo(f"run {summary['run_id']}: {summary['ref']} at {summary['neurons']:,} neurons, "
               f"{summary['duration_ms']:g} ms in steps of {summary['dt_ms']:g} ms ({mode})")
    click.echo(f"total connections (derived, never stored): {summary['total_connections']:,}")
    click.echo(_table([(r["name"], r["neurons"], f"{r['peak_activity']:.4f}", f"{r['mean_activity']:.4f}",
                        "-" if r["activation_ms"] is None else f"{r['activation_ms']:g}") for r in summary["regions"]],
                      ["region", "neurons", "peak", "mean", "activated_ms"]))
    click.echo(f"propagation: {' -> '.join(summary['propagation_order']) or '(no region activated)'}")
    click.echo(f"wall {summary['wall_s']:.2f} s, peak RSS {_bytes(summary['peak_rss_bytes'])}"
               + (f", activity written to {summary['output']}" if summary["output"] else ""))


# ---------------------------------------------------------------- runs

@cli.group()
def runs() -> None:
    """Recorded simulation runs."""


@runs.command("list")
@json_option
@click.pass_context
def runs_list(ctx: click.Context, as_json: bool) -> None:
    """List recorded runs, oldest first."""
    found = _store(ctx).runs()
    if as_json:
        return _emit(found)
    click.echo(_table([(r["id"], r["ref"], r["neurons"], r["started_at"], f"{r['wall_s']:.2f}",
                        " -> ".join(r["summary"]["propagation_order"])) for r in found],
                      ["id", "ref", "neurons", "started_at", "wall_s", "propagation"]))


@runs.command("show")
@click.argument("run_id", type=int)
@json_option
@click.pass_context
def runs_show(ctx: click.Context, run_id: int, as_json: bool) -> None:
    """Show one recorded run: its parameters and summary."""
    found = _store(ctx).run(run_id)
    if as_json:
        return _emit(found)
    _print_summary(found["summary"])
    click.echo("parameters: " + json.dumps(found["parameters"], ensure_ascii=False))


# ---------------------------------------------------------------- db

@cli.group("db")
def db_group() -> None:
    """Inspect and upgrade the database schema."""


def _database(ctx: click.Context) -> "Database":
    from .store.connection import Database
    from .store.url import resolve_url

    return Database(resolve_url(ctx.find_root().obj["db"]))


@db_group.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Back up a SQLite file to FILE.bak-REVISION, then migrate it to the newest schema."""
    from .store.migrate import upgrade_with_backup

    database = _database(ctx)
    try:
        current, head, saved = upgrade_with_backup(database)
    finally:
        database.close()
    if current == head:
        click.echo(f"already at {head} (head)")
        return
    if saved:
        click.echo(f"backed up to {saved}")
    elif current is not None:
        click.echo("not a SQLite file: no backup was made; back the server database up with its own tools first")
    click.echo(f"upgraded {current or 'empty database'} -> {head}")


@db_group.command("current")
@click.pass_context
def db_current(ctx: click.Context) -> None:
    """Print the schema revision of the database and the one this version expects."""
    from .store.migrate import HEAD, current_revision, upgrade_hint

    database = _database(ctx)
    try:
        with database.connect() as conn:
            current = current_revision(conn)
    finally:
        database.close()
    state = "up to date" if current == HEAD else f"behind: run `{upgrade_hint()}`" if current else "empty"
    click.echo(f"{current or 'none'} (this version expects {HEAD}; {state})")


@db_group.command("history")
def db_history() -> None:
    """List the schema migrations, oldest first."""
    from .store.migrate import history

    for rev in history():
        click.echo(f"{rev['down_revision'] or '<base>'} -> {rev['revision']}: {rev['message']}")


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of `python cli.py` and the `connectome` console script."""
    cli.main(args=argv, prog_name="connectome")
