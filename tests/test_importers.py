"""Importing the files people have: tab/space separated edge lists with any header case, column mapping,
undirected GraphML with loosely typed keys, strength scaling for every format, dry runs, CSV booleans."""

import json

import pytest

from conftest import EXAMPLE, assert_one_line_error

CELEGANS = "Source\tTarget\tWeight\nADAL\tADAR\t2\nADAL\tAIBR\t7\nAIBR\tADAL\t37\nADAR\tADAR\t1\n"  # cect's layout

LAUSANNE = """<?xml version="1.0" encoding="utf-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key attr.name="dn_name" attr.type="string" for="node" id="d0"/>
  <key attr.name="number_of_fibers" attr.type="int" for="edge" id="d1"/>
  <key attr.name="fiber_length_mean" attr.type="int" for="edge" id="d2"/>
  <graph edgedefault="undirected">
    <node id="1"><data key="d0">lh.lateralorbitofrontal</data></node>
    <node id="2"><data key="d0">lh.parsorbitalis</data></node>
    <node id="3"><data key="d0">rh.insula</data></node>
    <edge source="1" target="2"><data key="d1">120</data><data key="d2">31.25</data></edge>
    <edge source="2" target="3"><data key="d1">8</data><data key="d2">62.5</data></edge>
  </graph>
</graphml>
"""


def test_a_celegans_edge_list_imports_as_it_is(run, tmp_path):
    path = tmp_path / "celegans.tsv"
    path.write_text(CELEGANS)
    assert run("topology", "import", path, "--format", "csv").exit_code == 0
    doc = run("topology", "show", "celegans", "--json").json()
    assert [r["name"] for r in doc["regions"]] == ["ADAL", "ADAR", "AIBR"]
    assert [(p["source"], p["target"], p["strength"]) for p in doc["projections"]] == [
        ("ADAL", "ADAR", 2.0), ("ADAL", "AIBR", 7.0), ("ADAR", "ADAR", 1.0), ("AIBR", "ADAL", 37.0)]
    scaled = run("topology", "import", path, "--format", "csv", "--name", "scaled", "--normalise", "max",
                 "--strength-scale", "1000", "--json").json()
    strengths = [p["strength"] for p in run("topology", "show", "scaled", "--json").json()["projections"]]
    assert scaled["created"] and strengths == [2000 / 37, 7000 / 37, 1000 / 37, 1000.0]


def test_columns_are_mapped_and_whitespace_separated_files_read(run, tmp_path):
    path = tmp_path / "edges.txt"
    path.write_text("pre   post  syn   kind\nA  B  3  chemical\nB  A  0.5  gap\n")
    assert_one_line_error(run("topology", "import", path, "--format", "csv"), "line 1: no 'source' column")
    done = run("topology", "import", path, "--format", "csv", "--source", "PRE", "--target", "post",
               "--weight", "Syn")
    assert done.exit_code == 0, done.stderr
    doc = run("topology", "show", "edges", "--json").json()
    assert doc["projections"] == [{"source": "A", "target": "B", "strength": 3.0, "kind": "chemical"},
                                  {"source": "B", "target": "A", "strength": 0.5, "kind": "gap"}]
    assert_one_line_error(run("topology", "import", path, "--format", "csv", "--source", "pre", "--target", "post",
                              "--weight", "w"),
                          "line 1: no 'w' column (named by --weight)")
    assert_one_line_error(run("topology", "import", EXAMPLE, "--weight", "w"), "--weight: applies only to csv")


def test_csv_carries_booleans_as_true_and_false(run, tmp_path):
    doc = {"name": "b", "regions": [{"name": "a", "share": 1, "cortical": True}, {"name": "c", "share": 1,
                                                                                   "cortical": False}],
           "projections": [{"source": "a", "target": "a", "strength": 5, "autapses": False}]}
    (tmp_path / "b.json").write_text(json.dumps(doc))
    original = run("topology", "import", tmp_path / "b.json", "--json").json()["content_hash"]
    out = tmp_path / "b.csv"
    done = run("topology", "export", "b", "-o", out)
    assert done.exit_code == 0 and "warning" not in done.stderr
    assert out.read_text() == "source,target,strength,autapses\na,a,5.0,false\n"
    assert (tmp_path / "b.regions.csv").read_text() == "name,share,cortical\na,1.0,true\nc,1.0,false\n"
    assert run("topology", "import", out, "--name", "b", "--json").json()["content_hash"] == original


