"""Hostile or huge input refused in one line before allocation: matrix caps, .npy headers, .mat bombs and
damage, wide CSV headers, oversized CSV cells, and attribute names held to the rules of names."""

from __future__ import annotations

import io
import json
import struct
import time
import tracemalloc
import zlib

import networkx as nx
import numpy as np
import pytest
from numpy.lib import format as npy
from scipy.io import savemat

from connectome.formats import read
from connectome.formats.csvfiles import read_csv
from connectome.formats.graphml import read_graphml
from connectome.formats.limits import MAX_COLUMNS, MAX_MATRIX_CELLS, MAX_PROJECTIONS
from connectome.formats.matfile import read_mat
from connectome.formats.matrix import load_npy, read_labelled_matrix, read_matrix_csv, read_npy
from connectome.graph import build_graph
from connectome.validation import validate
from conftest import assert_one_line_error, input_error, table_counts

M = np.array([[0.0, 2.5, 0.0], [0.0, 0.0, 1.0], [4.0, 0.0, 0.5]])


def npy_bytes(header: dict | str, data: bytes = b"", version: tuple[int, int] = (1, 0)) -> bytes:
    """A .npy file with the given header dict (or raw header text) and data bytes."""
    if isinstance(header, dict):
        buffer = io.BytesIO()
        npy.write_array_header_1_0(buffer, header)
        return buffer.getvalue() + data
    text = header.encode("latin1")
    text += b" " * ((-(len(text) + 11)) % 64) + b"\n"
    return npy.magic(*version) + struct.pack("<H", len(text)) + text + data


def mat_element(kind: int, payload: bytes) -> bytes:
    return struct.pack("<II", kind, len(payload)) + payload + b"\0" * ((-len(payload)) % 8)


def mat_declaring(rows: int, columns: int) -> bytes:
    """A v5 .mat file whose compressed variable W declares rows × columns doubles but holds no data."""
    header = b"MATLAB 5.0 MAT-file, made by hand".ljust(116, b" ") + b"\0" * 8 + struct.pack("<H", 0x0100) + b"IM"
    head = mat_element(6, struct.pack("<II", 6, 0)) + mat_element(5, struct.pack("<ii", rows, columns)) \
        + mat_element(1, b"W")
    size = rows * columns * 8
    body = zlib.compress(struct.pack("<II", 14, len(head) + 8 + size) + head + struct.pack("<II", 9, size))
    return header + struct.pack("<II", 15, len(body)) + body


# ---------------------------------------------------------------- matrices: cells and projections


def test_npy_projection_cap_and_override(tmp_path, run, db):
    path = tmp_path / "ones.npy"
    np.save(path, np.ones((1500, 1500), dtype=np.uint8))  # 2.25 MB, 2,250,000 projections
    start = time.perf_counter()
    assert_one_line_error(run("topology", "import", path), "holds 2,250,000 non-zero entries (projections), above "
                          "the limit of 2,000,000; raise it with --max-projections")
    assert time.perf_counter() - start < 2 and table_counts(db) == {}
    np.save(tmp_path / "m.npy", M)
    assert_one_line_error(run("topology", "import", tmp_path / "m.npy", "--max-projections", "3"),
                          "holds 4 non-zero entries (projections), above the limit of 3")
    done = run("topology", "import", tmp_path / "m.npy", "--max-projections", "4", "--json")
    assert done.exit_code == 0 and done.json()["projections"] == 4, done.stderr
    assert_one_line_error(run("topology", "import", tmp_path / "m.npy", "--max-projections", "0"), "x>=1")
    assert_one_line_error(run("topology", "import", tmp_path / "m.csv", "--max-projections", "9"),
                          "--max-projections: applies only to npy/matrix-csv/mat files")


def test_library_max_projections(tmp_path):
    np.save(tmp_path / "m.npy", M)
    assert MAX_PROJECTIONS == 2_000_000
    assert "above the limit of 3" in input_error(lambda: read_npy(tmp_path / "m.npy", max_projections=3))
    assert read_npy(tmp_path / "m.npy", max_projections=4).number_of_edges() == 4
    assert "m.npy: max_projections: must be a whole number ≥ 1, got 0" in input_error(
        lambda: read_npy(tmp_path / "m.npy", max_projections=0))
    (tmp_path / "m.csv").write_text(",a,b,c\na,1,1,1\nb,1,1,1\nc,1,1,1\n")
    message = input_error(lambda: read_matrix_csv(tmp_path / "m.csv", max_projections=5))
    assert "holds at least 6 non-zero entries (projections), above the limit of 5" in message  # stops at row 2
    assert read(tmp_path / "m.csv", format="matrix-csv", max_projections=9).number_of_edges() == 9


