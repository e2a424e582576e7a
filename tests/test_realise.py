"""realise: exact counts drawn uniformly, streamed to SONATA and read back by libsonata; the guards."""

import collections
import csv
import itertools
import json
import math

import h5py
import libsonata
import numpy as np
import pytest
from scipy import stats as sps

from connectome.errors import ConnectomeWarning, InputError
from connectome.atomic import staged_folder
from connectome.formats.canonical import parse_document
from connectome.realise.sampling import uniform_multiset, uniform_subset
from connectome.realise.sonata import realise_sonata
from conftest import ROOT, assert_one_line_error, tmpfs

PD14 = ROOT / "examples" / "potjans_diesmann_2014.json"
# the counting tests' topologies have no weights nor delays: the defaults' warnings are checked once, below
pytestmark = pytest.mark.filterwarnings("ignore:.*without (weight|delay):connectome.errors.ConnectomeWarning")


def topology(**top):
    return parse_document({"name": "net", **top,
                           "regions": [{"name": "a", "share": 1}, {"name": "b b", "share": 2}],
                           "projections": [{"source": "a", "target": "a", "strength": 400, "autapses": False},
                                           {"source": "a", "target": "b b", "strength": 50},
                                           {"source": "b b", "target": "a", "strength": 1500, "rule": "synapses"}]})


def read_back(folder):
    """(population, regions per node, edges as (source, target) arrays) read by libsonata, the reference reader."""
    config = libsonata.CircuitConfig.from_file(str(folder / "circuit_config.json"))
    (name,) = config.node_populations
    (edge_name,) = config.edge_populations
    nodes = libsonata.NodeStorage(str(folder / "nodes.h5")).open_population(name)
    regions = nodes.get_attribute("region", nodes.select_all())
    edges = libsonata.EdgeStorage(str(folder / "edges.h5")).open_population(edge_name)
    assert (edges.source, edges.target) == (name, name)
    everything = edges.select_all()
    return name, regions, edges.source_nodes(everything), edges.target_nodes(everything)


