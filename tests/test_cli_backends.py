"""Every command through the real CLI, on a SQLite file and on a real PostgreSQL server; bad names and numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from connectome.store.migrate import HEAD
from conftest import EXAMPLE, assert_one_line_error, raw_sql, table_counts


def test_every_command_on_both_backends(run, store_url, tmp_path):
    db = ["--db", store_url]
    assert run(*db, "topology", "import", EXAMPLE, "-m", "first").exit_code == 0
    doc = json.loads(EXAMPLE.read_text())
    doc["projections"][0]["strength"] = 0.4
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(doc))
    assert run(*db, "topology", "import", changed).exit_code == 0
    listed = run(*db, "topology", "list", "--json").json()
    assert [(v["ref"], v["regions"], v["projections"], v["message"]) for v in listed] == \
        [("multi_region@v1", 5, 8, "first"), ("multi_region@v2", 5, 8, None)]
    shown = run(*db, "topology", "show", "multi_region@v2", "--json").json()
    assert shown["projections"][0]["strength"] == 0.4
    exported = tmp_path / "out.graphml"
    assert run(*db, "topology", "export", "v1", "-o", exported).exit_code == 0 and exported.stat().st_size > 0
    stats = run(*db, "topology", "stats", "v1", "--neurons", "1e7", "--json").json()
    assert stats["total_connections"] == 6_537_500_000
    diffed = run(*db, "topology", "diff", "v1", "v2", "--neurons", "1e7", "--json").json()
    assert diffed["connections_delta"]["total"]["delta"] == 2_500_000 * 2_500_000 // 10_000  # strength 0.3 -> 0.4, per 1000 pairs
    assert "no differences" in run(*db, "topology", "diff", "v1", "multi_region@v1").stdout
    assert run(*db, "estimate", "--topology", "v1", "--neurons", "1e7", "--json").json()["steps"] == 10_000
    output = tmp_path / "run.npz"
    sim = run(*db, "simulate", "--topology", "v1", "--neurons", "1e7", "--duration", "20", "--seed", "3",
              "--stimulus", "sensory_cortex=1.0", "--output", output, "--json").json()
    with np.load(output) as data:
        assert data["activity"].shape == (201, 5)
    shown_run = run(*db, "runs", "show", str(sim["run_id"]), "--json").json()
    assert shown_run["summary"] == sim and shown_run["seed"] == 3 and shown_run["output"] == str(output)
    stored = raw_sql(store_url, "SELECT id, CAST(summary AS TEXT) FROM runs")
    assert [(i, json.loads(text)["run_id"]) for i, text in stored] == [(sim["run_id"], sim["run_id"])]
    assert [r["id"] for r in run(*db, "runs", "list", "--json").json()] == [sim["run_id"]]
    assert run(*db, "topology", "verify").exit_code == 0
    assert f"{HEAD} (this version expects {HEAD}; up to date)" in run(*db, "db", "current").stdout
    assert "0002 -> 0003" in run(*db, "db", "history").stdout
    assert run(*db, "db", "upgrade").stdout.strip() == f"already at {HEAD} (head)"


@pytest.mark.parametrize("name, fragment", [
    ("nul\x00here", "got U+0000 at position 4"),
    ("two\nlines", "got U+000A at position 4"),
    ("spoof\u202etxt.exe", "got U+202E at position 6"),
    ("x" * 1001, "must be at most 1000 characters, got 1,001"),
])
@pytest.mark.parametrize("where", ["name", "regions[0].name"])
def test_control_characters_and_long_names_are_refused(run, db, tmp_path, name, fragment, where):
    doc = json.loads(EXAMPLE.read_text())
    if where == "name":
        doc["name"] = name
    else:
        old = doc["regions"][0]["name"]
        doc["regions"][0]["name"] = name
        for p in doc["projections"]:
            p["source"], p["target"] = (name if p[k] == old else p[k] for k in ("source", "target"))
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    assert_one_line_error(run("topology", "import", path), f"{where}: ", fragment)
    assert table_counts(db).get("topology_versions", 0) == 0


def test_name_option_is_checked_too(run, db):
    assert_one_line_error(run("topology", "import", EXAMPLE, "--name", "a\u200fb"), "--name", "U+200F")


@pytest.mark.parametrize("args, fragment", [
    (["--neurons", "١٢٣"], "--neurons: must be written with ASCII digits"),
    (["--neurons", "1e7", "--duration", "1e308", "--dt", "1e-308"], "is 1.000E+616 steps"),
    (["--neurons", "1e7", "--record-every", "1e308"], "--record-every: must be ≤ the duration"),
    (["--neurons", "1e7", "--duration", "1e9", "--record-every", "1e8"], "10,000,000,000 steps, more than the 100,000,000"),
    (["--neurons", "1e7", "--max-steps", "0"], "--max-steps: must be a whole number ≥ 1"),
])
@pytest.mark.parametrize("command", ["simulate", "estimate"])
def test_run_numbers_are_checked_before_anything_runs(run, db, command, args, fragment):
    assert run("topology", "import", EXAMPLE).exit_code == 0
    before = table_counts(db)
    assert_one_line_error(run(command, "--topology", "v1", *args), fragment)
    assert table_counts(db) == before


def test_a_conduction_speed_near_zero_runs_in_bounded_memory(run):
    assert run("topology", "import", EXAMPLE).exit_code == 0
    outcome = run("simulate", "--topology", "v1", "--neurons", "1e4", "--duration", "10", "--speed", "1e-320",
                  "--deterministic", "--json")
    assert outcome.exit_code == 0, outcome.stderr
    assert run("estimate", "--topology", "v1", "--neurons", "1e4", "--duration", "10", "--speed", "1e-320",
               "--json").json()["max_delay_steps"] == 101
