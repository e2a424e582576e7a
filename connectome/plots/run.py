"""A run's activity over time: one panel per variable, a line per region (a region × time heatmap above
`LEGEND_REGIONS` regions), stimuli shaded."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Sequence

from ..errors import InputError, Mention
from ..extras import require
from .common import LABEL_PT, axes_list, axis_inches, label_ticks, new_figure, root_figure, save, set_title

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

LEGEND_REGIONS = 12  # regions drawn as named lines up to this many; a heatmap above


NO_TRACES = ("records no traces to draw (a run with BOLD, FC or FCD records only what they need); ask for them "
             "with ")


def _series(result: Any, variables: Sequence[str] | None) -> dict[str, Any]:
    """The variables to draw, name → [samples, regions]."""
    if len(result.time_ms) == 0:
        raise InputError(f"the run {NO_TRACES}", Mention("record"))
    series = {result.observed: result.activity} if not variables else {}
    for name in variables or ():
        if name not in result.states and name != result.observed:
            raise InputError(Mention("variables", name),
                             f": the run recorded {', '.join(sorted(result.states)) or result.observed}")
        series[name] = result.states.get(name, result.activity)
    return series


def plot_run(result: Any, path: str | os.PathLike | None = None, *, variables: Sequence[str] | None = None,
             title: str | None = None, ax: Axes | Sequence[Axes] | None = None) -> Figure:
    """Activity traces of a run per region, stimulus windows shaded, the rate model's activation times dotted;
    above `LEGEND_REGIONS` regions each variable is a region × time heatmap, stimulus windows edged.

    Parameters
    ----------
    result : SimulationResult
        A run.
    path : str or os.PathLike, optional
        Also write the figure there (.png or .svg, atomically).
    variables : sequence of str, optional
        The recorded state variables to draw, a panel each (default: the observed one).
    title : str, optional
        The title (default: the model and the number of regions).
    ax : matplotlib.axes.Axes or sequence of them, optional
        Draw into these Axes, one per variable, instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn (the one `ax` belongs to, when given).

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> run = SimpleNamespace(observed="a", activity=np.array([[0.0, 1.0], [1.0, 0.5]]), states={},
    ...                       time_ms=np.array([0.0, 1.0]), regions=["x", "y"], summary_regions=[], stimuli=[],
    ...                       model="linear", neurons=None, duration_ms=1.0)
    >>> plot_run(run).axes[0].get_title()
    'linear: 2 regions'
    """
    require("plots", "plot_run")
    series = _series(result, variables)
    lines = len(result.regions) <= LEGEND_REGIONS
    if ax is None:
        panel_in = 2.2 if lines else min(axis_inches(len(result.regions), 2.2), 14.0) + 0.4
        fig = new_figure("plot_run", 8.0, (2.4 if lines else 0.6) + panel_in * len(series))
        axes = list(fig.subplots(len(series), 1, sharex=True, squeeze=False)[:, 0])
    else:
        axes = axes_list(ax, len(series))
        fig = root_figure(axes[0])
    for panel, (name, values) in zip(axes, series.items()):
        (_lines if lines else _heatmap)(panel, result, name, values)
        for stimulus in result.stimuli:
            end = result.duration_ms if stimulus.end_ms is None else min(stimulus.end_ms, result.duration_ms)
            if lines:
                panel.axvspan(stimulus.start_ms, end, color="gold", alpha=0.2)
            else:
                for edge in (stimulus.start_ms, end):
                    panel.axvline(edge, color="gold", lw=1)
    neurons = getattr(result, "neurons", None)
    set_title(axes[0], title or f"{result.model}: {len(result.regions)} regions"
              + (f", {neurons:,} neurons" if neurons else ""))
    if lines:
        axes[0].legend(fontsize=LABEL_PT, ncol=2, loc="upper right")
    axes[-1].set_xlabel("time (ms)")
    if path is not None:
        save(fig, path)
    return fig


def _lines(panel: Axes, result: Any, name: str, values: Any) -> None:
    """A line per region, named in the legend; the rate model's activation times dotted."""
    activated = {r["name"]: r.get("activation_ms") for r in result.summary_regions}
    for i, region in enumerate(result.regions):
        line, = panel.plot(result.time_ms, values[:, i], lw=1, label=region)
        when = activated.get(region)
        if when is not None and result.model == "rate":
            panel.axvline(when, color=line.get_color(), ls=":", lw=1)
    panel.set_ylabel(name)


def _heatmap(panel: Axes, result: Any, name: str, values: Any) -> None:
    """Regions × time, one row per region in the run's order, the value by colour (its bar names it)."""
    t = result.time_ms
    step = (t[1] - t[0]) / 2 if len(t) > 1 else 0.5
    image = panel.imshow(values.T, aspect="auto", interpolation="nearest", cmap="viridis",
                         extent=(t[0] - step, t[-1] + step, len(result.regions) - 0.5, -0.5))
    label_ticks(panel, result.regions, "y")
    root_figure(panel).colorbar(image, ax=panel, label=name, pad=0.01)
