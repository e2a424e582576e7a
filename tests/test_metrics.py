"""topology metrics against the Brain Connectivity Toolbox (bctpy) on TVB's connectivity_76, and small cases by hand."""

import json
from pathlib import Path

import bct
import networkx as nx
import numpy as np
import pytest

from connectome.metrics import metrics

REFERENCE = Path(__file__).parent / "reference" / "tvb_linear.npz"


@pytest.fixture(scope="module")
def connectivity_76():
    ref = np.load(REFERENCE)
    labels = [str(x) for x in ref["labels"]]
    w, lengths = ref["weights"], ref["tract_lengths"]  # weights[t, s] is s -> t
    g = nx.DiGraph(name="connectivity_76")
    g.add_nodes_from((x, {"share": 1.0}) for x in labels)
    for t, s in zip(*np.nonzero(w)):
        g.add_edge(labels[s], labels[t], strength=float(w[t, s]), tract_length=float(lengths[t, s]))
    return g, w.T.astype(float), (lengths.T * (w.T > 0)).astype(float)  # row-source weights and lengths


def test_region_and_graph_metrics_agree_with_bctpy(connectivity_76):
    g, W, _ = connectivity_76
    m = metrics(g, distance="inverse")
    regions = m["regions"]
    assert m["distance"] == "inverse" and m["graph"]["projections"] == int((W > 0).sum()) == 1560
    assert np.array_equal([r["out_degree"] for r in regions], (W > 0).sum(axis=1))
    assert np.allclose([r["in_strength"] for r in regions], W.sum(axis=0), rtol=1e-12, atol=0)
    loops = W.copy()
    np.fill_diagonal(loops, 0)  # clustering leaves self-projections out; BCT's formula assumes there are none
    assert np.allclose([r["clustering"] for r in regions], bct.clustering_coef_wd(loops / W.max()), rtol=1e-9,
                       atol=1e-15)
    lengths = bct.invert(W)
    assert np.allclose([r["betweenness"] for r in regions], bct.betweenness_wei(lengths), rtol=1e-9, atol=1e-9)
    distances, _ = bct.distance_wei(lengths)
    graph = m["graph"]
    assert graph["characteristic_path_length"] == pytest.approx(bct.charpath(distances, include_infinite=False)[0],
                                                                rel=1e-12)
    assert graph["global_efficiency"] == pytest.approx(bct.efficiency_wei(W), rel=1e-12)
    assert graph["density"] == pytest.approx(bct.density_dir(W)[0], rel=1e-15)
    a = W > 0
    assert graph["reciprocity"] == pytest.approx(((a & a.T).sum() - np.trace(a)) / a.sum(), rel=1e-15)
    undirected = (a | a.T).astype(int)
    np.fill_diagonal(undirected, 0)  # without self-projections, as ours
    with np.errstate(invalid="ignore"):
        rich, _, _ = bct.rich_club_bu(undirected)
    ours = graph["rich_club"]
    for k, value in enumerate(rich, start=1):  # bctpy's R[k - 1] is φ(k): nodes of degree > k
        if np.isfinite(value):
            assert ours[str(k)] == pytest.approx(value, rel=1e-12), k


def test_modularity_is_the_directed_weighted_q_of_its_partition(connectivity_76):
    g, W, _ = connectivity_76
    graph = metrics(g, seed=3)["graph"]
    names = list(g)
    community = np.empty(len(names), dtype=int)
    for i, members in enumerate(graph["communities"]):
        community[[names.index(x) for x in members]] = i
    m = W.sum()
    same = community[:, None] == community[None, :]
    q = ((W - np.outer(W.sum(axis=1), W.sum(axis=0)) / m) * same).sum() / m  # Leicht & Newman 2008
    assert graph["modularity"] == pytest.approx(q, rel=1e-12) and graph["modularity"] > 0.3
    assert sorted(x for c in graph["communities"] for x in c) == sorted(names)
    assert metrics(g, seed=3)["graph"]["communities"] == graph["communities"]  # seeded: the same partition


def test_betweenness_by_tract_length_agrees_with_bctpy(connectivity_76):
    g, _, lengths = connectivity_76
    m = metrics(g)  # auto: every projection has a tract length
    assert m["distance"] == "tract_length"
    expected = bct.betweenness_wei(lengths)  # its diagonal is 0: no self-projection
    assert np.allclose([r["betweenness"] for r in m["regions"]], expected, rtol=1e-9, atol=1e-9)


def test_a_small_case_by_hand():
    g = nx.DiGraph(name="t")
    g.add_nodes_from(("a", "b", "c"), share=1.0)
    g.add_edge("a", "b", strength=2.0)
    g.add_edge("b", "c", strength=4.0)
    g.add_edge("c", "a", strength=1.0)
    g.add_edge("b", "a", strength=2.0)
    m = metrics(g, distance="inverse")
    # distances 1/w: a->b 0.5, b->c 0.25, c->a 1, b->a 0.5; a->c = 0.75, c->b = 1.5
    assert m["graph"]["characteristic_path_length"] == pytest.approx((0.5 + 0.75 + 0.5 + 0.25 + 1 + 1.5) / 6)
    assert m["graph"]["global_efficiency"] == pytest.approx((2 + 1 / 0.75 + 2 + 4 + 1 + 1 / 1.5) / 6)
    assert m["graph"]["density"] == 4 / 6 and m["graph"]["reciprocity"] == 0.5
    assert [r["betweenness"] for r in m["regions"]] == [1.0, 1.0, 0.0]  # a on c->a->b, b on a->b->c
    assert [(r["in_strength"], r["out_strength"]) for r in m["regions"]] == [(3.0, 2.0), (2.0, 6.0), (4.0, 1.0)]


def test_cli_metrics_by_connections(run, tmp_path):
    doc = {"name": "two", "neurons": 100, "regions": [{"name": "a", "share": 1}, {"name": "b", "share": 3}],
           "projections": [{"source": "a", "target": "b", "strength": 100}, {"source": "b", "target": "a",
                                                                              "strength": 10}]}
    (tmp_path / "two.json").write_text(json.dumps(doc))
    run("topology", "import", tmp_path / "two.json")
    out = run("topology", "metrics", "two", "--weight", "connections", "--json").json()
    assert [(r["name"], r["out_strength"]) for r in out["regions"]] == [("a", 25 * 75 * 100 // 1000), ("b", 75 * 25 * 10 // 1000)]
    assert out["neurons"] == 100 and out["distance"] == "inverse"
    text = run("topology", "metrics", "two").stdout
    assert text.startswith("two@v1: weights strength, distances inverse\n")
    assert "density 1.0000, reciprocity 1.0000" in text
