"""The points of a sweep: the product of its axes, each run with K seeds from one SeedSequence.

An axis is `NAME=START:STOP:COUNT` (COUNT values evenly spaced, the ends included, each the float
nearest the exact decimal) or `NAME=V1,V2,…`. NAME is a run parameter: `coupling`, `speed`, `dt`,
`duration`, `neurons`, `noise.VAR` (a noise intensity), `coupling.NAME` or any model parameter.
Points are numbered grid-major, seeds fastest: point i is grid cell i // K with seed i % K, so a
point's number and seed never depend on where or when it runs.
From Python an axis may also be numbers (`Grid.of`): Python's or numpy's, a list, a range or an array,
each value kept as the exact number it is.
"""

from __future__ import annotations

import itertools
import math
import numbers
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Callable, Mapping

from ..errors import InputError, Mention
from ..validation import shown
from ..exact import parse_count
from ..sim.spec import RunSpec

FIELDS = {"coupling": "coupling", "speed": "speed_mm_per_ms", "dt": "dt_ms", "duration": "duration_ms",
          "neurons": "neurons"}
MAX_POINTS = 1_000_000
MAX_NUMBER_TEXT = 1000  # characters of one number of an axis


def _decimal(text: str, name: str) -> Decimal:
    """A finite number within the float range, from its text; refused in one line otherwise."""
    text = text.strip()
    if len(text) > MAX_NUMBER_TEXT:
        raise InputError(Mention("grid", key=name), f": a number of {len(text):,} characters, more than "
                         f"{MAX_NUMBER_TEXT}")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InputError(Mention("grid", key=name), f": {shown(text, 40)} is not a number") from None
    if not value.is_finite():
        raise InputError(Mention("grid", key=name), f": {shown(text, 40)} is not a finite number")
    if not math.isfinite(float(value)):
        raise InputError(Mention("grid", key=name), f": {shown(text, 40)} is beyond the range of a float "
                         "(about ±1.8e308)")
    if value and value.adjusted() < -400:  # far below the smallest float: it is 0.0, and needs no 400-digit fraction
        return Decimal(0)
    return value


def _number(text: str, name: str) -> float | int:
    if name == "neurons":
        return parse_count(text, Mention("grid", key="neurons"))
    return float(_decimal(text, name))


