"""The CSV reader and writer: encodings, quoting, strict numbers with line numbers, pairs of files, round trips."""

import io

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from connectome.errors import InputError
from connectome.formats.csvfiles import read_csv, write_csv
from connectome.graph import content_hash


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_edges_only_gives_equal_shares_in_order_of_appearance(tmp_path):
    g = read_csv(_write(tmp_path / "net.csv", "source,target,strength\nb,a,0.5\na,c,2\n"))
    assert g.graph["name"] == "net"
    assert list(g.nodes(data=True)) == [("b", {"share": 1.0}), ("a", {"share": 1.0}), ("c", {"share": 1.0})]
    assert g.edges["a", "c"] == {"strength": 2.0}


def test_bom_crlf_quotes_and_extra_columns(tmp_path):
    edges = _write(tmp_path / "e.csv", '\ufeffsource,target,strength,tract_length,kind\r\n'
                                       '"V1, left","it\'s ""quoted""",0.25,12,feed\r\n"V1, left",x,1e-3,,\r\n')
    regions = _write(tmp_path / "r.csv", 'name,share,hemisphere\r\n"V1, left",2,left\r\n'
                                         '"it\'s ""quoted""",1.5,right\r\nx,0.5,\r\n')
    g = read_csv(edges, regions=regions, name="quoted")
    assert g.nodes["V1, left"] == {"share": 2.0, "hemisphere": "left"}
    assert g.nodes["x"] == {"share": 0.5}
    assert g.edges["V1, left", 'it\'s "quoted"'] == {"strength": 0.25, "tract_length": 12, "kind": "feed"}
    assert g.edges["V1, left", "x"] == {"strength": 0.001}


def test_file_objects(tmp_path):
    g = read_csv(io.BytesIO(b"source,target,strength\na,b,1\n"), name="stream")
    assert g.graph["name"] == "stream" and g.number_of_edges() == 1
    with pytest.raises(InputError, match="give a name"):
        read_csv(io.StringIO("source,target,strength\na,b,1\n"))


@pytest.mark.parametrize("text, fragment", [
    ("", "the file is empty"),
    ("source,target\na,b\n", "line 1: missing column 'strength'"),
    ("source,target,strength,source\na,b,1,c\n", "duplicate or empty column"),
    ("source,target,strength\na,b,abc\n", "line 2: strength: must be a number, got 'abc'"),
    ("source,target,strength\na,b,1\na,c,nan\n", "line 3: strength: must be a number, got 'nan'"),
    ("source,target,strength\na,b,inf\n", "line 2: strength: must be a number"),
    ("source,target,strength\na,b,1_000\n", "must be a number"),
    ("source,target,strength\na,b,\n", "line 2: strength: must be a number, got ''"),
    ("source,target,strength\na,b,0\n", "line 2: strength: must be > 0"),
    ("source,target,strength\na,b,-1\n", "line 2: strength: must be > 0"),
    ("source,target,strength\na,b,1001\n", "line 2: strength: must be ≤ 1000"),
    ("source,target,strength\na,b,1\na,b,2\n", "line 3: duplicate projection 'a' -> 'b'"),
    ("source,target,strength\na,b,1,9\n", "line 2: 4 fields, the header has 3"),
    ("source,target,strength\n,b,1\n", "line 2: source: must be a non-empty region name"),
    ('source,target,strength\n"a,b,1\n', "bad CSV"),
])
def test_bad_edge_files(tmp_path, text, fragment):
    path = _write(tmp_path / "bad.csv", text)
    with pytest.raises(InputError) as info:
        read_csv(path)
    assert str(path) in str(info.value) and fragment in str(info.value)


