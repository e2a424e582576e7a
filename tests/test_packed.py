"""A version's projections packed as arrays beside its rows: written with the version, the same bits as its
rows, read by the engine instead of them, guarded by the seal, ignored and reported when damaged."""

from __future__ import annotations

from decimal import Decimal

import networkx as nx
import numpy as np
import pytest

from conftest import raw_sql
from connectome import Store
from connectome.columns import ColumnsBuilder
from connectome.store import columnar, packed
from connectome.store.columnar import save_columns
from test_columns import awkward_graph


def _same(a, b) -> None:
    """Two Columns hold the same projections, bit for bit (NaN where a projection lacks an attribute)."""
    assert a.sources.dtype == b.sources.dtype == np.int64 and a.sources.tolist() == b.sources.tolist()
    assert a.targets.tolist() == b.targets.tolist()
    assert a.strengths.dtype == np.float64 and a.strengths.view(np.int64).tolist() == b.strengths.view(np.int64).tolist()
    assert sorted(a.extras) == sorted(b.extras)
    for key in a.extras:
        assert a.extras[key].view(np.int64).tolist() == b.extras[key].view(np.int64).tolist(), key
    assert (a.name, a.regions, a.description, a.neurons, a.scaling) == (b.name, b.regions, b.description, b.neurons,
                                                                        b.scaling)


def _fields(url: str, version_id: int = 1) -> list[tuple]:
    return raw_sql(url, f"SELECT field, dtype, length(data) FROM projection_arrays WHERE version_id = {version_id} "
                        "ORDER BY field")


def _read_both(store: Store, ref: str):
    found = store.resolve(ref)
    with store.db.connect() as conn:
        return columnar.read(conn, found), columnar.read(conn, found, packed=False)


def test_a_saved_version_is_packed_with_the_bits_of_its_rows(store_url):
    graph = awkward_graph(12, seed=4, signs=False)  # -0.0, 5e-324, 17 digits; lengths on 90 % of projections
    graph.graph.update(description="packed", neurons=12345)
    with Store(store_url) as store:
        ref = store.save(graph).ref
        fast, rows = _read_both(store, ref)
    n = graph.number_of_edges()
    assert _fields(store_url) == [("attrs.tract_length", "<f8", 8 * n), ("source", "<i4", 4 * n),
                                  ("strength", "<f8", 8 * n), ("target", "<i4", 4 * n)]
    _same(fast, rows)
    assert np.isnan(fast.extras["tract_length"]).sum() == sum(1 for *_, a in graph.edges(data=True)
                                                              if "tract_length" not in a) > 0


def test_a_streamed_import_packs_the_columns_it_was_given(tmp_path):
    g = nx.DiGraph(name="pair")
    g.add_node("b", share=2.0)
    g.add_node("a", share=1.0)
    builder = ColumnsBuilder(3)
    builder.add([0, 1, 1], [1, 0, 1], [0.5, 0.25, 3.0], ['{"tract_length":3.5}', None, '{"tract_length":1e-300}'])
    with Store(str(tmp_path / "s.db")) as store:
        ref = save_columns(store, g, builder.build(None, [])).ref
        fast, rows = _read_both(store, ref)
    _same(fast, rows)
    assert fast.sources.tolist() == [0, 1, 1] and fast.regions[0][0] == "b"  # the regions' stored order
    assert fast.extras["tract_length"][2] == 1e-300


@pytest.mark.parametrize("attrs", [{"strength": Decimal("0.1000000000000000000001")},
                                   {"strength": 0.5, "tract_length": 12}, {"strength": 0.5, "label": "x"}])
def test_a_version_with_a_number_that_is_not_a_float_is_read_from_its_rows(store_url, attrs):
    g = nx.DiGraph(name="exact")
    g.add_node("a", share=1.0)
    g.add_edge("a", "a", **attrs)
    with Store(store_url) as store:
        ref = store.save(g).ref
        fast, rows = _read_both(store, ref)
        assert store.verify(ref)[0]["ok"]
    assert _fields(store_url) == []
    assert fast.strengths == rows.strengths and fast.extras == rows.extras


