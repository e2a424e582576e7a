"""The picture of a sweep: its score over one parameter (a line) or two (a heatmap), the mean over seeds,
the best point starred (and a warning when it lies on the grid's edge)."""

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


def scores_by_cell(store: Any, sweep_id: int) -> tuple[Any, Any, dict[str, Any]]:
    """A sweep's grid, the mean score over seeds of each grid cell (NaN where none) and its stored record."""
    import numpy as np

    from ..store import sweeps as stored
    from .grid import Grid
    from .runner import table

    found = stored.get(store, sweep_id)
    grid = Grid.from_json(found["spec"]["grid"])
    if found["spec"]["objective"] is None:
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
    return grid, scores, found


def best_cell(grid: Any, scores: Any, objective: str) -> tuple[int, ...] | None:
    """The grid index (one per axis) of the best mean score (the lowest for a distance), None if none.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> grid = SimpleNamespace(axes=[("coupling", [0.0, 0.1, 0.2]), ("speed", [1.0, 3.0])])
    >>> best_cell(grid, np.array([0.1, 0.2, 0.9, 0.3, np.nan, 0.4]), "fc-sc")
    (1, 0)
    """
    import numpy as np

    from .scores import LOWER_IS_BETTER

    if not np.isfinite(scores).any():
        return None
    flat = int(np.nanargmin(scores) if objective in LOWER_IS_BETTER else np.nanargmax(scores))
    return tuple(int(i) for i in np.unravel_index(flat, [len(values) for _, values in grid.axes]))


def warn_if_on_edge(sweep_id: int, grid: Any, best: tuple[int, ...]) -> bool:
    """Warn (ConnectomeWarning) when the best point lies on the grid's edge along an axis of several values:
    the optimum may lie beyond the values swept. Returns whether it does."""
    import warnings

    from ..errors import ConnectomeWarning

    edges = [f"{name} at its {'smallest' if values[i] == min(values) else 'largest'} value {values[i]:g}"
             for (name, values), i in zip(grid.axes, best)
             if len(set(values)) > 1 and values[i] in (min(values), max(values))]
    if edges:
        warnings.warn(ConnectomeWarning(f"sweep {sweep_id}: the best point lies on the grid's edge ("
                                        + ", ".join(edges) + "); the optimum may lie beyond the values swept"))
    return bool(edges)


def plot(store: Any, sweep_id: int, output: str | os.PathLike | None = None, *, ax: Any = None) -> Any:
    """The score of every grid cell (mean over its seeds) over one parameter (a line) or two (a heatmap),
    the best point starred; a ConnectomeWarning when it lies on the grid's edge.

    Parameters
    ----------
    store : Store
        The store the sweep is recorded in.
    sweep_id : int
        The sweep.
    output : str or os.PathLike, optional
        Also write the figure there (.png or .svg, atomically).
    ax : matplotlib.axes.Axes, optional
        Draw into this Axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn (the one `ax` belongs to, when given).
    """
    import numpy as np

    from ..plots import check_picture, new_figure, save, set_title
    from ..plots.common import root_figure

    if output is not None:
        check_picture(output)
    grid, scores, found = scores_by_cell(store, sweep_id)
    objective, model = found["spec"]["objective"], found["spec"]["base"]["model"]
    if ax is None:
        fig = new_figure("sweeps plot", 6.4, 4.8)
        ax = fig.subplots()
    else:
        fig = root_figure(ax)
    (name0, values0), *rest = grid.axes
    best = best_cell(grid, scores, objective)
    if not rest:
        ax.plot(values0, scores, marker="o")
        ax.set_xlabel(_label(name0, model))
        ax.set_ylabel(objective)
        where = None if best is None else (values0[best[0]], scores[best[0]])
    else:
        name1, values1 = rest[0]
        image = ax.imshow(scores.reshape(len(values0), len(values1)), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(values1)), [f"{v:g}" for v in values1])
        ax.set_yticks(range(len(values0)), [f"{v:g}" for v in values0])
        ax.set_xlabel(_label(name1, model))
        ax.set_ylabel(_label(name0, model))
        fig.colorbar(image, ax=ax, label=objective)
        where = None if best is None else (best[1], best[0])
    if best is not None:
        text = ", ".join(f"{name}={values[i]:g}" for (name, values), i in zip(grid.axes, best))
        score = scores[int(np.ravel_multi_index(best, [len(values) for _, values in grid.axes]))]
        ax.plot(*where, ls="", marker="*", ms=16, color="crimson", markeredgecolor="white",
                label=f"best: {text} ({score:.4f})")
        ax.legend(fontsize=8, loc="best")
        warn_if_on_edge(sweep_id, grid, best)
    set_title(ax, f"sweep {sweep_id}: {found['ref']}, {model}, mean over {grid.seeds} seed(s)")
    if output is not None:
        save(fig, output)
    return fig