def _refused_with_peak(call) -> tuple[str, int]:
    """The InputError's message of `call` and the peak of Python's allocations while it ran."""
    tracemalloc.start()
    try:
        return input_error(call), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_declared_shapes_are_refused_before_allocation(tmp_path):
    huge = npy_bytes({"descr": "<f8", "fortran_order": False, "shape": (1000000, 1000000)}, bytes(64))
    (tmp_path / "huge.npy").write_bytes(huge)
    message, peak = _refused_with_peak(lambda: read_npy(tmp_path / "huge.npy"))
    assert "declares a 1000000×1000000 array (1,000,000,000,000 cells), above the limit of 33,554,432 cells" in message
    assert peak < 8 << 20
    (tmp_path / "short.npy").write_bytes(npy_bytes({"descr": "<f8", "fortran_order": False, "shape": (3, 3)}, bytes(8)))
    assert "is truncated: its header declares 72 bytes of data, the file holds 8" in input_error(
        lambda: load_npy(tmp_path / "short.npy"))
    (tmp_path / "neg.npy").write_bytes(npy_bytes({"descr": "<f8", "fortran_order": False, "shape": (-3, -3)}))
    assert "with a negative dimension" in input_error(lambda: load_npy(tmp_path / "neg.npy"))
    names = ",".join(f"r{i}" for i in range(5793))
    (tmp_path / "wide.csv").write_text(f",{names}\n")
    assert f"(33,558,849 cells), above the limit of {MAX_MATRIX_CELLS:,} cells" in input_error(
        lambda: read_labelled_matrix(tmp_path / "wide.csv"))


def test_npy_fortran_order_and_dtypes_still_read(tmp_path):
    np.save(tmp_path / "f.npy", np.asfortranarray(M))
    np.save(tmp_path / "c.npy", M.astype(">f4"))
    for name in ("f.npy", "c.npy"):
        assert sorted(read_npy(tmp_path / name).edges(data="strength")) == [
            ("0", "1", 2.5), ("1", "2", 1.0), ("2", "0", 4.0), ("2", "2", 0.5)]
    np.save(tmp_path / "b.npy", M > 0)
    assert "holds bool values, expected real numbers" in input_error(lambda: read_npy(tmp_path / "b.npy"))


@pytest.mark.parametrize("header, fragment", [
    ("{'descr': '<f8', 'fortran_order': False, 'shape': ((2, 2), }", "not a NumPy array file"),  # tokenize.TokenError
    ("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), 'x': 1, }", "Header does not contain the correct keys"),
    ("{'descr': 'zz', 'fortran_order': False, 'shape': (2, 2), }", "descr is not a valid dtype descriptor"),
    ("[" * 5000, "not a NumPy array file"),
])
def test_npy_header_damage_is_one_line(tmp_path, run, db, header, fragment):
    path = tmp_path / "bad.npy"
    path.write_bytes(npy_bytes(header, bytes(32)))
    assert fragment in input_error(lambda: read_npy(path))
    assert_one_line_error(run("topology", "import", path), fragment)
    assert table_counts(db) == {}


def test_npy_versions(tmp_path):
    path = tmp_path / "v3.npy"
    path.write_bytes(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }", bytes(8), (3, 0)))
    assert "format version 3.0 is not supported (1.0 and 2.0 are)" in input_error(lambda: read_npy(path))
    path.write_bytes(npy.magic(2, 0) + b"\x10\x00\x00\x00{")
    assert "not a NumPy array file" in input_error(lambda: read_npy(path))


# ---------------------------------------------------------------- .mat: bombs and damage


def test_mat_compression_ratio_is_refused_before_inflating(tmp_path, run, db):
    savemat(tmp_path / "ones.mat", {"W": np.ones((1500, 1500))}, do_compression=True)
    size = (tmp_path / "ones.mat").stat().st_size
    assert_one_line_error(run("topology", "import", tmp_path / "ones.mat"),
                          f"declares a compression ratio of {18_000_000 / size:,.0f}:1 (18,000,000 bytes from "
                          f"{size:,}), above the 200:1 limit")
    (tmp_path / "zeros.mat").write_bytes(mat_declaring(20000, 20000))
    message, peak = _refused_with_peak(lambda: read_mat(tmp_path / "zeros.mat"))
    assert "declares 3,200,000,000 bytes uncompressed, above the 268,435,456-byte limit" in message
    assert peak < 16 << 20
    assert table_counts(db) == {}


