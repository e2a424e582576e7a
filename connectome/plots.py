"""Pictures of a topology and of a run, drawn by matplotlib (Agg) to PNG or SVG, written atomically.

* `plot_matrix`: the connectivity matrix (row = source, column = target) on a logarithmic colour scale,
  regions ordered as stored, by a region attribute, or by Louvain community; names on the axes when ≤ 80;
* `plot_graph`: regions at their `x`/`y` coordinates when every region has them, else a seeded spring
  layout; projections as arrows whose width grows with strength, regions sized by share;
* `plot_run`: activity traces per region over time (the observed variable, or the variables asked for),
  stimulus windows shaded and, for the rate model, activation times marked;
* `plot_fc`: a run's functional connectivity beside the structural connectivity, and their scatter.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from .errors import InputError, Mention
from .extras import require

if TYPE_CHECKING:
    import networkx as nx
    import numpy as np

SUFFIXES = (".png", ".svg")
MAX_LABELS = 80


def check_picture(path: str | os.PathLike) -> Path:
    """The path of a picture to write: a .png or .svg in an existing folder (refused before any work)."""
    target = Path(path)
    if target.suffix.lower() not in SUFFIXES:
        raise InputError(f"{target}: a picture is a .png or .svg file")
    if not target.parent.is_dir():
        raise InputError(f"{target}: folder {str(target.parent)!r} does not exist")
    require("plots", f"drawing {target.name}")  # refused before any work, as a bad path is
    return target


def _pyplot() -> Any:
    require("plots", "drawing a picture")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig: Any, path: str | os.PathLike) -> Path:
    """Write `fig` to `path` (PNG or SVG by its suffix) under a temporary name, then rename it; close it."""
    from .atomic import staged

    target = check_picture(path)
    try:
        with staged(target) as tmp:
            fig.savefig(tmp, format=target.suffix.lower()[1:])
            os.replace(tmp, target)
    finally:
        _pyplot().close(fig)
    return target


def _order(graph: nx.DiGraph, order: str | None, seed: int = 0) -> list[str]:
    """The regions in the order asked: as stored, by an attribute's value, or by community."""
    names = list(graph.nodes)
    if order is None:
        return names
    if order == "community":
        from .metrics import metrics

        return [x for c in metrics(graph, seed=seed)["graph"]["communities"] for x in c]
    missing = [x for x in names if order not in graph.nodes[x]]
    if missing:
        raise InputError(Mention("order", order), f": region {missing[0]!r} has no such attribute (or use ",
                         Mention("order", "community"), ")")
    return sorted(names, key=lambda x: (str(type(graph.nodes[x][order])), graph.nodes[x][order], names.index(x)))


def connectivity(graph: nx.DiGraph, names: Sequence[str]) -> np.ndarray:
    """The row-source matrix of strengths in the order `names`."""
    import numpy as np

    index = {x: i for i, x in enumerate(names)}
    matrix = np.zeros((len(names), len(names)))
    for s, t, w in graph.edges(data="strength"):
        matrix[index[s], index[t]] = float(w)
    return matrix


