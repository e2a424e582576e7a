"""A run's functional connectivity beside the structural connectivity, and FC against log SC.

The scatter's title gives the Pearson r of exactly the points it draws: FC against log10 SC over the
region pairs i < j that are connected (SC > 0) and whose FC is defined. (A run's summary `fc_sc` is
another number: FC against the linear coupling weights over every ordered pair, unconnected ones at 0.)
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Sequence

from ..extras import require
from .common import LABEL_PT, axes_list, axis_inches, label_inches, label_ticks, new_figure, root_figure, save, \
    set_title

if TYPE_CHECKING:
    import networkx as nx
    import numpy as np
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

HEXBIN_ABOVE = 2000  # points: a scatter up to this many, a hexbin of their density above


def fc_sc_points(fc: np.ndarray, sc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points FC against SC is drawn with: (log10 SC, FC) over the pairs i < j with SC > 0 and FC finite.

    Parameters
    ----------
    fc, sc : numpy.ndarray
        Square matrices of the same regions (SC symmetric, e.g. S + Sᵀ).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        x = log10 SC, y = FC.

    Examples
    --------
    >>> import numpy as np
    >>> fc = np.array([[1.0, 0.5, 0.1], [0.5, 1.0, np.nan], [0.1, np.nan, 1.0]])
    >>> sc = np.array([[0.0, 10.0, 0.0], [10.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    >>> [a.tolist() for a in fc_sc_points(fc, sc)]
    [[1.0], [0.5]]
    """
    import numpy as np

    fc, sc = np.asarray(fc, dtype=float), np.asarray(sc, dtype=float)
    upper = np.triu_indices_from(fc, k=1)
    keep = (np.abs(sc[upper]) > 0) & np.isfinite(fc[upper])
    return np.log10(np.abs(sc[upper][keep])), fc[upper][keep]


def pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    """Pearson's r of `x` and `y` (numpy's corrcoef), None with fewer than 3 points or a constant one.

    Examples
    --------
    >>> pearson([1, 2, 3], [2, 4, 7])
    0.9933992677987828
    """
    import numpy as np

    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def fc_source(result: Any) -> tuple[str, tuple[float, float]]:
    """What a run's FC is the correlation of, and over which window (ms): "BOLD" when the run asked for it
    (or, without its RunSpec, recorded it), else the model's neural-activity proxy (its BOLD drive's
    quantity: Wilson–Cowan's E, Kuramoto's sin(theta)), from the transient to the end.

    Parameters
    ----------
    result : SimulationResult or RunArrays
        A run, with `model`, `duration_ms`, `bold` and (optionally) `spec`.

    Returns
    -------
    (str, (float, float))
        The signal's name and the window.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> fc_source(SimpleNamespace(bold=None, model="kuramoto", observed=None, spec=None, duration_ms=1000.0))
    ('sin(theta)', (0.0, 1000.0))
    """
    from ..sim.models import MODELS

    spec = getattr(result, "spec", None)
    bold = getattr(spec, "bold", None) if spec is not None else None
    if bold or (bold is None and getattr(result, "bold", None) is not None):
        what = "BOLD"
    elif result.model in MODELS:
        what = MODELS[result.model].bold_drive()["quantity"]
    else:
        what = getattr(result, "observed", None) or "activity"
    transient = float(spec.transient_ms) if spec is not None else 0.0
    return what, (transient, float(result.duration_ms))


def _scatter(ax: Axes, x: np.ndarray, y: np.ndarray, signal: str | None, window_ms: tuple[float, float] | None,
             title: str | None) -> None:
    """FC against log10 SC on `ax`, titled with the r of these points, what FC is of and its window."""
    fig = root_figure(ax)
    if x.size > HEXBIN_ABOVE:
        cells = ax.hexbin(x, y, gridsize=40, mincnt=1, cmap="viridis", bins="log")
        fig.colorbar(cells, ax=ax, label="pairs")
    else:
        ax.scatter(x, y, s=8, alpha=0.6, linewidths=0)
    ax.set_xlabel("log10 SC")
    ax.set_ylabel("FC (Pearson r)")
    r = pearson(x, y)
    of = f"FC of {signal}" if signal else "FC"
    window = f", {window_ms[0]:g}–{window_ms[1]:g} ms" if window_ms else ""
    fit = f"r = {r:.3f}" if r is not None else "r undefined"
    set_title(ax, (f"{title}\n" if title else "") + f"{of}{window} vs log10 SC\n{fit} over {x.size:,} connected pairs",
              width_in=ax.get_position().width * fig.get_figwidth() + 1.0)


