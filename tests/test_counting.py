"""Counting rules (pairs, synapses, autapses) and scaling (probability, indegree): validation, hashes, exact counts."""

import json
from fractions import Fraction

import networkx as nx
import pytest

from connectome.counting import count_topology
from connectome.errors import InputError
from connectome.graph import derived_counts
from connectome.formats.canonical import parse_document, read_json
from connectome.graph import content_hash, rows_of, to_document
from connectome.sim.plan import build_plan
from conftest import EXAMPLE, assert_one_line_error


def doc(projections, regions=None, **top):
    return {"name": "t", **top, "regions": regions or [{"name": "a", "share": 1}, {"name": "b", "share": 3}],
            "projections": projections}


def graph(projections, regions=None, **top):
    return parse_document(doc(projections, regions, **top), "t.json")


def test_defaults_leave_every_hash_as_it_was():
    # the example's hash before rules and scaling existed (connectome at 7511f33)
    assert content_hash(read_json(EXAMPLE)) == "6619082b757e7caaa995c6fdf03520680659ccc0f88ad547c71abf5c54fc3408"
    plain = graph([{"source": "a", "target": "a", "strength": 2}], neurons=100)
    spelled = graph([{"source": "a", "target": "a", "strength": 2, "rule": "pairs", "autapses": True}],
                    neurons=100, scaling="probability")
    assert content_hash(plain) == content_hash(spelled)
    assert to_document(spelled) == to_document(plain)  # the defaults are not shown either
    for changed in (graph([{"source": "a", "target": "a", "strength": 2, "rule": "synapses"}], neurons=100),
                    graph([{"source": "a", "target": "a", "strength": 2, "autapses": False}], neurons=100),
                    graph([{"source": "a", "target": "a", "strength": 2}], neurons=100, scaling="indegree")):
        assert content_hash(changed) != content_hash(plain)


@pytest.mark.parametrize("projection, top, message", [
    ({"strength": 1500}, {}, "projections[0].strength: must be ≤ 1000, got 1500"),
    ({"strength": 2, "rule": "multapses"}, {}, "projections[0].rule: must be one of pairs, synapses, got 'multapses'"),
    ({"strength": 1e6 + 1, "rule": "synapses"}, {}, "projections[0].strength: must be ≤ 1e+06, got 1000001.0"),
    ({"strength": 2, "autapses": "no"}, {}, "projections[0].autapses: must be true or false, got 'no'"),
    ({"strength": 2, "autapses": False, "target": "b"}, {},
     "projections[0].autapses: applies only to a projection from a region to itself"),
    ({"strength": 2}, {"scaling": "indegree"}, "scaling: indegree holds the in-degrees of a reference scale, and "
                                               "there is none: give the topology `neurons`"),
    ({"strength": 2}, {"scaling": "linear", "neurons": 10}, "scaling: must be one of probability, indegree, got 'linear'"),
])
def test_bad_rules_and_scalings_are_refused_naming_the_field(projection, top, message):
    with pytest.raises(InputError) as caught:
        graph([{"source": "a", "target": "a", **projection}], **top)
    assert str(caught.value) == f"t.json: {message}"


def test_the_graph_validator_applies_the_same_rules():
    from connectome.validation import validate

    g = nx.DiGraph(name="g")
    g.add_node("a", share=1.0)
    g.add_edge("a", "a", strength=1500.0)
    with pytest.raises(InputError, match=r"strength: must be ≤ 1000, got 1500.0 \(more than one connection per pair "
                                         r"needs rule synapses\)"):
        validate(g)
    g.edges["a", "a"]["rule"] = "synapses"
    assert validate(g) is g
    g.edges["a", "a"]["rule"] = "bogus"  # a plain string extra must not slip through the fast path
    with pytest.raises(InputError, match="rule: must be one of pairs, synapses"):
        validate(g)


