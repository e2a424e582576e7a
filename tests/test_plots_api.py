"""The plot functions from Python: Figures (no pyplot, no backend change), drawn into a given Axes, labels
readable at 100 regions and thinned above, the graph's strongest projections and colours, FC's r of the
points drawn, signed matrices on a diverging map, colour-bar units, and the PNGs read back."""

import os
import subprocess
import sys

import matplotlib.image
import networkx as nx
import numpy as np
import pytest
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from connectome.plots import fc_sc_points, plot_fc, plot_graph, plot_matrix, plot_run, save

from conftest import ROOT


def brain(regions, seed=0, signed=False, loops=True):
    """A TVB-like topology: names L0…/R0…, x/y, hemisphere, dense random strengths, self-loops."""
    rng = np.random.default_rng(seed)
    g = nx.DiGraph(name=f"brain{regions}")
    for i in range(regions):
        right = i >= regions // 2
        g.add_node(f"{'R' if right else 'L'}region_{i}", share=float(1 + i % 3), x=float(np.cos(i)), y=float(np.sin(i)),
                   hemisphere=right)
    names = list(g)
    for s in names:
        for t in names:
            if (s != t or loops) and rng.random() < 0.3:
                g.add_edge(s, t, strength=float(np.round(rng.uniform(0.01, 3.0), 3)),
                           **({"sign": -1 if rng.random() < 0.4 else 1} if signed else {}))
    return g


def texts_of(fig):
    return [t for ax in fig.axes for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text()]


def png_size(fig, path):
    save(fig, path)
    return matplotlib.image.imread(path).shape[:2]


def test_matrix_names_every_region_at_8_points_up_to_100_then_every_kth(tmp_path):
    for regions, shown, size in ((76, 76, (1136, 1226)), (100, 100, (1436, 1526)), (150, 75, (1443, 1533)),
                                 (998, 100, (1443, 1533))):
        fig = plot_matrix(brain(regions, loops=False) if regions < 900 else nx.DiGraph(
            [(f"Lregion_{i}", f"Lregion_{(i + 1) % regions}", {"strength": 1.0}) for i in range(regions)],
            name="ring"))
        ax = fig.axes[0]
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert len(labels) == shown and len(ax.get_xticklabels()) == shown
        assert labels[:2] == (["Lregion_0", "Lregion_1"] if shown == regions else
                              ["Lregion_0", f"Lregion_{-(-regions // 100)}"])
        assert min(t.get_fontsize() for t in texts_of(fig)) >= 8
        assert png_size(fig, tmp_path / f"m{regions}.png") == size


def test_signed_weights_on_a_diverging_map_and_the_colour_bar_says_what_strength_counts():
    fig = plot_matrix(brain(20, signed=True))
    image = fig.axes[0].get_images()[0]
    top = max(abs(w) for *_, w in brain(20, signed=True).edges(data="strength"))
    assert image.cmap.name == "RdBu_r" and (image.norm.vmin, image.norm.vmax) == (-top, top)
    assert (image.get_array() < 0).sum() > 0 and fig.axes[1].get_ylabel() == "sign × strength: red +, blue −"
    plain = plot_matrix(brain(20))  # tractography-like weights: no counting rule, no reference scale
    assert plain.axes[0].get_images()[0].cmap.name == "viridis" and plain.axes[1].get_ylabel() == "strength"
    from connectome import read

    microcircuit = read(ROOT / "examples" / "potjans_diesmann_2014.json")  # rule synapses, signed
    assert plot_matrix(microcircuit).axes[1].get_ylabel() == \
        "sign × strength (synapses per 1000 pairs): red +, blue −"
    counted = brain(5)
    counted.graph["neurons"] = 10**6
    assert plot_matrix(counted).axes[1].get_ylabel() == "strength (connections per 1000 pairs)"


