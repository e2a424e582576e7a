"""Whitespace-separated text matrices and columns, as TVB writes them: its matrix layer.

Blank lines and lines starting with ``#`` are skipped (as numpy's ``loadtxt`` does); numbers are strict
decimals (ASCII, no underscores; NaN and infinities refused); every refusal is an ``InputError`` naming the
file, line and column. A hostile file costs no more than a legitimate one: lines are split with a bounded
``maxsplit`` and a file may hold only a few more lines than its rows need (`lines`).

* `weights`: a square matrix of weights ≥ 0 into strengths (× a scale, in decimal arithmetic from the
  numbers as written), at most ``MAX_STRENGTH`` unless the caller rescales; the non-zero cells per row;
* `tract_lengths`: a square matrix of the same size, at the cells that carry a weight;
* `vector`: one number per region; `triples`: three numbers a line.

Example
-------
>>> weights(b"0 0.1\\n# a comment\\n2 0\\n", "w.txt", 3.0)
[([1], [0.3]), ([0], [6.0])]
"""

from __future__ import annotations

import decimal
import math
from typing import Iterator

import numpy as np

from ..errors import Mention, located
from ..exact import MAX_STRENGTH
from .options import OptionError

BOM = b"\xef\xbb\xbf"
_PRODUCT = decimal.Context(prec=60)
Rows = list[tuple[list[int], list[float]]]
"""Per row (target), the columns (sources) of its non-zero weights and their strengths."""


def lines(data: bytes | bytearray, file: str, expected: int) -> Iterator[tuple[int, bytes | bytearray]]:
    """(line number, line) of each line that is neither blank nor a `#` comment, one at a time.

    A file of `expected` rows may have a few blank or comment lines more, not millions: past
    4 × expected + 1024 lines it is refused, so a hostile file costs no more than a legitimate one.

    Examples
    --------
    >>> [(n, bytes(line)) for n, line in lines(b"\\xef\\xbb\\xbf1\\n\\n# c\\n2", "f.txt", 2)]
    [(1, b'1'), (4, b'2')]
    """
    most = 4 * expected + 1024
    size = len(data)
    start = len(BOM) if data.startswith(BOM) else 0
    number = 0
    while start < size:
        end = data.find(b"\n", start)
        if end < 0:
            end = size
        number += 1
        if number > most:
            raise located(file, "", f"has more than {most:,} lines, far more than its {expected:,} rows need")
        line = data[start:end]
        start = end + 1
        head = line.lstrip()[:1]
        if head and head != b"#":
            yield number, line


def shown(token: bytes | bytearray) -> str:
    """A token as messages quote it: decoded, and cut to 40 characters.

    Examples
    --------
    >>> shown(b"x" * 50)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'"
    """
    text = bytes(token).decode("utf-8", "replace")
    return repr(text if len(text) <= 40 else text[:37] + "...")


def number(token: bytes | bytearray, file: str, line: int, column: int) -> float:
    """A strict decimal number (ASCII, no underscores); NaN and infinities are refused.

    Examples
    --------
    >>> number(b"2.5e1", "f.txt", 1, 1)
    25.0
    >>> number(b"1_0", "f.txt", 3, 2)
    Traceback (most recent call last):
    ...
    connectome.errors.InputError: f.txt: line 3 column 2: not a number: '1_0'
    """
    try:
        if not token.isascii() or b"_" in token:
            raise ValueError
        value = float(token)
    except ValueError:
        raise located(file, f"line {line} column {column}", f"not a number: {shown(token)}") from None
    if not math.isfinite(value):
        raise located(file, f"line {line} column {column}", f"must be finite, got {shown(token)}")
    return value


def _row(text: bytes | bytearray, tokens: list, file: str, line: int) -> list[float]:
    """The numbers of one line (fast path, with a precise error for the first bad token)."""
    if text.isascii() and b"_" not in text:
        try:
            return list(map(float, tokens))
        except ValueError:
            pass
    return [number(t, file, line, column) for column, t in enumerate(tokens, 1)]


