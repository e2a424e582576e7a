"""The Potjans & Diesmann (2014) microcircuit: the paper's (and NEST's) synapse numbers, and in-degrees held at scale."""

import importlib.util
import json
import math
from fractions import Fraction

import pytest

from conftest import ROOT

PD14 = ROOT / "examples" / "potjans_diesmann_2014.json"
spec = importlib.util.spec_from_file_location("make_pd14", ROOT / "examples" / "make_potjans_diesmann_2014.py")
make = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make)


def nest_synapses(source: int, target: int) -> float:
    """K = ln(1 - C) / ln(1 - 1/(N_pre N_post)) (the paper's eq. 1) as NEST's microcircuit example computes it:
    ln((M - 1)/M) in doubles, which is itself off by up to ~1.3 synapses at M ~ 5e8 pairs."""
    c = make.PROBABILITIES[target][source]
    pairs = make.SIZES[source] * make.SIZES[target]
    return math.log(1 - c) / math.log((pairs - 1) / pairs)


def paper_synapses(source: int, target: int) -> float:
    """The same K computed accurately (log1p)."""
    c = make.PROBABILITIES[target][source]
    return math.log1p(-c) / math.log1p(-1 / (make.SIZES[source] * make.SIZES[target]))


@pytest.fixture
def pd14(run):
    assert run("topology", "import", PD14).exit_code == 0
    return "potjans_diesmann_2014"


def test_the_example_is_what_its_script_writes_from_the_paper():
    assert json.loads(PD14.read_text()) == json.loads(json.dumps(make.document()))
    doc = make.document()
    assert sum(r["neurons"] for r in doc["regions"]) == 77169 and len(doc["projections"]) == 55
    assert all(p["rule"] == "synapses" and len(repr(p["strength"]).replace(".", "").lstrip("0")) <= 12
               for p in doc["projections"])


def test_stats_at_the_reference_scale_give_nest_synapse_numbers(run, pd14):
    stats = run("topology", "stats", pd14, "--json").json()
    assert stats["neurons"] == 77169 and stats["scaling"] == "indegree"
    assert [r["neurons"] for r in stats["regions"]] == make.SIZES
    index = {name: i for i, name in enumerate(make.POPULATIONS)}
    worst_nest = worst_paper = 0.0
    for p in stats["projections"]:
        s, t = index[p["source"]], index[p["target"]]
        worst_nest = max(worst_nest, abs(p["connections"] - round(nest_synapses(s, t))))  # NEST's integer counts
        worst_paper = max(worst_paper, abs(p["connections"] - paper_synapses(s, t)))
    assert worst_nest == 1 and 0.9 < worst_paper < 1  # within one synapse of both on every projection
    nest_total = sum(round(nest_synapses(s, t)) for s in range(8) for t in range(8))
    assert nest_total == 298_880_968 and stats["total_connections"] == 298_880_944  # 55 floors: 24 below
    l5 = next(p for p in stats["projections"] if (p["source"], p["target"]) == ("L5I", "L5E"))
    assert l5["connections"] == round(nest_synapses(5, 4)) == 2_407_889  # the pairs reading: 1,924,572 (-20%)


def test_the_pairs_reading_undercounts_as_the_issue_found(tmp_path, run):
    doc = make.document()
    for p in doc["projections"]:
        p.pop("rule")
        p["strength"] = p["connection_probability"] * 1000
    (tmp_path / "pairs.json").write_text(json.dumps({**doc, "name": "pairs", "scaling": "probability"}))
    run("topology", "import", tmp_path / "pairs.json")
    stats = run("topology", "stats", "pairs", "--json").json()
    assert stats["total_connections"] == 284_810_996
    l5 = next(p for p in stats["projections"] if (p["source"], p["target"]) == ("L5I", "L5E"))
    assert l5["connections"] == 1_924_572  # round(1065 · 4850 · 0.3726): the README's figure


def test_in_degrees_at_a_billion_neurons_are_the_reference_ones(run, pd14):
    ref = run("topology", "stats", pd14, "--json").json()
    big = run("topology", "stats", pd14, "--neurons", "1e9", "--json").json()
    size_ref = {r["name"]: r["neurons"] for r in ref["regions"]}
    size_big = {r["name"]: r["neurons"] for r in big["regions"]}
    for name in make.POPULATIONS:
        k_ref = sum(Fraction(p["connections"], size_ref[name]) for p in ref["projections"] if p["target"] == name)
        k_big = sum(Fraction(p["connections"], size_big[name]) for p in big["projections"] if p["target"] == name)
        inputs = sum(1 for p in ref["projections"] if p["target"] == name)
        assert abs(k_big - k_ref) < Fraction(inputs, size_ref[name]), name  # each count rounds down once
        assert float(k_ref) == pytest.approx(sum(nest_synapses(make.POPULATIONS.index(p["source"]), make.POPULATIONS.index(name))
                                                 for p in ref["projections"] if p["target"] == name) / size_ref[name],
                                             abs=inputs / size_ref[name])
    l23e = size_big["L2/3E"]
    total_in = sum(p["connections"] for p in big["projections"] if p["target"] == "L2/3E")
    paper = sum(paper_synapses(s, 0) for s in range(8)) / make.SIZES[0]
    assert round(total_in / l23e) == round(paper) == 4995  # inputs per L2/3E neuron, as at 77,169 (not 61.5 million)
    probability = run("topology", "stats", pd14, "--neurons", "1e9", "--scaling", "probability", "--json").json()
    # probability scaling multiplies the in-degrees by N / N_ref as well: counts grow like N²
    assert probability["total_connections"] / big["total_connections"] == pytest.approx(10**9 / 77169, rel=1e-6)


@pytest.mark.slow
def test_weights_and_delays_read_back_in_nest_and_on_pynn_nest(run, pd14, tmp_path):
    """The paper's mean weights and delays per projection: pA in NEST, nA (x 1000 = the same pA) in PyNN."""
    from test_simulator_scripts import read_back

    for fmt in ("nest", "pynn"):
        done = run("topology", "export", pd14, "--format", fmt, "--neurons", "200", "-o", tmp_path / f"pd14_{fmt}.py")
        assert done.exit_code == 0 and "warning" not in done.stderr  # every projection has its weight and delay
    stats = run("topology", "stats", pd14, "--neurons", "200", "--json").json()
    counts = {f"{p['source']}->{p['target']}": p["connections"] for p in stats["projections"]}
    expected = {f"{p['source']}->{p['target']}": (p["weight"], p["delay"]) for p in make.document()["projections"]}
    assert expected["L4E->L2/3E"] == (175.6, 1.5) and expected["L2/3I->L2/3E"] == (-351.2, 0.75)
    in_nest = read_back("nest", tmp_path / "pd14_nest.py", tmp_path)
    on_pynn = read_back("pynn", tmp_path / "pd14_pynn.py", tmp_path)
    assert set(in_nest) == set(on_pynn) == {key for key, count in counts.items() if count}
    for key, (weight, delay) in expected.items():
        if key in in_nest:
            assert in_nest[key] == [counts[key], [weight], [delay], None, [weight]]
            count, weights, delays, receptor, made_in_nest = on_pynn[key]
            assert (count, delays, receptor) == (counts[key], [delay], "inhibitory" if weight < 0 else "excitatory")
            assert weights == [pytest.approx(weight / 1000, rel=1e-12)]
            assert made_in_nest == [pytest.approx(weight, rel=1e-12)]
