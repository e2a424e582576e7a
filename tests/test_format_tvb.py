"""The TVB connectivity reader and writer: layouts, orientation, scaling, round trips, broken and hostile input."""

from __future__ import annotations

import bz2
import io
import struct
import time
import tracemalloc
import warnings
import zipfile
import zlib
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from connectome import formats
from connectome.errors import InputError
from connectome.formats.archive import MAX_MEMBERS
from connectome.formats.tvb import looks_like_tvb, read_tvb, write_tvb
from connectome.graph import content_hash

MIB = 1 << 20

# weights[i, j] = connection FROM j TO i: row = target, column = source
WEIGHTS = "0 2 0\n0 0 0.5\n3 0 1\n"
TRACTS = "0 10 0\n0 0 20.5\n30 0 0\n"
CENTRES = "A 1.0 2.0 3.0\nB -1 -2 -3\nC 0 0 0.5\n"
AREAS = "2\n1.5\n0.5\n"
CORTICAL = "1\n0\n1\n"
HEMISPHERES = "0\n1\n1\n"
ORIENTATIONS = "1 0 0\n0 1 0\n0 0 1\n"
FULL = {"weights.txt": WEIGHTS, "tract_lengths.txt": TRACTS, "centres.txt": CENTRES, "areas.txt": AREAS,
        "cortical.txt": CORTICAL, "hemispheres.txt": HEMISPHERES, "average_orientations.txt": ORIENTATIONS}
MINIMAL = {"weights.txt": WEIGHTS, "tract_lengths.txt": TRACTS, "centres.txt": CENTRES}


def make_zip(path: Path, members: dict[str, str | bytes], *, folder: str = "", bz: bool = False,
             compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A TVB zip of `members` (text or bytes), optionally inside `folder` and with bz2-compressed members."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are written on purpose in some tests
        with zipfile.ZipFile(path, "w", compression) as archive:
            for name, content in members.items():
                data = content.encode() if isinstance(content, str) else content
                if bz and name.endswith(".txt"):
                    name, data = name + ".bz2", bz2.compress(data)
                archive.writestr(folder + name, data)
    return path


def make_folder(path: Path, members: dict[str, str | bytes]) -> Path:
    path.mkdir()
    for name, content in members.items():
        (path / name).write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def raw_zip(entries: list[tuple[str, int, bytes, int, int]]) -> bytes:
    """A zip built by hand from (name, method, payload, crc, declared size): sizes and names can lie."""
    body, directory = b"", b""
    for name, method, payload, crc, size in entries:
        encoded = name.encode()
        offset = len(body)
        body += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc, len(payload), size,
                            len(encoded), 0) + encoded + payload
        directory += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, 0, 0x21, crc, len(payload),
                                 size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), len(body), 0)
    return body + directory + end


