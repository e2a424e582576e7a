"""Edge lists without a header row or a weight column, as cect ships edgelist_MA.csv and edgelist_NP.csv:
``source,target,monoamine,receptor``, one row per link, a pair repeated with other molecules."""

import doctest
import importlib

import pytest


from connectome.formats import read
from connectome.formats.csvfiles import read_csv
from conftest import assert_one_line_error, input_error, with_warnings

# edgelist_MA.csv's shape: no header, no weight; RIML -> ALML three times (two amines), RIMR -> ALML twice alike
MA = ("RIML,ALML,tyramine,lgc-55\n"
      "RIML,ALMR,tyramine,lgc-55\n"
      "RIMR,ALML,tyramine,lgc-55\n"
      "RIML,ALML,tyramine,ser-2\n"
      "ADFL,RIML,serotonin,ser-4\n"
      "RIML,ALML,octopamine,octr-1\n"
      "RIMR,ALML,tyramine,lgc-55\n")
NO_WEIGHT = ("no weight column: each row counts 1 as its strength (duplicates=sum makes a pair's strength its "
             "number of rows)")


def _projections(graph):
    return [(s, t, dict(a)) for s, t, a in graph.edges(data=True)]


@pytest.fixture
def ma(tmp_path):
    path = tmp_path / "edgelist_MA.csv"
    path.write_text(MA)
    return path


def test_rows_of_a_pair_sum_to_their_count_and_keep_the_columns_they_agree_on(ma):
    graph, warned = with_warnings(lambda: read(ma, no_header=True, duplicates="sum"))
    assert graph.graph["name"] == "edgelist_MA"
    assert list(graph.nodes(data=True)) == [(r, {"share": 1.0}) for r in ("RIML", "ALML", "ALMR", "RIMR", "ADFL")]
    assert _projections(graph) == [
        ("RIML", "ALML", {"strength": 3.0}),
        ("RIML", "ALMR", {"strength": 1.0, "3": "tyramine", "4": "lgc-55"}),
        ("RIMR", "ALML", {"strength": 2.0, "3": "tyramine", "4": "lgc-55"}),
        ("ADFL", "RIML", {"strength": 1.0, "3": "serotonin", "4": "ser-4"})]
    assert warned == [f"{ma}: {NO_WEIGHT}",
                      f"{ma}: 5 rows became 2 projections by duplicates=sum (the sum of their weights); dropped "
                      "'3', '4', which the merged rows do not agree on"]


def test_where_names_columns_by_position(ma):
    graph, warned = with_warnings(lambda: read_csv(ma, no_header=True, duplicates="sum", where="3=tyramine"))
    assert list(graph) == ["RIML", "ALML", "ALMR", "RIMR"]
    assert _projections(graph) == [
        ("RIML", "ALML", {"strength": 2.0, "3": "tyramine"}),
        ("RIML", "ALMR", {"strength": 1.0, "3": "tyramine", "4": "lgc-55"}),
        ("RIMR", "ALML", {"strength": 2.0, "3": "tyramine", "4": "lgc-55"})]
    assert warned[1] == (f"{ma}: 4 rows became 2 projections by duplicates=sum (the sum of their weights); "
                         "dropped '4', which the merged rows do not agree on")
    assert _projections(read_csv(ma, no_header=True, where=["3=serotonin", "4=ser-4"])) == [
        ("ADFL", "RIML", {"strength": 1.0, "3": "serotonin", "4": "ser-4"})]
    assert "where: no column '5' (columns: source, target, 3, 4)" in input_error(
        lambda: read_csv(ma, no_header=True, where="5=x"))


def test_max_and_first_give_one_per_pair_and_error_refuses_the_repeat(ma):
    for rule in ("max", "first"):
        graph = read_csv(ma, no_header=True, duplicates=rule)
        assert _projections(graph)[0] == ("RIML", "ALML", {"strength": 1.0, "3": "tyramine", "4": "lgc-55"})
        assert [a["strength"] for _, _, a in _projections(graph)] == [1.0] * 4
    assert input_error(lambda: read_csv(ma, no_header=True)) == (
        f"{ma}: line 4: duplicate projection 'RIML' -> 'ALML' (first on line 1)")


def test_column_three_is_the_weight_only_when_every_cell_is_a_number(tmp_path):
    numeric = tmp_path / "w.csv"
    numeric.write_text("a,b,2,x\nb,c,0.5,y\n")
    graph, warned = with_warnings(lambda: read_csv(numeric, no_header=True))
    assert _projections(graph) == [("a", "b", {"strength": 2.0, "4": "x"}), ("b", "c", {"strength": 0.5, "4": "y"})]
    assert warned == []
    mixed = tmp_path / "m.csv"
    mixed.write_text("a,b,2\nb,c,x\n")
    graph, warned = with_warnings(lambda: read_csv(mixed, no_header=True))
    assert _projections(graph) == [("a", "b", {"strength": 1.0, "3": 2}), ("b", "c", {"strength": 1.0, "3": "x"})]
    assert warned == [f"{mixed}: {NO_WEIGHT}"]
    named = read_csv(numeric, no_header=True, source_column="2", target_column="1", weight_column="3")
    assert _projections(named) == [("b", "a", {"strength": 2.0, "4": "x"}), ("c", "b", {"strength": 0.5, "4": "y"})]
    taken = read_csv(numeric, no_header=True, source_column="3", target_column="1")  # 3 is the source: no weight
    assert _projections(taken) == [("2", "a", {"strength": 1.0, "2": "b", "4": "x"}),
                                   ("0.5", "b", {"strength": 1.0, "2": "c", "4": "y"})]