def test_exact_counts_ids_and_no_repeated_pairs_read_back_by_libsonata(tmp_path):
    with pytest.warns(ConnectomeWarning) as said:
        result = realise_sonata(topology(), 3000, tmp_path / "c", seed=11)  # a 1000, b b 2000
    assert [str(w.message) for w in said] == [
        "3 projections without weight (e.g. 'a' -> 'a'): 1.0 pA, negative where sign is -1",
        "3 projections without delay, delay_ms or tract_length (e.g. 'a' -> 'a'): 1.0 ms"]
    name, regions, src, tgt = read_back(tmp_path / "c")
    assert name == "net" and len(regions) == 3000
    assert collections.Counter(regions) == {"a": 1000, "b b": 2000}
    assert (regions[:1000] == "a").all()
    expected = {("a", "a"): 1000 * 999 * 4 // 10, ("a", "b b"): 1000 * 2000 // 20, ("b b", "a"): 2000 * 1000 * 3 // 2}
    assert {(p["source"], p["target"]): p["edges"] for p in result["projections"]} == expected
    assert result["edges"] == len(src) == sum(expected.values())
    assert src.max() < 3000 and tgt.max() < 3000
    pairs = collections.Counter(zip(regions[src], regions[tgt]))
    assert pairs == expected
    kinds = h5py.File(tmp_path / "c" / "edges.h5")["edges/net_to_net/edge_type_id"][:]
    assert np.bincount(kinds).tolist() == list(expected.values())
    for i, (s, t) in enumerate(expected):
        keys = src[kinds == i].astype(np.int64) * 3000 + tgt[kinds == i]
        repeats = len(keys) - len(np.unique(keys))
        assert repeats == 0 if i < 2 else repeats > 0  # pairs never repeat; synapses (1.5 per pair) do
    assert not np.any((src == tgt)[kinds == 0])  # no autapses where they are off
    types = (tmp_path / "c" / "edge_types.csv").read_text().splitlines()
    assert types[0] == "edge_type_id source_query target_query rule strength connections sign syn_weight delay"
    assert types[2] == "1 region=='a' \"region=='b b'\" pairs 50 100000 1 1.0 1.0"  # the stated defaults


def test_the_stream_does_not_depend_on_the_chunk_size(tmp_path):
    for name, chunk in (("big", 1 << 20), ("small", 7), ("other", 4096)):
        realise_sonata(topology(), 600, tmp_path / name, seed=3, chunk=chunk)
    edges = {n: h5py.File(tmp_path / n / "edges.h5")["edges/net_to_net"] for n in ("big", "small", "other")}
    for key in ("source_node_id", "target_node_id", "edge_type_id"):
        assert np.array_equal(edges["big"][key][:], edges["small"][key][:])
        assert np.array_equal(edges["big"][key][:], edges["other"][key][:])
    realise_sonata(topology(), 600, tmp_path / "seed4", seed=4)
    again = h5py.File(tmp_path / "seed4" / "edges.h5")["edges/net_to_net/source_node_id"][:]
    assert not np.array_equal(again, edges["big"]["source_node_id"][:])


def _chi_square(observed: dict[int, int], pmf, total: int, least: float = 5.0) -> float:
    """p-value of observed counts per value against total · pmf(value), pooling sparse tails."""
    values = sorted(set(observed) | set(range(min(observed), max(observed) + 1)))
    expected = [total * pmf(v) for v in values]
    lo = sum(total * pmf(v) for v in range(0, values[0]))
    expected[0] += lo
    expected[-1] += total - sum(expected)
    bins_o, bins_e, o, e = [], [], 0, 0.0
    for v, ev in zip(values, expected):
        o, e = o + observed.get(v, 0), e + ev
        if e >= least:
            bins_o.append(o), bins_e.append(e)
            o, e = 0, 0.0
    bins_o[-1] += o
    bins_e[-1] += e
    return sps.chisquare(bins_o, bins_e).pvalue


def test_in_degrees_follow_the_distribution_each_rule_implies(tmp_path):
    doc = {"name": "deg", "regions": [{"name": "s", "share": 1}, {"name": "t", "share": 4}],
           "projections": [{"source": "s", "target": "t", "strength": 30},
                           {"source": "t", "target": "s", "strength": 2, "rule": "synapses"}]}
    result = realise_sonata(parse_document(doc), 50_000, tmp_path / "c", seed=2024)  # s 10,000, t 40,000
    _, _, src, tgt = read_back(tmp_path / "c")
    m_st, m_ts = (p["edges"] for p in result["projections"])
    assert (m_st, m_ts) == (10_000 * 40_000 * 3 // 100, 40_000 * 10_000 * 2 // 1000)
    # pairs: a target's in-degree is hypergeometric (m draws of P pairs, its 10,000 among them)
    degree = np.bincount(tgt[:m_st].astype(np.int64) - 10_000, minlength=40_000)
    hyper = sps.hypergeom(10_000 * 40_000, 10_000, m_st)
    p_pairs = _chi_square(collections.Counter(degree.tolist()), hyper.pmf, 40_000)
    # synapses: a target's in-degree is binomial (m independent synapses, 1 / 10,000 each)
    degree = np.bincount(tgt[m_st:].astype(np.int64), minlength=10_000)
    p_synapses = _chi_square(collections.Counter(degree.tolist()), sps.binom(m_ts, 1 / 10_000).pmf, 10_000)
    # and sources are uniform
    p_sources = sps.chisquare(np.bincount(src[:m_st].astype(np.int64), minlength=10_000)).pvalue
    assert min(p_pairs, p_synapses, p_sources) > 1e-3, (p_pairs, p_synapses, p_sources)
    assert np.mean(np.bincount(tgt[:m_st].astype(np.int64) - 10_000)) == m_st / 40_000 == 300


def test_method_d_draws_every_subset_equally_often():
    # 2 of 40 is Vitter's Method D (N > 13 n), 3 of 9 Method A: each of the C(N, n) subsets equally likely
    for n, big_n, draws in ((2, 40, 78_000), (3, 9, 16_800)):
        seen = collections.Counter(tuple(next(uniform_subset(n, big_n, np.random.SeedSequence(9, spawn_key=(i,)), 8)))
                                   for i in range(draws))
        assert len(seen) == math.comb(big_n, n)
        p = sps.chisquare([seen[c] for c in itertools.combinations(range(big_n), n)]).pvalue
        assert p > 1e-3, (n, big_n, p)


@pytest.mark.parametrize("m, pairs", [(0, 5), (1, 1), (7, 7), (999, 1000), (1000, 10**15), (40_000, 2**62)])
def test_subsets_are_exact_sorted_and_in_range(m, pairs):
    drawn = np.concatenate([np.empty(0, np.int64), *uniform_subset(m, pairs, np.random.SeedSequence(1), 333)])
    assert len(drawn) == m and np.all(np.diff(drawn) > 0) and (m == 0 or 0 <= drawn[0] and drawn[-1] < pairs)


def test_synapses_across_many_blocks_keep_binomial_in_degrees():
    parts = list(uniform_multiset(400_000, 5_000, 3, np.random.SeedSequence(8), 4096, block=997))  # ~400 blocks
    degree = np.bincount(np.concatenate([t for t, _ in parts]), minlength=5_000)
    assert degree.sum() == 400_000
    p = _chi_square(collections.Counter(degree.tolist()), sps.binom(400_000, 1 / 5_000).pmf, 5_000)
    assert p > 1e-3, p


def test_multisets_are_exact_and_grouped_by_target():
    parts = list(uniform_multiset(3_000_000, 7, 5, np.random.SeedSequence(1), 1 << 16))
    targets = np.concatenate([t for t, _ in parts])
    assert len(targets) == 3_000_000 and np.all(np.diff(targets) >= 0)
    assert np.bincount(np.concatenate([s for _, s in parts])).size == 5


def test_cli_realise_and_its_refusals(run, tmp_path):
    assert run("topology", "import", PD14).exit_code == 0
    out = run("realise", "--topology", "potjans_diesmann_2014", "--neurons", "1000", "--seed", "5", "-o",
              tmp_path / "pd", "--json").json()
    assert out["edges"] == sum(p["edges"] for p in out["projections"]) and out["scaling"] == "indegree"
    _, regions, src, _ = read_back(tmp_path / "pd")
    assert len(src) == out["edges"] and collections.Counter(regions)["L2/3E"] == 268
    stats = run("topology", "stats", "potjans_diesmann_2014", "--neurons", "1000", "--json").json()
    assert [p["edges"] for p in out["projections"]] == [p["connections"] for p in stats["projections"]]
    again = run("realise", "--topology", "potjans_diesmann_2014", "--neurons", "1000", "--seed", "5", "-o", tmp_path / "pd")
    assert_one_line_error(again, "already exists; choose a new folder")
    many = run("realise", "--topology", "potjans_diesmann_2014", "--neurons", "1e6", "--max-edges", "1e8", "-o",
               tmp_path / "many")
    assert_one_line_error(many, "the network has 3,873,069,", "more than --max-edges 100,000,000")
    assert not (tmp_path / "many").exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_circuit_that_does_not_fit_is_refused_before_writing(run, tmp_path):
    assert run("topology", "import", PD14).exit_code == 0
    with tmpfs(tmp_path / "small", "4m") as folder:
        done = run("realise", "--topology", "potjans_diesmann_2014", "--neurons", "1000", "-o", folder / "pd")
        edges = run("topology", "stats", "potjans_diesmann_2014", "--neurons", "1000", "--json").json()[
            "total_connections"]
        need = 1000 * (8 + 8 + 4) + edges * (8 + 8 + 4 + 8) + (16 << 20)  # ids, types, group indices, slack
        assert_one_line_error(done, f"{folder}: the circuit needs {need / 1e6:,.1f} MB (1,000 nodes, {edges:,} edges) "
                                    "and the disk has 4.2 MB free")
        assert list(folder.iterdir()) == []


def test_a_disk_that_fills_while_writing_leaves_nothing(tmp_path):
    with tmpfs(tmp_path / "small", "1m") as folder:
        with pytest.raises(InputError, match=r"small/c: cannot write: the disk is full \(No space left on device\); "
                                             r"nothing was written$"):
            with staged_folder(folder / "c") as tmp:
                (tmp / "edges.h5").write_bytes(b"\0" * (2 << 20))
        assert list(folder.iterdir()) == []


def test_a_synapses_self_projection_without_autapses_has_none(tmp_path):
    """Rule synapses (repeats allowed) on a region to itself, autapses off: exact count, no source == target, and
    every other pair possible (targets' sources are spread over all N - 1 others)."""
    net = parse_document({"name": "self", "regions": [{"name": "a", "share": 1}],
                          "projections": [{"source": "a", "target": "a", "strength": 2000, "rule": "synapses",
                                           "autapses": False}]})
    result = realise_sonata(net, 300, tmp_path / "c", seed=5)
    _, _, src, tgt = read_back(tmp_path / "c")
    assert result["edges"] == len(src) == 300 * 299 * 2
    assert not np.any(src == tgt)
    assert (src.min(), src.max(), tgt.min(), tgt.max()) == (0, 299, 0, 299)
    assert len(np.unique(src.astype(np.int64) * 300 + tgt)) < len(src)  # synapses repeat pairs


def test_edge_types_carry_each_projections_sign_signed_weight_and_delay(run, tmp_path):
    """sign, syn_weight (signed, pA) and delay (ms) by the scripts' rule, defaults warned of; libsonata reads it."""
    net = {"name": "signed", "regions": [{"name": "E", "share": 4}, {"name": "I", "share": 1}],
           "projections": [{"source": "E", "target": "E", "strength": 100, "weight": 20.0, "delay": 1.5},
                           {"source": "E", "target": "I", "strength": 300, "tract_length": 6.0},
                           {"source": "I", "target": "E", "strength": 200, "sign": -1},
                           {"source": "I", "target": "I", "strength": 100, "sign": -1, "weight": 50.0,
                            "delay_ms": 0.75}]}
    (tmp_path / "signed.json").write_text(json.dumps(net))
    assert run("topology", "import", tmp_path / "signed.json").exit_code == 0
    done = run("realise", "--topology", "signed", "--neurons", "100", "--seed", "1", "--speed", "2", "-o",
               tmp_path / "c")
    assert done.exit_code == 0
    assert [line for line in done.stderr.splitlines() if line.startswith("warning:")] == [
        "warning: 2 projections without weight (e.g. 'E' -> 'I'): 1.0 pA, negative where sign is -1",
        "warning: projection 'I' -> 'E' without delay, delay_ms or tract_length: 1.0 ms"]
    with open(tmp_path / "c" / "edge_types.csv", encoding="utf-8") as fh:
        table = list(csv.DictReader(fh, delimiter=" "))
    assert [(t["sign"], t["syn_weight"], t["delay"]) for t in table] == [
        ("1", "20.0", "1.5"), ("1", "1.0", "3.0"), ("-1", "-1.0", "1.0"), ("-1", "-50.0", "0.75")]
    _, regions, src, _ = read_back(tmp_path / "c")
    assert len(regions) == 100 and len(src) == sum(int(t["connections"]) for t in table)
    refused = run("realise", "--topology", "signed", "--neurons", "100", "--speed", "-1", "-o", tmp_path / "d")
    assert_one_line_error(refused, "--speed: must be a finite number > 0 (mm/ms), got -1.0")
    assert not (tmp_path / "d").exists()
