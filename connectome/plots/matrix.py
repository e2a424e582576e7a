"""The connectivity matrix of a topology: row = source, column = target, on a logarithmic colour scale."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Sequence

from ..errors import InputError, Mention
from ..extras import require
from .common import LABEL_PT, axis_inches, label_inches, label_ticks, new_figure, root_figure, save, set_title, \
    strength_label

if TYPE_CHECKING:
    import networkx as nx
    import numpy as np
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def region_order(graph: nx.DiGraph, order: str | None, seed: int = 0) -> list[str]:
    """The regions in the order asked: as stored (None), by a region attribute's value, or by Louvain community.

    Parameters
    ----------
    graph : networkx.DiGraph
        A topology.
    order : str or None
        None, a region attribute, or ``"community"``.
    seed : int
        The seed of the community detection.

    Returns
    -------
    list of str
        Every region once.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph()
    >>> g.add_nodes_from([("a", {"hemisphere": True}), ("b", {"hemisphere": False})])
    >>> region_order(g, "hemisphere")
    ['b', 'a']
    """
    names = list(graph.nodes)
    if order is None:
        return names
    if order == "community":
        from ..metrics import metrics

        return [x for c in metrics(graph, seed=seed)["graph"]["communities"] for x in c]
    missing = [x for x in names if order not in graph.nodes[x]]
    if missing:
        raise InputError(Mention("order", order), f": region {missing[0]!r} has no such attribute (or use ",
                         Mention("order", "community"), ")")
    return sorted(names, key=lambda x: (str(type(graph.nodes[x][order])), graph.nodes[x][order], names.index(x)))


def is_signed(graph: nx.DiGraph) -> bool:
    """Whether any projection of `graph` carries ``sign = -1`` (an inhibitory weight).

    Examples
    --------
    >>> import networkx as nx
    >>> is_signed(nx.DiGraph([("a", "b", {"strength": 1.0, "sign": -1})]))
    True
    """
    return any(s == -1 for *_, s in graph.edges(data="sign"))


def connectivity(graph: nx.DiGraph, names: Sequence[str], *, signed: bool = False) -> np.ndarray:
    """The row-source matrix of strengths in the order `names` (times each projection's sign if `signed`).

    Parameters
    ----------
    graph : networkx.DiGraph
        A topology.
    names : sequence of str
        Its regions, in the order of the rows and columns.
    signed : bool
        Multiply each strength by the projection's ``sign`` (default 1).

    Returns
    -------
    numpy.ndarray
        ``matrix[source, target]``; 0 where there is no projection.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([("a", "b", {"strength": 2.5, "sign": -1})])
    >>> connectivity(g, ["a", "b"], signed=True).tolist()
    [[0.0, -2.5], [0.0, 0.0]]
    """
    import numpy as np

    index = {x: i for i, x in enumerate(names)}
    matrix = np.zeros((len(names), len(names)))
    for s, t, data in graph.edges(data=True):
        sign = data.get("sign", 1) if signed else 1
        matrix[index[s], index[t]] = float(data["strength"]) * (-1.0 if sign == -1 else 1.0)
    return matrix


def plot_matrix(graph: nx.DiGraph, path: str | os.PathLike | None = None, *, order: str | None = None,
                seed: int = 0, ax: Axes | None = None) -> Figure:
    """The connectivity heatmap of `graph` (row: source, column: target), on a logarithmic colour scale.

    A signed topology (a projection with ``sign = -1``) is drawn as sign × strength on a diverging map
    (red +, blue −, symmetric logarithmic scale). The colour bar says what the strengths count
    (`strength_label`). Every region is named at 8 points up to 100 regions, every k-th one above.

    Parameters
    ----------
    graph : networkx.DiGraph
        A topology.
    path : str or os.PathLike, optional
        Also write the figure there (.png or .svg, atomically).
    order : str, optional
        Order the regions by a region attribute, or by Louvain ``"community"``.
    seed : int
        The seed of the community detection.
    ax : matplotlib.axes.Axes, optional
        Draw into this Axes (and its figure's colour bar) instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn (the one `ax` belongs to, when given).

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph(name="two")
    >>> g.add_edge("a", "b", strength=3.0)
    >>> fig = plot_matrix(g)
    >>> fig.axes[0].get_title(), fig.axes[1].get_ylabel()
    ('two: 1 projection', 'strength')
    """
    require("plots", "plot_matrix")
    import numpy as np
    from matplotlib.colors import LogNorm, SymLogNorm

    names = region_order(graph, order, seed)
    signed = is_signed(graph)
    matrix = connectivity(graph, names, signed=signed)
    if ax is None:
        side = axis_inches(len(names), 4.8)
        margin = label_inches(names)
        fig = new_figure("plot_matrix", max(7.2, side + margin + 1.8), max(6.4, side + margin + 0.9))
        ax = fig.subplots()
    else:
        fig = root_figure(ax)
    shown = np.ma.masked_equal(matrix, 0)
    if shown.count():
        magnitude = np.abs(shown)
        if signed:
            top = float(magnitude.max())
            norm: Any = SymLogNorm(linthresh=float(magnitude.min()), vmin=-top, vmax=top, base=10)
        else:
            norm = LogNorm(vmin=float(shown.min()), vmax=float(shown.max()))
        image = ax.imshow(shown, cmap="RdBu_r" if signed else "viridis", norm=norm, interpolation="nearest")
        fig.colorbar(image, ax=ax, label=strength_label(graph, signed))
    else:
        ax.imshow(np.zeros_like(matrix), cmap="Greys", vmin=0, vmax=1)
    label_ticks(ax, names)
    ax.tick_params(labelsize=LABEL_PT)
    ax.set_xlabel("target")
    ax.set_ylabel("source")
    edges = graph.number_of_edges()
    set_title(ax, f"{graph.graph.get('name')}: {edges:,} projection{'' if edges == 1 else 's'}"
              + (f", by {order}" if order else ""))
    if path is not None:
        save(fig, path)
    return fig
