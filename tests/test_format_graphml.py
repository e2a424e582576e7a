"""GraphML: typed round trips, and files that are broken, ambiguous or hostile refused quickly."""

from __future__ import annotations

import io
import time
import tracemalloc
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from connectome.validation import text_problem
from hypothesis import HealthCheck, given, settings, strategies as st

from connectome.formats import graphml
from connectome.formats.graphml import read_graphml, write_graphml
from connectome.graph import content_hash
from conftest import NAME_CHARS, input_error, topologies

NS = "{http://graphml.graphdrawing.org/xmlns}"
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:y="http://www.yworks.com/xml/graphml">\n')
KEYS = ('<key id="s" for="node" attr.name="share" attr.type="double"/>\n'
        '<key id="w" for="edge" attr.name="strength" attr.type="double"/>\n')
NODES = '<node id="a"><data key="s">1.0</data></node>\n<node id="b"><data key="s">3</data></node>\n'
EDGE = '<edge source="a" target="b"><data key="w">0.5</data></edge>\n'


def _doc(body: str, edgedefault: str = 'edgedefault="directed"', keys: str = KEYS) -> str:
    return f"{HEAD}{keys}<graph {edgedefault}>\n{body}</graph>\n</graphml>\n"


def _file(tmp_path, text: str, name: str = "g.graphml", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# ---------------------------------------------------------------- reading


def test_reads_typed_attributes_and_graph_labels(tmp_path):
    keys = KEYS + ('<key id="t" for="node" attr.name="threshold" attr.type="double"/>\n'
                   '<key id="c" for="node" attr.name="cortical" attr.type="boolean"/>\n'
                   '<key id="k" for="all" attr.name="count" attr.type="int"/>\n'
                   '<key id="h" for="node" attr.name="hemisphere"/>\n'
                   '<key id="n" for="graph" attr.name="neurons" attr.type="long"/>\n'
                   '<key id="d" for="graph" attr.name="description" attr.type="string"/>\n'
                   '<key id="x" for="graph" attr.name="creator" attr.type="string"/>\n')
    body = ('<desc>ignored</desc><data key="n">5000</data><data key="d">two areas</data><data key="x">tool</data>'
            '<node id="a"><data key="s">1.0</data><data key="t">0.25</data><data key="c">TRUE</data>'
            '<data key="h">left</data><data key="k">-7</data></node><node id="b"><data key="s">3</data></node>'
            '<edge id="e0" source="a" target="b"><data key="w">0.3</data><data key="k">2</data></edge>')
    g = read_graphml(_file(tmp_path, _doc(body, keys=keys), "typed.graphml"))
    assert g.graph == {"name": "typed", "neurons": 5000, "description": "two areas"}
    assert list(g.nodes(data=True)) == [("a", {"share": 1.0, "threshold": 0.25, "cortical": True,
                                               "hemisphere": "left", "count": -7}), ("b", {"share": 3.0})]
    assert g.edges["a", "b"] == {"strength": 0.3, "count": 2}  # the XML edge id is not an attribute


def test_name_from_data_argument_or_stem(tmp_path):
    keys = KEYS + '<key id="g" for="graph" attr.name="name" attr.type="string"/>'
    named = _file(tmp_path, _doc('<data key="g">from data</data>' + NODES, keys=keys), "file.graphml")
    assert read_graphml(named).graph["name"] == "from data"
    assert read_graphml(named, name="given").graph["name"] == "given"
    assert read_graphml(io.BytesIO(_doc(NODES).encode()), name="stream").graph["name"] == "stream"
    assert "<stream>: name: is missing" in input_error(lambda: read_graphml(io.BytesIO(_doc(NODES).encode())))
    assert "file.graphml: name: must be a non-empty string" in input_error(lambda: read_graphml(named, name=""))


def test_defaults_apply_and_yed_graphics_are_ignored(tmp_path):
    keys = ('<key id="s" for="node" attr.name="share" attr.type="double"><default>2.5</default></key>'
            '<key id="w" for="edge" attr.name="strength" attr.type="double"><default>1</default></key>'
            '<key id="g" for="node" yfiles.type="nodegraphics"/>')
    body = ('<node id="a"><data key="g"><y:ShapeNode><y:Geometry x="1" y="2"/><y:NodeLabel>A</y:NodeLabel>'
            '</y:ShapeNode></data></node><node id="b"><data key="s">0.5</data><y:Extra/></node>'
            '<edge source="a" target="b"/><edge source="b" target="a"><data key="w">7</data></edge>')
    g = read_graphml(_file(tmp_path, _doc(body, keys=keys)))
    assert dict(g.nodes(data=True)) == {"a": {"share": 2.5}, "b": {"share": 0.5}}
    assert dict(((s, t), a) for s, t, a in g.edges(data=True)) == {("a", "b"): {"strength": 1.0},
                                                                   ("b", "a"): {"strength": 7.0}}


def test_reads_other_encodings_and_file_objects(tmp_path):
    text = _doc(NODES.replace('"b"', '"Ünï 脑"') + EDGE.replace('"b"', '"Ünï 脑"')).replace("UTF-8", "UTF-16")
    g = read_graphml(_file(tmp_path, text, encoding="utf-16"))
    assert list(g.edges) == [("a", "Ünï 脑")]
    with open(_file(tmp_path, _doc(NODES), "obj.graphml"), "rb") as fh:
        assert read_graphml(fh).graph["name"] == "obj"


PARALLEL = NODES + EDGE + '<edge source="a" target="b"><data key="w">2</data></edge>'


@pytest.mark.parametrize("text, fragment", [
    ("", ": the file is empty"),
    ("not xml at all", ": line 1 column 0: not well-formed XML (syntax error)"),
    (HEAD + "<graph", ": line 3 column 0: not well-formed XML (unclosed token)"),
    (HEAD + '<graph edgedefault="directed"></graphml>', ": line 3 column 32: not well-formed XML (mismatched tag)"),
    ('<graphml><graph edgedefault="directed"/></graphml>', "<graphml> without the GraphML namespace"),
    ('<gexf xmlns="http://www.gexf.net/1.2draft"/>', "not GraphML: the root element is <{http://www.gexf.net"),
    (HEAD + "</graphml>", ": holds 0 <graph> elements; a topology file holds exactly one"),
    (HEAD + '<graph edgedefault="directed"/><graph edgedefault="directed"/></graphml>', "holds 2 <graph> elements"),
    (_doc(NODES + EDGE, 'edgedefault="undirected"'), ': the graph is undirected (edgedefault="undirected")'),
    (_doc(NODES + EDGE, ""), ': the <graph> needs edgedefault="directed", got None'),
    (_doc(NODES + EDGE.replace("<edge ", '<edge directed="false" ')), "projection 'a' -> 'b': an undirected edge"),
    (_doc(NODES + EDGE.replace("<edge ", '<edge directed="maybe" ')), 'directed must be "true" or "false"'),
    (_doc(PARALLEL), "projection 'a' -> 'b': parallel edges (edges 1 and 2 join the same pair)"),
    (_doc(NODES + '<node id="a"/>'), ": region 'a': declared twice"),
    (_doc('<node/>'), ": a <node> without an id"),
    (_doc(NODES + '<edge source="a" target="z"/>'), "projection 'a' -> 'z': target 'z' is not a declared node"),
    (_doc(NODES + '<edge target="b"/>'), "edge 1: source is missing"),
    (_doc('<node id="a"><graph edgedefault="directed"/></node>'), "region 'a': nested graphs are not supported"),
    (_doc('<node id="a"><port name="p"/></node>'), "region 'a': <port> elements are not supported"),
    (_doc(NODES + '<hyperedge><endpoint node="a"/></hyperedge>'), ": <hyperedge> elements are not supported"),
    (_doc('<node id="a"><data key="q">1</data></node>'), "region 'a': <data> for the undeclared key 'q'"),
    (_doc('<node id="a"><data key="w">1</data></node>'), "region 'a'.strength: key 'w' is declared for='edge'"),
    (_doc('<node id="a"><data key="s">1</data><data key="s">2</data></node>'), "region 'a'.share: given twice"),
    (_doc('<node id="a"><data key="s"><b>1</b></data></node>'), "region 'a'.share: holds XML elements"),
    (_doc(NODES, keys=KEYS + '<key id="l" for="node" attr.name="l" attr.type="list"/>'), "attr.type 'list' is not"),
    (_doc(NODES, keys=KEYS + '<key for="node" attr.name="l"/>'), ": a <key> without an id"),
    (_doc(NODES, keys=KEYS + '<key id="s" for="node" attr.name="x"/>'), ": key 's': declared twice"),
    (_doc(NODES, keys=KEYS + '<key id="z" for="node"/>'), ": key 'z': attr.name is missing"),
    (_doc(NODES, keys=KEYS.replace('attr.type="double"/>', 'attr.type="double"><default>x</default></key>', 1)),
     "key 's' ('share') default: must be a number (double), got 'x'"),
    (_doc('<node id="a"><data key="s">1</data></node><node id="b"/>'), ": region 'b'.share: is missing"),
    (_doc(NODES + '<edge source="a" target="b"/>'), ": projection 'a' -> 'b'.strength: is missing"),
    (_doc('<node id="a"><data key="s">-1</data></node>'), "region 'a'.share: must be > 0, got -1.0"),
    (_doc('<node id="a"><data key="s">abc</data></node>'), "region 'a'.share: must be a number (double), got 'abc'"),
    (_doc('<node id="a"><data key="s"/></node>'), "region 'a'.share: must be a number (double), got ''"),
    (_doc('<node id="a"><data key="s">1_0</data></node>'), "region 'a'.share: must be a number (double), got '1_0'"),
    (_doc('<node id="a"><data key="s"> 1</data></node>'), "must be a number (double), got ' 1'"),
    (_doc(NODES + EDGE.replace("0.5", "NaN")), "projection 'a' -> 'b'.strength: must be a number (double), got 'NaN'"),
    (_doc(NODES + EDGE.replace("0.5", "INF")), "projection 'a' -> 'b'.strength: must be a number (double), got 'INF'"),
    (_doc(NODES + EDGE.replace("0.5", "1e999")), "projection 'a' -> 'b'.strength: must be finite, got inf"),
    (_doc(NODES + EDGE.replace("0.5", "2000")), "projection 'a' -> 'b'.strength: must be ≤ 1000, got 2000.0"),
    (_doc(NODES, keys=KEYS.replace('"share" attr.type="double"', '"share" attr.type="string"')),
     "region 'a'.share: must be a number, got '1.0'"),
    (_doc(NODES + '<edge source="a" target="b"><data key="w">0.5</data><data key="c">yes</data></edge>',
          keys=KEYS + '<key id="c" for="edge" attr.name="c" attr.type="boolean"/>'),
     "projection 'a' -> 'b'.c: must be a boolean (true or false), got 'yes'"),
    (_doc('<data key="n">9223372036854775808</data>' + NODES,
          keys=KEYS + '<key id="n" for="graph" attr.name="neurons" attr.type="long"/>'),
     ": neurons: must be a 64-bit integer (long), got '9223372036854775808'"),
    (_doc('<data key="n">0</data>' + NODES, keys=KEYS + '<key id="n" for="graph" attr.name="neurons" attr.type="long"/>'),
     ": neurons: must be a whole number from 1 to 1e18, got 0"),
])
def test_broken_files_are_refused(tmp_path, text, fragment):
    path = _file(tmp_path, text)
    message = input_error(lambda: read_graphml(path))
    assert message.startswith(f"{path}: ") and fragment in message, message


def test_networkx_undirected_and_multigraph_exports_are_refused(tmp_path):
    undirected = nx.Graph(name="u")
    undirected.add_edge("a", "b", strength=1.0)
    nx.set_node_attributes(undirected, 1.0, "share")
    nx.write_graphml(undirected, tmp_path / "u.graphml")
    assert "the graph is undirected" in input_error(lambda: read_graphml(tmp_path / "u.graphml"))
    multi = nx.MultiDiGraph(name="m")
    multi.add_edge("a", "b", strength=1.0)
    multi.add_edge("a", "b", strength=2.0)
    nx.set_node_attributes(multi, 1.0, "share")
    nx.write_graphml(multi, tmp_path / "m.graphml")
    assert "projection 'a' -> 'b': parallel edges" in input_error(lambda: read_graphml(tmp_path / "m.graphml"))


def test_size_limit(tmp_path, monkeypatch):
    path = _file(tmp_path, _doc(NODES))
    monkeypatch.setattr(graphml, "MAX_BYTES", 100)
    assert "larger than the 100-byte limit" in input_error(lambda: read_graphml(path))


# ---------------------------------------------------------------- hostile XML


def _bounded(call) -> str:
    """The InputError message of `call`, which must come within a second and 20 MiB."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        message = input_error(call)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert time.perf_counter() - start < 1 and peak < 20 * 2**20
    return message


LAUGHS = ('<!ENTITY lol "lol">' + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
                                           for i in range(1, 10)))


def test_billion_laughs_is_refused_without_expansion(tmp_path):
    text = f'<?xml version="1.0"?>\n<!DOCTYPE lolz [{LAUGHS}]>\n{HEAD.splitlines()[1]}<graph><node id="&lol9;"/></graph></graphml>'
    message = _bounded(lambda: read_graphml(_file(tmp_path, text)))
    assert message == f"{tmp_path / 'g.graphml'}: line 2: DOCTYPE and ENTITY declarations are refused (no DTD, no entities)"


@pytest.mark.parametrize("entity", ['SYSTEM "file://{secret}"', 'SYSTEM "http://127.0.0.1:9/x"',
                                    'PUBLIC "-//x//y" "file://{secret}"'])
def test_external_entities_are_refused(tmp_path, entity):
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    text = (f'<?xml version="1.0"?>\n<!DOCTYPE g [<!ENTITY xxe {entity.format(secret=secret)}>]>\n'
            f'<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph><node id="&xxe;"/></graph></graphml>')
    message = _bounded(lambda: read_graphml(_file(tmp_path, text)))
    assert "line 2: DOCTYPE and ENTITY" in message and "password" not in message


def test_declarations_hidden_from_the_byte_scan_are_still_refused(tmp_path):
    # in UTF-16 the bytes never spell "<!DOCTYPE": defusedxml refuses the DTD itself, before any expansion
    text = f'<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE lolz [{LAUGHS}]>\n<graphml><graph/></graphml>'
    message = _bounded(lambda: read_graphml(_file(tmp_path, text, encoding="utf-16")))
    assert "DOCTYPE and ENTITY declarations are refused (DTDForbidden)" in message
    assert "DOCTYPE" in _bounded(lambda: read_graphml(_file(tmp_path, '<?xml version="1.0"?>\n<!doctype g>\n<graphml/>')))


# ---------------------------------------------------------------- writing


def _graph() -> nx.DiGraph:
    g = nx.DiGraph(name="typed", description="two\r\nlines", neurons=10**12)
    g.add_node("V1 <left> & \"right\"", share=2, x=-3, y=1.5, label="a\rb\tc", cortical=True, big=-2**63)
    g.add_node("'); DROP TABLE regions;--", share=5e-324, x="mixed type")
    g.add_edge("V1 <left> & \"right\"", "'); DROP TABLE regions;--", strength=1000, tract_length=1e300, id="e7")
    return g


def test_writer_types_and_round_trip(tmp_path):
    g = _graph()
    path = tmp_path / "out.graphml"
    write_graphml(g, path)
    root = ET.parse(path).getroot()
    types = {(k.get("for"), k.get("attr.name"), k.get("attr.type")) for k in root.iter(f"{NS}key")}
    assert types == {("graph", "name", "string"), ("graph", "description", "string"), ("graph", "neurons", "long"),
                     ("node", "share", "double"), ("node", "x", "long"), ("node", "x", "string"),
                     ("node", "y", "double"), ("node", "label", "string"), ("node", "cortical", "boolean"),
                     ("node", "big", "long"), ("edge", "strength", "double"), ("edge", "tract_length", "double"),
                     ("edge", "id", "string")}
    assert root.find(f"{NS}graph").get("edgedefault") == "directed"
    back = read_graphml(path)
    assert content_hash(back) == content_hash(g)
    assert back.graph == {"name": "typed", "description": "two\r\nlines", "neurons": 10**12}
    assert list(back.nodes(data=True))[0][1] == {"share": 2.0, "x": -3, "y": 1.5, "label": "a\rb\tc",
                                                 "cortical": True, "big": -2**63}
    assert back.edges["V1 <left> & \"right\"", "'); DROP TABLE regions;--"]["id"] == "e7"


def test_writer_takes_binary_and_text_file_objects(tmp_path):
    binary, text = io.BytesIO(), io.StringIO()
    write_graphml(_graph(), binary)
    write_graphml(_graph(), text)
    assert binary.getvalue().decode() == text.getvalue()
    assert content_hash(read_graphml(io.BytesIO(binary.getvalue()), name="x")) == content_hash(_graph())


@pytest.mark.parametrize("change, fragment", [
    (lambda g: g.add_node("bad\x01name", share=1.0), "regions: region names must not contain control or format characters, got U+0001 at position 4"),
    (lambda g: g.add_node("lone\ud800", share=1.0), "regions: region names must not contain control or format characters, got U+D800 at position 5"),
    (lambda g: g.add_node("\ufffe", share=1.0), "the name contains '\\ufffe' (U+FFFE), which XML 1.0"),
    (lambda g: g.nodes["a"].update(note="bell\x07"), "region 'a'.note: the value contains '\\x07'"),
    (lambda g: g.nodes["a"].update({"k\x1f": 1}), "region 'a': attribute name 'k\\x1f' must not contain control"),
    (lambda g: g.nodes["a"].update({"k\ufffe": 1}), "region 'a': the attribute name 'k\\ufffe' contains"),
    (lambda g: g.graph.update(description="x\x0c"), "description: must not contain the control character U+000C (at position 2)"),
    (lambda g: g.nodes["a"].update(centre=[1, 2, 3]), "region 'a'.centre: GraphML cannot carry a list"),
    (lambda g: g.nodes["a"].update(meta={"k": 1}), "region 'a'.meta: GraphML cannot carry an object"),
    (lambda g: g.edges["a", "b"].update(note=None), "projection 'a' -> 'b'.note: GraphML cannot carry a null value"),
    (lambda g: g.edges["a", "b"].update(n=2**63), "projection 'a' -> 'b'.n: GraphML's long holds 64-bit integers"),
    (lambda g: g.nodes["a"].update({5: "x"}), "region 'a': attribute names must be strings, got 5"),
    (lambda g: g.nodes["a"].update(share=float("nan")), "region 'a'.share: must be finite"),
])
def test_export_refuses_what_graphml_cannot_carry_and_writes_nothing(tmp_path, change, fragment):
    g = nx.DiGraph(name="x")
    g.add_node("a", share=1.0)
    g.add_node("b", share=1.0)
    g.add_edge("a", "b", strength=1.0)
    change(g)
    target = tmp_path / "out.graphml"
    message = input_error(lambda: write_graphml(g, target))
    assert message.startswith(f"{target}: ") and fragment in message, message
    assert list(tmp_path.iterdir()) == []


def test_refused_export_leaves_an_existing_file_alone(tmp_path):
    target = tmp_path / "keep.graphml"
    write_graphml(_graph(), target)
    before = target.read_bytes()
    g = _graph()
    g.add_node("bad\x00", share=1.0)
    input_error(lambda: write_graphml(g, target))
    assert target.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["keep.graphml"]


_XML_CHARS = st.characters(blacklist_categories=["Cs"], blacklist_characters="\ufffe\uffff").filter(
    lambda c: c >= " " or c in "\t\n\r")
_text = st.text(_XML_CHARS, max_size=10)
_names = st.one_of(st.sampled_from(["'); DROP TABLE regions;--", "<b>&amp;</b>", 'q"uo\'te', " spaced ", "]]>",
                                    "脑区 🧠"]), st.text(NAME_CHARS, max_size=10)).filter(str.strip)
_values = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-2**63, 2**63 - 1), _text,
                    st.booleans())


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(graph=topologies(_names, _values, ["x", "label", "cortical", "id", "<&>"], ["tract_length", "id", "key"],
                        name=_names, description=st.one_of(st.none(), _text.filter(lambda s: text_problem(s) is None)), neurons=st.one_of(st.none(), st.integers(1, 10**18))))
def test_round_trip_keeps_the_content_hash(graph, tmp_path_factory):
    path = tmp_path_factory.mktemp("gml") / "rt.graphml"
    write_graphml(graph, path)
    back = read_graphml(path)
    assert content_hash(back) == content_hash(graph)
    assert back.graph == graph.graph
    assert list(back.nodes) == list(graph.nodes)