def test_mat_contents_hidden_in_a_cell_are_counted_as_they_inflate(tmp_path):
    cell = np.empty((1, 1), dtype=object)
    cell[0, 0] = np.zeros((1500, 1500))
    savemat(tmp_path / "cell.mat", {"W": M, "hidden": cell}, do_compression=True)
    size = (tmp_path / "cell.mat").stat().st_size
    message = input_error(lambda: read_mat(tmp_path / "cell.mat"))
    assert "cell.mat: variable 2: inflates past " in message and "bytes (more than 200:1" in message
    assert int(message.split("inflates past ")[1].split(" ")[0].replace(",", "")) < 200 * size
    savemat(tmp_path / "fine.mat", {"W": M, "hidden": cell[:, :0]}, do_compression=True)
    assert read_mat(tmp_path / "fine.mat").number_of_edges() == 4


@pytest.mark.parametrize("content, fragment", [
    (b"hello", "not a MATLAB file scipy can read (v4–v7.2): Mat file appears to be truncated"),
    (bytes(200), "appears to be corrupt"),
    (b"MATLAB 5.0".ljust(124, b" ") + b"\x00\x02IM" + b"\x0f\x00\x00\x00\x10\x00\x00\x00" + bytes(16),
     "not a MATLAB file scipy can read"),
])
def test_damaged_mat_files_are_one_line(tmp_path, run, content, fragment):
    (tmp_path / "x.mat").write_bytes(content)
    assert_one_line_error(run("topology", "import", tmp_path / "x.mat"), "x.mat: ", fragment)


def test_mat_damage_inside_compressed_data(tmp_path):
    buffer = io.BytesIO()
    savemat(buffer, {"W": M}, do_compression=True)
    data = bytearray(buffer.getvalue())
    data[150:158] = b"\xff" * 8  # inside the zlib stream of W
    (tmp_path / "z.mat").write_bytes(bytes(data))
    message = input_error(lambda: read_mat(tmp_path / "z.mat"))
    assert message.startswith(f"{tmp_path / 'z.mat'}: ") and ("not valid compressed data" in message
                                                               or "scipy can read" in message), message


# ---------------------------------------------------------------- CSV: headers and cells


def test_wide_headers_are_refused_in_linear_time(tmp_path, run):
    for columns in (10**5, 10**6):
        path = tmp_path / f"wide{columns}.csv"
        path.write_text(",".join(["source", "target", "strength", *(f"c{i}" for i in range(columns))]) + "\n")
        start = time.perf_counter()
        assert_one_line_error(run("topology", "import", path),
                              f"line 1: has {columns + 3:,} columns, above the limit of {MAX_COLUMNS:,}")
        assert time.perf_counter() - start < 3
    extra = [f"c{i}" for i in range(MAX_COLUMNS - 4)]
    path = tmp_path / "dup.csv"
    path.write_text(",".join(["source", "target", "strength", *extra, extra[0]]) + "\na,b,1" + ",1" * (len(extra) + 1) + "\n")
    assert f"column {extra[0]!r} appears twice" in input_error(lambda: read_csv(path))
    path.write_text(",".join(["source", "target", "strength", *extra]) + "\na,b,1" + ",1" * len(extra) + "\n")
    assert len(read_csv(path).edges["a", "b"]) == MAX_COLUMNS - 3


def test_a_labelled_matrix_cell_over_the_field_limit_is_one_line(tmp_path, run, db):
    path = tmp_path / "big.csv"
    path.write_text(",a,b\na,0," + "1" * 140_000 + "\nb,1,0\n")
    assert_one_line_error(run("topology", "import", path), "big.csv: line 2: not valid CSV: field larger than field limit")
    path.write_text(",a,b\na,0,1\nb,1,0\nc,0,0\n")
    assert "line 4: more rows than the 2 names of the header" in input_error(lambda: read_matrix_csv(path))
    path.write_text(',a,b\na,0,"1\n"\nb,x' + "y" * 500 + ",0\n")
    message = input_error(lambda: read_matrix_csv(path))  # a quoted line break: row b is on line 4
    assert "line 4 column 2: must be a number, got 'xyyyy" in message and len(message) < 250
    assert table_counts(db) == {}


# ---------------------------------------------------------------- attribute names follow the rules of names


HOSTILE_KEYS = ["\x1b]0;owned\x07", "bell\x07", "nul\x00", "two\nlines", "rtl\u202eevil", "k" * (1 << 20)]