def test_a_header_looking_first_line_is_data(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("source,target,strength\na,b,2\n")
    graph, warned = with_warnings(lambda: read_csv(path, no_header=True))
    assert list(graph) == ["source", "target", "a", "b"]
    assert _projections(graph) == [("source", "target", {"strength": 1.0, "3": "strength"}),
                                   ("a", "b", {"strength": 1.0, "3": 2})]
    assert warned == [f"{path}: {NO_WEIGHT}"]
    blank_first = tmp_path / "b.csv"
    blank_first.write_text("\n\na,b,2\nb,a,x,y\n")  # blank lines are skipped; line numbers stay physical
    assert input_error(lambda: read_csv(blank_first, no_header=True)) == (
        f"{blank_first}: line 4: expected 3 fields, got 4")


def test_a_header_without_a_weight_column_counts_rows(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("Source,Target,Type\na,b,chemical\na,b,electrical\nb,a,chemical\n")
    graph, warned = with_warnings(lambda: read_csv(path, duplicates="sum"))
    assert _projections(graph) == [("a", "b", {"strength": 2.0}), ("b", "a", {"strength": 1.0, "Type": "chemical"})]
    assert warned[0] == f"{path}: {NO_WEIGHT}"
    weighted = tmp_path / "w.csv"
    weighted.write_text("source,target,weight\na,b,3\n")
    graph, warned = with_warnings(lambda: read_csv(weighted))
    assert _projections(graph) == [("a", "b", {"strength": 3.0})] and warned == []


@pytest.mark.parametrize("text, options, message", [
    (MA, {"source_column": "5"},
     "line 1: no column '5' (named by source_column): the rows have 4 columns, named 1 to 4 by position"),
    (MA, {"weight_column": "6"},
     "line 1: no column '6' (named by weight_column): the rows have 4 columns, named 1 to 4 by position"),
    (MA, {"source_column": "source"},
     "line 1: no column 'source' (named by source_column): the rows have 4 columns, named 1 to 4 by position"),
    ("a\nb\n", {}, "line 1: no column '2': the rows have 1 column, named 1 by position"),
    (MA, {"weight_column": "3"}, "line 1: strength: must be a number, got 'tyramine'"),
    (MA, {"source_column": "2"}, "line 1: column '2' cannot be both source and target"),
    ("a,b,x\n\nc,d\n", {}, "line 3: expected 3 fields, got 2"),
    ("\n\n", {}, "the file is empty"),
])
def test_refusals(tmp_path, text, options, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    assert input_error(lambda: read_csv(path, no_header=True, **options)) == f"{path}: {message}"


def test_a_column_named_for_two_roles_is_refused_with_a_header_too(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("a,b,w\nx,y,1\n")
    assert input_error(lambda: read_csv(path, source_column="a", target_column="A", weight_column="w")) == (
        f"{path}: line 1: column 'a' cannot be both source and target")


def test_the_cli_imports_it_end_to_end(run, ma):
    done = run("topology", "import", ma, "--no-header", "--duplicates", "sum")
    assert done.exit_code == 0, done.stderr
    assert done.stdout.startswith("imported edgelist_MA@v1: 5 regions, 4 projections, content ")
    assert done.stderr.splitlines() == [
        f"warning: {ma}: no weight column: each row counts 1 as its strength (--duplicates sum makes a pair's "
        "strength its number of rows)",
        f"warning: {ma}: 5 rows became 2 projections by --duplicates sum (the sum of their weights); dropped "
        "'3', '4', which the merged rows do not agree on"]
    doc = run("topology", "show", "edgelist_MA", "--json").json()
    assert [(p["source"], p["target"], p["strength"], p.get("3")) for p in doc["projections"]] == [
        ("RIML", "ALML", 3.0, None), ("RIML", "ALMR", 1.0, "tyramine"), ("RIMR", "ALML", 2.0, "tyramine"),
        ("ADFL", "RIML", 1.0, "serotonin")]
    where = run("topology", "import", ma, "--no-header", "--duplicates", "sum", "--where", "3=tyramine",
                "--name", "tyramine")
    assert where.exit_code == 0 and "imported tyramine@v1: 4 regions, 3 projections" in where.stdout
    assert_one_line_error(run("topology", "import", ma, "--no-header", "--source", "5", "--name", "x"),
                          "line 1: no column '5' (named by --source): the rows have 4 columns")
    assert_one_line_error(run("topology", "import", ma, "--name", "y"), "line 1: no 'source' column")
    assert_one_line_error(run("topology", "import", ma, "--no-header", "--name", "z"),
                          "line 4: duplicate projection 'RIML' -> 'ALML' (first on line 1)")


def test_docstring_examples():
    outcome = doctest.testmod(importlib.import_module("connectome.formats.csvcolumns"))
    assert outcome.failed == 0 and outcome.attempted > 0
