"""Importing canonical JSON through the CLI: good files, names kept verbatim, and every bad input refused."""

import json

import pytest

from connectome.formats.canonical import read_json
from connectome.graph import content_hash
from conftest import EXAMPLE, assert_one_line_error, table_counts

GOOD = {"name": "t", "regions": [{"name": "a", "share": 1}, {"name": "b", "share": 2}],
        "projections": [{"source": "a", "target": "b", "strength": 0.5}]}


def _variant(**changes):
    doc = json.loads(json.dumps(GOOD))
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = doc
        for p in parents:
            node = node[int(p)] if p.isdigit() else node[p]
        if value is KeyError:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value
    return json.dumps(doc)


BAD = {
    "empty": ("", "empty"),
    "whitespace": ("  \n", "empty"),
    "truncated": (json.dumps(GOOD)[:40], "line 1 column"),
    "not json": ("name: t\nregions: []\n", "not valid JSON"),
    "root list": ("[1, 2]", "top level must be a JSON object"),
    "missing regions": (_variant(regions=KeyError), "regions: is missing"),
    "missing name": (_variant(name=KeyError), "name: is missing"),
    "empty name": (_variant(name="  "), "name: must be a non-empty string"),
    "missing strength": (_variant(projections__0__strength=KeyError), "projections[0].strength: is missing"),
    "no regions": (_variant(regions=[], projections=[]), "regions: must list at least one region"),
    "unknown source": (_variant(projections__0__source="zz"), "projections[0].source: unknown region 'zz'"),
    "unknown target": (_variant(projections__0__target="zz"), "projections[0].target: unknown region 'zz'"),
    "duplicate region": (_variant(regions__1__name="a"), "regions[1].name: duplicate region 'a'"),
    "duplicate projection": (json.dumps({**GOOD, "projections": GOOD["projections"] * 2}), "projections[1]: duplicate projection"),
    "NaN": (_variant().replace('"share": 2', '"share": NaN'), "NaN is not a JSON number"),
    "Infinity": (_variant().replace('"strength": 0.5', '"strength": Infinity'), "Infinity is not a JSON number"),
    "string share": (_variant(regions__0__share="1"), "regions[0].share: must be a number, got '1'"),
    "boolean strength": (_variant(projections__0__strength=True), "projections[0].strength: must be a number"),
    "zero share": (_variant(regions__0__share=0), "regions[0].share: must be > 0"),
    "negative strength": (_variant(projections__0__strength=-0.2), "projections[0].strength: must be > 0, got -0.2"),
    "strength above 1000": (_variant(projections__0__strength=1000.5), "projections[0].strength: must be ≤ 1000"),
    "empty region name": (_variant(regions__0__name=""), "regions[0].name: must be a non-empty string"),
    "region not object": (_variant(regions__0="a"), "regions[0]: must be an object"),
    "mixed share and neurons": (_variant(regions__0__neurons=5), "regions[0]: give every region either"),
    "non-utf8": ("\xff\xfe{}", "not UTF-8"),
    "400-digit share": (_variant().replace('"share": 2', '"share": 1' + '0' * 400), "regions[1].share: must be at most"),
    "huge exponent": (_variant().replace('"strength": 0.5', '"strength": 1e999'), "projections[0].strength: must be finite"),
}


@pytest.fixture
def populated(run, db):
    assert run("topology", "import", EXAMPLE).exit_code == 0
    return table_counts(db)


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_file_is_refused_and_store_unchanged(case, run, db, tmp_path, populated):
    text, fragment = BAD[case]
    path = tmp_path / "bad.json"
    path.write_bytes(text.encode("latin-1") if case == "non-utf8" else text.encode("utf-8"))
    outcome = run("topology", "import", path)
    assert_one_line_error(outcome, str(path), fragment)
    assert table_counts(db) == populated


def test_missing_file(run, db, tmp_path):
    outcome = run("topology", "import", tmp_path / "nope.json")
    assert_one_line_error(outcome, "nope.json", "no such file")
    assert not db.exists()


@pytest.mark.parametrize("value", ["0", "-3", "1.5", "abc"])
def test_bad_neurons(value, run, populated):
    assert_one_line_error(run("topology", "stats", "v1", "--neurons", value), "--neurons", repr(value))


def test_hostile_names_are_stored_verbatim(run, tmp_path):
    names = ["it's \"quoted\"", "'); DROP TABLE regions;--", "海马体 ünïcödé 🧠", "  spaced  out "]
    doc = {"name": "Robert'); DROP TABLE topologies;--", "regions": [{"name": n, "share": 1} for n in names],
           "projections": [{"source": names[0], "target": names[1], "strength": 0.25}]}
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert run("topology", "import", path).exit_code == 0
    shown = run("topology", "show", f"{doc['name']}@v1", "--json").json()
    assert shown["name"] == doc["name"]
    assert [r["name"] for r in shown["regions"]] == names
    assert shown["projections"][0]["source"] == names[0]


