"""Importing and exporting every format through the CLI: same content hash back, hostile files refused."""

import json
import zipfile

import pytest

from conftest import EXAMPLE, assert_one_line_error, table_counts

WEIGHTS = "0 0.5 0\n2 0 0\n0 1.25 0\n"      # row = target: 1 -> 0 (0.5), 0 -> 1 (2), 1 -> 2 (1.25)
TRACTS = "0 10 0\n12 0 0\n0 30 0\n"
CENTRES = "lh_V1 1 2 3\nrh_V1 -1 2 3\nthal 0 0 0\n"


def tvb_zip(path, weights=WEIGHTS):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("conn/weights.txt", weights)
        z.writestr("conn/tract_lengths.txt", TRACTS)
        z.writestr("conn/centres.txt", CENTRES)
        z.writestr("conn/areas.txt", "2\n2\n1\n")
    return path


def test_tvb_import_orientation_and_round_trip(run, tmp_path):
    out = run("topology", "import", tvb_zip(tmp_path / "conn3.zip"), "--json")
    assert out.exit_code == 0, out.stderr
    assert (out.json()["ref"], out.json()["projections"]) == ("conn3@v1", 3)
    shown = run("topology", "show", "conn3", "--json").json()
    edges = {(p["source"], p["target"]): (p["strength"], p["tract_length"]) for p in shown["projections"]}
    assert edges == {("rh_V1", "lh_V1"): (0.5, 10.0), ("lh_V1", "rh_V1"): (2.0, 12.0), ("rh_V1", "thal"): (1.25, 30.0)}
    for fmt, name in (("tvb", "again.zip"), ("json", "again.json")):
        assert run("topology", "export", "conn3", "-o", tmp_path / name).exit_code == 0
        again = run("topology", "import", tmp_path / name, "--name", f"copy_{fmt}", "--json").json()
        assert again["content_hash"] == out.json()["content_hash"], fmt


def test_tvb_strength_scale(run, tmp_path):
    big = tvb_zip(tmp_path / "big.zip", weights="0 5000 0\n2 0 0\n0 1 0\n")
    assert_one_line_error(run("topology", "import", big), "big.zip", "--strength-scale")
    assert run("topology", "import", big, "--strength-scale", "0.1").exit_code == 0
    assert run("topology", "import", EXAMPLE, "--strength-scale", "2").exit_code == 0  # every format scales
    assert run("topology", "show", "multi_region", "--json").json()["projections"][0]["strength"] == 0.6


def test_json_export_and_format_option(run, tmp_path):
    run("topology", "import", EXAMPLE)
    assert_one_line_error(run("topology", "export", "v1", "--format", "tvb"), "needs -o FILE")
    assert run("topology", "export", "v1", "-o", tmp_path / "x.data", "--format", "json").exit_code == 0
    assert json.loads((tmp_path / "x.data").read_text())["name"] == "multi_region"


def _bomb(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("weights.txt", "w", force_zip64=True) as member:
            zeros = b"0 " * (1 << 20)
            for _ in range(600):  # 1.2 GB of text that deflates to about a megabyte
                member.write(zeros)
        z.writestr("centres.txt", CENTRES)
    return path


HOSTILE = {
    "zip bomb": (_bomb, "weights.txt"),
    "path traversal": (lambda p: _zip(p, {"../weights.txt": WEIGHTS, "centres.txt": CENTRES}), ".."),
    "non-square": (lambda p: _zip(p, {"weights.txt": "0 1\n1 0 0\n", "centres.txt": CENTRES}), "weights.txt"),
    "NaN cell": (lambda p: _zip(p, {"weights.txt": "0 nan 0\n1 0 0\n0 1 0\n", "centres.txt": CENTRES}), "weights.txt"),
    "centres count": (lambda p: _zip(p, {"weights.txt": WEIGHTS, "centres.txt": "a 0 0 0\nb 0 0 0\n"}), "centres.txt"),
    "billion laughs": (lambda p: _text(p, LAUGHS), "DOCTYPE"),
}


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>'
          '<graphml><graph edgedefault="directed"><node id="&lol2;"/></graph></graphml>')


