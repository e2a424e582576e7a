"""What every picture shares: its file, its Figure (no pyplot, no backend), tick labels and titles that fit.

Pictures are `matplotlib.figure.Figure` objects made directly, with constrained layout, so that drawing
and saving never touch pyplot's state or the backend a notebook chose. Region names are written at
`LABEL_PT` points; at most `MAX_LABELS` of them per axis, every k-th one above that.
"""

from __future__ import annotations

import math
import os
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from ..errors import InputError, Mention
from ..extras import require

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SUFFIXES = (".png", ".svg")
MAX_LABELS = 100  # region names per axis; above this, every k-th name
LABEL_PT = 8.0  # the size of every region name and legend entry, in points
PITCH_IN = 0.125  # inches per labelled region along an axis (8 pt text needs 0.111)


def check_picture(path: str | os.PathLike) -> Path:
    """The path of a picture to write: a .png or .svg in an existing folder (refused before any work).

    Parameters
    ----------
    path : str or os.PathLike
        Where the picture will go; its suffix chooses the format.

    Returns
    -------
    pathlib.Path
        The same path.

    Examples
    --------
    >>> check_picture("matrix.png").name
    'matrix.png'
    >>> check_picture("matrix.jpg")
    Traceback (most recent call last):
    connectome.errors.InputError: matrix.jpg: a picture is a .png or .svg file
    """
    target = Path(path)
    if target.suffix.lower() not in SUFFIXES:
        raise InputError(f"{target}: a picture is a .png or .svg file")
    if not target.parent.is_dir():
        raise InputError(f"{target}: folder {str(target.parent)!r} does not exist")
    require("plots", f"drawing {target.name}")  # refused before any work, as a bad path is
    return target


def save(fig: Figure, path: str | os.PathLike) -> Path:
    """Write `fig` to `path` (PNG or SVG by its suffix) under a temporary name, then rename it into place.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The picture, as the plot functions return it.
    path : str or os.PathLike
        A .png or .svg file in an existing folder.

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import tempfile
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(2, 1), dpi=50)
    >>> save(fig, os.path.join(tempfile.mkdtemp(), "blank.png")).name
    'blank.png'
    """
    from ..atomic import staged

    target = check_picture(path)
    with staged(target) as tmp:
        fig.savefig(tmp, format=target.suffix.lower()[1:])
        os.replace(tmp, target)
    return target


def new_figure(feature: str, width_in: float, height_in: float) -> Figure:
    """A Figure of `width_in` × `height_in` inches at 100 dpi, constrained layout, outside pyplot."""
    require("plots", feature)
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in), dpi=100, layout="constrained")


def root_figure(ax: Axes) -> Figure:
    """The top-level Figure an Axes belongs to (through any SubFigure)."""
    fig = ax.figure
    return getattr(fig, "figure", fig) or fig


def axes_list(ax: Any, count: int, name: str = "ax") -> list[Axes]:
    """`ax` as a list of `count` Axes: one Axes (when `count` is 1) or a sequence of that many."""
    found = list(ax.flat) if hasattr(ax, "flat") else list(ax) if isinstance(ax, (list, tuple)) else [ax]
    if len(found) != count:
        raise InputError(Mention(name), f": {count} Axes needed here, got {len(found)}")
    return found


def axis_inches(n: int, minimum: float) -> float:
    """The length of an axis that carries `n` region names at `LABEL_PT`, at least `minimum`."""
    return max(minimum, min(n, MAX_LABELS) * PITCH_IN)


def label_inches(names: Sequence[str]) -> float:
    """The room the longest region name takes beside an axis (approximately), in inches."""
    longest = max((len(str(x)) for x in names), default=0)
    return 0.3 + min(longest, 40) * 0.6 * LABEL_PT / 72


def label_ticks(ax: Axes, names: Sequence[str], which: str = "xy") -> int:
    """Name the rows and columns of a matrix drawn on `ax` with `names` at `LABEL_PT` points: every name
    up to `MAX_LABELS`, every k-th one above. Returns k."""
    step = max(1, math.ceil(len(names) / MAX_LABELS))
    ticks = list(range(0, len(names), step))
    shown = [str(names[i]) for i in ticks]
    if "x" in which:
        ax.set_xticks(ticks, shown, rotation=90, fontsize=LABEL_PT)
    if "y" in which:
        ax.set_yticks(ticks, shown, fontsize=LABEL_PT)
    return step


def set_title(ax: Axes, text: str, width_in: float | None = None, fontsize: float = 10.0) -> None:
    """Title `ax` with `text`, wrapped to the width of its figure so that it is never clipped."""
    if width_in is None:
        width_in = root_figure(ax).get_figwidth()
    chars = max(20, int(width_in * 72 / (fontsize * 0.6)))
    lines = [piece for line in text.split("\n") for piece in (textwrap.wrap(line, chars) or [""])]
    ax.set_title("\n".join(lines), fontsize=fontsize)


def strength_label(graph: Any, signed: bool = False) -> str:
    """What a topology's strength counts, for a colour bar: connections or synapses per 1000 neuron pairs
    when the topology is defined by counting rules (a `rule` on its projections, or a reference `neurons`
    or `scaling`), else plain "strength" (tractography and other weights, in the units they came in)."""
    rules = {r for *_, r in graph.edges(data="rule") if r is not None}
    counting = rules or graph.graph.get("neurons") is not None or graph.graph.get("scaling") is not None
    if not counting:
        unit = ""
    elif rules == {"synapses"}:
        unit = " (synapses per 1000 pairs)"
    elif len(rules) > 1:
        unit = " (connections or synapses per 1000 pairs, by rule)"
    else:
        unit = " (connections per 1000 pairs)"
    return ("sign × strength" if signed else "strength") + unit + (": red +, blue −" if signed else "")