def test_a_lausanne_graphml_imports_with_its_options(run, tmp_path):
    path = tmp_path / "lausanne.graphml"
    path.write_text(LAUSANNE)
    assert_one_line_error(run("topology", "import", path), "the graph is undirected")
    done = run("topology", "import", path, "--undirected", "--weight-attr", "number_of_fibers", "--normalise", "max",
               "--strength-scale", "100")
    assert done.exit_code == 0, done.stderr
    doc = run("topology", "show", "lausanne", "--json").json()
    assert [r["share"] for r in doc["regions"]] == [1.0, 1.0, 1.0]  # no share in the file: equal shares
    assert {(p["source"], p["target"]): (p["strength"], p["fiber_length_mean"]) for p in doc["projections"]} == {
        ("1", "2"): (100.0, 31.25), ("2", "1"): (100.0, 31.25), ("2", "3"): (100 * 8 / 120, 62.5),
        ("3", "2"): (100 * 8 / 120, 62.5)}  # the int-typed key holding decimals is read as the values say
    assert_one_line_error(run("topology", "import", path, "--undirected", "--weight-attr", "fibres", "--name", "x"),
                          "projection '1' -> '2': has no 'fibres' attribute (--weight-attr)")
    twice = LAUSANNE.replace('<edge source="2" target="3">', '<edge source="2" target="1"><data key="d1">1</data>'
                                                            '</edge><edge source="2" target="3">')
    (tmp_path / "twice.graphml").write_text(twice)
    assert_one_line_error(run("topology", "import", tmp_path / "twice.graphml", "--undirected", "--weight-attr",
                              "number_of_fibers"), "parallel edges")


def test_weights_above_the_rule_are_refused_until_scaled(run, tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("source,target,strength\na,b,5000\nb,a,250\n")
    assert_one_line_error(run("topology", "import", path), "line 2: strength: must be ≤ 1000, got 5000.0")
    assert_one_line_error(run("topology", "import", path, "--strength-scale", "0.5"),
                          "projection 'a' -> 'b'.strength: must be ≤ 1000, got 2500.0")
    assert run("topology", "import", path, "--strength-scale", "0.1").exit_code == 0
    assert [p["strength"] for p in run("topology", "show", "big", "--json").json()["projections"]] == [500.0, 25.0]
    assert_one_line_error(run("topology", "import", path, "--strength-scale", "1e-400"), "--strength-scale")


def test_a_dry_run_validates_and_writes_nothing(run, db, tmp_path):
    done = run("topology", "import", EXAMPLE, "--dry-run")
    assert done.stdout == ("would import multi_region@v1: 5 regions, 8 projections, content 6619082b757e "
                           "(dry run: nothing written)\n")
    assert not db.exists()
    run("topology", "import", EXAMPLE)
    again = run("topology", "import", EXAMPLE, "--dry-run", "--json").json()
    assert (again["ref"], again["created"], again["dry_run"]) == ("multi_region@v1", False, True)
    changed = run("topology", "import", EXAMPLE, "--dry-run", "--strength-scale", "2", "--json").json()
    assert (changed["ref"], changed["created"]) == ("multi_region@v2", True)
    assert [v["ref"] for v in run("topology", "list", "--json").json()] == ["multi_region@v1"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "regions": []}')
    assert_one_line_error(run("topology", "import", bad, "--dry-run"), "regions: must list at least one region")


def test_tvb_areas_that_are_unknown_are_said_on_import(run, tmp_path):
    import zipfile

    path = tmp_path / "conn.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("weights.txt", "0 1 0\n1 0 0\n0 1 0\n")
        z.writestr("centres.txt", "A 0 0 0\nB 1 0 0\nC 2 0 0\n")
        z.writestr("areas.txt", "10\n0\n30\n")
    done = run("topology", "import", path)
    assert done.exit_code == 0
    assert done.stderr == (f"warning: {path}: areas.txt: 1 of 3 areas are 0 (unknown): those regions get the mean "
                           "of the 2 known areas, 20.0, as their share (their `area` attribute stays 0)\n")
    assert [r["share"] for r in run("topology", "show", "conn", "--json").json()["regions"]] == [10.0, 20.0, 30.0]