def _text(path, text):
    path.write_text(text)
    return path


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return path


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_files_leave_store_and_disk_alone(case, run, db, tmp_path):
    run("topology", "import", EXAMPLE)
    before = table_counts(db)
    make, fragment = HOSTILE[case]
    suffix = ".graphml" if case == "billion laughs" else ".zip"
    path = make(tmp_path / f"hostile{suffix}")
    files_before = sorted(p.name for p in tmp_path.iterdir())
    outcome = run("topology", "import", path)
    assert_one_line_error(outcome, str(path))
    assert fragment.lower() in outcome.stderr.lower()
    assert table_counts(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == files_before


def test_csv_import_with_regions_and_export_round_trip(run, tmp_path):
    edges = tmp_path / "edges.csv"
    edges.write_text("source,target,strength,tract_length\nV1,V2,0.3,12.5\nV2,LGN,1,\n")
    regions = tmp_path / "areas.csv"
    regions.write_text("name,share,hemisphere\nV1,2,left\nV2,1.5,left\nLGN,0.5,\n")
    out = run("topology", "import", edges, "--regions", regions, "--name", "visual", "--json")
    assert out.exit_code == 0, out.stderr
    shown = run("topology", "show", "visual", "--json").json()
    assert shown["regions"][0] == {"name": "V1", "share": 2.0, "hemisphere": "left"}
    assert shown["projections"][1] == {"source": "V2", "target": "LGN", "strength": 1.0}
    for name in ("exported.csv", "exported.graphml"):
        assert run("topology", "export", "visual", "-o", tmp_path / name).exit_code == 0
        again = run("topology", "import", tmp_path / name, "--json").json()   # the CSV pair is found beside it
        assert again["content_hash"] == out.json()["content_hash"], name
    assert (tmp_path / "exported.regions.csv").exists()


def test_csv_errors_name_the_line(run, tmp_path, db):
    edges = tmp_path / "edges.csv"
    edges.write_text("source,target,strength\nV1,V2,0.3\nV2,V9,zero\n")
    assert_one_line_error(run("topology", "import", edges), "edges.csv: line 3: strength: must be a number, got 'zero'")
    assert not db.exists()
    assert_one_line_error(run("topology", "import", EXAMPLE, "--regions", edges), "--regions", "csv")


def test_tvb_export_refuses_labels_with_spaces(run, tmp_path):
    doc = json.loads(EXAMPLE.read_text())
    doc["regions"][0]["name"] = "sensory cortex"
    doc["projections"] = [p for p in doc["projections"] if p["source"] != "sensory_cortex"]
    spaced = tmp_path / "spaced.json"
    spaced.write_text(json.dumps(doc))
    assert run("topology", "import", spaced, "--name", "spaced").exit_code == 0
    target = tmp_path / "out.zip"
    assert_one_line_error(run("topology", "export", "spaced", "-o", target), "sensory cortex")
    assert not target.exists()


def test_export_warns_when_the_format_cannot_carry_everything(run, tmp_path):
    doc = json.loads(EXAMPLE.read_text())
    doc["neurons"] = 10_000
    scaled = tmp_path / "scaled.json"
    scaled.write_text(json.dumps(doc))
    imported = run("topology", "import", scaled, "--json").json()
    quiet = run("topology", "export", "multi_region", "-o", tmp_path / "full.graphml")
    assert quiet.exit_code == 0 and "warning" not in quiet.stderr
    lossy = run("topology", "export", "multi_region", "-o", tmp_path / "lossy.csv")
    assert lossy.exit_code == 0
    assert "warning: " in lossy.stderr and "csv cannot carry everything in multi_region@v1" in lossy.stderr
    again = run("topology", "import", tmp_path / "lossy.csv", "--json").json()
    assert again["content_hash"] != imported["content_hash"]