def deflate_zeros(mebibytes: int) -> tuple[bytes, int]:
    """A raw deflate stream of `mebibytes` MiB of zero bytes, built from one repeated block, and its CRC."""
    chunk = bytes(MIB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(chunk, crc)
    return block * mebibytes + compressor.flush(), crc


def stored(name: str, text: str) -> tuple[str, int, bytes, int, int]:
    data = text.encode()
    return name, zipfile.ZIP_STORED, data, zlib.crc32(data), len(data)


def refused(source, *fragments: str, **options) -> str:
    """Assert read_tvb refuses `source` with one line containing every fragment; return the message."""
    with pytest.raises(InputError) as info:
        read_tvb(source, **options)
    message = str(info.value)
    assert "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


# ---------------------------------------------------------------- layouts


def test_flat_zip_reads_every_file(tmp_path):
    g = read_tvb(make_zip(tmp_path / "conn_3.zip", FULL))
    assert g.graph["name"] == "conn_3"
    assert list(g.nodes) == ["A", "B", "C"]
    assert g.nodes["A"] == {"share": 2.0, "x": 1.0, "y": 2.0, "z": 3.0, "area": 2.0, "cortical": True,
                            "hemisphere": False, "orientation_x": 1.0, "orientation_y": 0.0, "orientation_z": 0.0}
    assert g.nodes["B"]["cortical"] is False and g.nodes["B"]["hemisphere"] is True
    assert [type(g.nodes["B"][k]) for k in ("x", "area", "orientation_y")] == [float, float, float]
    assert g.edges["B", "A"] == {"strength": 2.0, "tract_length": 10.0}


def test_sub_folder_bz2_and_plain_folder_give_the_same_graph(tmp_path):
    flat = read_tvb(make_zip(tmp_path / "flat.zip", FULL))
    nested = read_tvb(make_zip(tmp_path / "nested.zip", FULL, folder="connectivity_3/"))
    bzipped = read_tvb(make_zip(tmp_path / "bz.zip", FULL, folder="connectivity_3/", bz=True))
    folder = read_tvb(make_folder(tmp_path / "conn_dir", FULL))
    bz_folder = read_tvb(make_folder(tmp_path / "bz_dir", {k + ".bz2": bz2.compress(v.encode()) for k, v in FULL.items()}))
    assert folder.graph["name"] == "conn_dir"
    hashes = {content_hash(g) for g in (flat, nested, bzipped, folder, bz_folder)}
    assert len(hashes) == 1


def test_file_objects_seekable_or_not(tmp_path):
    data = make_zip(tmp_path / "c.zip", FULL).read_bytes()
    expected = content_hash(read_tvb(tmp_path / "c.zip"))
    g = read_tvb(io.BytesIO(data))
    assert content_hash(g) == expected
    assert g.graph["name"] == "connectivity"  # no file name, no folder: a generic name

    class Pipe(io.RawIOBase):  # a non-seekable stream
        def __init__(self, payload):
            self._inner = io.BytesIO(payload)

        def readable(self):
            return True

        def readinto(self, buffer):
            return self._inner.readinto(buffer)

    assert content_hash(read_tvb(Pipe(data))) == expected
    with open(tmp_path / "c.zip", "rb") as fh:
        assert read_tvb(fh).graph["name"] == "c"
    nested = make_zip(tmp_path / "n.zip", FULL, folder="connectivity_76/").read_bytes()
    assert read_tvb(io.BytesIO(nested)).graph["name"] == "connectivity_76"


def test_name_argument_overrides_the_stem(tmp_path):
    assert read_tvb(make_zip(tmp_path / "c.zip", FULL), name="my brain").graph["name"] == "my brain"
    refused(tmp_path / "c.zip", "c.zip: name: must be a non-empty string", name="  ")


def test_real_world_quirks_are_accepted(tmp_path):
    """CRLF, tabs, a byte-order mark, comments, blank lines, trailing columns, macOS debris, extra files."""
    members = {
        "c/weights.txt": "\ufeff# weights\r\n0\t2\t0\r\n\r\n0 0 0.5\r\n3 0 1\r\n",
        "c/tract_lengths.txt": TRACTS,
        "c/centres.txt": "A 1.0 2.0 3.0 None\nB -1 -2 -3 extra 7\n\nC 0 0 0.5\n\n",
        "c/cortical.txt": "1 \n0 \n1 \n\n",
        "c/info.txt": 'weights_unit = "au"\n',
        "c/.DS_Store": b"\0\1\2",
        "__MACOSX/c/._weights.txt": b"\0\5junk",
        "c/": b"",
    }
    g = read_tvb(make_zip(tmp_path / "quirks.zip", members))
    assert list(g.nodes) == ["A", "B", "C"]
    assert g.nodes["B"]["x"] == -1.0 and g.nodes["C"]["cortical"] is True
    assert g.edges["B", "A"]["strength"] == 2.0


def test_labels_are_kept_verbatim(tmp_path):
    centres = '"Right_Area,_24a" 0 0 0\nrégion-β 0 0 0\nC 0 0 0\n'
    g = read_tvb(make_zip(tmp_path / "c.zip", {**MINIMAL, "centres.txt": centres}))
    assert list(g.nodes) == ['"Right_Area,_24a"', "région-β", "C"]


# ---------------------------------------------------------------- meaning


def test_orientation_row_is_target_column_is_source(tmp_path):
    weights = "0 1 0\n0 0 0\n0 7 0\n"  # weights[0, 1] and weights[2, 1]: B projects to A and to C
    g = read_tvb(make_zip(tmp_path / "o.zip", {**MINIMAL, "weights.txt": weights}))
    assert sorted(g.edges(data="strength")) == [("B", "A", 1.0), ("B", "C", 7.0)]
    assert g.in_degree("B") == 0 and g.out_degree("B") == 2


def test_asymmetric_matrix_edges_and_tract_lengths(tmp_path):
    g = read_tvb(make_zip(tmp_path / "a.zip", MINIMAL))
    assert {(s, t): a for s, t, a in g.edges(data=True)} == {
        ("B", "A"): {"strength": 2.0, "tract_length": 10.0},
        ("C", "B"): {"strength": 0.5, "tract_length": 20.5},
        ("A", "C"): {"strength": 3.0, "tract_length": 30.0},
        ("C", "C"): {"strength": 1.0},  # a self-loop; its tract length of 0 means none was given
    }


def test_without_optional_files(tmp_path):
    g = read_tvb(make_zip(tmp_path / "m.zip", {"weights.txt": WEIGHTS, "centres.txt": CENTRES}))
    assert g.nodes["A"] == {"share": 1.0, "x": 1.0, "y": 2.0, "z": 3.0}
    assert g.edges["B", "A"] == {"strength": 2.0}


def test_zero_areas_mean_unknown_filled_by_the_known_mean_with_a_warning(tmp_path):
    from connectome.errors import ConnectomeWarning

    path = make_zip(tmp_path / "z.zip", {**MINIMAL, "areas.txt": "396.4\n0\n12\n"})
    with pytest.warns(ConnectomeWarning, match=r"areas.txt: 1 of 3 areas are 0 \(unknown\): those regions get the "
                                               r"mean of the 2 known areas, 204.2, as their share"):
        g = read_tvb(path)
    assert [g.nodes[r]["share"] for r in g] == [396.4, 204.2, 12.0]  # (396.4 + 12) / 2, from the decimals
    assert [g.nodes[r]["area"] for r in g] == [396.4, 0.0, 12.0]
    with pytest.warns(ConnectomeWarning, match="every area is 0 \\(unknown\\): every region gets the same share"):
        g = read_tvb(make_zip(tmp_path / "zero.zip", {**MINIMAL, "areas.txt": "0\n0\n0\n"}))
    assert [g.nodes[r]["share"] for r in g] == [1.0, 1.0, 1.0]


def test_strength_scale_multiplies_the_written_decimals(tmp_path):
    path = make_zip(tmp_path / "s.zip", {**MINIMAL, "weights.txt": "0 0.1 0\n0 0 0\n0 0 0\n"})
    assert read_tvb(path, strength_scale=3).edges["B", "A"]["strength"] == 0.3  # not 0.30000000000000004
    assert read_tvb(path, strength_scale=1e4).edges["B", "A"]["strength"] == 1000.0
    assert formats.read(path, strength_scale=2.5).edges["B", "A"]["strength"] == 0.25


@pytest.mark.parametrize("scale, problem", [(0, "must be > 0"), (-1, "must be > 0"), (float("nan"), "finite"),
                                            (True, "must be a number")])
def test_bad_strength_scale(tmp_path, scale, problem):
    refused(make_zip(tmp_path / "s.zip", MINIMAL), "s.zip: strength_scale: ", problem, strength_scale=scale)


def test_strength_above_1000_names_the_cell_and_suggests_a_scale(tmp_path):
    path = make_zip(tmp_path / "big.zip", {**MINIMAL, "weights.txt": "0 1.9e10 0\n0 0 3.7e11\n0 0 0\n"})
    message = refused(path, "big.zip: weights.txt: line 1 column 2", "above 1000", "strength_scale=2.7e-09")
    scale = float(message.split("strength_scale=")[-1].split()[0])
    g = read_tvb(path, strength_scale=scale)
    assert max(s for *_, s in g.edges(data="strength")) <= 1000


def test_format_detection_and_dispatch(tmp_path):
    zipped = make_zip(tmp_path / "c.zip", FULL)
    folder = make_folder(tmp_path / "folder", MINIMAL)
    assert looks_like_tvb(zipped) and looks_like_tvb(folder)
    assert not looks_like_tvb(make_folder(tmp_path / "empty", {"centres.txt": CENTRES}))
    (tmp_path / "x.json").write_text("{}")
    assert not looks_like_tvb(tmp_path / "x.json") and not looks_like_tvb(tmp_path / "missing.zip")
    assert content_hash(formats.read(folder)) == content_hash(read_tvb(folder))
    assert content_hash(formats.read(zipped)) == content_hash(read_tvb(zipped))


def test_998_regions_read_in_seconds(tmp_path):
    n = 998
    rng = np.random.default_rng(7)
    rows = []
    for i in range(n):
        row = ["0.0000000e+00"] * n
        for j in rng.choice(n, size=40, replace=False):
            row[j] = f"{rng.uniform(0.01, 3):.7e}"
        rows.append("   ".join(row))
    text = "\n".join(rows) + "\n"
    centres = "".join(f"r{i} {i}.5 -{i} 0\n" for i in range(n))
    path = make_zip(tmp_path / "c998.zip", {"weights.txt": text, "tract_lengths.txt": text, "centres.txt": centres})
    start = time.perf_counter()
    g = read_tvb(path)
    assert time.perf_counter() - start < 5
    assert g.number_of_nodes() == n and g.number_of_edges() == 40 * n


# ---------------------------------------------------------------- broken input


BROKEN = {
    "missing weights": ({"weights.txt": None}, "no weights.txt (or weights.txt.bz2) in the archive"),
    "missing centres": ({"centres.txt": None}, "no centres.txt"),
    "empty weights": ({"weights.txt": "\n\n"}, "weights.txt: has no values"),
    "not square": ({"weights.txt": "0 1 0\n0 0 0\n"}, "weights.txt: is not square: 2 rows, but line 1 has 3 values"),
    "ragged row": ({"weights.txt": "0 1 0\n0 0\n0 0 0\n"}, "weights.txt: line 2: has 2 values, but line 1 has 3"),
    "tracts mismatch": ({"tract_lengths.txt": "0 1\n1 0\n"}, "tract_lengths.txt: is 2×2, but weights.txt is 3×3"),
    "non-numeric": ({"weights.txt": "0 1 0\n0 0 x1\n0 0 0\n"}, "weights.txt: line 2 column 3: not a number: 'x1'"),
    "underscore": ({"weights.txt": "0 1_0 0\n0 0 0\n0 0 0\n"}, "line 1 column 2: not a number: '1_0'"),
    "non-ascii digit": ({"weights.txt": "0 ١ 0\n0 0 0\n0 0 0\n"}, "line 1 column 2: not a number"),
    "NaN": ({"weights.txt": "0 1 0\n0 0 0\n0 nan 0\n"}, "weights.txt: line 3 column 2: must be finite, got 'nan'"),
    "infinite": ({"weights.txt": "0 1 0\n0 0 0\n0 0 1e999\n"}, "line 3 column 3: must be finite, got '1e999'"),
    "negative weight": ({"weights.txt": "0 1 0\n0 0 -0.2\n0 0 0\n"}, "line 2 column 3: a weight must be ≥ 0, got '-0.2'"),
    "negative tract": ({"tract_lengths.txt": "0 1 0\n0 0 -3\n0 0 0\n"}, "tract_lengths.txt: line 2 column 3: a tract length must be ≥ 0"),
    "nan tract": ({"tract_lengths.txt": "0 1 0\n0 0 0\n0 0 inf\n"}, "tract_lengths.txt: line 3 column 3: must be finite"),
    "centres too few": ({"centres.txt": "A 0 0 0\nB 0 0 0\n"}, "centres.txt: lists 2 regions, but weights.txt is 3×3"),
    "centres too many": ({"centres.txt": CENTRES + "D 0 0 0\n"}, "centres.txt: line 4: one region too many: weights.txt is 3×3"),
    "centres short line": ({"centres.txt": "A 0 0 0\nB 0 0\nC 0 0 0\n"}, "centres.txt: line 2: expected a label and x y z, got 3"),
    "centres bad coordinate": ({"centres.txt": "A 0 0 0\nB 0 zz 0\nC 0 0 0\n"}, "centres.txt: line 2 column 3: not a number: 'zz'"),
    "centres nan": ({"centres.txt": "A 0 0 0\nB 0 0 NaN\nC 0 0 0\n"}, "centres.txt: line 2 column 4: must be finite"),
    "duplicate label": ({"centres.txt": "A 0 0 0\nB 0 0 0\nA 1 1 1\n"}, "centres.txt: line 3: duplicate region label 'A' (also on line 1)"),
    "label not utf-8": ({"centres.txt": b"A 0 0 0\nB\xff 0 0 0\nC 0 0 0\n"}, "centres.txt: line 2: the label is not UTF-8"),
    "areas count": ({"areas.txt": "1\n2\n"}, "areas.txt: has 2 values, expected 3 (one per region)"),
    "negative area": ({"areas.txt": "1\n-2\n3\n"}, "areas.txt: line 2 column 1: an area must be ≥ 0, got '-2'"),
    "area not a number": ({"areas.txt": "1\nbig\n3\n"}, "areas.txt: line 2 column 1: not a number: 'big'"),
    "cortical count": ({"cortical.txt": "1\n0\n1\n1\n"}, "cortical.txt: line 4 column 1: one value too many: expected 3"),
    "cortical one line": ({"cortical.txt": "1 0 1 1\n"}, "cortical.txt: line 1 column 4: one value too many"),
    "cortical not a flag": ({"cortical.txt": "1\n2\n1\n"}, "cortical.txt: line 2 column 1: must be 0 or 1, got '2'"),
    "hemispheres count": ({"hemispheres.txt": "1\n"}, "hemispheres.txt: has 1 values, expected 3"),
    "orientations count": ({"average_orientations.txt": "1 0 0\n"}, "average_orientations.txt: has 1 lines, expected 3"),
    "orientations too many": ({"average_orientations.txt": ORIENTATIONS + "1 1 1\n"}, "average_orientations.txt: line 4: one line too many"),
    "tall matrix": ({"weights.txt": "0 1\n0 0\n1 1\n"}, "weights.txt: is not square: more than 2 rows, but line 1 has 2 values"),
    "wide first line": ({"weights.txt": "0 " * 5000 + "\n"}, "weights.txt: is not square: line 1 has more than 71 values"),
    "too many lines": ({"weights.txt": "\n" * 5000 + WEIGHTS}, "weights.txt: has more than 1,228 lines, far more than its 51 rows need"),
    "long row": ({"weights.txt": "0 1 0\n0 0 0 0 0\n0 0 0\n"}, "weights.txt: line 2: has more than 3 values, but line 1 has 3"),
    "orientations width": ({"average_orientations.txt": "1 0 0\n0 1\n0 0 1\n"}, "average_orientations.txt: line 2: expected 3 numbers"),
    "two weights files": ({"weights.txt.bz2": bz2.compress(WEIGHTS.encode())}, "member 'weights.txt.bz2'", "already gives the weights file"),
    "bad bz2": ({"weights.txt": None, "weights.txt.bz2": b"BZh9 not really"}, "weights.txt.bz2: not a valid bz2 stream"),
    "truncated bz2": ({"weights.txt": None, "weights.txt.bz2": bz2.compress(WEIGHTS.encode())[:-10]}, "weights.txt.bz2: the bz2 stream is truncated"),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_input_is_refused_with_a_located_message(tmp_path, case):
    changes, *fragments = BROKEN[case]
    members = {k: v for k, v in {**FULL, **changes}.items() if v is not None}
    refused(make_zip(tmp_path / "b.zip", members), "b.zip: ", *fragments)


def test_broken_folder_names_the_file(tmp_path):
    folder = make_folder(tmp_path / "d", {**MINIMAL, "weights.txt": "0 1 0\n0 0 x\n0 0 0\n"})
    refused(folder, f"{folder / 'weights.txt'}: line 2 column 3: not a number: 'x'")
    refused(make_folder(tmp_path / "e", {"centres.txt": CENTRES}), "no weights.txt", "in the folder")


def test_not_a_zip_and_corrupt_zips(tmp_path):
    (tmp_path / "x.zip").write_text('{"name": "json really"}')
    refused(tmp_path / "x.zip", "x.zip: not a zip archive")
    refused(tmp_path / "missing.zip", "missing.zip: no such file")
    refused(io.BytesIO(b""), "not a zip archive")
    refused(io.StringIO("text"), "give a path or a binary file")
    good = make_zip(tmp_path / "good.zip", MINIMAL, compression=zipfile.ZIP_STORED).read_bytes()
    (tmp_path / "truncated.zip").write_bytes(good[: len(good) // 2])
    refused(tmp_path / "truncated.zip", "truncated.zip: not a zip archive")
    flipped = bytearray(good)
    flipped[good.index(b"0 2 0")] = ord("9")  # the CRC no longer matches
    (tmp_path / "crc.zip").write_bytes(flipped)
    refused(tmp_path / "crc.zip", "crc.zip: weights.txt: cannot be read from the archive", "CRC")
    directory = good.index(b"PK\x01\x02")
    broken = bytearray(good)
    broken[directory:directory + 4] = b"XXXX"
    (tmp_path / "directory.zip").write_bytes(broken)
    refused(tmp_path / "directory.zip", "directory.zip: not a valid zip archive")


# ---------------------------------------------------------------- hostile input


@pytest.mark.parametrize("name", ["/abs/weights.txt", "../weights.txt", "c/../../weights.txt", "C:/weights.txt",
                                  "..\\weights.txt"])
def test_unsafe_member_paths(tmp_path, name):
    path = make_zip(tmp_path / "u.zip", {**MINIMAL, name: WEIGHTS})
    refused(path, "u.zip: member", "unsafe path")


def test_duplicate_member_names(tmp_path):
    path = tmp_path / "dup.zip"
    path.write_bytes(raw_zip([stored("weights.txt", WEIGHTS), stored("centres.txt", CENTRES),
                              stored("weights.txt", "0 0 0\n0 0 0\n0 0 0\n")]))
    refused(path, "dup.zip: member 'weights.txt': appears twice")


def test_too_many_members(tmp_path):
    extras = {f"notes/{i}.txt": "x" for i in range(MAX_MEMBERS)}
    refused(make_zip(tmp_path / "many.zip", {**MINIMAL, **extras}), "many.zip: lists 67 members, more than the 64")


def test_members_in_more_than_one_folder(tmp_path):
    members = {"a/weights.txt": WEIGHTS, "b/centres.txt": CENTRES}
    refused(make_zip(tmp_path / "f.zip", members), "f.zip: TVB files sit in more than one folder ('a', 'b')")
    members = {"weights.txt": WEIGHTS, "centres.txt": CENTRES, "copy/weights.txt": WEIGHTS}
    refused(make_zip(tmp_path / "g.zip", members), "more than one folder ('(top level)', 'copy')")


def test_absurd_declared_size_is_refused_without_reading(tmp_path):
    path = tmp_path / "huge.zip"
    path.write_bytes(raw_zip([stored("centres.txt", CENTRES),
                              ("weights.txt", zipfile.ZIP_STORED, b"0", 0, 300 * MIB)]))
    refused(path, "huge.zip: weights.txt: declares 314,572,800 bytes uncompressed, above the 268,435,456-byte limit")


def _bounded(call) -> tuple[float, int]:
    """Seconds and peak traced bytes of call()."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        call()
    finally:
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return elapsed, peak


def test_zip_bomb_is_refused_before_inflating(tmp_path):
    payload, crc = deflate_zeros(1024)  # 1 GiB of zeros in about 1 MB
    path = tmp_path / "bomb.zip"
    path.write_bytes(raw_zip([stored("centres.txt", CENTRES), ("weights.txt", zipfile.ZIP_DEFLATED, payload, crc, 1 << 30)]))
    assert path.stat().st_size < 2 * MIB
    elapsed, peak = _bounded(lambda: refused(path, "bomb.zip: weights.txt: declares", "above the"))
    assert elapsed < 2 and peak < 20 * MIB


def test_zip_bomb_streamed_by_zipfile(tmp_path):
    """The same bomb written by zipfile itself (streamed, 256 MiB of zeros), refused on its ratio."""
    path = tmp_path / "streamed.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("centres.txt", CENTRES)
        with archive.open("weights.txt", "w") as member:
            chunk = bytes(MIB)
            for _ in range(256):
                member.write(chunk)
    elapsed, peak = _bounded(lambda: refused(path, "weights.txt: declares a compression ratio", "above the 200:1 limit"))
    assert elapsed < 2 and peak < 20 * MIB


def test_header_that_lies_about_the_size(tmp_path):
    """The directory declares 2 MiB, the stream inflates to 512 MiB: reading stops at the declared size."""
    payload, crc = deflate_zeros(512)
    path = tmp_path / "liar.zip"
    path.write_bytes(raw_zip([stored("centres.txt", CENTRES), ("weights.txt", zipfile.ZIP_DEFLATED, payload, crc, 2 * MIB)]))
    elapsed, peak = _bounded(lambda: refused(path, "liar.zip: weights.txt: cannot be read from the archive"))
    assert elapsed < 2 and peak < 30 * MIB


def test_header_that_lies_the_other_way(tmp_path):
    """A member declaring more bytes than it holds is refused, not padded."""
    data = WEIGHTS.encode()
    path = tmp_path / "short.zip"
    path.write_bytes(raw_zip([stored("centres.txt", CENTRES),
                              ("weights.txt", zipfile.ZIP_STORED, data, zlib.crc32(data), len(data) + 100)]))
    refused(path, "short.zip: weights.txt:")


def test_bz2_bombs_are_stopped_while_inflating(tmp_path):
    single = bz2.compress(bytes(8 * MIB))  # 8 MiB from ~50 bytes
    multi = bz2.compress(bytes(MIB)) * 300  # 300 MiB in 300 concatenated streams
    for label, data in (("single", single), ("multi", multi)):
        path = make_zip(tmp_path / f"{label}.zip", {"weights.txt.bz2": data, "centres.txt": CENTRES})
        elapsed, peak = _bounded(lambda: refused(path, "weights.txt.bz2: inflates past", "bz2 bomb"))
        assert elapsed < 2 and peak < 20 * MIB
    folder = make_folder(tmp_path / "bzdir", {"weights.txt.bz2": multi, "centres.txt": CENTRES})
    refused(folder, "weights.txt.bz2: inflates past")


def test_a_giant_line_never_becomes_millions_of_tokens(tmp_path):
    """16 MiB of random 0/1 cells on one line (no bomb: it compresses only ~6:1) stays cheap to refuse."""
    cells = np.random.default_rng(1).integers(0, 2, size=8 * MIB).astype(np.uint8) + ord("0")
    line = np.empty(16 * MIB, dtype=np.uint8)
    line[0::2], line[1::2] = cells, ord(" ")
    path = make_zip(tmp_path / "wide.zip", {"weights.txt": line.tobytes(), "centres.txt": CENTRES})
    del cells, line
    elapsed, peak = _bounded(lambda: refused(path, "weights.txt: is not square: line 1 has more than"))
    assert elapsed < 3 and peak < 60 * MIB


def test_a_huge_central_directory_is_refused_before_parsing(tmp_path):
    body = raw_zip([stored("weights.txt", WEIGHTS)])
    end = body.rindex(b"PK\x05\x06")
    forged = body[:end] + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 60000, 60000, 3_000_000, 0, 0)
    (tmp_path / "cd.zip").write_bytes(forged)
    refused(tmp_path / "cd.zip", "cd.zip: lists 60,000 members")


def test_nothing_is_written_while_reading(tmp_path):
    path = make_zip(tmp_path / "c.zip", {**FULL, "weights.txt.bz2": bz2.compress(b"1")})
    before = sorted(p.name for p in tmp_path.iterdir())
    refused(path, "already gives the weights file")
    read_tvb(make_zip(tmp_path / "ok.zip", FULL, bz=True))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(before + ["ok.zip"])


# ---------------------------------------------------------------- writer


@pytest.mark.filterwarnings("ignore::connectome.errors.ConnectomeWarning")  # its area of 0, said on import
def test_round_trip_keeps_the_content_hash(tmp_path):
    for members in (FULL, MINIMAL, {"weights.txt": WEIGHTS, "centres.txt": CENTRES},
                    {**MINIMAL, "areas.txt": "396.4\n0\n12\n"}):
        g = read_tvb(make_zip(tmp_path / "in.zip", members))
        write_tvb(g, tmp_path / "out.zip")
        again = read_tvb(tmp_path / "out.zip")
        assert content_hash(again) == content_hash(g)
        assert again.graph["name"] == "out"
        buffer = io.BytesIO()
        write_tvb(g, buffer)
        assert content_hash(read_tvb(io.BytesIO(buffer.getvalue()))) == content_hash(g)


def test_written_files_follow_tvb_layout(tmp_path):
    g = read_tvb(make_zip(tmp_path / "in.zip", FULL))
    write_tvb(g, tmp_path / "out.zip")
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        assert sorted(archive.namelist()) == sorted(FULL)
        weights = np.loadtxt(io.BytesIO(archive.read("weights.txt")))
        assert weights.tolist() == np.loadtxt(io.StringIO(WEIGHTS)).tolist()
        assert archive.read("centres.txt").decode().splitlines()[1] == "B -1.0 -2.0 -3.0"
        assert archive.read("hemispheres.txt").decode().split() == ["0", "1", "1"]
    first = (tmp_path / "out.zip").read_bytes()
    write_tvb(g, tmp_path / "out.zip")
    assert (tmp_path / "out.zip").read_bytes() == first  # byte-for-byte reproducible


def test_writer_drops_what_tvb_cannot_carry(tmp_path):
    g = nx.DiGraph(name="t", description="gone", neurons=1000)
    g.add_node("a", share=2, threshold=0.3, x=1)
    g.add_node("b", share=1, cortical=True)
    g.add_edge("a", "b", strength=0.5, sign=-1)
    write_tvb(g, tmp_path / "t.zip")
    back = read_tvb(tmp_path / "t.zip")
    assert "description" not in back.graph and "neurons" not in back.graph
    assert back.nodes["a"] == {"share": 2.0, "x": 1.0, "y": 0.0, "z": 0.0, "area": 2.0}
    assert back.edges["a", "b"] == {"strength": 0.5}


def test_writer_refuses_what_tvb_cannot_write(tmp_path):
    def check(graph, *fragments):
        target = tmp_path / "refused.zip"
        with pytest.raises(InputError) as info:
            write_tvb(graph, target)
        for fragment in fragments:
            assert fragment in str(info.value), (fragment, str(info.value))
        assert not target.exists() and not list(tmp_path.glob(".*tmp*"))

    spaced = nx.DiGraph(name="t")
    spaced.add_node("left V1", share=1)
    check(spaced, "region 'left V1'", "whitespace")
    hashed = nx.DiGraph(name="t")
    hashed.add_node("#1", share=1)
    check(hashed, "region '#1'", "comment")
    bad_x = nx.DiGraph(name="t")
    bad_x.add_node("a", share=1, x="left")
    check(bad_x, "region 'a'.x", "must be a number")
    bad_flag = nx.DiGraph(name="t")
    bad_flag.add_node("a", share=1, cortical="yes")
    check(bad_flag, "region 'a'.cortical", "0/1")
    bad_tract = nx.DiGraph(name="t")
    bad_tract.add_nodes_from([("a", {"share": 1}), ("b", {"share": 1})])
    bad_tract.add_edge("a", "b", strength=1, tract_length=-4)
    check(bad_tract, "projection 'a' -> 'b'.tract_length", "≥ 0")
    invalid = nx.DiGraph(name="t")
    invalid.add_node("a", share=0)
    check(invalid, "share", "must be > 0")
    with pytest.raises(InputError, match="binary file"):
        write_tvb(read_tvb(make_zip(tmp_path / "c.zip", FULL)), io.StringIO())