def test_sealed_arrays_cannot_change(store_url):
    with Store(store_url) as store:
        store.save(awkward_graph(3, signs=False))
    for statement in ("UPDATE projection_arrays SET data = data WHERE field = 'source'",
                      "DELETE FROM projection_arrays WHERE field = 'strength'",
                      "INSERT INTO projection_arrays SELECT version_id, 'attrs.x', dtype, data, sha256 "
                      "FROM projection_arrays WHERE field = 'strength'"):
        with pytest.raises(Exception, match="sealed and cannot change"):
            raw_sql(store_url, statement)
    if "://" in store_url:
        with pytest.raises(Exception, match="cannot be truncated"):
            raw_sql(store_url, "TRUNCATE projection_arrays")
    assert len(_fields(store_url)) == 4


def _unguarded(db) -> None:
    """Drop the guards of the packed arrays, as a superuser could (SQLite)."""
    raw_sql(db, *[f"DROP TRIGGER projection_arrays_sealed_{op}" for op in ("insert", "update", "delete")])


def test_the_engine_reads_the_arrays_and_verify_reports_rows_that_differ(run, db):
    with Store(str(db)) as store:
        ref = store.save(awkward_graph(4, seed=2, signs=False)).ref
    raw_sql(db, "DROP TRIGGER projections_sealed_update", "UPDATE projections SET strength = 9.0")
    with Store(str(db)) as store:
        fast, rows = _read_both(store, ref)
        assert 9.0 not in fast.strengths.tolist() and set(rows.strengths.tolist()) == {9.0}
        problems = store.verify(ref)[0]["problems"]
    assert problems == ["content hash differs", "its packed arrays differ from its rows"]
    outcome = run("topology", "verify")
    assert outcome.exit_code != 0 and "its packed arrays differ from its rows" in outcome.stdout + outcome.stderr


@pytest.mark.parametrize("damage, problem", [
    ("UPDATE projection_arrays SET data = zeroblob(length(data)) WHERE field = 'target'", "damaged"),
    ("UPDATE projection_arrays SET data = substr(data, 1, 4) WHERE field = 'target'", "damaged"),
    ("UPDATE projection_arrays SET dtype = '<f8' WHERE field = 'target'", "damaged"),
    ("DELETE FROM projection_arrays WHERE field = 'attrs.tract_length'", "differ from its rows"),
    ("DELETE FROM projection_arrays", "missing")])
def test_damaged_arrays_are_ignored_for_the_rows_and_reported(db, damage, problem):
    with Store(str(db)) as store:
        ref = store.save(awkward_graph(4, seed=3, signs=False)).ref
    _unguarded(db)
    raw_sql(db, damage)
    with Store(str(db)) as store:
        fast, rows = _read_both(store, ref)
        problems = store.verify(ref)[0]["problems"]
    if problem == "differ from its rows":  # whole but one attribute short: read as it is, and reported
        assert "tract_length" not in fast.extras
    else:
        _same(fast, rows)
    assert len(problems) == 1 and problem in problems[0]


def test_positions_outside_the_regions_are_refused():
    builder = ColumnsBuilder(2)
    builder.add([0, 1], [1, 0], [1.0, 2.0], [None, None])
    arrays = packed.fields(builder.build(None, [("a", {}), ("b", {})]))

    class Rows:
        def __init__(self, rows):
            self.listed = rows

        def rows(self, sql, params):
            return [(k, v.dtype.str, v.nbytes, __import__("hashlib").sha256(v.tobytes()).hexdigest())
                    for k, v in arrays.items()]

        def scalar(self, sql, params):
            return arrays[params["f"]].tobytes()

    assert packed.read(Rows(arrays), 1, 2, 2) is not None
    assert packed.read(Rows(arrays), 1, 2, 1) is None  # region 1 of a version with one region
    assert packed.read(Rows(arrays), 1, 3, 2) is None  # a count the lengths do not hold
