"""Pictures of a topology and of a run, as matplotlib Figures (never pyplot, never a backend change).

* `plot_matrix`: the connectivity matrix (row = source, column = target) on a logarithmic colour scale
  (diverging for signed weights), regions ordered as stored, by a region attribute, or by Louvain community;
* `plot_graph`: regions at their `x`/`y` coordinates when every region has them, else a seeded spring
  layout; the strongest projections as arrows, regions sized by share and coloured by an attribute;
* `plot_run`: activity traces per region over time, stimulus windows shaded and, for the rate model,
  activation times marked;
* `plot_fc` (and `plot_result_fc`, of a run): FC beside SC and FC against log10 SC, titled with the r of
  the points drawn.

Each returns the Figure it drew, draws into `ax` when given, and also writes the figure when given a
path (`save`: .png or .svg, atomically).
"""

from .common import LABEL_PT, MAX_LABELS, SUFFIXES, check_picture, label_ticks, new_figure, save, set_title
from .fc import fc_sc_points, fc_source, pearson, plot_fc, plot_result_fc
from .graph import plot_graph, strongest
from .matrix import connectivity, is_signed, plot_matrix, region_order
from .run import plot_run

__all__ = ["LABEL_PT", "MAX_LABELS", "SUFFIXES", "check_picture", "connectivity", "fc_sc_points", "fc_source",
           "is_signed", "label_ticks", "new_figure", "pearson", "plot_fc", "plot_graph", "plot_matrix",
           "plot_result_fc", "plot_run", "region_order", "save", "set_title", "strongest"]
