"""The store's library API, each test on a real SQLite file and on a real PostgreSQL server."""

import itertools
import re

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from connectome.errors import InputError, ReferenceNotFound
from connectome.validation import text_problem
from connectome.formats.canonical import dumps, read_json
from connectome.graph import content_hash, same_topology, to_document
from connectome.store import Store
from conftest import NAME_CHARS, raw_sql, table_counts, topologies


@pytest.fixture
def store(store_url):
    with Store(store_url) as s:
        yield s


def _graph(name="t", strength=0.5, **region_attrs):
    g = nx.DiGraph(name=name)
    g.add_node("a", share=1.0, **region_attrs)
    g.add_node("b", share=3.0)
    g.add_edge("a", "b", strength=strength, tract_length=12.5, sign=-1)
    return g


def test_new_database_is_created_by_migration(store_url):
    with Store(store_url):
        pass
    assert raw_sql(store_url, "SELECT version_num FROM alembic_version") == [("0009",)]
    if "://" not in store_url:
        assert raw_sql(store_url, "PRAGMA journal_mode") == [("wal",)]


def test_connections_have_foreign_keys_and_busy_timeout(db):
    with Store(str(db)) as store, store.db.connect() as conn:
        assert conn.scalar("PRAGMA foreign_keys") == 1
        assert conn.scalar("PRAGMA busy_timeout") == 30000


def test_versions_and_identical_content(store):
    first = store.save(_graph(), message="one")
    again = store.save(_graph(name="t"))
    changed = store.save(_graph(strength=0.6))
    assert (first.version, first.created) == (1, True)
    assert (again.version, again.created, again.content_hash) == (1, False, first.content_hash)
    assert (changed.ref, changed.created) == ("t@v2", True)
    assert [v["ref"] for v in store.versions()] == ["t@v1", "t@v2"]
    assert store.versions()[0]["message"] == "one"


def test_labels_are_not_content(store):
    g = _graph()
    relabelled = _graph()
    relabelled.graph["description"] = "now described"
    assert content_hash(g) == content_hash(relabelled)
    store.save(g)
    assert store.save(relabelled).created is False


def test_versions_are_immutable_snapshots(store):
    store.save(_graph(strength=0.5))
    store.save(_graph(strength=0.9))
    assert store.load("t@v1").edges["a", "b"]["strength"] == 0.5
    assert store.load("t@v2").edges["a", "b"]["strength"] == 0.9


def test_references(store):
    store.save(_graph("alpha"))
    store.save(_graph("alpha", strength=0.7))
    store.save(_graph("beta"))
    assert store.resolve("alpha").ref == "alpha@v2"
    assert store.resolve("alpha@latest").ref == "alpha@v2"
    assert store.resolve("alpha@v1").ref == "alpha@v1"
    assert store.resolve("v2").ref == "alpha@v2"
    with pytest.raises(ReferenceNotFound, match=r"v1: ambiguous, 2 topologies have it: alpha@v1, beta@v1"):
        store.resolve("v1")
    with pytest.raises(ReferenceNotFound, match="no topology has a version 9"):
        store.resolve("v9")
    with pytest.raises(ReferenceNotFound, match="no topology named 'gamma'"):
        store.resolve("gamma")
    with pytest.raises(ReferenceNotFound, match="has no version v7"):
        store.resolve("alpha@v7")


def test_names_with_at_signs(store):
    store.save(_graph("me@lab"))
    assert store.resolve("me@lab").ref == "me@lab@v1"
    assert store.resolve("me@lab@v1").ref == "me@lab@v1"


def test_extra_attributes_survive(store):
    g = _graph(threshold=0.4, hemisphere="left", centre=[1.0, -2.5, 3.0], meta={"atlas": "DK", "ok": True})
    store.save(g)
    back = store.load("t")
    assert back.nodes["a"] == g.nodes["a"]
    assert back.edges["a", "b"] == {"strength": 0.5, "tract_length": 12.5, "sign": -1}
    assert same_topology(g, back)


