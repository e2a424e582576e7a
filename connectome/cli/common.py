"""What every command shares: JSON and table output, number options, the store of the invocation."""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

import click

from ..counting import SCALINGS
from ..exact import parse_count

if TYPE_CHECKING:
    from ..store import Store

# an example line of a help text: indented, starting with the program's canonical name
_EXAMPLE = re.compile(r"^(?P<indent>[ \t]+)connectome(?= )", re.M)


def examples_named(text: str, program: str) -> str:
    r"""A help text whose example lines (indented, starting ``connectome ``) name `program` instead.

    Examples
    --------
    >>> print(examples_named("connectome: a store.\n\nExample:\n  connectome runs list", "python cli.py"))
    connectome: a store.
    <BLANKLINE>
    Example:
      python cli.py runs list
    """
    return _EXAMPLE.sub(lambda m: m.group("indent") + program, text) if program != "connectome" else text


class _ProgramFormatter:
    """A help formatter that writes examples with the program's name as it was started (the rest as is)."""

    def __init__(self, formatter: click.HelpFormatter, program: str) -> None:
        self._formatter, self._program = formatter, program

    def write_text(self, text: str) -> None:
        self._formatter.write_text(examples_named(text, self._program))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._formatter, name)


class _NamedExamples:
    """Help texts give their examples as ``connectome WORDS``; `--help` prints them with the program as the
    user started it (the root command's name: ``connectome``, ``python -m connectome`` or ``python cli.py``)."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        program = ctx.find_root().info_name or "connectome"
        super().format_help_text(ctx, _ProgramFormatter(formatter, program))  # type: ignore[misc, arg-type]


class Command(_NamedExamples, click.Command):
    """A command whose help examples name the program as it was started."""


class Group(_NamedExamples, click.Group):
    """A command group whose help examples, and its commands' and subgroups', name the program as it was started."""

    command_class = Command
    group_class = type  # a subgroup is a Group too


def emit(data: Any) -> None:
    """Print `data` as indented JSON (exact decimals written as numbers)."""
    from ..jsontext import dumps

    click.echo(dumps(data, indent=2, ensure_ascii=False))


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> str:
    """A plain aligned text table; numbers right-aligned."""
    rows = [list(r) for r in rows]
    return "\n".join(table_lines(lambda: [rows], headers))


def table_lines(chunks: Callable[[], Iterable[Sequence[Sequence[Any]]]], headers: Sequence[str]) -> Iterator[str]:
    """`table`'s lines for rows given a chunk at a time: `chunks()` is called twice (widths, then lines), so no
    cell of a large table is held beyond its chunk. The header and its rule come first, then one text per chunk.

    Examples
    --------
    >>> for text in table_lines(lambda: ([("a", 1)], [("bb", 1000)]), ["name", "n"]):
    ...     print(text)
    name      n
    ----  -----
    a         1
    bb    1,000
    """
    numeric, widths, any_rows = [True] * len(headers), [len(h) for h in headers], False
    for rows in chunks():
        for r in rows:
            any_rows = True
            for i, v in enumerate(r):
                numeric[i] = numeric[i] and isinstance(v, (int, float)) and not isinstance(v, bool)
                widths[i] = max(widths[i], len(_cell(v)))
    numeric = [any_rows and n for n in numeric]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if numeric[i] else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths))).rstrip()

    yield line(headers)
    yield line(["-" * w for w in widths])
    for rows in chunks():
        if rows:
            yield "\n".join(line([_cell(v) for v in r]) for r in rows)


def _cell(v: Any) -> str:
    return "" if v is None else f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else printable(str(v))


def printable(text: str) -> str:
    """`text` safe for a terminal: control, format and separator characters (escape sequences, U+202E,
    newlines) shown as \\uXXXX escapes, whatever an older store holds."""
    import unicodedata

    if text.isprintable():  # none of the categories below (nor any other unprintable one)
        return text
    return "".join(c if unicodedata.category(c) not in _UNPRINTABLE else f"\\u{ord(c):04x}" if ord(c) < 0x10000
                   else f"\\U{ord(c):08x}" for c in text)


_UNPRINTABLE = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def neurons_count(_ctx: click.Context, _param: click.Parameter, value: str | None) -> int | None:
    return None if value is None else parse_count(value)


# ids of stored rows (runs, sweeps): positive and within a signed 64-bit column, checked before any query
ROW_ID = click.IntRange(1, 2**63 - 1)

json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
neurons_option = click.option("--neurons", callback=neurons_count, metavar="N",
                              help="Total neurons: 10000000, 10_000_000, 1e7 or 1.5e9.")

scaling_option = click.option("--scaling", type=click.Choice(list(SCALINGS)),
                              help="How counts follow N: probability (∝ N_s·N_t) or indegree (the reference "
                                   "scale's in-degrees held, ∝ N_t) [default: the topology's own].")


@contextlib.contextmanager
def warnings_shown() -> Iterator[None]:
    """Print the library's ConnectomeWarnings raised inside the block as `warning: …` lines on stderr."""
    import warnings

    from ..errors import ConnectomeWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConnectomeWarning)
        try:
            yield
        finally:
            for w in caught:
                if issubclass(w.category, ConnectomeWarning):
                    from .flags import spelled

                    click.echo(f"warning: {spelled(w.message)}", err=True)


def complete_ref(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion of topology references: every NAME and NAME@vN of the store that start with `incomplete`."""
    from click.shell_completion import CompletionItem

    try:
        from ..store import Store
        from ..store.url import resolve_url, sqlite_path

        root = ctx.find_root()
        url = resolve_url((root.params or {}).get("db") or (root.obj or {}).get("db"))
        path = sqlite_path(url)
        if path is not None and not path.exists():
            return []  # completing never creates a database
        with Store(url) as store:
            versions = store.versions()
    except Exception:  # completion never fails a shell: no store, no suggestions
        return []
    refs = list(dict.fromkeys([v["name"] for v in versions] + [v["ref"] for v in versions]))
    return [CompletionItem(r) for r in refs if r.startswith(incomplete)]


def store_of(ctx: click.Context, *, create: bool = False) -> "Store":
    """The store of this invocation, opened once (on `--db`, else CONNECTOME_DB, else ./connectome.db).

    Only a command that stores a topology (`create`) makes a SQLite file that is not there; any other refuses
    (exit 3), naming the command that creates one, so that a mistyped `--db` never leaves an empty store.
    """
    from ..errors import DatabaseError, NoDatabase
    from ..store import Store
    from ..store.migrate import command_hint

    root = ctx.find_root()
    if "store" not in root.obj:
        try:
            root.obj["store"] = Store(root.obj["db"], create=create)
        except NoDatabase as exc:
            raise DatabaseError(f"{exc}; `{command_hint('topology import FILE')}` creates one") from None
    return root.obj["store"]


def size_text(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")