def test_region_neurons_instead_of_share(run, tmp_path):
    doc = {"name": "counted", "regions": [{"name": "a", "neurons": 300}, {"name": "b", "neurons": 700}],
           "projections": [{"source": "a", "target": "b", "strength": 10}]}
    path = tmp_path / "counted.json"
    path.write_text(json.dumps(doc))
    assert run("topology", "import", path).exit_code == 0
    stats = run("topology", "stats", "counted", "--json").json()  # the reference scale is the sum, 1000
    assert stats["neurons"] == 1000
    assert [r["neurons"] for r in stats["regions"]] == [300, 700]
    assert stats["total_connections"] == 300 * 700 * 10 // 1000


def test_name_option_overrides_file_name(run):
    out = run("topology", "import", EXAMPLE, "--name", "renamed", "--json").json()
    assert out["ref"] == "renamed@v1"
    assert run("topology", "show", "renamed@v1", "--json").json()["name"] == "renamed"


def test_files_above_the_size_limit_are_refused_unread(run, tmp_path, populated, db):
    path = tmp_path / "huge.json"
    with open(path, "wb") as fh:  # a sparse file: 1 GiB and one byte, no disk used
        fh.truncate(2**30 + 1)
    assert_one_line_error(run("topology", "import", path), "huge.json", "larger than the 1,073,741,824-byte limit")
    assert table_counts(db) == populated


# ---- JSON numbers read as the decimals they are

def test_json_numbers_a_double_cannot_carry_stay_decimals():
    from decimal import Decimal

    from connectome.jsontext import dumps, parse_float

    assert type(parse_float("0.3")) is float and parse_float("0.3") == 0.3
    assert type(parse_float("0.30000000000000004")) is float  # a double's own shortest text
    assert type(parse_float("1e-5")) is float
    assert parse_float("999.99999999999999999") == Decimal("999.99999999999999999")
    assert parse_float("1e-400") == Decimal("1e-400") and parse_float("3e-324") == Decimal("3e-324")
    assert dumps({"x": [Decimal("999.99999999999999999"), 0.5, "999.99999999999999999"]}) == \
        '{"x": [999.99999999999999999, 0.5, "999.99999999999999999"]}'


def test_existing_content_hashes_do_not_change():
    """Ordinary numbers are floats as before: the example's hash is the one stores already hold."""
    assert content_hash(read_json(EXAMPLE)) == "6619082b757e7caaa995c6fdf03520680659ccc0f88ad547c71abf5c54fc3408"


def test_long_decimals_are_exact_through_the_store(run, store_url, tmp_path):
    doc = json.loads(EXAMPLE.read_text())
    doc["projections"][0]["strength"] = "@STRENGTH@"
    doc["regions"][0]["share"] = "@SHARE@"
    text = json.dumps(doc).replace('"@STRENGTH@"', "999.99999999999999999").replace('"@SHARE@"', "1e-400")
    exact_file, rounded_file = tmp_path / "exact.json", tmp_path / "rounded.json"
    exact_file.write_text(text)
    rounded_file.write_text(text.replace("999.99999999999999999", "1000"))
    first = run("--db", store_url, "topology", "import", exact_file, "--json").json()
    rounded = run("--db", store_url, "topology", "import", rounded_file, "--json").json()
    assert first["content_hash"] != rounded["content_hash"] and rounded["version"] == 2
    shown = run("--db", store_url, "topology", "show", "multi_region@v1", "--json")
    assert '"strength": 999.99999999999999999' in shown.stdout and '"share": 1E-400' in shown.stdout
    p = doc["projections"][0]
    stats = run("--db", store_url, "topology", "stats", "multi_region@v1", "--neurons", "1e12", "--json").json()
    sizes = {r["name"]: r["neurons"] for r in stats["regions"]}
    got = next(x for x in stats["projections"] if (x["source"], x["target"]) == (p["source"], p["target"]))
    # floor(N_s · N_t · 99999999999999999999 / 10^17 / 1000), the decimal as written
    assert got["connections"] == sizes[p["source"]] * sizes[p["target"]] * 99999999999999999999 // 10**20
    exported = tmp_path / "again.json"
    assert run("--db", store_url, "topology", "export", "multi_region@v1", "-o", exported).exit_code == 0
    again = run("--db", store_url, "topology", "import", exported, "--name", "again", "--json").json()
    assert again["content_hash"] == first["content_hash"]