def _count(text: str, name: str) -> int:
    """COUNT of `START:STOP:COUNT`, at most MAX_POINTS, read without converting a long digit string."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()):
        raise InputError(Mention("grid", key=name), f": COUNT must be a whole number, got {shown(digits, 40)}")
    significant = digits.lstrip("0") or "0"
    if len(significant) > len(str(MAX_POINTS)) or int(significant) > MAX_POINTS:
        raise InputError(Mention("grid", key=name), f": COUNT {shown(significant, 40)} is more than the "
                         f"{MAX_POINTS:,} points a sweep takes")
    if int(significant) < 1:
        raise InputError(Mention("grid", key=name), f": COUNT must be ≥ 1, got {int(significant)}")
    return int(significant)


def _spaced(start: Fraction, stop: Fraction, count: int) -> list[float]:
    """`count` values from `start` to `stop` evenly spaced, each the float nearest the exact value."""
    if count == 1:
        return [float(start)]
    scale = math.lcm(start.denominator, stop.denominator)
    a, b = start.numerator * (scale // start.denominator), stop.numerator * (scale // stop.denominator)
    n = count - 1
    # value i is (a·n + i·(b − a)) / (scale·n) exactly; int / int is correctly rounded, as float(Fraction) is
    return [(a * n + i * (b - a)) / (scale * n) for i in range(count)]


def _shape(text: str) -> tuple[str, int, Callable[[], list[float | int]]]:
    """(name, number of values, a function that makes them): the size is known before any value exists."""
    name, eq, values = text.partition("=")
    name = name.strip()
    if not eq or not name or not values.strip():
        raise InputError(Mention("grid"), f": expected NAME=START:STOP:COUNT or NAME=V1,V2,..., got "
                         f"{shown(text, 40)}")
    if ":" not in values:
        items = values.split(",")
        return name, len(items), lambda: [_number(v, name) for v in items]
    parts = values.split(":")
    if len(parts) != 3:
        raise InputError(Mention("grid", key=name), f": expected START:STOP:COUNT, got {shown(values, 40)}")
    count = _count(parts[2], name)
    if name == "neurons":
        start, stop = (Fraction(parse_count(p, Mention("grid", key="neurons"))) for p in parts[:2])
        return name, count, lambda: [int(v) for v in _spaced(start, stop, count)]
    start, stop = (Fraction(_decimal(p, name)) for p in parts[:2])
    return name, count, lambda: _spaced(start, stop, count)


def _given(value: Any, name: str) -> float | int:
    """One value of axis `name` given as a number (Python's or numpy's) or as its text, kept exact."""
    if isinstance(value, str):
        return _number(value, name)
    if isinstance(value, Decimal):
        return _number(str(value), name)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(Mention("grid", key=name), f": {shown(value, 40)} is not a number")
    if name == "neurons":
        if isinstance(value, numbers.Integral):
            return parse_count(int(value), Mention("grid", key="neurons"))
        if not math.isfinite(value) or value != int(value):
            raise InputError(Mention("grid", key="neurons"), f": must be a whole number ≥ 1, got {float(value)!r}")
        return parse_count(int(value), Mention("grid", key="neurons"))
    try:
        number = float(value)  # exact for every float type; the nearest float for an int or a fraction
    except OverflowError:
        raise InputError(Mention("grid", key=name), f": {shown(value, 40)} is beyond the range of a float "
                         "(about ±1.8e308)") from None
    if not math.isfinite(number):
        raise InputError(Mention("grid", key=name), f": {number!r} is not a finite number")
    return number


def axis_values(name: str, values: Any) -> list[float | int]:
    """The values of axis `name` given from Python: a number, a list, tuple or range of numbers, a 0-d or 1-d
    numpy array, or the text `START:STOP:COUNT` / `V1,V2,…`; each value the exact number given.

    Examples
    --------
    >>> import numpy as np
    >>> axis_values("coupling", np.linspace(0, 0.035, 3))
    [0.0, 0.0175, 0.035]
    >>> axis_values("coupling", np.float32(0.1)), axis_values("neurons", range(1000, 3001, 1000))
    ([0.10000000149011612], [1000, 2000, 3000])
    >>> axis_values("coupling", [0.1, np.nan])
    Traceback (most recent call last):
    ...
    connectome.errors.InputError: grid['coupling']: nan is not a finite number
    """
    if isinstance(values, str):
        return parse_axis(f"{name}={values}")[1]
    shape = getattr(values, "shape", None)
    if shape is not None and len(shape) > 1:
        raise InputError(Mention("grid", key=name), f": an array of shape {tuple(shape)}; give one value, or a "
                         "list or 1-d array of values")
    if shape == () or not hasattr(values, "__iter__"):
        values = [values.item() if shape == () and hasattr(values, "item") else values]
    if hasattr(values, "__len__") and len(values) > MAX_POINTS:
        raise InputError(Mention("grid", key=name), f": {len(values):,} values, more than the {MAX_POINTS:,} "
                         "points a sweep takes")
    listed = list(itertools.islice(values, MAX_POINTS + 1))
    if len(listed) > MAX_POINTS:
        raise InputError(Mention("grid", key=name), f": more than the {MAX_POINTS:,} values a sweep takes")
    if not listed:
        raise InputError(Mention("grid", key=name), ": give at least one value")
    return [_given(v, name) for v in listed]


def parse_axis(text: str) -> tuple[str, list[float | int]]:
    """`NAME=START:STOP:COUNT` or `NAME=V1,V2,…` as (name, values)."""
    name, count, make = _shape(text)
    if count > MAX_POINTS:
        raise InputError(Mention("grid", key=name), f": {count:,} values, more than the {MAX_POINTS:,} points a "
                         "sweep takes")
    return name, make()


@dataclass(frozen=True)
class Grid:
    """The axes (name, values) of a sweep and its number of seeds per grid cell."""

    axes: tuple[tuple[str, tuple[Any, ...]], ...]
    seeds: int = 1

    @classmethod
    def parse(cls, texts: list[str] | tuple[str, ...], seeds: int = 1) -> "Grid":
        """From the `grid` parameter's texts, `NAME=START:STOP:COUNT` or `NAME=V1,V2,…`; each name once."""
        shapes = [_shape(t) for t in texts]
        names = [n for n, _, _ in shapes]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise InputError(Mention("grid", key=repeated[0]), ": given twice")
        _check_size([count for _, count, _ in shapes], seeds)
        return cls(tuple((n, tuple(make())) for n, _, make in shapes), seeds)

    @classmethod
    def of(cls, grid: "Mapping[str, Any] | list[str] | tuple[str, ...]", seeds: int = 1) -> "Grid":
        """From Python: a mapping of each axis to its values (see `axis_values`), or the texts `parse` takes.

        Examples
        --------
        >>> import numpy as np
        >>> Grid.of({"coupling": np.linspace(0, 0.035, 2), "neurons": np.int64(1000)}, seeds=2).axes
        (('coupling', (0.0, 0.035)), ('neurons', (1000,)))
        >>> Grid.of({"coupling": float("inf")})
        Traceback (most recent call last):
        ...
        connectome.errors.InputError: grid['coupling']: inf is not a finite number
        """
        if not isinstance(grid, Mapping):
            if isinstance(grid, str):
                grid = [grid]
            return cls.parse(list(grid), seeds)
        for name in grid:
            if not isinstance(name, str) or not name.strip():
                raise InputError(Mention("grid"), f": an axis is named by a parameter's name, got {name!r}")
        _check_size([1] * len(grid), seeds)  # no axis, or seeds refused before any value is read
        axes = tuple((name.strip(), tuple(axis_values(name.strip(), values))) for name, values in grid.items())
        _check_size([len(v) for _, v in axes], seeds)
        return cls(axes, seeds)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; `Grid.from_json` reads it back."""
        return {"axes": [[n, list(v)] for n, v in self.axes], "seeds": self.seeds}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Grid":
        return cls(tuple((n, tuple(v)) for n, v in data["axes"]), int(data["seeds"]))

    @property
    def cells(self) -> list[dict[str, Any]]:
        """Every assignment of the axes, the last axis fastest."""
        names = [n for n, _ in self.axes]
        return [dict(zip(names, values)) for values in itertools.product(*(v for _, v in self.axes))]

    def cell(self, index: int) -> dict[str, Any]:
        """Grid cell `index` of `cells`, without listing them all."""
        out = {}
        for name, values in reversed(self.axes):
            index, i = divmod(index, len(values))
            out[name] = values[i]
        return dict(reversed(list(out.items())))

    @property
    def points(self) -> int:
        """Grid cells × seeds."""
        n = self.seeds
        for _, values in self.axes:
            n *= len(values)
        return n


@dataclass(frozen=True)
class GridCell(Mention):
    """A grid cell named in a message: the value of each of its axes.

    Examples
    --------
    >>> cell = GridCell.of({"coupling": 0.0, "noise.x": -1.0})
    >>> cell.spelled(), cell.spelled("GRID")
    ("grid={'coupling': 0.0, 'noise.x': -1.0}", 'GRID coupling=0.0, noise.x=-1.0')
    """

    keyword: str = "grid"
    cell: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, cell: dict[str, Any]) -> "GridCell":
        """The cell that sets each axis of `cell` to its value."""
        return cls(cell=tuple(cell.items()))

    def spelled(self, flag: str | None = None) -> str:
        """Python's spelling (`flag` None), or the command line's with `flag`."""
        if flag is None:
            return f"{self.keyword}={dict(self.cell)!r}"
        return f"{flag} {', '.join(f'{k}={v!r}' for k, v in self.cell)}"


def _check_size(counts: list[int], seeds: Any) -> None:
    """At least one axis, `seeds` a whole number ≥ 1, and at most MAX_POINTS points in all."""
    if not counts:
        raise InputError(Mention("grid"), ": give at least one axis, e.g. ",
                         Mention("grid", "0:0.1:5", key="coupling"))
    if not isinstance(seeds, int) or isinstance(seeds, bool) or seeds < 1:
        raise InputError(Mention("seeds"), f": must be a whole number ≥ 1, got {seeds!r}")
    points = seeds
    for count in counts:
        points *= count  # each factor is at most the text's length or MAX_POINTS: this stays small
    if points > MAX_POINTS:
        raise InputError(Mention("grid"), f": {points:,} points, more than the {MAX_POINTS:,} a sweep takes")


def seeds_of(base: int, count: int) -> list[int]:
    """`count` independent 63-bit seeds from `numpy.random.SeedSequence(base).spawn(count)`."""
    import numpy as np

    return [int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for child in
            np.random.SeedSequence(base).spawn(count)]


def point_spec(base: RunSpec, assignment: dict[str, Any], seed: int) -> RunSpec:
    """The run of one grid cell with one seed: `base` with the axes' values set."""
    fields: dict[str, Any] = {}
    params, noise = dict(base.params), dict(base.noise)
    for name, value in assignment.items():
        if name in FIELDS:
            fields[FIELDS[name]] = value
        elif name.startswith("noise."):
            noise[name[len("noise."):]] = value
        else:
            params[name] = value
    return replace(base, params=params, noise=noise, seed=seed, **fields)
