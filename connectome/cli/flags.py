"""The command line's names for the library's parameters: from a keyword (``dt_ms``) to its flag (``--dt``).

The library names the parameters in its messages by keyword, as `connectome.errors.Mention` s; the error
boundary and the warnings printer spell them with the flags below. A keyword that is not listed here is
spelled by the option of that name on any command (``workers`` → ``--workers``), else left as it is.

Examples
--------
>>> from connectome.errors import InputError, Mention
>>> error = InputError(Mention("duration_ms"), "/", Mention("dt_ms"), ": too many steps; raise ",
...                    Mention("max_steps"))
>>> str(error)
'duration_ms/dt_ms: too many steps; raise max_steps'
>>> spelled(error)
'--duration/--dt: too many steps; raise --max-steps'
>>> spelled(InputError(Mention("noise", "0.001", key="E"), ": deterministic"))
'--noise E=0.001: deterministic'
"""

from __future__ import annotations

import functools
from typing import Iterator

import click

from ..errors import Spelled

# the keywords whose flag is not the option of the same name
FLAGS = {
    "duration_ms": "--duration", "dt_ms": "--dt", "record_every_ms": "--record-every", "speed_mm_per_ms": "--speed",
    "stimuli": "--stimulus", "params": "--param", "bold": "--monitor bold", "monitor": "--monitor",
    "bold_period_ms": "--bold-period", "transient_ms": "--transient", "fcd_window_ms": "--fcd-window",
    "fcd_step_ms": "--fcd-step", "spectrum_window_ms": "--spectrum-window", "grid": "--grid", "ref": "--topology",
    "empirical_fc": "--empirical-fc", "empirical_bold": "--empirical-bold", "empirical_fcd": "--empirical-fcd",
    "source_column": "--source", "target_column": "--target", "weight_column": "--weight", "fmt": "--format",
    "format": "--format", "variables": "--variable", "output": "--output", "url": "--db",
    "chunk": "--chunk-size", "folder": "-o/--output", "delays": "--no-delays",
}


def _commands(command: click.Command) -> Iterator[click.Command]:
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from _commands(sub)


@functools.cache
def _by_name() -> dict[str, str]:
    """Every command's options by parameter name: its long flag."""
    from . import cli

    found: dict[str, str] = {}
    for command in _commands(cli):
        for param in command.params:
            longs = [o for o in param.opts if o.startswith("--")]
            if isinstance(param, click.Option) and longs and param.name:
                found.setdefault(param.name, longs[0])
    return found


def flag_of(keyword: str) -> str | None:
    """The flag that gives `keyword` on the command line, or None where none does.

    Examples
    --------
    >>> flag_of("dt_ms"), flag_of("workers"), flag_of("unbounded")
    ('--dt', '--workers', None)
    """
    return FLAGS.get(keyword) or _by_name().get(keyword)


def spelled(message: BaseException | Warning | str) -> str:
    """A library error's or warning's text with the command line's flags (see the module's example)."""
    return message.spelled(flag_of) if isinstance(message, Spelled) else str(message)
