"""A topology as a graph: regions at their coordinates (or a seeded layout), its strongest projections."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ..errors import InputError, Mention
from ..extras import require
from .common import LABEL_PT, MAX_LABELS, new_figure, root_figure, save, set_title

if TYPE_CHECKING:
    import networkx as nx
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

TOP_PER_REGION = 3  # projections drawn by default: the strongest 3 per region
CATEGORIES = 20  # an attribute with more distinct numeric values is drawn on a colour scale


def strongest(graph: nx.DiGraph, top: int | None = None) -> list[tuple[str, str]]:
    """The `top` strongest projections between different regions, strongest first (ties in stored order);
    None: the strongest 3 per region. Self-loops are never among them.

    Parameters
    ----------
    graph : networkx.DiGraph
        A topology.
    top : int, optional
        How many (at least 1).

    Returns
    -------
    list of (str, str)
        (source, target) pairs.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([("a", "b", {"strength": 1.0}), ("b", "a", {"strength": 5.0}), ("a", "a", {"strength": 9.0})])
    >>> strongest(g, 1)
    [('b', 'a')]
    """
    if top is not None and (type(top) is not int or top < 1):
        raise InputError(Mention("top", top), ": must be a whole number ≥ 1")
    edges = [(s, t, abs(float(w))) for s, t, w in graph.edges(data="strength") if s != t]
    edges.sort(key=lambda e: -e[2])  # stable: ties keep the stored order
    limit = TOP_PER_REGION * graph.number_of_nodes() if top is None else top
    return [(s, t) for s, t, _ in edges[:limit]]


def _positions(graph: nx.DiGraph, seed: int) -> tuple[dict[str, tuple[float, float]], bool]:
    """Each region's place: its x/y when every region has them, else a seeded spring layout."""
    import networkx as nx

    nodes = graph.nodes
    placed = all(isinstance(nodes[x].get("x"), (int, float)) and isinstance(nodes[x].get("y"), (int, float))
                 for x in graph)
    if placed:
        return {x: (float(nodes[x]["x"]), float(nodes[x]["y"])) for x in graph}, True
    if len(graph) >= 500:  # networkx lays out 500 regions or more with scipy
        require("plots", f"the spring layout of {len(graph):,} regions", "scipy")
    return nx.spring_layout(graph, seed=seed), False


def _within_axes(ax: Axes, texts: Any) -> None:
    """Widen the axes' limits until every label lies inside them (a long name at the edge is not cut)."""
    from matplotlib.transforms import Bbox

    texts = list(texts)
    for _ in range(8):  # widening shrinks the data scale, so the labels' data extent shrinks: a few rounds settle
        box = Bbox.union([t.get_window_extent() for t in texts]).transformed(ax.transData.inverted())
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        if box.x0 >= x0 and box.x1 <= x1 and box.y0 >= y0 and box.y1 <= y1:
            return
        pad_x, pad_y = 0.01 * (x1 - x0), 0.01 * (y1 - y0)
        ax.set_xlim(min(x0, box.x0 - pad_x), max(x1, box.x1 + pad_x))
        ax.set_ylim(min(y0, box.y0 - pad_y), max(y1, box.y1 + pad_y))


def _legend_label(attribute: str, value: Any) -> str:
    """`attribute = value`; TVB's boolean hemisphere (True: right) as the hemisphere's name."""
    if attribute == "hemisphere" and isinstance(value, bool):
        return "right hemisphere" if value else "left hemisphere"
    return f"{attribute} = {value}"


def _colours(graph: nx.DiGraph, color_by: str | None) -> tuple[Any, dict[str, Any]]:
    """Node colours by the region attribute `color_by` and what draws their key (a legend or a colour bar)."""
    from matplotlib import colormaps
    from matplotlib.lines import Line2D

    if color_by is None:
        return "tab:blue", {}
    missing = [x for x in graph if color_by not in graph.nodes[x]]
    if missing:
        raise InputError(Mention("color_by", color_by), f": region {missing[0]!r} has no such attribute")
    values = [graph.nodes[x][color_by] for x in graph]
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    distinct = sorted(set(values), key=lambda v: (str(type(v)), v))
    if numeric and len(distinct) > CATEGORIES:
        return [float(v) for v in values], {"cmap": "viridis", "colorbar": color_by}
    palette = colormaps["tab10" if len(distinct) <= 10 else "tab20"]
    colour = {v: palette(i % palette.N) for i, v in enumerate(distinct)}
    handles = [Line2D([], [], ls="", marker="o", color=colour[v], label=_legend_label(color_by, v))
               for v in distinct[:CATEGORIES]]
    return [colour[v] for v in values], {"legend": handles}


