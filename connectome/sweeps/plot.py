"""The picture of a sweep: its score over one parameter (a line) or two (a heatmap), the mean over seeds."""

from __future__ import annotations

import os
from typing import Any

from ..errors import InputError

UNITS = {"coupling": "a", "speed": "mm/ms", "dt": "ms", "duration": "ms", "neurons": "neurons"}


def _label(name: str, model: str) -> str:
    """An axis label: the parameter's name and unit."""
    from ..sim.models import MODELS

    unit = UNITS.get(name)
    if unit is None and name.startswith("noise."):
        unit = "D"
    if unit is None and model in MODELS:
        unit = next((p.unit for p in MODELS[model].region_parameters + MODELS[model].global_parameters
                     if p.name == name), "")
    return f"{name} ({unit})" if unit else name


def plot(store: Any, sweep_id: int, output: str | os.PathLike) -> None:
    """Write the score of every grid cell (mean over its seeds) to a PNG or SVG, atomically."""
    import numpy as np

    from ..plots import _pyplot, check_picture, save
    from ..store import sweeps as stored
    from .grid import Grid
    from .runner import table

    path = check_picture(output)
    plt = _pyplot()
    found = stored.get(store, sweep_id)
    spec = found["spec"]
    grid, objective, model = Grid.from_json(spec["grid"]), spec["objective"], spec["base"]["model"]
    if objective is None:
        raise InputError(f"sweep {sweep_id}: has no objective, so no score to plot")
    if len(grid.axes) > 2:
        raise InputError(f"sweep {sweep_id}: {len(grid.axes)} axes; a plot shows one or two")
    scores = np.full(grid.points // grid.seeds, np.nan)
    sums, counts = np.zeros_like(scores), np.zeros_like(scores)
    for row in table(store, sweep_id):
        if row["score"] is not None:
            sums[row["point"] // grid.seeds] += row["score"]
            counts[row["point"] // grid.seeds] += 1
    np.divide(sums, counts, out=scores, where=counts > 0)
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    (name0, values0), *rest = grid.axes
    if not rest:
        ax.plot(values0, scores, marker="o")
        ax.set_xlabel(_label(name0, model))
        ax.set_ylabel(objective)
    else:
        name1, values1 = rest[0]
        image = ax.imshow(scores.reshape(len(values0), len(values1)), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(values1)), [f"{v:g}" for v in values1])
        ax.set_yticks(range(len(values0)), [f"{v:g}" for v in values0])
        ax.set_xlabel(_label(name1, model))
        ax.set_ylabel(_label(name0, model))
        fig.colorbar(image, ax=ax, label=objective)
    ax.set_title(f"sweep {sweep_id}: {found['ref']}, {model}, mean over {grid.seeds} seed(s)")
    fig.tight_layout()
    save(fig, path)