def plot_matrix(graph: nx.DiGraph, path: str | os.PathLike, *, order: str | None = None, seed: int = 0) -> Path:
    """The connectivity heatmap of `graph` (log colour scale) to `path`."""
    require("plots", "plot_matrix")
    import numpy as np
    from matplotlib.colors import LogNorm

    plt = _pyplot()
    names = _order(graph, order, seed)
    matrix = connectivity(graph, names)
    fig, ax = plt.subplots(figsize=(7.2, 6.4), dpi=100)
    shown = np.ma.masked_equal(matrix, 0)
    if shown.count():
        image = ax.imshow(shown, cmap="viridis", norm=LogNorm(vmin=shown.min(), vmax=shown.max()),
                          interpolation="nearest")
        fig.colorbar(image, ax=ax, label="strength (per 1000 pairs)")
    else:
        ax.imshow(np.zeros_like(matrix), cmap="Greys", vmin=0, vmax=1)
    if len(names) <= MAX_LABELS:
        ax.set_xticks(range(len(names)), names, rotation=90, fontsize=max(4, 10 - len(names) // 10))
        ax.set_yticks(range(len(names)), names, fontsize=max(4, 10 - len(names) // 10))
    ax.set_xlabel("target")
    ax.set_ylabel("source")
    ax.set_title(f"{graph.graph.get('name')}: {graph.number_of_edges():,} projections"
                 + (f", by {order}" if order else ""))
    fig.tight_layout()
    return save(fig, path)


def plot_graph(graph: nx.DiGraph, path: str | os.PathLike, *, seed: int = 0) -> Path:
    """Regions at their x/y (else a seeded spring layout), projections with width by strength, to `path`."""
    import networkx as nx
    import numpy as np

    plt = _pyplot()
    nodes = graph.nodes
    placed = all(isinstance(nodes[x].get("x"), (int, float)) and isinstance(nodes[x].get("y"), (int, float))
                 for x in graph)
    if not placed and len(graph) >= 500:  # networkx lays out 500 regions or more with scipy
        require("plots", f"the spring layout of {len(graph):,} regions", "scipy")
    positions = ({x: (float(nodes[x]["x"]), float(nodes[x]["y"])) for x in graph} if placed
                 else nx.spring_layout(graph, seed=seed))
    strengths = np.array([float(w) for *_, w in graph.edges(data="strength")])
    widths = 0.3 + 3.7 * np.log1p(strengths) / np.log1p(strengths.max()) if len(strengths) else []
    shares = np.array([float(nodes[x]["share"]) for x in graph])
    fig, ax = plt.subplots(figsize=(7.2, 6.4), dpi=100)
    nx.draw_networkx_edges(graph, positions, ax=ax, width=widths, alpha=0.5, arrows=True, arrowsize=8,
                           edge_color="tab:gray", connectionstyle="arc3,rad=0.1")
    nx.draw_networkx_nodes(graph, positions, ax=ax, node_size=60 + 440 * shares / shares.max(), node_color="tab:blue")
    if graph.number_of_nodes() <= MAX_LABELS // 2:
        nx.draw_networkx_labels(graph, positions, ax=ax, font_size=8)
    ax.set_title(f"{graph.graph.get('name')}: " + ("regions at x, y" if placed else "spring layout"))
    ax.set_axis_off()
    fig.tight_layout()
    return save(fig, path)


def plot_run(result: Any, path: str | os.PathLike, *, variables: Sequence[str] | None = None,
             title: str | None = None) -> Path:
    """Activity traces of a run (a SimulationResult) per region, stimuli shaded, activation times marked."""
    plt = _pyplot()
    series = {result.observed: result.activity} if not variables else {}
    for name in variables or ():
        if name not in result.states and name != result.observed:
            raise InputError(Mention("variables", name),
                             f": the run recorded {', '.join(sorted(result.states)) or result.observed}")
        series[name] = result.states.get(name, result.activity)
    fig, axes = plt.subplots(len(series), 1, figsize=(8, 2.4 + 2.2 * len(series)), dpi=100, sharex=True, squeeze=False)
    activated = {r["name"]: r.get("activation_ms") for r in result.summary_regions}
    for ax, (name, values) in zip(axes[:, 0], series.items()):
        for i, region in enumerate(result.regions):
            line, = ax.plot(result.time_ms, values[:, i], lw=1, label=region if len(result.regions) <= 12 else None)
            when = activated.get(region)
            if when is not None and result.model == "rate":
                ax.axvline(when, color=line.get_color(), ls=":", lw=1)
        for stimulus in result.stimuli:
            end = result.duration_ms if stimulus.end_ms is None else min(stimulus.end_ms, result.duration_ms)
            ax.axvspan(stimulus.start_ms, end, color="gold", alpha=0.2)
        ax.set_ylabel(name)
    axes[0, 0].set_title(title or f"{result.model}: {len(result.regions)} regions, {result.neurons:,} neurons")
    if len(result.regions) <= 12:
        axes[0, 0].legend(fontsize=7, ncol=2, loc="upper right")
    axes[-1, 0].set_xlabel("time (ms)")
    fig.tight_layout()
    return save(fig, path)


def plot_fc(fc: np.ndarray, sc: np.ndarray, regions: Sequence[str], path: str | os.PathLike, *,
            title: str = "") -> Path:
    """The FC matrix beside the SC matrix (log scale) and the scatter of FC against log SC, to `path`."""
    require("plots", "plot_fc")
    import numpy as np
    from matplotlib.colors import LogNorm

    plt = _pyplot()
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(13.5, 4.5), dpi=100)
    image = left.imshow(fc, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    fig.colorbar(image, ax=left, label="FC (Pearson r)")
    left.set_title("functional connectivity")
    shown = np.ma.masked_equal(sc, 0)
    if shown.count():
        image = middle.imshow(shown, cmap="viridis", norm=LogNorm(vmin=shown.min(), vmax=shown.max()),
                              interpolation="nearest")
        fig.colorbar(image, ax=middle, label="strength")
    middle.set_title("SC, symmetrised (S + Sᵀ)")
    if len(regions) <= MAX_LABELS // 2:
        for ax in (left, middle):
            ax.set_xticks(range(len(regions)), regions, rotation=90, fontsize=6)
            ax.set_yticks(range(len(regions)), regions, fontsize=6)
    upper = np.triu_indices_from(fc, k=1)
    keep = sc[upper] > 0
    right.scatter(np.log10(sc[upper][keep]), fc[upper][keep], s=6, alpha=0.6)
    right.set_xlabel("log10 SC")
    right.set_ylabel("FC")
    right.set_title(title)
    fig.tight_layout()
    return save(fig, path)