def plot_graph(graph: nx.DiGraph, path: str | os.PathLike | None = None, *, seed: int = 0, top: int | None = None,
               color_by: str | None = None, ax: Axes | None = None) -> Figure:
    """Regions at their x/y (else a seeded spring layout) and the strongest projections as arrows.

    Regions are sized by share, on a scale that shrinks as their number grows; arrow width grows with
    strength. Self-loops are not drawn. Regions are named (8 points) up to 100 regions.

    Parameters
    ----------
    graph : networkx.DiGraph
        A topology.
    path : str or os.PathLike, optional
        Also write the figure there (.png or .svg, atomically).
    seed : int
        The seed of the spring layout.
    top : int, optional
        Draw the `top` strongest projections (default: 3 per region; see `strongest`).
    color_by : str, optional
        Colour regions by this region attribute (e.g. ``"hemisphere"``, whose True is the right one, as in
        TVB): a legend of its values, or a colour bar when it takes more than 20 numeric values.
    ax : matplotlib.axes.Axes, optional
        Draw into this Axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn (the one `ax` belongs to, when given).

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph(name="pair")
    >>> g.add_node("a", share=1.0, x=0.0, y=0.0, hemisphere=False)
    >>> g.add_node("b", share=2.0, x=1.0, y=0.0, hemisphere=True)
    >>> g.add_edge("a", "b", strength=3.0)
    >>> fig = plot_graph(g, color_by="hemisphere")
    >>> fig.axes[0].get_title()
    'pair: regions at x, y; 1 projection'
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['left hemisphere', 'right hemisphere']
    """
    import networkx as nx
    import numpy as np

    require("plots", "plot_graph")
    drawn = strongest(graph, top)
    n = graph.number_of_nodes()
    if ax is None:
        side = max(6.4, min(12.0, 3.0 + 0.1 * n))
        fig = new_figure("plot_graph", side + 0.8, side)
        ax = fig.subplots()
    else:
        fig = root_figure(ax)
    positions, placed = _positions(graph, seed)
    colours, key = _colours(graph, color_by)
    shares = np.array([float(graph.nodes[x]["share"]) for x in graph])
    area = float(np.clip(4000.0 / max(n, 1), 8.0, 400.0))  # points², the largest region
    sizes = area * (0.25 + 0.75 * shares / shares.max()) if n else []
    strengths = np.array([abs(float(graph.edges[e]["strength"])) for e in drawn])
    widths = 0.4 + 2.6 * np.log1p(strengths) / np.log1p(strengths.max()) if len(drawn) else []
    nx.draw_networkx_edges(graph, positions, edgelist=drawn, ax=ax, width=widths, alpha=0.5, arrows=True,
                           arrowsize=max(4, min(10, 400 // max(n, 1))), edge_color="tab:gray",
                           connectionstyle="arc3,rad=0.1", node_size=sizes)
    nodes = nx.draw_networkx_nodes(graph, positions, ax=ax, node_size=sizes, node_color=colours,
                                   cmap=key.get("cmap"), linewidths=0)
    if "colorbar" in key:
        fig.colorbar(nodes, ax=ax, label=key["colorbar"])
    if "legend" in key:
        ax.legend(handles=key["legend"], fontsize=LABEL_PT, loc="best")
    if n <= MAX_LABELS:
        _within_axes(ax, nx.draw_networkx_labels(graph, positions, ax=ax, font_size=LABEL_PT).values())
    total = sum(1 for s, t in graph.edges if s != t)
    shown = (f"strongest {len(drawn):,} of {total:,} projections" if len(drawn) < total
             else f"{total:,} projection{'' if total == 1 else 's'}")
    loops = sum(1 for s, t in graph.edges if s == t)
    set_title(ax, f"{graph.graph.get('name')}: {'regions at x, y' if placed else 'spring layout'}; {shown}"
              + (f"; {loops:,} self-loops not drawn" if loops else ""))
    ax.set_axis_off()
    if path is not None:
        save(fig, path)
    return fig
