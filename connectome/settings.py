"""Settings read from the environment (`CONNECTOME_…`), each checked before it is used, and the name this
program was started by."""

from __future__ import annotations

import os
import sys
from typing import Mapping

from .errors import InputError

MOST_SECONDS = 86400


def seconds(name: str, default: float, environ: Mapping[str, str] | None = None) -> float:
    """The variable `name` as a number of seconds from 0 to a day, else `default` when unset or empty;
    any other value is an InputError naming the variable.

    Example:
        >>> seconds("CONNECTOME_LOCK_TIMEOUT", 30.0, {"CONNECTOME_LOCK_TIMEOUT": "2.5"})
        2.5
    """
    text = (os.environ if environ is None else environ).get(name, "")
    try:
        value = float(text) if text.strip() else default
    except ValueError:
        raise InputError(f"{name}: must be a number of seconds, got {text!r}") from None
    if not 0 <= value <= MOST_SECONDS:
        raise InputError(f"{name}: must be from 0 to {MOST_SECONDS} seconds, got {text!r}")
    return value


def invoked_program(argv0: str | None = None) -> str:
    """This program as the user started it, from `argv0` (default: ``sys.argv[0]``): ``connectome`` (the
    console script), ``python -m connectome`` or ``python FILE.py`` (``python cli.py``).

    Examples
    --------
    >>> invoked_program("/usr/local/bin/connectome"), invoked_program("/site-packages/connectome/__main__.py")
    ('connectome', 'python -m connectome')
    >>> invoked_program("/home/me/connectome/cli.py")
    'python cli.py'
    """
    if argv0 is None:
        argv0 = sys.argv[0] if sys.argv else ""
    program = os.path.basename(argv0 or "")
    if program == "__main__.py":
        return "python -m connectome"
    return f"python {program}" if program.endswith(".py") else "connectome"