@pytest.mark.parametrize("key", HOSTILE_KEYS, ids=["osc", "bel", "nul", "newline", "u202e", "1mib"])
@pytest.mark.parametrize("where", ["graph", "region", "projection"])
def test_validate_holds_attribute_names_to_the_name_rules(key, where):
    graph = build_graph("t", [("a", {"share": 1.0}), ("b", {"share": 1.0})],
                        [("a", "b", {"strength": 1.0, "ok": 1}), ("b", "a", {"strength": 1.0, "ok": 2})])
    target = {"graph": graph.graph, "region": graph.nodes["b"], "projection": graph.edges["b", "a"]}[where]
    target[key] = 1
    message = input_error(lambda: validate(graph, "g"))
    assert "attribute name " in message and ("control or format characters" in message or "at most 1000" in message)
    assert len(message) < 300 and message.isprintable()


def test_a_bad_name_after_many_good_projections_is_still_found():
    edges = [(f"r{i}", f"r{i + 1}", {"strength": 1.0, "tract_length": 2.0}) for i in range(999)]
    graph = build_graph("t", [(f"r{i}", {"share": 1.0}) for i in range(1000)], edges)
    validate(graph)
    graph.edges["r998", "r999"]["tract\x1blength"] = 1.0
    assert "projection 'r998' -> 'r999': attribute name 'tract\\x1blength' must not contain" in input_error(
        lambda: validate(graph))


def test_json_attribute_names(tmp_path, run, db):
    for at, key in (("regions", "\x1b]0;owned\x07"), ("projections", "a\nfake row"), ("regions", "x" * 1001)):
        doc = ('{"name": "t", "regions": [{"name": "a", "share": 1%s}], '
               '"projections": [{"source": "a", "target": "a", "strength": 1%s}]}')
        extra = f", {json.dumps(key)}: 1"
        (tmp_path / "t.json").write_text(doc % ((extra, "") if at == "regions" else ("", extra)))
        outcome = run("topology", "import", tmp_path / "t.json")
        assert_one_line_error(outcome, f"{at}[0]: attribute name ")
        assert "\x1b" not in outcome.stderr and outcome.stderr.count("\n") == 1
    assert table_counts(db) == {}


def test_csv_column_names(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("source,target,strength,\"rtl\u202e\"\na,b,1,2\n")
    assert "line 1: column 4: name 'rtl\\u202e' must not contain control or format characters, got U+202E" in \
        input_error(lambda: read_csv(path))
    path.write_text("source,target,strength,ok\na,b,1,2\n")
    (tmp_path / "r.csv").write_text("name,share,\"\x1b[31mred\"\na,1,1\nb,1,1\n")
    assert "r.csv: line 1: column 3: name '\\x1b[31mred'" in input_error(lambda: read_csv(path, regions=tmp_path / "r.csv"))


def test_graphml_key_names(tmp_path):
    for name, fragment in (("rtl\u202e", "must not contain control or format characters"),
                           ("k" * 1001, "must be at most 1000 characters")):
        (tmp_path / "g.graphml").write_text(
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
            f'<key id="d0" for="node" attr.name="{name}" attr.type="double"/>'
            '<graph edgedefault="directed"><node id="a"><data key="d0">1</data></node></graph></graphml>')
        message = input_error(lambda: read_graphml(tmp_path / "g.graphml"))
        assert "key 'd0': attribute name " in message and fragment in message and len(message) < 300


def test_an_accepted_name_still_round_trips():
    graph = nx.DiGraph(name="t")
    graph.add_node("a", share=1.0, **{"Ünïcödé ✓ 脑区": 1, "with space": "x"})
    assert validate(graph) is graph


def test_graphml_with_an_unknown_encoding_is_one_line(tmp_path, run):
    path = tmp_path / "enc.graphml"
    path.write_bytes(b'<?xml version="1.0" encoding="utf-1e999"?><graphml/>')
    assert_one_line_error(run("topology", "import", path), "enc.graphml: line 1: not well-formed XML (unknown encoding")


def test_a_graph_given_to_python_is_refused_by_the_store(db):
    from connectome.store.facade import Store

    graph = nx.DiGraph(name="t")
    graph.add_node("a", share=1.0, **{"\x1b[2J": 1})
    store = Store(str(db))
    try:
        before = table_counts(db)
        assert "region 'a': attribute name '\\x1b[2J' must not contain control" in input_error(lambda: store.save(graph))
        assert table_counts(db) == before
    finally:
        store.close()