def plot_fc(fc: np.ndarray, sc: np.ndarray, regions: Sequence[str], path: str | os.PathLike | None = None, *,
            signal: str | None = None, window_ms: tuple[float, float] | None = None, title: str | None = None,
            ax: Axes | Sequence[Axes] | None = None) -> Figure:
    """FC beside SC (log scale) and FC against log10 SC, titled with the r of the points drawn.

    The scatter becomes a hexbin of the pairs' density above 2,000 pairs. Every region is named at
    8 points up to 100 regions, every k-th one above.

    Parameters
    ----------
    fc, sc : numpy.ndarray
        The functional and the (symmetrised) structural connectivity of `regions`.
    regions : sequence of str
        The regions, in the matrices' order.
    path : str or os.PathLike, optional
        Also write the figure there (.png or .svg, atomically).
    signal : str, optional
        What FC is the correlation of ("BOLD", a state variable), named in the title (see `fc_source`).
    window_ms : (float, float), optional
        The samples' window (after the transient), named in the title.
    title : str, optional
        A first title line (the figure's title when it is drawn here).
    ax : matplotlib.axes.Axes or sequence of three, optional
        One Axes: draw only FC against log10 SC there; three: FC, SC and the scatter.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn (the one `ax` belongs to, when given).

    Examples
    --------
    >>> import numpy as np
    >>> fc = np.array([[1.0, 0.2, 0.6], [0.2, 1.0, 0.4], [0.6, 0.4, 1.0]])
    >>> sc = np.array([[0.0, 1.0, 100.0], [1.0, 0.0, 10.0], [100.0, 10.0, 0.0]])
    >>> fig = plot_fc(fc, sc, ["a", "b", "c"], signal="BOLD", window_ms=(500, 3000))
    >>> fig.axes[2].get_title()
    'FC of BOLD, 500–3000 ms vs log10 SC\\nr = 1.000 over 3 connected pairs'
    """
    require("plots", "plot_fc")
    import numpy as np
    from matplotlib.colors import LogNorm

    fc, sc = np.asarray(fc, dtype=float), np.asarray(sc, dtype=float)
    x, y = fc_sc_points(fc, sc)
    if ax is not None and not isinstance(ax, (list, tuple)) and not hasattr(ax, "flat"):
        _scatter(ax, x, y, signal, window_ms, title)
        return root_figure(ax)
    if ax is None:
        side = axis_inches(len(regions), 3.4)
        margin = label_inches(regions)
        fig = new_figure("plot_fc", 3 * (side + 1.2) + 2 * margin, side + margin + 1.0)
        left, middle, right = fig.subplots(1, 3)
        if title:
            fig.suptitle(title)
    else:
        left, middle, right = axes_list(ax, 3)
        fig = root_figure(left)
    image = left.imshow(fc, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    fig.colorbar(image, ax=left, label="FC (Pearson r)")
    set_title(left, "functional connectivity")
    shown = np.ma.masked_equal(sc, 0)
    if shown.count():
        image = middle.imshow(np.abs(shown), cmap="viridis", norm=LogNorm(vmin=float(np.abs(shown).min()),
                                                                           vmax=float(np.abs(shown).max())),
                              interpolation="nearest")
        fig.colorbar(image, ax=middle, label="strength")
    set_title(middle, "SC, symmetrised (S + Sᵀ)")
    for panel in (left, middle):
        label_ticks(panel, list(regions))
        panel.tick_params(labelsize=LABEL_PT)
    _scatter(right, x, y, signal, window_ms, None if ax is None else title)
    if path is not None:
        save(fig, path)
    return fig


def plot_result_fc(result: Any, graph: nx.DiGraph, path: str | os.PathLike | None = None, *,
                   title: str | None = None, ax: Axes | Sequence[Axes] | None = None) -> Figure:
    """`plot_fc` of a run (a SimulationResult with FC) on its topology: SC = S + Sᵀ of the strengths,
    the signal and window from `fc_source`.

    Parameters
    ----------
    result : SimulationResult or RunArrays
        A run with FC (`fc`, `regions`; see `fc_source`).
    graph : networkx.DiGraph
        Its topology.
    path : str or os.PathLike, optional
        Also write the figure there (.png or .svg, atomically).
    title : str, optional
        A first title line.
    ax : matplotlib.axes.Axes or sequence of three, optional
        Where to draw, as `plot_fc` takes it.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn.

    Raises
    ------
    InputError
        The run has no functional connectivity.

    Examples
    --------
    >>> import numpy as np, networkx as nx
    >>> from types import SimpleNamespace
    >>> g = nx.DiGraph([("a", "b", {"strength": 1.0}), ("b", "c", {"strength": 4.0}), ("a", "c", {"strength": 2.0})])
    >>> run = SimpleNamespace(fc=np.array([[1, .1, .3], [.1, 1, .5], [.3, .5, 1]]), regions=["a", "b", "c"],
    ...                       bold=np.zeros(1), spec=None, duration_ms=2000.0)
    >>> plot_result_fc(run, g).axes[2].get_title()
    'FC of BOLD, 0–2000 ms vs log10 SC\\nr = 1.000 over 3 connected pairs'
    """
    from ..errors import InputError
    from .matrix import connectivity

    if result.fc is None:
        raise InputError("the run has no functional connectivity")
    sc = connectivity(graph, result.regions)
    signal, window = fc_source(result)
    return plot_fc(result.fc, sc + sc.T, result.regions, path, signal=signal, window_ms=window, title=title, ax=ax)
