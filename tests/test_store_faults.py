"""Sealed versions, verification, and every database fault as one line with its exit code, store unchanged."""

from __future__ import annotations

import contextlib
import json
import subprocess
import uuid

import pytest

from connectome.errors import DatabaseError
from connectome.store import Store
from connectome.store.locks import lock_key
from conftest import EXAMPLE, assert_one_line_error, raw_sql, table_counts, tmpfs

SEALED_WRITES = [
    "UPDATE regions SET share = 2",
    "DELETE FROM projections",
    "INSERT INTO regions (version_id, name, share) VALUES (1, 'extra', 1)",
    "INSERT INTO projections (version_id, source_id, target_id, strength) VALUES (1, 1, 1, 1)",
    "UPDATE topology_versions SET content_hash = 'forged'",
    "UPDATE topology_versions SET sealed = FALSE",
    "DELETE FROM topology_versions",
]


@pytest.mark.parametrize("statement", SEALED_WRITES)
def test_sealed_versions_refuse_every_change_from_any_client(store_url, statement):
    with Store(store_url) as store:
        store.save(_example())
    before = table_counts(store_url)
    with pytest.raises(Exception, match="stored versions are sealed and cannot change"):
        raw_sql(store_url, statement)
    assert table_counts(store_url) == before
    with Store(store_url) as store:
        assert [r["ok"] for r in store.verify()] == [True]


def _example():
    from connectome.formats.canonical import read_json

    return read_json(EXAMPLE)


def _drop_triggers(url: str) -> None:
    """What a superuser (or a faulty tool) can do: remove the guards."""
    if "://" in url:
        raw_sql(url, "DROP TRIGGER regions_sealed ON regions", "DROP TRIGGER topology_versions_sealed ON topology_versions")
    else:
        raw_sql(url, "DROP TRIGGER regions_sealed_insert", "DROP TRIGGER regions_sealed_update",
                "DROP TRIGGER topology_versions_sealed_update")


def test_verify_finds_what_was_changed_behind_the_triggers(run, store_url):
    assert run("--db", store_url, "topology", "import", EXAMPLE).exit_code == 0
    changed = dict(_example().graph, name="other")
    assert run("--db", store_url, "topology", "import", EXAMPLE, "--name", "other").exit_code == 0
    assert run("--db", store_url, "topology", "verify").exit_code == 0
    _drop_triggers(store_url)
    raw_sql(store_url, "INSERT INTO regions (version_id, name, share) VALUES (1, 'smuggled', 1)")
    raw_sql(store_url, "UPDATE topology_versions SET sealed = FALSE WHERE id = 2")
    outcome = run("--db", store_url, "topology", "verify")
    assert outcome.exit_code == 4, (changed, outcome.stderr)
    assert "multi_region@v1  FAILED: content hash differs; region or projection counts differ" in outcome.stdout
    assert "other@v1         FAILED: not sealed" in outcome.stdout
    guards = ("3 of 45 triggers missing (regions_sealed_insert, regions_sealed_update, topology_versions_sealed_update)"
              if "://" not in str(store_url) else "2 of 18 triggers missing (regions_sealed, topology_versions_sealed)")
    assert outcome.stderr.strip() == "error: 2 of 2 versions failed verification: multi_region@v1, other@v1; " \
                                     f"the ledger: the store's guards: {guards}"
    report = run("--db", store_url, "topology", "verify", "other", "--json")
    assert report.exit_code == 4 and [r["ref"] for r in report.json()] == ["other@v1"]


def test_counts_beyond_64_bits_and_unicode_names_on_both_backends(run, store_url, tmp_path):
    doc = json.loads(EXAMPLE.read_text())
    doc["name"] = "脑区 ✓ «atlas»"
    doc["regions"][0]["name"] = "Ünïcödé 🧠"
    for p in doc["projections"]:
        p["source"] = "Ünïcödé 🧠" if p["source"] == "sensory_cortex" else p["source"]
        p["target"] = "Ünïcödé 🧠" if p["target"] == "sensory_cortex" else p["target"]
    path = tmp_path / "u.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    imported = run("--db", store_url, "topology", "import", path, "--json").json()
    sqlite_hash = Store(str(tmp_path / "ref.db")).save(_read(path)).content_hash
    assert imported["content_hash"] == sqlite_hash
    stats = run("--db", store_url, "topology", "stats", doc["name"], "--neurons", "1e18", "--json").json()
    assert stats["total_connections"] > 2**63
    assert stats["total_connections"] == sum(p["connections"] for p in stats["projections"])
    sim = run("--db", store_url, "simulate", "--topology", doc["name"], "--neurons", "1e18", "--duration", "5",
              "--deterministic", "--json")
    assert sim.exit_code == 0, sim.stderr
    assert run("--db", store_url, "runs", "show", str(sim.json()["run_id"]), "--json").json()["neurons"] == 10**18
    assert raw_sql(store_url, "SELECT run_id, ref, neurons FROM run_view") == [(1, f"{doc['name']}@v1", 10**18)]


