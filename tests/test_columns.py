"""Topologies as columns: the store's arrays, the plan built from them and the counts are bit-identical to the
list forms on awkward decimals (halves at rounding boundaries, 17-digit strengths, mixed signs, huge N)."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from fractions import Fraction

import networkx as nx
import numpy as np
import pytest

from connectome import Store
from connectome.cli.common import table
from connectome.columns import columns_of
from connectome.counted import count_columns
from connectome.counting import count_topology
from connectome.errors import InputError
from connectome.exact import decimal_arrays, exact, scaled_chunk, scaled_columns, scaled_list
from connectome.graph import rows_of
from connectome.jsontext import dumps
from connectome.sim.plan import build_plan

SPEED, DT, STEPS = Fraction(3), Fraction(1, 10), 1000
AWKWARD = [0.6693395498556148, 1 / 3, 0.1, 0.30000000000000004, 5e-324, 2.5e-7, 999.9999999999999, 1000.0,
           123.456, 0.15, 1e-300, 7.000000000000001]
# lengths at exact halves of a step (3 mm/ms or 7/3 mm/ms, dt 0.1 ms), where a float ratio rounds the wrong way
HALVES = [0.15, 0.45, 1.05, 149.85, 0.0, 3e-5, 0.1500000000000001, 0.1499999999999999, 12.5, 300.0, 0.35,
          1.5166666666666666, 2.9166666666666665]


def awkward_graph(regions: int = 9, seed: int = 1, *, lengths: bool = True, signs: bool = True,
                  strengths=AWKWARD, extra=None) -> nx.DiGraph:
    rng = random.Random(seed)
    g = nx.DiGraph(name="awkward")
    for i in range(regions):
        g.add_node(f"r{i}", share=rng.choice([1.0, 0.5, 2.25, 1e-3, 7.0, 1 / 3]))
    for s in range(regions):
        for t in range(regions):
            if rng.random() < 0.8:
                attrs = {"strength": rng.choice(strengths)}
                if signs and rng.random() < 0.4:
                    attrs["sign"] = -1
                if lengths and rng.random() < 0.9:
                    attrs["tract_length"] = rng.choice(HALVES + [rng.uniform(0, 300)])
                if extra:
                    attrs.update(extra(s, t, rng))
                g.add_edge(f"r{s}", f"r{t}", **attrs)
    return g


def bits(values) -> list[int]:
    return np.asarray(values, dtype=np.float64).view(np.int64).tolist()


def assert_same_plan(columnar, reference) -> None:
    assert isinstance(columnar.weights, np.ndarray) and isinstance(reference.weights, list)
    assert bits(columnar.weights) == bits(reference.weights)  # bit for bit: -0.0, signs and last places too
    assert columnar.delays.tolist() == reference.delays and columnar.delays.dtype == np.int64
    assert columnar.src.tolist() == reference.src and columnar.tgt.tolist() == reference.tgt
    assert (columnar.sizes, columnar.max_delay, columnar.total_connections, columnar.delayed, columnar.regions,
            columnar.mode) == (reference.sizes, reference.max_delay, reference.total_connections, reference.delayed,
                               reference.regions, reference.mode)


def plans(graph: nx.DiGraph, neurons, mode, speed=SPEED, reference=None):
    rows = rows_of(graph)
    kwargs = {"speed": speed, "dt": DT, "steps": STEPS, "reference": reference}
    return build_plan(columns_of(rows), neurons, mode, **kwargs), build_plan(rows, neurons, mode, **kwargs)


@pytest.mark.parametrize("neurons", [None, 1, 7, 10**4, 10**9 + 7, 10**18])
@pytest.mark.parametrize("mode", ["raw", "mean-input"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_plan_from_columns_is_the_plan_from_rows_bit_for_bit(neurons, mode, seed):
    if neurons is None and mode == "mean-input":
        return
    for speed in (SPEED, Fraction(7, 3), None):
        assert_same_plan(*plans(awkward_graph(seed=seed), neurons, mode, speed))


def test_the_plan_equals_the_rational_definition_at_rounding_boundaries():
    g = awkward_graph(6, seed=5)
    columnar, _ = plans(g, 10**9 + 7, "mean-input")
    sizes = columnar.sizes
    index = {n: i for i, n in enumerate(g)}
    k_in = [Fraction(0)] * len(sizes)
    for s, t, w in g.edges(data="strength"):
        k_in[index[t]] += sizes[index[s]] * exact(w)
    for i, (s, t, a) in enumerate(g.edges(data=True)):
        k = sizes[index[s]] * exact(a["strength"])
        assert columnar.weights[i] == float(a.get("sign", 1) * k / k_in[index[t]])
        length = a.get("tract_length")
        assert columnar.delays[i] == (0 if length is None else
                                      min((exact(length) / (SPEED * DT) + Fraction(1, 2)).__floor__(), STEPS + 1))


def test_many_projections_take_the_vectorised_paths_and_stay_exact():
    """60k projections: short decimals (int64 weights and counts) and 17-digit ones (exact integers), both ways."""
    rng = random.Random(7)
    for strengths in ([round(rng.uniform(0.01, 5), 4) for _ in range(50)],
                      [rng.uniform(0.01, 5) for _ in range(5000)]):
        g = nx.DiGraph(name="many")
        g.add_nodes_from((f"r{i}", {"share": rng.choice([1.0, 0.3, 2.5])}) for i in range(250))
        for s in range(250):
            for t in range(250):
                if (s * 7 + t) % 250 < 240:
                    g.add_edge(f"r{s}", f"r{t}", strength=rng.choice(strengths), sign=rng.choice([1, -1]),
                               tract_length=rng.choice([rng.uniform(0, 150), 0.15, 1.05, 0.45]))
        assert g.number_of_edges() == 60_000
        for neurons, mode in ((10**7, "mean-input"), (10**18, "mean-input"), (10**7, "raw"), (None, "raw")):
            assert_same_plan(*plans(g, neurons, mode))


def synapses(s: int, t: int, rng: random.Random) -> dict:
    """The synapses rule (strengths above 1000), autapses off on some projections to themselves."""
    return {"rule": "synapses", **({"autapses": False} if s == t and s % 2 else {})}


def test_counts_in_int64_are_floor_divisions_not_float_ones():
    """a · b / 10^6 one short of a whole number near 9e12: a float division would round it up."""
    a, b = 3_000_000_001, 3_000_999_999
    g = nx.DiGraph(name="edge")
    g.add_node("a", share=float(a))
    g.add_node("b", share=float(b))
    g.add_edge("a", "b", strength=0.001)
    columnar, reference = plans(g, a + b, "raw")
    assert columnar.total_connections == reference.total_connections == a * b // 10**6 == 9_003_000_000_000


def test_irregular_values_take_the_list_path_with_its_results_and_errors():
    decimals = awkward_graph(5, strengths=[Decimal("0.1000000000000000000001"), Decimal("1e-400"), 0.5])
    ints = awkward_graph(5, extra=lambda s, t, rng: {"tract_length": rng.choice([0, 3, 12])})
    rules = awkward_graph(5, extra=synapses, strengths=[0.5, 1500.0, 999.5])
    for g in (decimals, ints, rules):
        for neurons, mode in ((10**7, "mean-input"), (None, "raw")):
            assert_same_plan(*plans(g, neurons, mode))
    held = awkward_graph(5)
    held.graph["neurons"] = 1000
    assert_same_plan(*plans(held, 10**6, "mean-input", reference=1000))
    bad = awkward_graph(3, extra=lambda s, t, rng: {"sign": 2} if (s, t) == (2, 2) else {})
    for topology in (rows_of(bad), columns_of(rows_of(bad))):
        with pytest.raises(InputError, match=r"^projection 'r2' -> 'r2'.sign: must be 1 \(excitatory\) or -1"):
            build_plan(topology, None, "raw", speed=SPEED, dt=DT, steps=STEPS)


def test_exact_decimals_as_arrays():
    values = np.array(AWKWARD + HALVES[1:])
    m, e = decimal_arrays(values)
    assert [Fraction(int(a)) * Fraction(10) ** int(b) for a, b in zip(m, e)] == [exact(v) for v in values.tolist()]
    scaled, power = scaled_columns(values)
    assert (scaled_chunk(scaled, power, 0, len(values)), power) == scaled_list(values.tolist())
    short = np.array([0.3, 12.5, 0.001, 1000.0])
    scaled, power = scaled_columns(short)
    assert isinstance(scaled, np.ndarray) and (scaled.tolist(), power) == scaled_list(short.tolist())


def save(tmp_path, graph: nx.DiGraph) -> tuple[Store, str]:
    store = Store(str(tmp_path / "store.db"))
    return store, store.save(graph).ref


def big_mixed_graph() -> nx.DiGraph:
    """40k projections over several store chunks: attributes that appear late, ints, strings, Decimals."""
    rng = random.Random(11)
    g = nx.DiGraph(name="mixed")
    g.add_nodes_from((f"n{i}", {"share": 1.0 + i % 3}) for i in range(200))
    for s in range(200):
        for t in range(200):
            attrs = {"strength": rng.choice([0.25, 0.6693395498556148, 17.0])}
            i = s * 200 + t
            if i % 3:
                attrs["tract_length"] = rng.choice([0.15, rng.uniform(1, 100)])
            if i > 30_000 and i % 7 == 0:
                attrs["sign"] = -1
            if i == 39_000:
                attrs["strength"] = Decimal("0.30000000000000000000001")
            if i > 35_000 and i % 11 == 0:
                attrs["label"] = "x" if i % 2 else 5
            g.add_edge(f"n{s}", f"n{t}", **attrs)
    return g


def test_the_stores_columns_hold_what_its_rows_hold(store_url):
    store = Store(store_url)
    store.save(awkward_graph(4), name="before")  # versions before and after: their rows are not read
    ref = store.save(big_mixed_graph()).ref
    store.save(awkward_graph(5), name="mixed")
    rows, columns = store.rows(ref), store.columns(ref)
    assert columns.sources.tolist() == rows.sources and columns.targets.tolist() == rows.targets
    assert isinstance(columns.strengths, list) and columns.strengths == rows.strengths  # a Decimal among them
    keys = ("tract_length", "sign", "label")
    assert isinstance(columns.extras["tract_length"], np.ndarray) and isinstance(columns.extras["label"], list)
    assert columns.columns(*keys) == rows.columns(*keys)
    assert columns.rows().projections() == rows.projections()
    assert (columns.name, columns.regions, columns.neurons, columns.description) == \
        (rows.name, rows.regions, rows.neurons, rows.description)


def test_a_simulation_from_the_store_reads_columns(tmp_path):
    from connectome.sim.prepared import prepare
    from connectome.sim.spec import RunSpec

    g = awkward_graph(12, seed=4)
    store, ref = save(tmp_path, g)
    spec = RunSpec(neurons=10**6, model="rate", duration_ms=2.0, seed=3)
    assert_same_plan(prepare(store.columns(ref), spec).plan, prepare(store.rows(ref), spec).plan)


def assert_same_counts(columns, rows, neurons, scaling=None):
    assert count_columns(columns, neurons, scaling=scaling).as_dict() == count_topology(rows, neurons, scaling=scaling)


def test_counts_from_columns_are_count_topology(tmp_path):
    store, ref = save(tmp_path, big_mixed_graph())
    for neurons in (None, 1, 10**7, 10**18):
        assert_same_counts(store.columns(ref), store.rows(ref), neurons)
    rules = awkward_graph(6, extra=synapses, strengths=[0.5, 1500.0, 999.5, 0.6693395498556148])
    rules.graph["neurons"] = 1000
    for neurons in (None, 10**4, 10**18):
        for scaling in ("probability", "indegree"):
            assert_same_counts(columns_of(rows_of(rules)), rows_of(rules), neurons, scaling)
    over = awkward_graph(3, strengths=[900.0])
    over.graph["neurons"] = 10**6
    for topology, counter in ((rows_of(over), count_topology), (columns_of(rows_of(over)), count_columns)):
        with pytest.raises(InputError, match=r"^projection 'r0' -> 'r\d': indegree scaling asks"):
            counter(topology, 10, scaling="indegree")


def test_stats_print_what_count_topology_gives(run, tmp_path, monkeypatch):
    """`topology stats` streams its table and JSON: the same text as printing count_topology's dict whole."""
    import connectome.counted

    monkeypatch.setattr(connectome.counted, "CHUNK", 7_000)  # several chunks
    path = tmp_path / "mixed.json"
    from connectome.formats.canonical import write_json

    write_json(big_mixed_graph(), path)
    run("topology", "import", path)
    with Store(str(tmp_path / "store.db")) as store:
        rows = store.rows("mixed")
    for neurons in ("1e7", "1e18", None):
        n = None if neurons is None else int(float(neurons))
        stats = {"ref": "mixed@v1", **count_topology(rows, n)}
        args = ("topology", "stats", "mixed", *(("--neurons", neurons) if neurons else ()))
        assert run(*args, "--json").stdout == dumps(stats, indent=2, ensure_ascii=False) + "\n"
        lines = run(*args).stdout.split("\n")
        rule = ["rule"] + (["connections"] if n else [])
        expected = table([(p["source"], p["target"], p["strength"], p.get("rule", "pairs") +
                           (", no autapses" if p.get("autapses") is False else ""),
                           *((p["connections"],) if n else ())) for p in stats["projections"]],
                         ["source", "target", "strength", *rule])
        assert "\n".join(lines[len(rows.regions) + 4:-(3 if n else 1)]) == expected
    empty = nx.DiGraph(name="empty")
    empty.add_node("a", share=1.0)
    write_json(empty, tmp_path / "empty.json")
    run("topology", "import", tmp_path / "empty.json")
    for args in (("--neurons", "10"), ()):
        out = run("topology", "stats", "empty", *args, "--json").stdout
        assert json.loads(out) == {"ref": "empty@v1", **count_topology(rows_of(empty), 10 if args else None)}
        assert out == dumps({"ref": "empty@v1", **count_topology(rows_of(empty), 10 if args else None)},
                            indent=2, ensure_ascii=False) + "\n"


