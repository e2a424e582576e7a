"""GraphML: typed round trips, and files that are broken, ambiguous or hostile refused quickly."""

import time
import tracemalloc

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from connectome.errors import InputError
from connectome.formats.graphml import read_graphml, write_graphml
from connectome.graph import content_hash

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
KEYS = ('<key id="s" for="node" attr.name="share" attr.type="double"/>\n'
        '<key id="w" for="edge" attr.name="strength" attr.type="double"/>\n')


def _doc(body, edgedefault="directed", keys=KEYS):
    return f'{HEAD}{keys}<graph edgedefault="{edgedefault}">\n{body}</graph>\n</graphml>\n'


NODES = '<node id="a"><data key="s">1.0</data></node><node id="b"><data key="s">3</data></node>\n'


def _file(tmp_path, text, name="g.graphml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_typed_attributes(tmp_path):
    keys = KEYS + ('<key id="t" for="node" attr.name="threshold" attr.type="double"/>'
                   '<key id="c" for="node" attr.name="cortical" attr.type="boolean"/>'
                   '<key id="n" for="graph" attr.name="neurons" attr.type="long"/>')
    body = ('<data key="n">5000</data><node id="a"><data key="s">1.0</data><data key="t">0.25</data>'
            '<data key="c">true</data></node><node id="b"><data key="s">3</data></node>'
            '<edge source="a" target="b"><data key="w">0.3</data></edge>')
    g = read_graphml(_file(tmp_path, _doc(body, keys=keys), "typed.graphml"))
    assert g.graph == {"name": "typed", "neurons": 5000}
    assert g.nodes["a"] == {"share": 1.0, "threshold": 0.25, "cortical": True}
    assert g.edges["a", "b"] == {"strength": 0.3}


@pytest.mark.parametrize("text, fragment", [
    ("", "the file is empty"),
    ("<graphml><graph", "not well-formed XML"),
    ("not xml at all", "not well-formed XML"),
    (_doc(NODES + '<edge source="a" target="b"/>'), "strength: is missing"),
    (_doc('<node id="a"/>'), "share: is missing"),
    (_doc(NODES + '<edge source="a" target="b"><data key="w">-1</data></edge>'), "strength: must be > 0"),
    (_doc(NODES + '<edge source="a" target="b"><data key="w">NaN</data></edge>'), "strength: must be finite"),
    (_doc(NODES + '<edge source="a" target="b"><data key="w">2000</data></edge>'), "must be ≤ 1000"),
    (_doc(NODES, keys=KEYS.replace('"share" attr.type="double"', '"share" attr.type="string"')), "share: must be a number"),
    (_doc(NODES + '<edge source="a" target="b"><data key="w">1</data></edge>' * 2), "parallel edge 'a' -> 'b'"),
    (_doc(NODES + '<edge source="a" target="b"><data key="w">1</data></edge>', edgedefault="undirected"), "undirected graph"),
    (_doc(NODES + '<edge source="a" target="b" directed="false"><data key="w">1</data></edge>'), "undirected edge"),
    (HEAD + "</graphml>", "exactly one <graph>"),
])
def test_broken_files_are_refused(tmp_path, text, fragment):
    path = _file(tmp_path, text)
    with pytest.raises(InputError) as info:
        read_graphml(path)
    assert str(path) in str(info.value) and fragment in str(info.value)


def _bounded(call):
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(InputError) as info:
            call()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert time.perf_counter() - start < 2 and peak < 20 * 2**20
    return str(info.value)


def test_billion_laughs_is_refused_without_expansion(tmp_path):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    text = f'<?xml version="1.0"?>\n<!DOCTYPE lolz [{entities}]>\n<graphml><graph><node id="&lol9;"/></graph></graphml>'
    message = _bounded(lambda: read_graphml(_file(tmp_path, text)))
    assert "line 2" in message and "DOCTYPE" in message


def test_external_entities_are_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    text = (f'<?xml version="1.0"?>\n<!DOCTYPE g [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
            f'<graphml><graph><node id="&xxe;"/></graph></graphml>')
    assert "DOCTYPE" in _bounded(lambda: read_graphml(_file(tmp_path, text)))


def test_entity_declared_without_doctype_keyword_case(tmp_path):
    text = '<?xml version="1.0"?>\n<!doctype g>\n<graphml/>'
    assert "DOCTYPE" in _bounded(lambda: read_graphml(_file(tmp_path, text)))


def test_export_refuses_what_xml_cannot_carry(tmp_path):
    g = nx.DiGraph(name="ctrl")
    g.add_node("bad\x01name", share=1.0)
    target = tmp_path / "out.graphml"
    with pytest.raises(InputError, match=r"region 'bad\\x01name'"):
        write_graphml(g, target)
    assert not target.exists()
    g = nx.DiGraph(name="lists")
    g.add_node("a", share=1.0, centre=[1, 2, 3])
    with pytest.raises(InputError, match=r"region 'a'.centre: GraphML cannot carry list"):
        write_graphml(g, target)
    assert list(tmp_path.iterdir()) == []


_xml_text = st.text(st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="\ufffe\uffff"), min_size=1, max_size=10)
_values = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-2**63, 2**63 - 1), _xml_text, st.booleans())


@st.composite
def graphs(draw):
    names = draw(st.lists(_xml_text.filter(str.strip), min_size=1, max_size=6, unique=True))
    g = nx.DiGraph(name=draw(_xml_text.filter(str.strip)))
    if draw(st.booleans()):
        g.graph["neurons"] = draw(st.integers(1, 10**12))
    for n in names:
        g.add_node(n, share=draw(st.floats(min_value=5e-324, max_value=1e300)),
                   **draw(st.dictionaries(st.sampled_from(["x", "label", "cortical"]), _values, max_size=2)))
    for s, t in draw(st.lists(st.tuples(st.sampled_from(names), st.sampled_from(names)), max_size=8, unique=True)):
        g.add_edge(s, t, strength=draw(st.floats(min_value=5e-324, max_value=1000)),
                   **draw(st.dictionaries(st.just("tract_length"), _values, max_size=1)))
    return g


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(graph=graphs())
def test_round_trip_keeps_the_content_hash(graph, tmp_path_factory):
    path = tmp_path_factory.mktemp("gml") / "rt.graphml"
    write_graphml(graph, path)
    back = read_graphml(path)
    assert content_hash(back) == content_hash(graph)
    assert back.graph["name"] == graph.graph["name"]