def test_bad_regions_files(tmp_path):
    edges = _write(tmp_path / "e.csv", "source,target,strength\na,b,1\na,z,1\n")
    good = _write(tmp_path / "r.csv", "name,share\na,1\nb,1\n")
    with pytest.raises(InputError, match=r"e.csv: line 3: target: unknown region 'z'"):
        read_csv(edges, regions=good)
    for text, fragment in [("name\na\n", "missing column 'share'"), ("name,share\na,1\na,2\n", "line 3: duplicate region 'a'"),
                           ("name,share\na,zero\n", "line 2: share: must be a number"), ("name,share\n", "no regions listed"),
                           ("name,share\na,-2\n", "line 2: share: must be > 0")]:
        with pytest.raises(InputError, match=fragment):
            read_csv(edges, regions=_write(tmp_path / "bad_regions.csv", text))
    with pytest.raises(InputError, match="no such file"):
        read_csv(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="not UTF-8"):
        read_csv(_write(tmp_path / "latin.csv", "source,target,strength\nä,b,1\n", "latin-1"))


def test_writer_pairs_files_and_reader_finds_the_pair(tmp_path):
    g = nx.DiGraph(name="pair", description="a label CSV does not keep")
    g.add_node("a", share=0.25, x=1.5, label="left")
    g.add_node("b", share=0.75)
    g.add_edge("a", "b", strength=0.3, tract_length=12.5, sign=-1)
    edges, regions = write_csv(g, tmp_path / "pair.csv")
    assert regions == tmp_path / "pair.regions.csv"
    assert edges.read_text().splitlines() == ["source,target,strength,sign,tract_length", "a,b,0.3,-1,12.5"]
    back = read_csv(edges)
    assert content_hash(back) == content_hash(g)
    assert back.nodes["a"] == {"share": 0.25, "x": 1.5, "label": "left"}


@pytest.mark.parametrize("attrs, fragment", [
    ({"flag": True}, "cannot carry bool"), ({"tags": ["a"]}, "cannot carry list"), ({"note": None}, "cannot carry NoneType"),
    ({"code": "42"}, "cannot carry the text '42'"), ({"code": ""}, "cannot carry the text ''"),
])
def test_writer_refuses_what_would_read_back_differently(tmp_path, attrs, fragment):
    g = nx.DiGraph(name="lossy")
    g.add_node("a", share=1.0, **attrs)
    with pytest.raises(InputError, match=fragment):
        write_csv(g, tmp_path / "lossy.csv")
    assert list(tmp_path.iterdir()) == []


def test_writer_refuses_reference_neurons(tmp_path):
    g = nx.DiGraph(name="scaled", neurons=1000)
    g.add_node("a", share=1.0)
    with pytest.raises(InputError, match="reference neurons"):
        write_csv(g, tmp_path / "scaled.csv")


_names = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00\r"), min_size=1, max_size=10).filter(str.strip)
_numbers = st.floats(min_value=5e-324, max_value=1000).filter(lambda x: x > 0)
_texts = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00\r"), min_size=1, max_size=8).filter(
    lambda s: not __import__("re").fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", s))


@st.composite
def csv_graphs(draw):
    names = draw(st.lists(_names, min_size=1, max_size=6, unique=True))
    g = nx.DiGraph(name="rt")
    for n in names:
        g.add_node(n, share=draw(st.floats(min_value=5e-324, max_value=1e300)),
                   **draw(st.dictionaries(st.sampled_from(["x", "label"]), st.one_of(_texts, st.integers(-10**20, 10**20), _numbers), max_size=2)))
    for s, t in draw(st.lists(st.tuples(st.sampled_from(names), st.sampled_from(names)), max_size=8, unique=True)):
        g.add_edge(s, t, strength=draw(_numbers), **draw(st.dictionaries(st.just("tract_length"), _numbers, max_size=1)))
    return g


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(graph=csv_graphs())
def test_round_trip_keeps_the_content_hash(graph, tmp_path_factory):
    folder = tmp_path_factory.mktemp("csv")
    edges, _ = write_csv(graph, folder / "rt.csv")
    assert content_hash(read_csv(edges)) == content_hash(graph)