def stored(db) -> tuple:
    """Everything a store holds of its versions and their rows, ids aside."""
    import sqlite3

    with sqlite3.connect(db) as c:
        versions = c.execute("SELECT t.name, v.version, v.content_hash, v.description, v.message, v.source, "
                             "v.reference_neurons, v.scaling, v.sealed, v.region_count, v.projection_count "
                             "FROM topology_versions v JOIN topologies t ON t.id = v.topology_id ORDER BY v.id").fetchall()
        regions = c.execute("SELECT version_id, name, share, share_text, attrs FROM regions ORDER BY id").fetchall()
        projections = c.execute("SELECT p.version_id, s.name, t.name, p.strength, p.strength_text, p.attrs "
                                "FROM projections p JOIN regions s ON s.id = p.source_id "
                                "JOIN regions t ON t.id = p.target_id ORDER BY p.id").fetchall()
    return versions, regions, projections


def documents() -> dict[str, str]:
    """Canonical JSON texts: plain ones (streamed) and irregular ones (read whole), all importable but two."""
    rng = random.Random(5)
    names, q = [f'area {i} ü"q\\' for i in range(40)], json.dumps
    regions = ",".join(json.dumps({"name": n, "share": rng.choice([1.0, 0.25, 3.5])}) for n in names)
    by_count = ",".join(json.dumps({"name": n, "neurons": 1000 + i, "x": i}) for i, n in enumerate(names))

    def projections(extra=lambda s, t: {}, strengths=(0.6693395498556148, 0.1, 999.9999999999999, 5e-324)):
        items = []
        for s in range(40):
            for t in range(40):
                if (s + 2 * t) % 5:
                    items.append(json.dumps({"source": names[s], "target": names[t],
                                             "strength": rng.choice(strengths), **extra(s, t)}))
        return ",\n".join(items)

    mixed = projections(lambda s, t: {k: v for k, v in (("tract_length", rng.choice([None, 0.15, 12.5, -0.0])),
                                                        ("delay_ms", rng.choice([None, 1.25])),
                                                        ("label", rng.choice([None, "x", 3]))) if v is not None})
    floats = projections(lambda s, t: {k: v for k, v in (("tract_length", rng.choice([None, 0.15, 1e-7])),
                                                         ("delay_ms", rng.choice([None, 1.25]))) if v is not None})
    return {
        "plain": f'{{"name": "p", "regions": [{regions}], "projections": [{projections()}]}}',
        "floats": f'{{"name": "f", "regions": [{regions}], "projections": [{floats}]}}',
        "mixed": f'{{"projections": [{mixed}], "description": "d", "regions": [{regions}], "name": "m"}}',
        "counts": f'{{"name": "c", "neurons": {sum(1000 + i for i in range(40))}, "scaling": "indegree", '
                  f'"regions": [{by_count}], "projections": [{projections()}]}}',
        "empty": f'{{"name": "e", "regions": [{regions}], "projections": []}}',
        "decimals": f'{{"name": "d", "regions": [{regions}], "projections": [{projections(strengths=(0.5,))}, '
                    f'{{"source": {q(names[0])}, "target": {q(names[0])}, "strength": 0.30000000000000000000001}}]}}',
        "rules": f'{{"name": "r", "regions": [{regions}], '
                 f'"projections": [{projections(lambda s, t: {"rule": "synapses"} if s == t else {})}]}}',
        "ints": f'{{"name": "i", "regions": [{regions}], "projections": [{projections(strengths=(5, 0.5))}]}}',
        "twice": f'{{"name": "t", "regions": [{regions}], "projections": [], "projections": [{projections()}]}}',
        "repeated": f'{{"name": "x", "regions": [{regions}], "projections": [{projections()}, '
                    f'{{"source": {q(names[1])}, "target": {q(names[0])}, "strength": 0.5}}]}}',
        "unknown": f'{{"name": "u", "regions": [{regions}], "projections": [{projections()}, '
                   f'{{"source": "nowhere", "target": {q(names[0])}, "strength": 0.5}}]}}',
    }


