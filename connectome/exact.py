"""Exact arithmetic of the counting rule: numbers as written, apportionment, derived connections."""

from __future__ import annotations

import numbers
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from typing import Iterable, Sequence

from .errors import InputError, Mention

MAX_STRENGTH = 1000
MAX_NEURONS = 10**18  # beyond any brain, and within the 64-bit integers a database column holds


@lru_cache(maxsize=65536)
def _float_fraction(value: float) -> Fraction:
    return Fraction(repr(value))


def exact(value: int | float | Fraction | Decimal) -> Fraction:
    """The number as written: 0.3 is 3/10, not the binary double nearest to it."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, Decimal)):
        raise TypeError(f"not a number: {value!r}")
    if isinstance(value, numbers.Integral):
        return Fraction(int(value))
    if isinstance(value, (Fraction, Decimal)):
        return Fraction(value)
    return _float_fraction(float(value))  # float() first: numpy's repr is "np.float64(0.3)"


def parse_count(text: str | int, what: str | Mention = "neurons") -> int:
    """A whole number ≥ 1 from `10000000`, `10_000_000`, `1e7` or `1.5e9`.

    Parameters
    ----------
    text : str or int
        The number as written.
    what : str or Mention
        The parameter it gives, named in the error: a keyword, or a `Mention` (``Mention("grid", "neurons")``).

    Returns
    -------
    int

    Examples
    --------
    >>> parse_count("1.5e9")
    1500000000
    >>> parse_count("0", "max_steps")
    Traceback (most recent call last):
    ...
    connectome.errors.InputError: max_steps: must be a whole number ≥ 1, got '0'
    """
    name = what if isinstance(what, Mention) else Mention(what)
    if isinstance(text, int) and not isinstance(text, bool):
        value = Decimal(text)
    elif not str(text).isascii():  # Decimal would read other scripts' digits: ١٢٣ as 123
        raise InputError(name, f": must be written with ASCII digits, got {text!r}")
    else:
        try:
            value = Decimal(str(text).strip().replace("_", ""))
        except InvalidOperation:
            raise InputError(name, f": must be a whole number ≥ 1, got {text!r}") from None
    if not value.is_finite() or value != value.to_integral_value() or value < 1:
        raise InputError(name, f": must be a whole number ≥ 1, got {text!r}")
    if value > MAX_NEURONS:
        raise InputError(name, f": at most 1e18, got {text!r}")
    return int(value)


def _decimal(value: object) -> tuple[int, int]:
    """(m, e) with value = m · 10^e exactly, the decimal as written (a float's shortest repr)."""
    if type(value) is float:
        text = float.__repr__(value)
        if "e" not in text:  # the common case, read from the text: "0.125" is 125 · 10^-3
            whole, _, fraction = text.partition(".")
            return int(whole + fraction), -len(fraction)
    d = value if isinstance(value, Decimal) else Decimal(value) if type(value) is int else Decimal(repr(float(value)))
    _, _, exponent = d.as_tuple()
    return int(d.scaleb(-exponent)), exponent


def scaled(values: Iterable[object]) -> tuple[dict, int]:
    """Each distinct decimal value as an integer over 10^power: ({value: integer}, power)."""
    parts = {v: _decimal(v) for v in _distinct(values)}
    power = max(0, max((-e for _, e in parts.values()), default=0))
    low = min((e for _, e in parts.values()), default=0)
    tens = {e: 10 ** (power + e) for e in range(low, max((e for _, e in parts.values()), default=0) + 1)}
    return {v: m * tens[e] for v, (m, e) in parts.items()}, power


def scaled_list(values: list) -> tuple[list[int], int]:
    """The integers over a common 10^power of every value, in order: ([integer per value], power)."""
    if len(values) > 50_000 and all(type(v) is float for v in values):
        fast = scaled_floats(values)
        if fast is not None:
            return fast
    ints, power = scaled(values)
    return [ints[v] for v in values], power


def scaled_floats(values: list[float]) -> tuple[list[int], int] | None:
    """`scaled_list` of many floats by numpy, or None where it cannot be sure (then the exact path decides).

    At the smallest power p where every m = rint(v · 10^p) has |m| < 10^15 and m / 10^p (a correctly
    rounded division of exact doubles) gives back v, m · 10^-p is each value's shortest decimal scaled to
    10^p: decimals of at most 15 significant digits round to distinct doubles, so no other one can.
    """
    import numpy as np

    v = np.array(values, dtype=np.float64)
    for power in range(16):
        tens = 10.0**power
        m = np.rint(v * tens)
        if not np.all(np.abs(m) < 1e15):
            return None
        if np.array_equal(m / tens, v):
            return m.astype(np.int64).tolist(), power
    return None


def _distinct(values: Iterable[object]) -> list:
    """The distinct values; many floats are deduplicated by numpy's sort, which beats a set by far."""
    values = list(values)
    if len(values) > 50_000 and all(type(v) is float for v in values[:1000]) and \
            all(type(v) is float for v in values):
        import numpy as np

        return np.unique(np.array(values, dtype=np.float64)).tolist()
    return list(set(values))


def apportion(total: int, shares: Sequence[int | float]) -> list[int]:
    """Largest-remainder apportionment of `total` by `shares`; ties go to the one listed first."""
    weights = [exact(s) for s in shares]
    whole = sum(weights, Fraction(0))
    quotas = [total * w / whole for w in weights]
    counts = [q.numerator // q.denominator for q in quotas]
    leftover = total - sum(counts)
    by_remainder = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in by_remainder[:leftover]:
        counts[i] += 1
    return counts


def connections(source_neurons: int, target_neurons: int, strength: int | float) -> int:
    """floor(N_s · N_t · strength / 1000), exactly, as a Python int of any size."""
    s = exact(strength)
    return (source_neurons * target_neurons * s.numerator) // (s.denominator * MAX_STRENGTH)