def test_synapses_rule_counts_more_than_one_per_pair_and_autapses_leave_out_self_pairs():
    g = graph([{"source": "a", "target": "a", "strength": 1000, "autapses": False},
               {"source": "a", "target": "b", "strength": 2500, "rule": "synapses"},
               {"source": "b", "target": "b", "strength": 333.3}], neurons=40)
    stats = derived_counts(g, 40)  # a: 10 neurons, b: 30
    assert [p["connections"] for p in stats["projections"]] == [10 * 9, 10 * 30 * 25 // 10, 30 * 30 * 3333 // 10000]
    assert stats["projections"][0]["autapses"] is False and stats["projections"][1]["rule"] == "synapses"
    assert stats["total_connections"] == 90 + 750 + 299 and stats["scaling"] == "probability"
    big = derived_counts(g, 10**18)  # exact far beyond 64 bits
    n_a, n_b = 25 * 10**16, 75 * 10**16
    assert [p["connections"] for p in big["projections"]] == [n_a * (n_a - 1), n_a * n_b * 5 // 2,
                                                              n_b * n_b * 3333 // 10000]


def test_indegree_scaling_holds_the_reference_in_degrees_exactly():
    g = graph([{"source": "a", "target": "b", "strength": 100},
               {"source": "a", "target": "a", "strength": 1.5, "autapses": False}], neurons=1000, scaling="indegree")
    # at the reference (a 250, b 750): K_ab = 250 · 0.1 = 25, K_aa = 249 · 0.0015 = 0.3735
    reference = derived_counts(g, 1000)
    assert [p["connections"] for p in reference["projections"]] == [750 * 25, 250 * 3735 // 10000]
    assert reference == {**derived_counts(g, 1000, scaling="probability"), "scaling": "indegree"}
    at = derived_counts(g, 10**12)  # a 2.5e11, b 7.5e11
    assert [p["connections"] for p in at["projections"]] == [75 * 10**10 * 25, 25 * 10**10 * 3735 // 10000]
    probability = derived_counts(g, 10**12, scaling="probability")
    assert probability["projections"][0]["connections"] == 25 * 10**10 * 75 * 10**10 // 10
    assert derived_counts(g, 100)["projections"][0]["connections"] == 75 * 25  # every pair of 25 × 75


def test_indegree_below_the_reference_cannot_ask_more_pairs_than_exist():
    g = graph([{"source": "a", "target": "b", "strength": 100}], neurons=1000, scaling="indegree")
    with pytest.raises(InputError) as caught:
        derived_counts(g, 40)  # a 10, b 30: 30 · 25 = 750 connections of 300 pairs
    assert str(caught.value) == ("projection 'a' -> 'b': indegree scaling asks 750 connections of 300 pairs at 40 "
                                 "neurons, and the pairs rule connects a pair at most once: use more neurons, "
                                 "scaling probability, or rule synapses")
    g.edges["a", "b"]["rule"] = "synapses"
    assert derived_counts(g, 40)["total_connections"] == 750


def test_indegree_needs_a_reference_scale():
    g = graph([{"source": "a", "target": "b", "strength": 100}])
    with pytest.raises(InputError, match=r"^scaling=indegree: t: indegree holds the in-degrees of a reference"):
        derived_counts(g, 1000, scaling="indegree")


def test_the_engine_takes_in_degrees_and_counts_from_the_same_rules():
    g = graph([{"source": "a", "target": "b", "strength": 100}, {"source": "b", "target": "b", "strength": 30},
               {"source": "a", "target": "a", "strength": 4, "autapses": False}], neurons=1000, scaling="indegree")
    rows = rows_of(g)

    def plan(n, reference=None):
        return build_plan(rows, n, "mean-input", speed=None, dt=Fraction(1, 10), steps=10, reference=reference)

    at_ref, held = plan(1000), plan(10**9, 1000)
    assert held.weights == at_ref.weights  # K_st at the reference: the normalised input does not move
    # projections in graph order a->b, a->a, b->b; b's inputs at the reference: K_ab = 250 · 0.1, K_bb = 750 · 0.03
    assert held.weights == [25 / 47.5, 1.0, 22.5 / 47.5]
    assert held.total_connections == count_topology(rows, 10**9)["total_connections"] == \
        75 * 10**7 * 25 + 75 * 10**7 * 225 // 10 + 25 * 10**7 * 249 * 4 // 1000


def test_scaling_in_the_cli_store_and_formats(run, tmp_path):
    path = tmp_path / "pd.json"
    path.write_text(json.dumps(doc([{"source": "a", "target": "b", "strength": 100, "rule": "synapses"}],
                                   neurons=1000, scaling="indegree")))
    imported = run("topology", "import", path, "--json").json()
    shown = run("topology", "show", "t", "--json").json()
    assert shown["scaling"] == "indegree" and shown["projections"][0]["rule"] == "synapses"
    stats = run("topology", "stats", "t", "--neurons", "1e9", "--json").json()
    assert stats["scaling"] == "indegree" and stats["total_connections"] == 75 * 10**7 * 25
    assert run("topology", "stats", "t", "--neurons", "1e9", "--scaling", "probability", "--json").json()[
        "total_connections"] == 25 * 10**7 * 75 * 10**7 // 10
    text = run("topology", "stats", "t", "--neurons", "1e9").stdout
    assert "t@v1 at 1,000,000,000 neurons, indegree scaling" in text and "synapses  18,750,000,000" in text
    for fmt in ("json", "graphml"):
        out = tmp_path / f"back.{fmt}"
        assert run("topology", "export", "t", "-o", out).exit_code == 0
        assert run("topology", "import", out, "--json").json()["content_hash"] == imported["content_hash"]
    estimate = run("estimate", "--topology", "t", "--neurons", "1e9", "--json").json()
    assert estimate["total_connections"] == 75 * 10**7 * 25


def test_scaling_option_refused_without_reference(run, tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps(doc([{"source": "a", "target": "b", "strength": 100}])))
    run("topology", "import", path)
    for args in (("topology", "stats", "t", "--neurons", "100"), ("estimate", "--topology", "t", "--neurons", "100"),
                 ("topology", "diff", "t", "t", "--neurons", "100")):
        done = run(*args, "--scaling", "indegree")
        assert_one_line_error(done, "--scaling indegree: t: indegree holds the in-degrees of a reference scale")


def test_diff_names_a_change_of_scaling_and_its_counts(run, tmp_path):
    for i, scaling in enumerate(("probability", "indegree")):
        (tmp_path / f"{i}.json").write_text(json.dumps(doc([{"source": "a", "target": "b", "strength": 100}],
                                                           neurons=1000, scaling=scaling)))
        run("topology", "import", tmp_path / f"{i}.json")
    result = run("topology", "diff", "t@v1", "t@v2", "--neurons", "1e6", "--json").json()
    assert result["graph_changed"] == {"scaling": {"old": "probability", "new": "indegree"}}
    assert result["connections_delta"]["total"] == {"old": 250_000 * 750_000 // 10, "new": 750_000 * 25,
                                                    "delta": 750_000 * 25 - 250_000 * 750_000 // 10}
    assert "~ topology: scaling \"probability\" -> \"indegree\"" in run("topology", "diff", "t@v1", "t@v2").stdout


def test_simulate_counts_and_remembers_the_scaling(run, tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps(doc([{"source": "a", "target": "b", "strength": 100}], neurons=1000)))
    run("topology", "import", path)
    args = ("simulate", "--topology", "t", "--neurons", "1e9", "--duration", "1", "--deterministic", "--json")
    held = run(*args, "--scaling", "indegree").json()
    assert held["total_connections"] == 75 * 10**7 * 25
    assert run(*args).json()["total_connections"] == 25 * 10**7 * 75 * 10**7 // 10
    rerun = run("runs", "rerun", str(held["run_id"]), "--json").json()
    assert rerun["total_connections"] == held["total_connections"]


def test_graphs_given_to_counting_directly_are_checked_too():
    g = nx.DiGraph(name="x")
    g.add_node("a", share=1.0)
    g.add_edge("a", "a", strength=1.0, autapses="no")
    with pytest.raises(InputError, match=r"^projection 1: autapses: must be true or false, got 'no'$"):
        derived_counts(g, 10)
    g.edges["a", "a"].update(autapses=True, rule="pair")
    with pytest.raises(InputError, match=r"^projection 1: rule: must be one of pairs, synapses, got 'pair'$"):
        derived_counts(g, 10)
