"""The command line: parses arguments, calls the library, prints tables or JSON. No behaviour lives here.

One module per command family; this one holds the group and the error boundary.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Sequence

import click

from ..errors import ConnectomeError
from ..plugins import load_plugins
from ..settings import invoked_program

try:  # before the options are read: a plugin's parts are among their choices
    load_plugins()
    _PLUGINS_FAILED: ConnectomeError | None = None
except ConnectomeError as _exc:
    _PLUGINS_FAILED = _exc

from .common import Group  # noqa: E402
from .db import db_group  # noqa: E402
from .models import models  # noqa: E402
from .plot import plot  # noqa: E402
from .realise import realise  # noqa: E402
from .sweep import sweep, sweeps  # noqa: E402
from .runs import runs  # noqa: E402
from .simulate import estimate, simulate  # noqa: E402
from .topology import topology  # noqa: E402


class _CLI(Group):
    """A group that turns every expected error into one line on stderr and its documented exit code."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            if _PLUGINS_FAILED is not None:
                raise _PLUGINS_FAILED
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except ConnectomeError as exc:
            from .flags import spelled

            _fail(spelled(exc), exc.exit_code)
        except click.Abort:
            _fail("aborted", 1)
        sys.exit(code if isinstance(code, int) else 0)  # click returns the code of ctx.exit(); commands return None


def _version(ctx: click.Context, asked: bool) -> None:
    """`--version`: the package's version and the schema revision this version expects."""
    if not asked or ctx.resilient_parsing:
        return
    from importlib.metadata import version

    from ..extras import DISTRIBUTION
    from ..store.migrate import HEAD

    click.echo(f"connectome {version(DISTRIBUTION)} (database schema revision {HEAD})")
    ctx.exit()


def _fail(message: str, code: int) -> None:
    from .common import printable

    click.echo("error: " + printable(" ".join(message.split("\n"))), err=True)
    sys.exit(code)


@click.group("connectome", cls=_CLI, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", metavar="PATH_OR_URL", envvar="CONNECTOME_DB", show_envvar=True,
              help="Database: a SQLite file path or any SQLAlchemy URL [default: ./connectome.db].")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=lambda c, p, v: _version(c, v),
              help="Show the version and the database schema revision it expects, and exit.")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """connectome: a versioned connectome store with aggregate edges and a constant-memory engine."""
    ctx.obj = {"db": db}
    ctx.call_on_close(lambda: ctx.obj.get("store") and ctx.obj["store"].close())


for command in (topology, estimate, simulate, realise, runs, sweep, sweeps, models, plot, db_group):
    cli.add_command(command)


COMPLETE_VAR = "_CONNECTOME_COMPLETE"  # the shell-completion variable of the console script


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of `python cli.py`, `python -m connectome` and the `connectome` console script: usage lines and
    help examples name the program as it was started. Shell completion reads `_CONNECTOME_COMPLETE` whatever
    starts it, and its scripts are written for the console script (the name a shell completes)."""
    completing = bool(os.environ.get(COMPLETE_VAR))
    cli.main(args=argv, prog_name="connectome" if completing else invoked_program(), complete_var=COMPLETE_VAR)
