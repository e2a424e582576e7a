"""A sweep before it runs: its specification stored (or found again), its points, those already recorded."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from typing import Any

from ..errors import InputError, Mention
from ..sim.models import get_model
from ..sim.spec import RunSpec, check
from .grid import Grid, GridCell, point_spec, seeds_of
from .scores import check_objective, empirical_target


@dataclass
class SweepPlan:
    """Everything the client needs to hand points to workers and to record them."""

    sweep_id: int
    created: bool
    version: Any
    rows: Any
    base: RunSpec
    grid: Grid
    seeds: list[int]
    done: set[int]
    empirical: Any  # what the points are scored against: {"fc": matrix} or {"fcd": matrix}, or None

    @property
    def points(self) -> int:
        return self.grid.points

    def spec_json(self, point: int) -> dict[str, Any]:
        """The RunSpec of point `point` as JSON (grid cell point // K, seed point % K)."""
        cell = self.grid.cell(point // self.grid.seeds)
        return point_spec(self.base, cell, self.seeds[point % self.grid.seeds]).to_json()


def plan_sweep(store: Any, ref: str | None, base: RunSpec | None, grid: Grid | None, objective: str | None,
               empirical: dict[str, str | None], resume: int | None) -> SweepPlan:
    """Store a new sweep (or find the same one again), or load sweep `resume`; check its first point.

    `empirical` maps "fc", "bold" and "fcd" to the files of the `empirical_fc`, `empirical_bold` and
    `empirical_fcd` parameters (None where not given; see `scores`)."""
    from ..sim import prepare
    from ..store import sweeps as stored

    if resume is not None:
        found = stored.get(store, resume)
        spec = found["spec"]
        version = store.resolve(found["ref"])
        base, grid, objective = RunSpec.from_json(spec["base"]), Grid.from_json(spec["grid"]), spec["objective"]
        base = base.with_seed(spec["seed"])
        if "delays" not in spec["base"] and any(name == "speed" for name, _ in grid.axes):
            base = replace(base, delays=True)  # stored before `delays` existed: its speed axis gave the delays
        empirical = {kind: spec.get(f"empirical_{kind}") for kind in ("fc", "bold", "fcd")}
    else:
        check_objective(objective, empirical, base)
        version = store.resolve(ref)
    rows = store.columns(version)
    target, digest = empirical_target(objective, empirical, [name for name, _ in rows.regions], base)
    if resume is not None:
        if digest != spec.get("empirical_sha256"):
            kind = next(k for k, v in empirical.items() if v is not None)
            raise InputError(Mention(f"empirical_{kind}", str(empirical[kind])),
                             f": the file changed since sweep {resume} started")
        sweep_id, created = resume, False
    else:
        if objective is not None:
            base = replace(base, fc=True)
        spec = {"base": base.to_json(), "grid": grid.to_json(), "objective": objective,
                "empirical_fc": None if empirical.get("fc") is None else str(empirical["fc"]),
                "empirical_sha256": digest}
        spec.update({f"empirical_{kind}": str(empirical[kind]) for kind in ("bold", "fcd") if empirical.get(kind)})
        _check_points(base, grid)
        try:
            prepare(rows, point_spec(base, grid.cell(0), 0))  # the first point's errors before anything is stored
        except InputError as e:
            raise InputError(GridCell.of(grid.cell(0)), ": ", *e.args) from None
        # with no `seed` the base seed is drawn once, stored with the sweep and found again on a re-run
        drawn = base.seed if base.seed is not None else secrets.randbits(63)
        sweep_id, created, seed = stored.create_or_find(store, version, spec, drawn, grid.points)
        base = base.with_seed(seed)
    seeds = seeds_of(base.seed, grid.seeds)
    return SweepPlan(sweep_id, created, version, rows, base, grid, seeds, set(stored.recorded(store, sweep_id)),
                     target)


def check_resume_alone(resume: int | None, given: dict[str, Any]) -> None:
    """Refuse, with `resume`, any of `given` (keyword → value) that is set: a resumed sweep runs its stored
    specification, so a topology, grid, objective or run field given with it would be silently ignored.

    Examples
    --------
    >>> check_resume_alone(1, {"ref": "pair@v1", "grid": None, "duration_ms": 20.0})
    Traceback (most recent call last):
    ...
    connectome.errors.InputError: resume: a resumed sweep runs its stored specification; give no ref, duration_ms with it
    """
    if resume is None:
        return
    extra = [name for name, value in given.items() if value not in (None, (), [], {}, False)]
    if extra:
        mentions = [part for name in extra for part in (", ", Mention(name))][1:]
        raise InputError(Mention("resume"), ": a resumed sweep runs its stored specification; give no ", *mentions,
                         " with it")


CHECK_EVERY_CELL_UP_TO = 10_000


def _check_points(base: RunSpec, grid: Grid) -> None:
    """The grid's specs pass the spec's checks (names of run fields, numbers, the model's parameters and their
    ranges) before anything is stored.

    Up to 10,000 cells every cell is checked; beyond, every value of every axis once, the other axes at their
    first values (O(sum of the axes' lengths)); a cell failing only in combination then fails as its point.
    """
    if grid.points // grid.seeds <= CHECK_EVERY_CELL_UP_TO:
        cells = grid.cells
    else:
        first = grid.cell(0)
        cells = [{**first, name: value} for name, values in grid.axes for value in values]
    for cell in cells:
        try:
            spec = point_spec(base, cell, 0)
            check(spec)
            get_model(spec.model).check_params(spec.params)
        except InputError as e:
            raise InputError(GridCell.of(cell), ": ", *e.args) from None