def count(tokens: list, most: int) -> str:
    """How many tokens a message says a line has, when the split stopped at `most`."""
    return f"more than {most}" if len(tokens) > most else str(len(tokens))


def _checked(values: np.ndarray, tokens: list, file: str, line: int, what: str) -> None:
    """Refuse a row holding a non-finite or negative value, naming its column."""
    bad = ~np.isfinite(values)
    if bad.any():
        column = int(np.argmax(bad))
        raise located(file, f"line {line} column {column + 1}", f"must be finite, got {shown(tokens[column])}")
    negative = values < 0
    if negative.any():
        column = int(np.argmax(negative))
        raise located(file, f"line {line} column {column + 1}", f"{what} must be ≥ 0, got {shown(tokens[column])}")


def matrix(data: bytes | bytearray, file: str, what: str,
           size: int | None = None) -> Iterator[tuple[int, list, np.ndarray]]:
    """(line number, tokens, values) of each row of a square matrix of finite numbers ≥ 0.

    Lines are split with a bounded `maxsplit`, so a giant line never becomes millions of tokens:
    a square matrix of width w takes at least 2·w² - 1 bytes, which bounds w by the file's size.

    Examples
    --------
    >>> [values.tolist() for _, _, values in matrix(b"1 0\\n0 2\\n", "m.txt", "a weight")]
    [[1.0, 0.0], [0.0, 2.0]]
    >>> list(matrix(b"1 0\\n", "m.txt", "a weight"))
    Traceback (most recent call last):
    ...
    connectome.errors.InputError: m.txt: is not square: 1 rows, but line 1 has 2 values
    """
    widest = size if size is not None else math.isqrt(len(data) // 2) + 1
    first = width = None
    rows = 0
    for line, text in lines(data, file, widest):
        tokens = text.split(None, widest if width is None else width)
        if width is None:
            first, width = line, len(tokens)
            if width > widest:
                raise located(file, "", f"is not square: line {line} has {count(tokens, widest)} values, more "
                                        f"than the file has room for as rows")
        elif len(tokens) != width:
            raise located(file, f"line {line}", f"has {count(tokens, width)} values, but line {first} has "
                                                f"{width}; the matrix must be square")
        rows += 1
        if rows > width:
            raise located(file, "", f"is not square: more than {width} rows, but line {first} has {width} values")
        values = np.array(_row(text, tokens, file, line), dtype=float)
        _checked(values, tokens, file, line, what)
        yield line, tokens, values
    if width is None:
        raise located(file, "", "has no values")
    if rows != width:
        raise located(file, "", f"is not square: {rows} rows, but line {first} has {width} values")


def suggested_scale(largest: float) -> str:
    """A short strength scale (3 significant digits) that maps `largest` to at most ``MAX_STRENGTH``.

    Examples
    --------
    >>> suggested_scale(3.7e11)
    '2.7e-09'
    """
    scale = MAX_STRENGTH / largest
    text = f"{scale:.3g}"
    while float(text) * largest > MAX_STRENGTH:
        scale *= 0.999
        text = f"{scale:.3g}"
    return text


def strengths(values: list[float], scale: float) -> list[float]:
    """weight × scale, as the nearest double to the product of the two numbers as written.

    Examples
    --------
    >>> strengths([0.1], 3)
    [0.3]
    """
    if scale == 1:
        return values
    factor = decimal.Decimal(repr(float(scale)))
    return [float(_PRODUCT.multiply(decimal.Decimal(repr(v)), factor)) for v in values]


def weights(data: bytes | bytearray, file: str, scale: float, unbounded: bool = False) -> Rows:
    """Per row (target), the source columns with a non-zero weight and their strengths (weight × `scale`).

    A strength that underflows to 0 is refused; one above ``MAX_STRENGTH`` too unless `unbounded`, naming
    its cell and the ``strength_scale`` that would map the largest weight to ``MAX_STRENGTH`` (an
    `OptionError`). See the module's example.
    """
    rows: Rows = []
    too_big = None
    largest = 0.0
    for line, tokens, values in matrix(data, file, "a weight"):
        columns = np.flatnonzero(values)
        given = values[columns].tolist()
        scaled = strengths(given, scale)
        if given:
            largest = max(largest, max(given))
            if max(scaled) > MAX_STRENGTH or min(scaled) == 0:
                for k, strength in enumerate(scaled):
                    column = int(columns[k])
                    if strength == 0:
                        raise located(file, f"line {line} column {column + 1}",
                                      f"weight {shown(tokens[column])} × strength scale {scale!r} underflows to 0")
                    if strength > MAX_STRENGTH and too_big is None and not unbounded:
                        too_big = (line, column + 1, tokens[column], strength)
        rows.append((columns.tolist(), scaled))
    if too_big is not None:
        line, column, token, strength = too_big
        raise OptionError(f"{file}: line {line} column {column}: weight {shown(token)} × strength scale {scale!r} "
                          f"gives strength {strength!r}, above {MAX_STRENGTH} connections per 1000 neuron pairs; "
                          "scale the weights with ", Mention("strength_scale"), " (",
                          Mention("strength_scale", suggested_scale(largest)),
                          f" maps the largest weight, {largest!r}, to at most {MAX_STRENGTH})")
    return rows


def tract_lengths(data: bytes | bytearray, file: str, rows: Rows, weights_file: str) -> list[list[float]]:
    """Per row, the tract lengths at the cells that carry a weight in `rows` (from `weights`).

    Examples
    --------
    >>> tract_lengths(b"0 12.5\\n3 0\\n", "t.txt", [([1], [1.0]), ([], [])], "w.txt")
    [[12.5], []]
    """
    n = len(rows)
    picked: list[list[float]] = []
    for _, _, values in matrix(data, file, "a tract length", size=max(n, math.isqrt(len(data) // 2) + 1)):
        if len(values) != n:
            raise located(file, "", f"is {len(values)}×{len(values)}, but {weights_file} is {n}×{n}")
        picked.append(values[rows[len(picked)][0]].tolist())
    return picked


def vector(data: bytes | bytearray, file: str, n: int, what: str) -> list[float]:
    """One number per region (one a line, or any layout with n numbers in all); `what` is "flag" (0 or 1),
    "area" (≥ 0) or anything else (any finite number).

    Examples
    --------
    >>> vector(b"1\\n0 1\\n", "c.txt", 3, "flag")
    [1.0, 0.0, 1.0]
    """
    values, places = [], []
    for line, text in lines(data, file, n):
        for column, token in enumerate(text.split(None, n + 1 - len(values)), 1):
            if len(values) == n:
                raise located(file, f"line {line} column {column}",
                              f"one value too many: expected {n} (one per region)")
            values.append(number(token, file, line, column))
            places.append((line, column, token))
    if len(values) != n:
        raise located(file, "", f"has {len(values)} values, expected {n} (one per region)")
    for value, (line, column, token) in zip(values, places):
        if what == "flag" and value not in (0, 1):
            raise located(file, f"line {line} column {column}", f"must be 0 or 1, got {shown(token)}")
        if what == "area" and value < 0:
            raise located(file, f"line {line} column {column}", f"an area must be ≥ 0, got {shown(token)}")
    return values


def triples(data: bytes | bytearray, file: str, n: int) -> list[tuple[float, float, float]]:
    """Three numbers a line (x y z), one line per region.

    Examples
    --------
    >>> triples(b"1 0 0\\n0 1 0\\n", "o.txt", 2)
    [(1.0, 0.0, 0.0), (0.0, 1.0, 0.0)]
    """
    result = []
    for line, text in lines(data, file, n):
        if len(result) == n:
            raise located(file, f"line {line}", f"one line too many: expected {n} (one per region)")
        tokens = text.split(None, 3)
        if len(tokens) != 3:
            raise located(file, f"line {line}", f"expected 3 numbers (x y z), got {count(tokens, 3)}")
        result.append(tuple(number(t, file, line, c) for c, t in enumerate(tokens, 1)))
    if len(result) != n:
        raise located(file, "", f"has {len(result)} lines, expected {n} (one per region)")
    return result
