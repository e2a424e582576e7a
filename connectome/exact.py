"""Exact arithmetic of the counting rule: numbers as written, apportionment, derived connections."""

from __future__ import annotations

import numbers
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from typing import Any, Iterable, Sequence

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
    found = scaled_array(values)
    return None if found is None else (found[0].tolist(), found[1])


def scaled_array(values: Any) -> tuple[Any, int] | None:
    """`scaled_floats` as an int64 array: (integers, power), or None where it cannot be sure.

    Examples
    --------
    >>> import numpy as np
    >>> ints, power = scaled_array(np.array([0.3, 12.5, 1e-3]))
    >>> ints.tolist(), power
    ([300, 12500, 1], 3)
    >>> scaled_array(np.array([0.6693395498556148])) is None  # 16 digits: the exact path decides
    True
    """
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    for power in range(16):
        tens = 10.0**power
        m = np.rint(v * tens)
        if not np.all(np.abs(m) < 1e15):
            return None
        if np.array_equal(m / tens, v):
            return m.astype(np.int64), power
    return None


def decimal_arrays(values: Any) -> tuple[Any, Any]:
    """Each float as its shortest decimal m · 10^e, exactly: (m as int64, e as int64), a chunk at a time.

    Any double's shortest decimal has at most 17 significant digits, so m fits 64 bits; no Python object is
    kept per value.

    Examples
    --------
    >>> import numpy as np
    >>> m, e = decimal_arrays(np.array([0.6693395498556148, 2.5, 1e-300]))
    >>> m.tolist(), e.tolist()
    ([6693395498556148, 25, 1], [-16, -1, -300])
    """
    import numpy as np

    floats = np.asarray(values, dtype=np.float64)
    m, e = np.empty(len(floats), dtype=np.int64), np.empty(len(floats), dtype=np.int64)
    for start in range(0, len(floats), 65536):
        parts = [_decimal(v) for v in floats[start:start + 65536].tolist()]
        m[start:start + len(parts)] = [p[0] for p in parts]
        e[start:start + len(parts)] = [p[1] for p in parts]
    return m, e


def scaled_columns(values: Any) -> tuple[Any, int]:
    """Many strengths (an array of floats, or a list) as integers over one 10^power, without a Python object
    per value: `scaled_array`'s int64 array where it is sure, else the exact decimals (m, e) of
    `decimal_arrays`, else (a list with Decimals) `scaled_list`'s list; `scaled_chunk` gives the integers.

    Examples
    --------
    >>> import numpy as np
    >>> scaled, power = scaled_columns(np.array([0.5, 0.6693395498556148]))
    >>> scaled_chunk(scaled, power, 0, 2), power
    ([5000000000000000, 6693395498556148], 16)
    """
    import numpy as np

    if not isinstance(values, np.ndarray):
        return scaled_list(values)
    found = scaled_array(values)
    if found is not None:
        return found
    m, e = decimal_arrays(values)
    return (m, e), max(0, -int(e.min(initial=0)))


def scaled_chunk(scaled: Any, power: int, start: int, end: int) -> list[int]:
    """The integers over 10^power of values start to end of `scaled_columns`, as Python integers."""
    if isinstance(scaled, list):
        return scaled[start:end]
    if not isinstance(scaled, tuple):
        return scaled[start:end].tolist()
    m, e = scaled[0][start:end].tolist(), scaled[1][start:end].tolist()
    tens = {x: 10 ** (power + x) for x in set(e)}
    return [a * tens[b] for a, b in zip(m, e)]


def _distinct(values: Iterable[object]) -> list:
    """The distinct values; many floats are deduplicated by numpy's sort, which beats a set by far."""
    values = list(values)
    if len(values) > 50_000 and all(type(v) is float for v in values[:1000]) and \
            all(type(v) is float for v in values):
        import numpy as np

        return np.unique(np.array(values, dtype=np.float64)).tolist()
    return list(set(values))


def apportion(total: int, shares: Sequence[int | float]) -> list[int]:
    """Largest-remainder apportionment of `total` by `shares`; ties go to the one listed first.

    Parameters
    ----------
    total : int
        The whole to share out (the neuron count N).
    shares : sequence of int or float
        Positive weights, taken as the decimals written (0.3 is 3/10).

    Returns
    -------
    list of int
        One count per share, in order, summing to `total` exactly.

    Examples
    --------
    >>> apportion(10, [1, 1, 1]), apportion(1000, [0.3, 0.7])
    ([4, 3, 3], [300, 700])
    """
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
    """floor(N_s · N_t · strength / 1000), exactly, as a Python int of any size.

    Parameters
    ----------
    source_neurons, target_neurons : int
        The sizes N_s and N_t of the two regions.
    strength : int or float
        Connections per 1000 neuron pairs, taken as the decimal written (0.29 is 29/100).

    Returns
    -------
    int

    Examples
    --------
    >>> connections(100, 1000, 0.29)  # in floats, 100 * 1000 * 0.29 / 1000 is 28.999999999999996
    29
    >>> connections(10**11, 10**11, 1000)
    10000000000000000000000
    """
    s = exact(strength)
    return (source_neurons * target_neurons * s.numerator) // (s.denominator * MAX_STRENGTH)
