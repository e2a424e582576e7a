"""Upgrade fixtures: a real store written by each past schema revision's own code, upgraded to head.

Each file in tests/fixtures/revisions/ was written by an old commit's command line (see the README and
make_fixtures.py there); manifest.json keeps what that old code reported about its store. A copy of each
file is upgraded one revision at a time with the library, and to head with `db upgrade`, and the new code
must report the same topologies, versions, runs and derived counts, and `topology verify` must pass.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any, Callable

import pytest

from connectome.store import migrate
from connectome.store.connection import Database
from connectome.store.url import resolve_url
from conftest import table_counts

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "revisions"
MANIFEST: dict[str, dict[str, Any]] = json.loads((FIXTURES / "manifest.json").read_text())
NEURONS = "10000000"  # as make_fixtures.py asked the old code
# tables later revisions add, as they start; 0009 packs each of the three versions every fixture holds: source,
# target, strength and its one attribute (tract_length)
ADDED_SINCE = {"runs": 0, "sweeps": 0, "ledger": 1, "run_deletions": 0, "projection_arrays": 12}


def _entries() -> list[Any]:
    """One pytest parameter per fixture file, named after it."""
    return [pytest.param(entry, id=name) for name, entry in MANIFEST.items()]


def _copy(entry: dict[str, Any], folder: Path) -> Path:
    """A working copy of the fixture (the committed file is never opened for writing)."""
    target = folder / "store.db"
    shutil.copyfile(FIXTURES / entry["file"], target)
    return target


def _revision(path: Path) -> str:
    """The Alembic revision of a SQLite file, read by the driver."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def _expected_counts(entry: dict[str, Any], at: str) -> dict[str, int]:
    """Rows per table after upgrading to revision `at`: the old rows, and the new tables as they start."""
    added = {"0002": ["runs"], "0004": ["sweeps"], "0006": ["ledger", "run_deletions"], "0009": ["projection_arrays"]}
    new = [t for rev, tables in added.items() if entry["revision"] < rev <= at for t in tables]
    return {**entry["tables"], **{t: ADDED_SINCE[t] for t in new}}


def test_every_past_revision_has_a_fixture():
    """A new migration makes the previous head a past revision: it needs a fixture written by its code."""
    assert {e["revision"] for e in MANIFEST.values()} == set(migrate.REVISIONS[:-1])
    for name, entry in MANIFEST.items():
        path = FIXTURES / entry["file"]
        assert path.name == name and _revision(path) == entry["revision"]
        assert path.stat().st_size == entry["bytes"] <= 300_000


@pytest.mark.parametrize("entry", _entries())
def test_fixture_upgrades_one_revision_at_a_time(entry, tmp_path):
    """Every revision since the fixture's, in turn, through the library's upgrade: no row is lost at any step."""
    path = _copy(entry, tmp_path)
    database = Database(resolve_url(str(path)))
    try:
        for revision in migrate.REVISIONS[migrate.REVISIONS.index(entry["revision"]) + 1:]:
            migrate.upgrade(database, revision)
            assert _revision(path) == revision
            assert table_counts(path) == _expected_counts(entry, revision), revision
    finally:
        database.close()


@pytest.mark.parametrize("entry", _entries())
def test_fixture_upgraded_to_head_keeps_its_data(entry, tmp_path, run):
    """`db upgrade` backs the file up and migrates it; the new code reports what the old code did."""
    path = _copy(entry, tmp_path)
    upgraded = run("--db", path, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.stderr
    backup = path.with_name(f"{path.name}.bak-{entry['revision']}")
    assert f"backed up to {backup}" in upgraded.stdout
    assert table_counts(backup) == entry["tables"]
    assert _revision(path) == migrate.HEAD
    assert table_counts(path) == _expected_counts(entry, migrate.HEAD)
    _same_report(entry, lambda *args: run("--db", path, *args))


def _same_report(entry: dict[str, Any], cli: Callable[..., Any]) -> None:
    """The upgraded store's list, documents, derived counts, runs and sweeps are what the old code reported,
    every version verifies, and a reimport of a stored document finds its version."""
    assert [v["ref"] for v in _json(cli("topology", "list", "--json"))] == entry["refs"]
    for ref in entry["refs"]:
        assert _json(cli("topology", "show", ref, "--json")) == entry["documents"][ref], ref
        stats = _json(cli("topology", "stats", ref, "--neurons", NEURONS, "--json"))
        assert stats["total_connections"] == entry["total_connections"][ref], ref
    runs = [{k: r[k] for k in ("id", "ref", "neurons", "seed")} for r in _json(cli("runs", "list", "--json"))]
    assert runs == entry["runs"]
    assert len(_json(cli("sweeps", "list", "--json"))) == entry["tables"].get("sweeps", 0)
    verified = cli("topology", "verify", "--json")
    assert verified.exit_code == 0, verified.stdout + verified.stderr
    assert all(v["ok"] for v in _json(verified)) and len(_json(verified)) == len(entry["refs"]) + 1


def _json(outcome: Any) -> Any:
    """The JSON a successful command printed."""
    assert outcome.exit_code == 0, outcome.stdout + outcome.stderr
    return outcome.json()


@pytest.mark.parametrize("entry", _entries())
def test_upgraded_fixture_takes_new_versions_and_finds_old_ones(entry, tmp_path, run):
    """After the upgrade, importing a stored document again finds its version (the content hash still
    matches), a changed one becomes the next version, and the store still verifies."""
    path = _copy(entry, tmp_path)
    assert run("--db", path, "db", "upgrade").exit_code == 0
    last = entry["refs"][-1]
    document = entry["documents"][last]
    again = _json(run("--db", path, "topology", "import", _write(tmp_path / "again.json", document), "--json"))
    assert (again["ref"], again["created"]) == (last, False)
    changed = {**document, "projections": document["projections"][:-1]}
    new = _json(run("--db", path, "topology", "import", _write(tmp_path / "changed.json", changed), "--json"))
    assert (new["version"], new["created"]) == (int(last.rpartition("@v")[2]) + 1, True)
    assert run("--db", path, "topology", "verify").exit_code == 0


def _write(path: Path, document: dict[str, Any]) -> Path:
    """`document` written to `path` as JSON; the path."""
    path.write_text(json.dumps(document))
    return path


def test_the_upgrading_guides_store_is_the_0007_fixture():
    """docs/guide/upgrading.md upgrades examples/data/old_store_0007.sqlite: the fixture this file checks."""
    root = Path(__file__).resolve().parent.parent
    shipped = root / "examples" / "data" / "old_store_0007.sqlite"
    assert shipped.read_bytes() == (root / "tests" / "fixtures" / "revisions" / "0007-6b6ac0c.sqlite").read_bytes()