@pytest.mark.parametrize("block", [2**20, 4096])
def test_a_large_json_file_is_imported_in_columns_to_the_same_store(run, tmp_path, monkeypatch, block):
    """Read a block at a time (every file counts as large here), each import stores exactly what reading the
    whole file stores, and refuses what it refuses with the same message."""
    import connectome.formats.canonical_stream as stream
    from connectome.formats.canonical_stream import read_json_columns

    monkeypatch.setattr(stream, "BLOCK", block)
    monkeypatch.setattr(stream, "MARGIN", block // 4)
    monkeypatch.setattr(stream, "CHUNK", 333)  # several chunks of items
    outcomes, databases = {}, {}
    for threshold in (10**12, 0):  # whole files first, then streamed
        monkeypatch.setattr(stream, "STREAM_FROM", threshold)
        db = tmp_path / f"store-{threshold}.db"
        outcomes[threshold] = []
        for label, text in documents().items():
            path = tmp_path / f"{label}.json"
            path.write_text(text, encoding="utf-8")
            streamed = read_json_columns(path)
            assert (streamed is not None) == (threshold == 0 and label in ("plain", "floats", "mixed", "counts", "empty"))
            for args in ((), ("--name", "renamed", "-m", "a note")):
                out = run("topology", "import", path, "--json", *args, env={"CONNECTOME_DB": str(db)})
                outcomes[threshold].append((label, out.exit_code, out.stdout, out.stderr))
        databases[threshold] = stored(db)
    assert outcomes[0] == outcomes[10**12]
    assert [code for _, code, _, _ in outcomes[0]].count(2) == 4  # repeated, unknown (and their renamed imports)
    assert "duplicate projection" in outcomes[0][-4][3]
    assert databases[0] == databases[10**12]
    assert len(databases[0][2]) > 7000 and any('"label":3' in (p[5] or "") for p in databases[0][2])


def test_the_streamed_content_hash_is_the_content_hash():
    from connectome.graph import content_hash, content_rows
    from connectome.store.columnar import ProjectionRows, content_digest

    for g in (big_mixed_graph(), awkward_graph(7, seed=9), awkward_graph(4, seed=3, lengths=False, signs=False)):
        g.graph["scaling"] = "indegree"
        g.graph["neurons"] = 10**6
        regions, projections = content_rows(g)
        rows = ProjectionRows(columns_of(rows_of(g)), list(g.nodes))
        assert list(rows) == projections
        assert content_digest(g, regions, rows) == content_hash(g, (regions, projections))


@pytest.mark.parametrize("module", ["connectome.columns", "connectome.counted", "connectome.exact",
                                    "connectome.store.columnar", "connectome.formats.canonical_stream",
                                    "connectome.sim.plan_columns", "connectome.cli.common", "connectome.store.facade"])
def test_the_examples_run(module):
    import doctest
    import importlib

    outcome = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert outcome.failed == 0 and (outcome.attempted or module.endswith("plan_columns"))


@pytest.mark.parametrize("speed", [Fraction(1e-320), Fraction(1, 10**400), Fraction(10**400)])
def test_delays_at_a_step_a_double_cannot_hold_are_exact_and_quiet(speed, recwarn):
    """A speed · dt below the smallest normal double (or beyond any double): every delay in integers, no warning."""
    graph = awkward_graph(6, seed=5, signs=False)
    tiny = [1e-321, 1.5e-321, 2.5e-321, 5e-324, 0.0, 1e-300, 3e-322]
    for i, (s, t) in enumerate(graph.edges):
        graph.edges[s, t]["tract_length"] = tiny[i % len(tiny)]
    columnar, reference = plans(graph, 10**4, "raw", speed=speed)
    assert_same_plan(columnar, reference)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