def test_invalid_graph_is_refused_before_writing(store, store_url):
    before = table_counts(store_url)
    g = _graph(strength=5000.0)
    with pytest.raises(InputError, match="strength: must be ≤ 1000"):
        store.save(g)
    assert table_counts(store_url) == before


def test_attribute_names_must_be_strings(store):
    g = _graph()
    g.nodes["a"][5] = "five"
    with pytest.raises(InputError, match="attribute names must be strings, got 5"):
        store.save(g)
    g = _graph()
    g.edges["a", "b"][("x",)] = 1
    with pytest.raises(InputError, match="attribute names must be strings"):
        store.save(g)


def test_failed_import_leaves_nothing(store, store_url):
    """A failure in the middle of an import (here a trigger) rolls back every row already inserted."""
    store.save(_graph("kept"))
    before = table_counts(store_url)
    if "://" in store_url:
        raw_sql(store_url, "CREATE FUNCTION no_sign() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF NEW.attrs ->> 'sign' = '-1' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$",
                "CREATE TRIGGER no_sign BEFORE INSERT ON projections FOR EACH ROW EXECUTE FUNCTION no_sign()")
    else:
        raw_sql(store_url, "CREATE TRIGGER no_sign BEFORE INSERT ON projections "
                "WHEN json_extract(NEW.attrs, '$.sign') = -1 BEGIN SELECT RAISE(ABORT, 'refused'); END")
    with pytest.raises(Exception, match="refused"):
        store.save(_graph("new"))
    assert table_counts(store_url) == before
    assert [v["ref"] for v in store.versions()] == ["kept@v1"]


_examples = itertools.count()
_names = st.text(NAME_CHARS, min_size=1, max_size=12).filter(lambda s: s.strip())
_values = st.one_of(st.floats(allow_nan=False, allow_infinity=False, width=64),
                    st.integers(-2**53, 2**53), st.text(max_size=8), st.booleans())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(graph=topologies(_names, _values, ["threshold", "x", "label", "ok"], ["tract_length", "sign"], name=_names,
                        description=st.one_of(st.none(), st.text(max_size=20).filter(lambda s: text_problem(s) is None))))
def test_round_trip_graph_json_store_graph(graph, store, tmp_path_factory):
    path = tmp_path_factory.mktemp("rt") / "t.json"
    path.write_text(dumps(graph), encoding="utf-8")
    from_json = read_json(path)
    unique = f"{graph.graph['name']}#{next(_examples)}"  # one store serves every example: labels must not collide
    saved = store.save(from_json, name=unique)
    back = store.load(saved.ref)
    assert to_document(back) == {**to_document(graph), "name": unique}
    assert list(back.nodes) == list(graph.nodes)
    assert content_hash(back) == content_hash(graph) == saved.content_hash


@given(st.dictionaries(st.text(max_size=5), st.one_of(_values, st.none(), st.lists(st.integers(), max_size=2)), max_size=4))
def test_attribute_text_is_canonical_json(extras):
    from connectome.graph import _encode_sorted, attrs_text

    attrs = {"strength": 1.0, **{k: v for k, v in extras.items() if k != "strength"}}
    expected = None if len(attrs) == 1 else _encode_sorted({k: v for k, v in attrs.items() if k != "strength"})
    assert attrs_text(attrs, "strength") == expected


@pytest.mark.parametrize("where", ["description", "message"])
@pytest.mark.parametrize("text, position", [("a\x00b", "U+0000 (at position 2)"), ("\x1b]0;x\x07", "U+001B (at position 1)"),
                                            ("x\x9b", "U+009B (at position 2)")])
def test_control_characters_in_free_text_are_refused_on_every_back_end(store, store_url, where, text, position):
    """PostgreSQL text cannot hold NUL, and a terminal obeys escapes: refused in one line on both back-ends."""
    graph = _graph("ctl")
    if where == "description":
        graph.graph["description"] = text
    before = table_counts(store_url)
    with pytest.raises(InputError, match=re.escape(f"{where}: must not contain the control character {position}")):
        store.save(graph, message=text if where == "message" else None)
    assert table_counts(store_url) == before
    graph.graph["description"] = "two\tlines,\nas written"
    assert store.save(graph, message="line one\r\nline two").created
