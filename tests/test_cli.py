"""The topology commands end to end through the real CLI on real database files."""

import json
import subprocess
import sys

from connectome.graph import content_hash
from connectome.formats.canonical import read_json
from conftest import EXAMPLE, ROOT, assert_one_line_error


def test_import_reports_the_version(run):
    first = run("topology", "import", EXAMPLE, "--message", "first cut", "--json")
    assert first.exit_code == 0, first.stderr
    out = first.json()
    assert out == {"ref": "multi_region@v1", "name": "multi_region", "version": 1, "created": True,
                   "regions": 5, "projections": 8, "content_hash": content_hash(read_json(EXAMPLE))}
    again = run("topology", "import", EXAMPLE, "--json").json()
    assert (again["version"], again["created"]) == (1, False)
    assert "unchanged, already stored as multi_region@v1" in run("topology", "import", EXAMPLE).stdout


def test_list_json(run):
    run("topology", "import", EXAMPLE, "-m", "note")
    listed = run("topology", "list", "--json").json()
    assert len(listed) == 1
    assert set(listed[0]) == {"name", "version", "ref", "regions", "projections", "created_at", "message"}
    assert (listed[0]["ref"], listed[0]["regions"], listed[0]["projections"], listed[0]["message"]) == ("multi_region@v1", 5, 8, "note")
    table = run("topology", "list").stdout
    assert "multi_region@v1" in table and "note" in table


def test_show_json_is_the_canonical_document(run):
    run("topology", "import", EXAMPLE)
    assert run("topology", "show", "v1", "--json").json() == json.loads(EXAMPLE.read_text())
    text = run("topology", "show", "multi_region").stdout
    assert "sensory_cortex" in text and "tract_length=20.0" in text


def test_export_then_import_gives_the_same_hash(run, tmp_path):
    imported = run("topology", "import", EXAMPLE, "--json").json()
    stdout_copy = tmp_path / "stdout.json"
    stdout_copy.write_text(run("topology", "export", "v1").stdout)
    assert run("topology", "export", "v1", "-o", tmp_path / "file.json").exit_code == 0
    for path in (stdout_copy, tmp_path / "file.json"):
        again = run("topology", "import", path, "--name", "copy", "--json").json()
        assert again["content_hash"] == imported["content_hash"]
    assert run("topology", "export", "v1", "-o", tmp_path / "missing" / "x.json").exit_code == 2


def test_stats_json_is_exact(run):
    run("topology", "import", EXAMPLE)
    stats = run("topology", "stats", "v1", "--neurons", "1e11", "--json").json()
    assert stats["ref"] == "multi_region@v1" and stats["neurons"] == 10**11
    assert [r["neurons"] for r in stats["regions"]] == [25 * 10**9, 25 * 10**9, 20 * 10**9, 15 * 10**9, 15 * 10**9]
    first = stats["projections"][0]
    assert first == {"source": "sensory_cortex", "target": "association_cortex", "strength": 0.3,
                     "connections": 25 * 10**9 * 25 * 10**9 * 3 // 10_000}
    assert stats["total_connections"] == sum(p["connections"] for p in stats["projections"]) == 653_750_000_000_000_000
    text = run("topology", "stats", "v1", "--neurons", "10_000_000").stdout
    assert "total connections: 6,537,500,000" in text


def test_stats_without_neurons_shows_what_needs_no_neuron_count(run):
    run("topology", "import", EXAMPLE)
    out = run("topology", "stats", "v1")
    assert out.exit_code == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == ("multi_region@v1: 5 regions, 8 projections, probability scaling (no neuron count: give "
                        "--neurons N for derived counts)")
    assert lines[1].split() == ["region", "share"] and lines[3].split() == ["sensory_cortex", "0.25"]
    assert lines[9].split() == ["source", "target", "strength", "rule"]
    assert "neurons" not in "\n".join(lines[1:]) and "connections" not in out.stdout
    stats = run("topology", "stats", "v1", "--json").json()
    assert (stats["neurons"], stats["regions"][0], "total_connections" in stats) == \
        (None, {"name": "sensory_cortex", "share": 0.25}, False)
    assert stats["projections"][0] == {"source": "sensory_cortex", "target": "association_cortex", "strength": 0.3}


def test_unknown_and_ambiguous_references(run, tmp_path):
    run("topology", "import", EXAMPLE)
    run("topology", "import", EXAMPLE, "--name", "other")
    assert_one_line_error(run("topology", "show", "v1"), "ambiguous", "multi_region@v1", "other@v1")
    assert_one_line_error(run("topology", "show", "nothing"), "no topology named 'nothing'")


def test_db_option_beats_environment(run, tmp_path):
    other = tmp_path / "elsewhere.db"
    assert run("--db", other, "topology", "import", EXAMPLE).exit_code == 0
    assert other.exists()
    absent = run("topology", "list", "--json")  # the environment's store does not exist: refused, not created
    assert absent.exit_code == 3 and not (tmp_path / "store.db").exists()
    assert len(run("--db", f"sqlite:///{other}", "topology", "list", "--json").json()) == 1


def test_default_database_in_working_directory(tmp_path):
    env = {k: v for k, v in __import__("os").environ.items() if k != "CONNECTOME_DB"}
    done = subprocess.run([sys.executable, str(ROOT / "cli.py"), "topology", "import", str(EXAMPLE)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "connectome.db").exists()


def test_bad_database_url(run):
    assert_one_line_error(run("--db", "nosuchdriver://x/y", "topology", "list"), "nosuchdriver")


def test_unexpected_errors_are_not_hidden(tmp_path):
    """A usage error is one line with exit 2; the console script and python cli.py behave the same."""
    done = subprocess.run([sys.executable, str(ROOT / "cli.py"), "topology", "stats"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "Missing argument" in done.stderr