def test_graph_draws_the_strongest_projections_without_self_loops_coloured_by_hemisphere(tmp_path):
    g = brain(76)
    loops = sum(1 for s, t in g.edges if s == t)
    fig = plot_graph(g, top=40, color_by="hemisphere")
    ax = fig.axes[0]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 40 and loops > 0
    strengths = sorted((w for s, t, w in g.edges(data="strength") if s != t), reverse=True)
    widths = [a.get_linewidth() for a in arrows]  # strongest first, the strongest 3 points wide
    assert widths == sorted(widths, reverse=True) and widths[0] == pytest.approx(3.0)
    assert widths[-1] == pytest.approx(0.4 + 2.6 * np.log1p(strengths[39]) / np.log1p(strengths[0]))
    assert ax.get_title() == f"brain76: regions at x, y; strongest 40 of {g.number_of_edges() - loops:,} " \
                             f"projections; {loops} self-loops not drawn"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["left hemisphere", "right hemisphere"]
    nodes = next(c for c in ax.collections if isinstance(c, PathCollection))
    assert nodes.get_sizes().max() == pytest.approx(4000 / 76) and len(set(map(tuple, nodes.get_facecolors()))) == 2
    names = [t for t in ax.texts if t.get_text().startswith(("L", "R"))]
    assert len(names) == 76 and {t.get_fontsize() for t in names} == {8.0}
    assert png_size(fig, tmp_path / "g76.png") == (1060, 1140)
    default = plot_graph(g).axes[0]  # 3 per region by default
    assert sum(isinstance(p, FancyArrowPatch) for p in default.patches) == 228
    every = plot_graph(g, top=10**6).axes[0]  # every projection but the self-loops
    assert sum(isinstance(p, FancyArrowPatch) for p in every.patches) == g.number_of_edges() - loops


def test_fc_titles_the_r_of_exactly_the_points_drawn_and_hexbins_above_2000():
    rng = np.random.default_rng(1)
    for regions, kind in ((20, PathCollection), (80, PolyCollection)):
        sc = rng.uniform(0, 1, (regions, regions)) * (rng.random((regions, regions)) < 0.7)
        sc = sc + sc.T
        x = rng.normal(size=(400, regions))
        fc = np.corrcoef(x.T) + 0.0
        fig = plot_fc(fc, sc, [f"r{i}" for i in range(regions)], signal="BOLD", window_ms=(500, 3000))
        scatter = fig.axes[2]
        drawn = [c for c in scatter.collections if isinstance(c, kind)]
        assert len(drawn) == 1
        xs, ys = fc_sc_points(fc, sc)
        if kind is PathCollection:
            offsets = drawn[0].get_offsets()
            assert np.array_equal(offsets[:, 0], xs) and np.array_equal(offsets[:, 1], ys)
        else:
            assert len(xs) > 2000 and drawn[0].get_array().sum() == len(xs)  # every pair counted once
        r = np.corrcoef(xs, ys)[0, 1]
        assert scatter.get_title() == (f"FC of BOLD, 500–3000 ms vs log10 SC\nr = {r:.3f} over {len(xs):,} "
                                       "connected pairs")
        assert min(t.get_fontsize() for t in texts_of(fig)) >= 8


def test_each_function_returns_a_figure_draws_into_a_given_axes_and_needs_no_pyplot(tmp_path):
    from types import SimpleNamespace

    fig = Figure(figsize=(12, 4))
    left, middle, right = fig.subplots(1, 3)
    g = brain(6)
    assert plot_matrix(g, ax=left) is fig and left.get_images()
    assert plot_graph(g, ax=middle, top=3) is fig and sum(isinstance(p, FancyArrowPatch) for p in middle.patches) == 3
    fc = np.corrcoef(np.random.default_rng(0).normal(size=(50, 6)).T)
    sc = np.ones((6, 6)) - np.eye(6)
    assert plot_fc(fc, sc, list(g), ax=right, signal="E") is fig and right.get_title().startswith("FC of E vs")
    result = SimpleNamespace(observed="a", activity=np.zeros((3, 2)), states={}, time_ms=np.arange(3.0),
                             regions=["a", "b"], summary_regions=[], stimuli=[], model="linear", neurons=None,
                             duration_ms=2.0)
    one = Figure().subplots()
    assert plot_run(result, ax=one) is one.figure and len(one.lines) == 2
    assert plot_matrix(g, tmp_path / "m.svg").axes and (tmp_path / "m.svg").exists()  # a path: also written