def _read(path):
    from connectome.formats import read

    return read(path)


@pytest.mark.parametrize("value", [2**63, 10**18 + 1])
def test_neurons_in_a_file_are_capped(run, store_url, tmp_path, value):
    doc = json.loads(EXAMPLE.read_text())
    doc["neurons"] = value
    path = tmp_path / "big.json"
    path.write_text(json.dumps(doc))
    assert_one_line_error(run("--db", store_url, "topology", "import", path),
                          f"neurons: must be a whole number from 1 to 1e18, got {value}")
    doc.pop("neurons")
    doc["regions"] = [{"name": r["name"], "neurons": 4 * 10**17} for r in doc["regions"]]  # 2e18 in all
    path.write_text(json.dumps(doc))
    assert_one_line_error(run("--db", store_url, "topology", "import", path),
                          "regions: the regions' neurons must add up to at most 1e18")


# ---- faults: each one line on stderr, exit 3, and the store as it was

def test_locked_past_the_timeout(run, store_url):
    assert run("--db", store_url, "topology", "import", EXAMPLE).exit_code == 0
    before = table_counts(store_url)
    with _holding_the_import_lock(store_url, "renamed"):
        outcome = run("--db", store_url, "topology", "import", EXAMPLE, "--name", "renamed",
                      env={"CONNECTOME_LOCK_TIMEOUT": "0.3"})
    assert_one_line_error(outcome, "the database is locked by another process (waited 0.3 s",
                          "nothing was written", code=3)
    assert table_counts(store_url) == before


