"""Square matrices in and out: .npy with labels, labelled CSV/TSV, MATLAB .mat; orientation; bad matrices."""

import json

import numpy as np
import pytest
from scipy.io import savemat

from connectome.formats import read
from connectome.formats.matrix import read_matrix_csv, read_npy
from conftest import assert_one_line_error, input_error

M = np.array([[0.0, 2.5, 0.0], [0.0, 0.0, 1.0], [4.0, 0.0, 0.5]])  # row-source: a->b 2.5, b->c 1, c->a 4, c->c 0.5


def edges(graph):
    return sorted((s, t, w) for s, t, w in graph.edges(data="strength"))


def test_npy_with_labels_beside_and_orientation(tmp_path):
    np.save(tmp_path / "sc.npy", M)
    assert edges(read(tmp_path / "sc.npy")) == [("0", "1", 2.5), ("1", "2", 1.0), ("2", "0", 4.0), ("2", "2", 0.5)]
    (tmp_path / "sc.labels.txt").write_text("a\nb\nc\n")
    g = read(tmp_path / "sc.npy")
    assert g.graph["name"] == "sc" and list(g) == ["a", "b", "c"] and all(g.nodes[x]["share"] == 1.0 for x in g)
    assert edges(g) == [("a", "b", 2.5), ("b", "c", 1.0), ("c", "a", 4.0), ("c", "c", 0.5)]
    assert edges(read(tmp_path / "sc.npy", orientation="row-target")) == [
        ("a", "c", 4.0), ("b", "a", 2.5), ("c", "b", 1.0), ("c", "c", 0.5)]
    (tmp_path / "other.txt").write_text("x\ny\nz\n")
    assert list(read(tmp_path / "sc.npy", labels=tmp_path / "other.txt")) == ["x", "y", "z"]


@pytest.mark.parametrize("array, fragment", [
    (np.ones((2, 3)), "a 2×3 array, expected a square matrix of 2 × 2"),
    (np.array([[0, np.inf], [0, 0]]), "row 1 column 2: must be a finite number, got inf"),
    (np.array([[0, np.nan], [0, 0]]), "row 1 column 2: must be a finite number, got nan"),
    (np.array([[0, 1e4], [0, 0]]), "projection '0' -> '1'.strength: must be ≤ 1000"),
    (np.array([["a", "b"], ["c", "d"]]), "holds <U1 values, expected real numbers"),
    (np.array([[None, 1], [1, None]], dtype=object), "not a NumPy array file (or one holding objects)"),
])
def test_bad_npy_matrices(tmp_path, array, fragment):
    path = tmp_path / "bad.npy"
    np.save(path, array, allow_pickle=True)
    message = input_error(lambda: read_npy(path))
    assert message.startswith(f"{path}: ") and fragment in message, message


def test_labels_must_match_the_matrix(tmp_path):
    np.save(tmp_path / "sc.npy", M)
    (tmp_path / "l.txt").write_text("a\nb\n")
    assert "lists 2 labels, expected 3" in input_error(lambda: read_npy(tmp_path / "sc.npy", labels=tmp_path / "l.txt"))
    (tmp_path / "l.txt").write_text("a\nb\na\n")
    assert "labels: duplicate region 'a'" in input_error(lambda: read_npy(tmp_path / "sc.npy", labels=tmp_path / "l.txt"))


def test_labelled_csv_and_tsv_matrices(tmp_path):
    (tmp_path / "m.csv").write_text(",a,b,c\na,0,2.5,0\nb,0,0,1\nc,4,0,0.5\n")
    g = read(tmp_path / "m.csv")  # found to be a matrix by its empty first cell
    assert edges(g) == [("a", "b", 2.5), ("b", "c", 1.0), ("c", "a", 4.0), ("c", "c", 0.5)]
    (tmp_path / "m.tsv").write_text("\ta\tb\na\t0\t3\nb\t1e-3\t0\n")
    assert edges(read(tmp_path / "m.tsv")) == [("a", "b", 3.0), ("b", "a", 0.001)]
    (tmp_path / "bad.csv").write_text(",a,b\nb,0,1\na,1,0\n")
    assert "line 2: row 1 is named 'b', the header's name 1 is 'a'" in input_error(lambda: read_matrix_csv(
        tmp_path / "bad.csv"))
    (tmp_path / "bad.csv").write_text(",a,b\na,0,x\nb,1,0\n")
    assert "line 2 column 3: must be a number, got 'x'" in input_error(lambda: read_matrix_csv(tmp_path / "bad.csv"))


def test_a_mat_matrix_with_its_labels(run, tmp_path):
    names = np.empty((3, 1), dtype=object)
    names[:, 0] = ["ctx-lh-bankssts", "ctx-lh-cuneus", "Left-Thalamus"]
    savemat(tmp_path / "hcp.mat", {"sc": M, "fiber_lengths": M * 10, "names": names, "n": 3.0})
    assert_one_line_error(run("topology", "import", tmp_path / "hcp.mat"),
                          "--matrix-key: needed: the file holds 2 square numeric matrices (sc, fiber_lengths)")
    done = run("topology", "import", tmp_path / "hcp.mat", "--matrix-key", "sc", "--labels-key", "names",
               "--orientation", "row-target", "--normalise", "max", "--strength-scale", "1000")
    assert done.exit_code == 0, done.stderr
    doc = run("topology", "show", "hcp", "--json").json()
    assert [r["name"] for r in doc["regions"]] == ["ctx-lh-bankssts", "ctx-lh-cuneus", "Left-Thalamus"]
    assert {(p["source"], p["target"]): p["strength"] for p in doc["projections"]} == {
        ("ctx-lh-cuneus", "ctx-lh-bankssts"): 625.0, ("Left-Thalamus", "ctx-lh-cuneus"): 250.0,
        ("ctx-lh-bankssts", "Left-Thalamus"): 1000.0, ("Left-Thalamus", "Left-Thalamus"): 125.0}
    savemat(tmp_path / "one.mat", {"W": M})
    assert run("topology", "import", tmp_path / "one.mat", "--json").json()["projections"] == 4
    assert_one_line_error(run("topology", "import", tmp_path / "one.mat", "--matrix-key", "X"), "no variable 'X'")
    assert_one_line_error(run("topology", "export", "one", "-o", tmp_path / "out.mat", "--format", "mat"))


def test_matrix_exports_keep_isolated_regions_and_order(run, tmp_path):
    doc = {"name": "iso", "regions": [{"name": n, "share": 1} for n in ("z", "lonely", "a")],
           "projections": [{"source": "a", "target": "z", "strength": 0.25}, {"source": "z", "target": "z",
                                                                              "strength": 3}]}
    (tmp_path / "iso.json").write_text(json.dumps(doc))
    original = run("topology", "import", tmp_path / "iso.json", "--json").json()["content_hash"]
    for fmt, out in (("npy", tmp_path / "iso.npy"), ("matrix-csv", tmp_path / "iso_m.csv")):
        done = run("topology", "export", "iso", "-o", out, "--format", fmt)
        assert done.exit_code == 0 and "warning" not in done.stderr, done.stderr
        assert run("topology", "import", out, "--name", "iso", "--json").json()["content_hash"] == original
    assert np.load(tmp_path / "iso.npy").tolist() == [[3.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.25, 0.0, 0.0]]
    assert (tmp_path / "iso.labels.txt").read_text() == "z\nlonely\na\n"
    assert (tmp_path / "iso_m.csv").read_text() == ",z,lonely,a\nz,3.0,0,0\nlonely,0,0,0\na,0.25,0,0\n"
