"""The points of a sweep: the product of its axes, each run with K seeds from one SeedSequence.

An axis is `NAME=START:STOP:COUNT` (COUNT values evenly spaced, the ends included, each the float
nearest the exact decimal) or `NAME=V1,V2,…`. NAME is a run parameter: `coupling`, `speed`, `dt`,
`duration`, `neurons`, `noise.VAR` (a noise intensity), `coupling.NAME` or any model parameter.
Points are numbered grid-major, seeds fastest: point i is grid cell i // K with seed i % K, so a
point's number and seed never depend on where or when it runs.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from ..errors import InputError
from ..exact import parse_count
from ..sim.spec import RunSpec

FIELDS = {"coupling": "coupling", "speed": "speed_mm_per_ms", "dt": "dt_ms", "duration": "duration_ms",
          "neurons": "neurons"}
MAX_POINTS = 1_000_000


def _number(text: str, name: str) -> float | int:
    if name == "neurons":
        return parse_count(text, "--grid neurons")
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InputError(f"--grid {name}: {text!r} is not a number") from None
    if not value.is_finite():
        raise InputError(f"--grid {name}: {text!r} is not a finite number")
    return float(value)


def parse_axis(text: str) -> tuple[str, list[float | int]]:
    """`NAME=START:STOP:COUNT` or `NAME=V1,V2,…` as (name, values)."""
    name, eq, values = text.partition("=")
    name = name.strip()
    if not eq or not name or not values.strip():
        raise InputError(f"--grid: expected NAME=START:STOP:COUNT or NAME=V1,V2,..., got {text!r}")
    if ":" in values:
        parts = values.split(":")
        if len(parts) != 3:
            raise InputError(f"--grid {name}: expected START:STOP:COUNT, got {values!r}")
        try:
            count = int(parts[2])
        except ValueError:
            raise InputError(f"--grid {name}: COUNT must be a whole number, got {parts[2]!r}") from None
        if count < 1:
            raise InputError(f"--grid {name}: COUNT must be ≥ 1, got {count}")
        for part in parts[:2]:
            _number(part, name)  # a finite number, or a message naming the axis
        start, stop = (Fraction(Decimal(p.strip())) for p in parts[:2])
        step = (stop - start) / (count - 1) if count > 1 else Fraction(0)
        out = [float(start + i * step) for i in range(count)]
        return name, [int(v) for v in out] if name == "neurons" else out
    return name, [_number(v, name) for v in values.split(",")]


@dataclass(frozen=True)
class Grid:
    """The axes (name, values) of a sweep and its number of seeds per grid cell."""

    axes: tuple[tuple[str, tuple[Any, ...]], ...]
    seeds: int = 1

    @classmethod
    def parse(cls, texts: list[str] | tuple[str, ...], seeds: int = 1) -> "Grid":
        """From `--grid` texts; every name once."""
        axes = [parse_axis(t) for t in texts]
        names = [n for n, _ in axes]
        if not axes:
            raise InputError("--grid: give at least one axis, e.g. --grid coupling=0:0.1:5")
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise InputError(f"--grid {repeated[0]}: given twice")
        if not isinstance(seeds, int) or seeds < 1:
            raise InputError(f"--seeds: must be a whole number ≥ 1, got {seeds!r}")
        grid = cls(tuple((n, tuple(v)) for n, v in axes), seeds)
        if grid.points > MAX_POINTS:
            raise InputError(f"--grid: {grid.points:,} points, more than the {MAX_POINTS:,} a sweep takes")
        return grid

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
