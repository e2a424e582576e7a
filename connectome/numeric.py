"""The number checks every part of the library uses: what counts as a number, a finite one, a positive one
(`numeric`, so as not to shadow the standard library's `numbers`).

A number is a real that is not a boolean (Python's, numpy's, and exact decimals); the checks return why a
value fails, or test it, so that each caller names its own parameter in its error; `require_positive_ms`
raises that error itself.
"""

from __future__ import annotations

import math
import numbers
import sys
from decimal import Decimal

from .errors import InputError

_FLOAT_MAX = Decimal(sys.float_info.max)


def is_number(value: object) -> bool:
    """True for real numbers (numpy's and exact decimals included) that are not booleans.

    >>> is_number(2), is_number(0.5), is_number(True), is_number("1")
    (True, True, False, False)
    """
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)) or isinstance(value, Decimal)


def is_finite_number(value: object) -> bool:
    """A real number (not a boolean; numpy's and exact decimals included) that is finite.

    >>> is_finite_number(1e308), is_finite_number(float("inf")), is_finite_number(False)
    (True, False, False)
    >>> is_finite_number(Decimal("1e400")), is_finite_number(Decimal("NaN")), is_finite_number(10**400)
    (True, False, True)
    """
    if isinstance(value, Decimal):
        return value.is_finite()
    if isinstance(value, numbers.Integral):
        return not isinstance(value, bool)
    return isinstance(value, numbers.Real) and math.isfinite(value)


def is_positive_number(value: object) -> bool:
    """A finite real number (not a boolean) above 0.

    >>> is_positive_number(0.1), is_positive_number(0), is_positive_number(float("nan"))
    (True, False, False)
    """
    return is_finite_number(value) and value > 0  # type: ignore[operator]


def check_positive(value: object, *, maximum: float | None = None) -> str | None:
    """Why `value` is not a positive finite number (at most `maximum`), or None when it is.

    >>> check_positive(3), check_positive(-1), check_positive(5, maximum=4)
    (None, 'must be > 0, got -1', 'must be ≤ 4, got 5')
    """
    kind = type(value)
    if (kind is float or kind is int) and 0 < value <= sys.float_info.max and (maximum is None or value <= maximum):
        return None  # the common case, without the numbers.Real check
    if not is_number(value):
        return f"must be a number, got {value!r}"
    try:
        finite = math.isfinite(value)  # type: ignore[arg-type]
    except OverflowError:
        return f"must be at most {sys.float_info.max:.17g}, got an integer of {len(str(abs(int(value))))} digits"  # type: ignore[call-overload]
    if not finite:
        return f"must be finite, got {value!r}"
    if isinstance(value, Decimal) and abs(value) > _FLOAT_MAX:
        return f"must be at most {sys.float_info.max:.17g}, got {value}"
    if value <= 0:  # type: ignore[operator]
        return f"must be > 0, got {value!r}"
    if maximum is not None and value > maximum:  # type: ignore[operator]
        return f"must be ≤ {maximum:g}, got {value!r}"
    return None


def require_positive_ms(value: object, name: str) -> None:
    """Refuse (InputError naming `name`) anything but a finite number of milliseconds above 0.

    >>> require_positive_ms(0, "window_ms")
    Traceback (most recent call last):
    ...
    connectome.errors.InputError: window_ms: must be a finite number of ms > 0, got 0
    """
    if not is_positive_number(value):
        raise InputError(f"{name}: must be a finite number of ms > 0, got {value!r}")
