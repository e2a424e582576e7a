"""JSON numbers exactly as written: read as Decimal when a double cannot carry them, written back verbatim."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any


def parse_float(text: str) -> float | Decimal:
    """A JSON number with a fraction or exponent: a float when it carries the decimal exactly, else a Decimal.

    `0.3` stays the float 0.3 (its shortest repr is the text), so ordinary files hash as before;
    `999.99999999999999999` or `1e-400` stay Decimals instead of becoming 1000.0 or 0.0.
    """
    value = float(text)
    if len(text) <= 16 and "e" not in text and "E" not in text:
        return value  # at most 15 significant digits: a double always carries them exactly
    if float.__repr__(value) == text:  # the float's own shortest text: it carries the decimal
        return value
    exact = Decimal(text)
    return value if Decimal(repr(value)) == exact else exact


def loads(text: str, **kwargs: Any) -> Any:
    """`json.loads` with exact decimals."""
    return json.loads(text, parse_float=parse_float, **kwargs)


def dumps(obj: Any, **kwargs: Any) -> str:
    """`json.dumps` that writes a Decimal as the number it is (json itself refuses Decimals)."""
    found: list[Decimal] = []
    tag = uuid.uuid4().hex

    def stand_in(value: Any) -> str:
        if isinstance(value, Decimal):
            found.append(value)
            return f"{tag}:{len(found) - 1}"
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    text = json.dumps(obj, default=stand_in, **kwargs)
    for i, value in enumerate(found):
        text = text.replace(f'"{tag}:{i}"', str(value), 1)
    return text