@contextlib.contextmanager
def _holding_the_import_lock(url: str, name: str):
    if "://" in url:
        import psycopg

        with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (lock_key("topology", name),))
            yield
    else:
        import sqlite3

        conn = sqlite3.connect(url, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.close()


def test_a_file_that_is_not_sqlite(run, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all\n" * 200)
    for args in (["topology", "list"], ["topology", "import", EXAMPLE], ["db", "upgrade"], ["db", "current"]):
        assert_one_line_error(run("--db", junk, *args), "not a SQLite database", code=3)
    assert junk.read_bytes() == b"not a database at all\n" * 200


def test_an_empty_db_argument_is_refused(run, tmp_path):
    assert_one_line_error(run("--db", "", "topology", "list"), "--db: must name a database file or URL")
    assert list(tmp_path.iterdir()) == []


def _big_topology(tmp_path, regions: int, per_region: int):
    names = [f"region-{i:05d}-" + "x" * 40 for i in range(regions)]
    doc = {"name": "big", "regions": [{"name": n, "share": 1, "note": "y" * 60} for n in names],
           "projections": [{"source": names[i], "target": names[(i + k + 1) % regions], "strength": 0.5}
                           for i in range(regions) for k in range(per_region)]}
    path = tmp_path / "big.json"
    path.write_text(json.dumps(doc))
    return path


def test_a_full_disk(run, tmp_path):
    """A real filesystem of 1 MiB fills during an import: one line, exit 3, and the store as it was."""
    big = _big_topology(tmp_path, 2000, 10)
    with tmpfs(tmp_path / "small", "1m") as folder:
        db = folder / "store.db"
        assert run("--db", db, "topology", "import", EXAMPLE).exit_code == 0
        before = table_counts(db)
        outcome = run("--db", db, "topology", "import", big)
        assert_one_line_error(outcome, "the disk is full", "nothing was written", code=3)
        assert table_counts(db) == before
        assert run("--db", db, "topology", "verify").exit_code == 0


def test_a_read_only_store_can_be_read_and_refuses_writes(run, tmp_path):
    with tmpfs(tmp_path / "media", "8m") as folder:
        db = folder / "store.db"
        assert run("--db", db, "topology", "import", EXAMPLE).exit_code == 0
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        listed = run("--db", db, "topology", "list", "--json")
        assert listed.exit_code == 0 and [v["ref"] for v in listed.json()] == ["multi_region@v1"]
        assert run("--db", db, "topology", "stats", "v1", "--neurons", "1000", "--json").json()["neurons"] == 1000
        assert_one_line_error(run("--db", db, "topology", "import", EXAMPLE, "--name", "new"),
                              "the database is read-only", code=3)


def test_a_read_only_server_database(run, pg_url):
    assert run("--db", pg_url, "topology", "import", EXAMPLE).exit_code == 0
    name = pg_url.rsplit("/", 1)[1]
    raw_sql(pg_url, f"ALTER DATABASE {name} SET default_transaction_read_only = on")
    before = table_counts(pg_url)
    assert [v["ref"] for v in run("--db", pg_url, "topology", "list", "--json").json()] == ["multi_region@v1"]
    assert_one_line_error(run("--db", pg_url, "topology", "import", EXAMPLE, "--name", "new"),
                          "the database is read-only", "nothing was written", code=3)
    assert table_counts(pg_url) == before


def test_a_server_that_refuses_the_connection_never_shows_the_password(run):
    url = "postgresql+psycopg://someone:s3cret-pw@127.0.0.1:1/connectome"
    outcome = run("--db", url, "topology", "list")
    assert_one_line_error(outcome, "postgresql+psycopg://someone:***@127.0.0.1:1/connectome", "refused", code=3)
    assert "s3cret-pw" not in outcome.stderr + outcome.stdout


def test_a_server_that_refuses_the_user(run, pg_server):
    url = f"postgresql+psycopg://ghost:s3cret-pw@127.0.0.1:{pg_server.port}/postgres"
    outcome = run("--db", url, "topology", "import", EXAMPLE)
    assert_one_line_error(outcome, 'role "ghost" does not exist', code=3)
    assert "s3cret-pw" not in outcome.stderr


def test_a_wrong_password(run, pg_server):
    """A role that must give its password (scram-sha-256) gives the wrong one: one line, the password never shown."""
    hba = pg_server.datadir / "pg_hba.conf"
    original = hba.read_text()
    with pg_server.connect() as conn:
        conn.execute("CREATE ROLE careful LOGIN PASSWORD 'the-right-one'")
        hba.write_text("host all careful 127.0.0.1/32 scram-sha-256\n" + original)
        conn.execute("SELECT pg_reload_conf()")
    try:
        outcome = run("--db", f"postgresql+psycopg://careful:wr0ng-pw@127.0.0.1:{pg_server.port}/postgres",
                      "topology", "list")
        assert_one_line_error(outcome, "password authentication failed", 'user "careful"', code=3)
        assert "wr0ng-pw" not in outcome.stderr and "the-right-one" not in outcome.stderr
    finally:
        hba.write_text(original)
        with pg_server.connect() as conn:
            conn.execute("SELECT pg_reload_conf()")
            conn.execute("DROP ROLE careful")


def test_a_database_missing_on_the_server(run, pg_server):
    outcome = run("--db", pg_server.url(f"absent_{uuid.uuid4().hex[:8]}"), "topology", "list")
    assert_one_line_error(outcome, "does not exist", code=3)


def test_a_dropped_connection(pg_url):
    """The server ends the session mid-transaction: a one-line DatabaseError, and nothing committed."""
    with Store(pg_url) as store:
        store.save(_example())
        before = table_counts(pg_url)
        with pytest.raises(DatabaseError) as info, store.db.connect() as conn, conn.transaction():
            pid = conn.scalar("SELECT pg_backend_pid()")
            conn.execute("INSERT INTO topologies (name, created_at) VALUES ('half', now())")
            raw_sql(pg_url, f"SELECT pg_terminate_backend({pid})")
            conn.execute("INSERT INTO topologies (name, created_at) VALUES ('other half', now())")
        assert "\n" not in str(info.value) and "terminating connection" in str(info.value)
        assert table_counts(pg_url) == before
        assert [v["ref"] for v in store.versions()] == ["multi_region@v1"]  # the pool reconnects


def test_missing_driver_is_bad_input(run):
    assert_one_line_error(run("--db", "mysql+nosuchdriver://u@localhost/db", "topology", "list"), "--db")