def test_plotting_never_changes_the_backend_nor_touches_pyplot_figures(tmp_path):
    script = f"""
import matplotlib, networkx as nx, numpy as np
from connectome.plots import plot_matrix, plot_graph, plot_fc, save
g = nx.DiGraph([("a", "b", {{"strength": 1.0}}), ("b", "c", {{"strength": 2.0}})], name="t")
for n in g: g.nodes[n]["share"] = 1.0
for fig in (plot_matrix(g), plot_graph(g), plot_fc(np.eye(3), np.ones((3, 3)), list(g))):
    save(fig, {str(tmp_path)!r} + "/x.png")
import matplotlib.pyplot as plt
print(matplotlib.get_backend(), plt.get_fignums())
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, "MPLBACKEND": "pdf"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == "pdf []"


def test_bad_keywords_name_the_parameter():
    from connectome.errors import InputError

    with pytest.raises(InputError, match=r"^top=0: must be a whole number ≥ 1$"):
        plot_graph(brain(4), top=0)
    with pytest.raises(InputError, match=r"^color_by=lobe: region 'Lregion_0' has no such attribute$"):
        plot_graph(brain(4), color_by="lobe")


def _run_of(regions: int):
    from types import SimpleNamespace

    t = np.arange(5) * 0.5
    values = np.arange(5 * regions, dtype=float).reshape(5, regions)
    return SimpleNamespace(observed="E", activity=values, states={"E": values}, time_ms=t,
                           regions=[f"r{i}" for i in range(regions)], summary_regions=[], stimuli=[],
                           model="wilson-cowan", neurons=None, duration_ms=2.0)


def test_a_run_of_more_than_twelve_regions_is_a_heatmap_of_regions_by_time():
    few, many = plot_run(_run_of(12)).axes[0], plot_run(_run_of(13)).axes[0]
    assert len(few.lines) == 12 and not few.images and len(few.get_legend().get_texts()) == 12
    assert not many.lines and len(many.images) == 1 and many.get_legend() is None
    image = many.images[0]
    np.testing.assert_array_equal(image.get_array(), _run_of(13).activity.T)
    assert image.get_extent() == [-0.25, 2.25, 12.5, -0.5]
    assert [t.get_text() for t in many.get_yticklabels()] == [f"r{i}" for i in range(13)]
    assert all(t.get_fontsize() >= 8 for t in many.get_yticklabels())
    assert many.figure.axes[-1].get_ylabel() == "E"  # the colour bar names the variable


def test_a_long_region_name_at_the_edge_of_the_graph_is_drawn_whole():
    """The axes widen to the labels: a name centred on the leftmost region is not cut at the axes' edge."""
    import networkx as nx
    from matplotlib.text import Text

    from connectome.plots import plot_graph

    g = nx.DiGraph(name="edge")
    g.add_node("a_region_with_a_very_long_name_indeed", share=1.0, x=0.0, y=0.0)
    g.add_node("b", share=1.0, x=1.0, y=0.0)
    g.add_edge("a_region_with_a_very_long_name_indeed", "b", strength=1.0)
    ax = plot_graph(g).axes[0]
    frame = ax.get_window_extent()
    labels = [t for t in ax.get_children() if isinstance(t, Text) and t.get_text() in g]
    assert len(labels) == 2
    for label in labels:
        box = label.get_window_extent()
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1, (label.get_text(), box, frame)
