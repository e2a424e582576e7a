"""Settings read from the environment (`CONNECTOME_…`), each checked before it is used."""

from __future__ import annotations

import os
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
