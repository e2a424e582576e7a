"""`topology diff`: versions that differ in each way, from the library and the CLI."""

import json

import networkx as nx

from connectome.compare import diff
from conftest import EXAMPLE


def _base():
    g = nx.DiGraph(name="d")
    g.add_node("a", share=1.0, threshold=0.5)
    g.add_node("b", share=2.0)
    g.add_node("c", share=1.0)
    g.add_edge("a", "b", strength=0.5, tract_length=10.0)
    g.add_edge("b", "c", strength=0.2)
    return g


def test_identical_versions_have_no_differences():
    assert diff(_base(), _base()) == {k: [] for k in ("regions_added", "regions_removed", "regions_changed",
                                                      "projections_added", "projections_removed", "projections_changed")}


def test_each_kind_of_change():
    old, new = _base(), _base()
    new.remove_node("c")                      # removes c and b -> c
    new.add_node("d", share=0.5)
    new.nodes["a"]["share"] = 3.0
    new.nodes["a"]["threshold"] = 0.25
    new.nodes["b"]["hemisphere"] = "left"
    new.add_edge("d", "a", strength=1.0)
    new.edges["a", "b"]["strength"] = 0.75
    del new.edges["a", "b"]["tract_length"]
    d = diff(old, new)
    assert d["regions_added"] == ["d"]
    assert d["regions_removed"] == ["c"]
    assert d["regions_changed"] == [
        {"name": "a", "changes": {"share": {"old": 1.0, "new": 3.0}, "threshold": {"old": 0.5, "new": 0.25}}},
        {"name": "b", "changes": {"hemisphere": {"old": None, "new": "left"}}},
    ]
    assert d["projections_added"] == [{"source": "d", "target": "a", "strength": 1.0}]
    assert d["projections_removed"] == [{"source": "b", "target": "c", "strength": 0.2}]
    assert d["projections_changed"] == [{"source": "a", "target": "b", "changes": {
        "strength": {"old": 0.5, "new": 0.75}, "tract_length": {"old": 10.0, "new": None}}}]


def test_connection_deltas_are_exact():
    old, new = _base(), _base()
    new.edges["a", "b"]["strength"] = 0.7
    d = diff(old, new, neurons=4000)             # sizes 1000, 2000, 1000
    delta = d["connections_delta"]
    assert delta["projections"] == [{"source": "a", "target": "b", "old": 1000 * 2000 * 5 // 10_000,
                                     "new": 1000 * 2000 * 7 // 10_000, "delta": 400}]
    # b -> c: 2000 * 1000 * 0.2 / 1000 = 400 on both sides
    assert delta["total"] == {"old": 1000 + 400, "new": 1400 + 400, "delta": 400}


def test_share_change_moves_counts_without_strength_change():
    old, new = _base(), _base()
    new.nodes["c"]["share"] = 5.0
    rows = diff(old, new, neurons=10**12)["connections_delta"]["projections"]
    assert {(r["source"], r["target"]) for r in rows} == {("a", "b"), ("b", "c")}


def test_cli_diff(run, tmp_path):
    doc = json.loads(EXAMPLE.read_text())
    run("topology", "import", EXAMPLE)
    doc["projections"][0]["strength"] = 0.35
    doc["regions"].append({"name": "thalamus", "share": 0.1})
    doc["projections"].append({"source": "thalamus", "target": "sensory_cortex", "strength": 0.4})
    changed = tmp_path / "v2.json"
    changed.write_text(json.dumps(doc))
    assert run("topology", "import", changed).exit_code == 0
    out = run("topology", "diff", "v1", "multi_region@v2", "--neurons", "1e6", "--json").json()
    assert (out["from"], out["to"]) == ("multi_region@v1", "multi_region@v2")
    assert out["regions_added"] == ["thalamus"]
    assert out["projections_added"] == [{"source": "thalamus", "target": "sensory_cortex", "strength": 0.4}]
    assert out["projections_changed"][0]["changes"] == {"strength": {"old": 0.3, "new": 0.35}}
    assert out["connections_delta"]["total"]["delta"] == out["connections_delta"]["total"]["new"] - out["connections_delta"]["total"]["old"]
    text = run("topology", "diff", "v1", "v2").stdout
    assert "+ region thalamus" in text and "~ projection sensory_cortex -> association_cortex: strength 0.3 -> 0.35" in text
