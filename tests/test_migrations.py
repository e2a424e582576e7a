"""Schema migrations: the standard four checks, the SQLite traps, stale databases and safe upgrades."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from connectome.store import migrate as dbmod
from connectome.formats.canonical import read_json
from connectome.graph import to_document
from connectome.store.schema import Base
from connectome.store import Store
from connectome.store.connection import Database
from connectome.store.url import resolve_url
from conftest import EXAMPLE, ROOT, assert_one_line_error, raw_sql, table_counts


ADDED_IN_0006 = {"ledger": 1, "run_deletions": 0}
PACKED_LEGACY = {"projection_arrays": 7}  # 0009 packs legacy@v1 (source, target, strength, tract_length) and v2 (3)
GUARDS_0009 = {"sqlite": {"projection_arrays_sealed_insert", "projection_arrays_sealed_update",
                          "projection_arrays_sealed_delete"},
               "postgresql": {"projection_arrays_sealed", "projection_arrays_no_truncate"}}


@pytest.fixture
def database(store_url):
    """The standard checks run on a SQLite file and on a real PostgreSQL server."""
    d = Database(resolve_url(store_url))
    yield d
    d.close()


def _current(database):
    with database.connect() as conn:
        return dbmod.current_revision(conn)


def _revisions():
    script = ScriptDirectory.from_config(dbmod.alembic_config())
    return [r.revision for r in script.walk_revisions()][::-1]


# ---- the four standard checks (what pytest-alembic runs), on Alembic's command API

def test_single_head():
    assert len(ScriptDirectory.from_config(dbmod.alembic_config()).get_heads()) == 1


def test_upgrade_from_empty_to_head(database):
    dbmod.upgrade(database)
    assert _current(database) == dbmod.HEAD


def test_up_down_consistency(database):
    revisions = _revisions()
    for rev in revisions:
        dbmod.upgrade(database, rev)
        assert _current(database) == rev
    for previous in revisions[:-1][::-1] + ["base"]:
        dbmod.downgrade(database, previous)
        assert _current(database) == (None if previous == "base" else previous)
    assert _current(database) is None
    with database.sqlalchemy_engine().connect() as conn:
        assert sa.inspect(conn).get_table_names() == ["alembic_version"]
    dbmod.upgrade(database)
    assert _current(database) == dbmod.HEAD


def test_models_match_migrated_schema(database):
    dbmod.upgrade(database)
    with database.sqlalchemy_engine().connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


# ---- the SQLite traps

def _rebuild_versions_table(conn, column):
    """A batch-mode migration step: SQLite rebuilds topology_versions by copy-and-drop."""
    ops = Operations(MigrationContext.configure(conn, opts={"render_as_batch": True}))
    with ops.batch_alter_table("topology_versions", recreate="always") as batch:
        batch.add_column(sa.Column(column, sa.Text()))


def _example_store(db):
    store = Store(str(db))
    store.save(read_json(EXAMPLE))
    return store


def test_batch_rebuild_keeps_child_rows(db):
    store = _example_store(db)
    before = table_counts(db)
    with store.db.sqlalchemy_engine().connect() as conn, dbmod.migration_transaction(conn):
        _rebuild_versions_table(conn, "note")
    assert table_counts(db) == before
    assert store.load("v1").number_of_edges() == 8
    # the trap is real: the same rebuild with foreign keys on cascades the drop into regions and projections
    with store.db.sqlalchemy_engine().connect() as conn:
        conn.connection.driver_connection.execute("PRAGMA legacy_alter_table=ON")
        with conn.begin():
            _rebuild_versions_table(conn, "note2")
    assert table_counts(db)["regions"] == 0
    store.close()


def test_migration_refuses_to_commit_broken_foreign_keys(db):
    store = _example_store(db)
    before = table_counts(db)
    with pytest.raises(dbmod.DatabaseError, match="broken foreign keys"):
        with store.db.sqlalchemy_engine().connect() as conn, dbmod.migration_transaction(conn):
            conn.exec_driver_sql("INSERT INTO regions (version_id, name, share) VALUES (999, 'orphan', 1)")
    assert table_counts(db) == before
    store.close()


def test_failed_migration_leaves_no_half_work(database):
    dbmod.upgrade(database)
    engine = database.sqlalchemy_engine()
    with pytest.raises(RuntimeError):
        with engine.connect() as conn, dbmod.migration_transaction(conn):
            conn.exec_driver_sql("CREATE TABLE half_done (x INTEGER)")
            conn.exec_driver_sql("ALTER TABLE topologies ADD COLUMN half TEXT")
            raise RuntimeError("migration step failed")
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        assert "half_done" not in inspector.get_table_names()
        assert "half" not in [c["name"] for c in inspector.get_columns("topologies")]


def test_default_driver_mode_would_have_committed_the_ddl(tmp_path):
    """Why the engine takes over BEGIN: pysqlite's default mode commits DDL it should have kept pending."""
    path = tmp_path / "plain.db"
    conn = sqlite3.connect(path)  # Python 3.11 default: implicit transactions, DDL outside them
    conn.execute("CREATE TABLE t (x INTEGER)")
    conn.rollback()
    conn.close()
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT name FROM sqlite_master").fetchall() == [("t",)]


# ---- stale, foreign and newer databases

def _at_revision_0001_with_data(db):
    """A database as connectome 0001 left it: two topologies written with that revision's tables."""
    database = Database(resolve_url(str(db)))
    dbmod.upgrade(database, "0001")
    database.close()
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO topologies VALUES (1, 'legacy', '2026-01-01 00:00:00')")
        conn.execute("INSERT INTO topology_versions VALUES (1, 1, 1, 'h1', 'old', 'first', 'x.json', 1000, '2026-01-01 00:00:00')")
        conn.execute("INSERT INTO topology_versions VALUES (2, 1, 2, 'h2', NULL, NULL, NULL, NULL, '2026-01-02 00:00:00')")
        conn.executemany("INSERT INTO regions VALUES (?, ?, ?, ?, ?)",
                         [(1, 1, 'a', 0.25, '{"threshold": 0.4}'), (2, 1, 'b', 0.75, None),
                          (3, 2, 'a', 0.5, None), (4, 2, 'b', 0.5, '{"hemisphere": "left"}')])
        conn.executemany("INSERT INTO projections VALUES (?, ?, ?, ?, ?, ?)",
                         [(1, 1, 1, 2, 0.3, '{"tract_length": 12.5}'), (2, 2, 3, 4, 0.7, None), (3, 2, 4, 3, 0.1, None)])


def test_stale_database_is_refused_by_every_command(run, db):
    _at_revision_0001_with_data(db)
    before = table_counts(db)
    for args in (["topology", "list"], ["topology", "import", EXAMPLE], ["topology", "show", "v1"],
                 ["topology", "stats", "v1", "--neurons", "10"], ["runs", "list"]):
        outcome = run(*args)
        assert_one_line_error(outcome, "revision 0001", f"expects {dbmod.HEAD}", "db upgrade`", code=3)
    assert table_counts(db) == before
    assert "0001" in run("db", "current").stdout


def test_upgrade_keeps_every_row_and_backs_up(run, db):
    _at_revision_0001_with_data(db)
    before = table_counts(db)
    outcome = run("db", "upgrade")
    assert outcome.exit_code == 0, outcome.stderr
    backup = db.with_name(db.name + ".bak-0001")
    assert f"backed up to {backup}" in outcome.stdout
    assert table_counts(backup) == before
    after = table_counts(db)
    assert {k: v for k, v in after.items() if k not in ("runs", "sweeps", "projection_arrays", *ADDED_IN_0006)} == before
    assert after["runs"] == 0 and after["sweeps"] == 0 and after["ledger"] == 1 and after["run_deletions"] == 0
    # both versions packed from their rows: v1 source, target, strength, attrs.tract_length; v2 the first three
    assert after["projection_arrays"] == 7
    assert [v["ref"] for v in run("topology", "list", "--json").json()] == ["legacy@v1", "legacy@v2"]
    v1 = run("topology", "show", "legacy@v1", "--json").json()
    assert v1 == {"name": "legacy", "description": "old", "neurons": 1000,
                  "regions": [{"name": "a", "share": 0.25, "threshold": 0.4}, {"name": "b", "share": 0.75}],
                  "projections": [{"source": "a", "target": "b", "strength": 0.3, "tract_length": 12.5}]}
    assert run("topology", "stats", "legacy@v2", "--neurons", "1000", "--json").json()["total_connections"] == 500 * 500 * 8 // 10000
    assert "already at" in run("db", "upgrade").stdout


def test_backup_includes_what_sits_in_the_wal(run, db):
    _at_revision_0001_with_data(db)
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("INSERT INTO topologies VALUES (2, 'only_in_wal', '2026-01-03 00:00:00')")
    plain_copy = db.with_name("plain-copy.db")
    shutil.copyfile(db, plain_copy)
    try:
        assert run("db", "upgrade").exit_code == 0
    finally:
        writer.close()
    backup = db.with_name(db.name + ".bak-0001")
    with sqlite3.connect(backup) as conn:
        assert ("only_in_wal",) in conn.execute("SELECT name FROM topologies").fetchall()
    with sqlite3.connect(plain_copy) as conn:  # what a file copy would have kept
        assert ("only_in_wal",) not in conn.execute("SELECT name FROM topologies").fetchall()


def test_newer_database_is_refused(run, db):
    Store(str(db)).close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    assert_one_line_error(run("topology", "list"), "revision 9999", "unknown to this version", code=3)
    assert_one_line_error(run("db", "upgrade"), "cannot upgrade", code=3)


def test_foreign_database_is_refused(run, db):
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER)")
    assert_one_line_error(run("topology", "list"), "not a connectome database", "customers", code=3)
    assert_one_line_error(run("db", "upgrade"), "not a connectome database", code=3)
    assert table_counts(db) == {"customers": 0}


def test_alembic_command_line_reaches_the_same_database(tmp_path):
    db = tmp_path / "via-alembic.db"
    env = {**os.environ, "CONNECTOME_DB": str(db)}
    done = subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with Store(str(db)) as store:  # at head: the store opens it without complaint
        assert store.versions() == []
    current = subprocess.run([sys.executable, "-m", "alembic", "current"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert dbmod.HEAD in current.stdout


# ---- 0002 -> 0003 on both back-ends: sealed versions, counts on the row, run ids in summaries, run_view

def _legacy_graphs():
    import networkx as nx

    v1 = nx.DiGraph(name="legacy", neurons=1000)
    v1.add_node("a", share=0.25, threshold=0.4)
    v1.add_node("b", share=0.75)
    v1.add_edge("a", "b", strength=0.3, tract_length=12.5)
    v2 = nx.DiGraph(name="legacy")
    v2.add_node("a", share=0.5)
    v2.add_node("b", share=0.5, hemisphere="left")
    v2.add_edge("a", "b", strength=0.7)
    v2.add_edge("b", "a", strength=0.1)
    return v1, v2


def _filled_at_0002(url):
    """A database as connectome 0002 left it, written by plain SQL: two versions and two runs."""
    from connectome.graph import content_hash

    database = Database(resolve_url(url))
    dbmod.upgrade(database, "0002")
    database.close()
    v1, v2 = _legacy_graphs()
    summary = json.dumps({"run_id": None, "ref": "legacy@v1", "propagation_order": ["a", "b"]})
    raw_sql(url,
            "INSERT INTO topologies VALUES (1, 'legacy', '2026-01-01 00:00:00')",
            f"INSERT INTO topology_versions VALUES (1, 1, 1, '{content_hash(v1)}', NULL, 'first', 'x.json', 1000, "
            "'2026-01-01 00:00:00')",
            f"INSERT INTO topology_versions VALUES (2, 1, 2, '{content_hash(v2)}', NULL, NULL, NULL, NULL, "
            "'2026-01-02 00:00:00')",
            "INSERT INTO regions VALUES (1, 1, 'a', 0.25, '{\"threshold\":0.4}'), (2, 1, 'b', 0.75, NULL), "
            "(3, 2, 'a', 0.5, NULL), (4, 2, 'b', 0.5, '{\"hemisphere\":\"left\"}')",
            "INSERT INTO projections VALUES (1, 1, 1, 2, 0.3, '{\"tract_length\":12.5}'), (2, 2, 3, 4, 0.7, NULL), "
            "(3, 2, 4, 3, 0.1, NULL)",
            f"INSERT INTO runs VALUES (1, 1, 1000, '{{}}', 7, '{summary}', NULL, '2026-01-03 00:00:00', 1.5, 100), "
            f"(2, 2, 2000, '{{}}', NULL, '{summary}', 'out.npz', '2026-01-04 00:00:00', 2.5, NULL)")
    if "://" in url:  # explicit ids leave a server's sequences behind
        raw_sql(url, *[f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), 10)"
                       for t in ("topologies", "topology_versions", "regions", "projections", "runs")])


def _filled_at(url, revision):
    """The 0002 database of `_filled_at_0002`, upgraded by Alembic to `revision`."""
    _filled_at_0002(url)
    database = Database(resolve_url(url))
    dbmod.upgrade(database, revision)
    database.close()


def test_upgrade_0002_to_0003_keeps_every_row_and_seals_it(run, store_url):
    _filled_at_0002(store_url)
    before = table_counts(store_url)
    assert run("--db", store_url, "db", "upgrade").exit_code == 0
    assert table_counts(store_url) == {**before, "sweeps": 0, **ADDED_IN_0006, **PACKED_LEGACY}
    assert sorted(raw_sql(store_url, "SELECT id, sealed, region_count, projection_count FROM topology_versions")) == \
        [(1, True, 2, 1), (2, True, 2, 2)]
    assert raw_sql(store_url, "SELECT ref, regions, projections FROM version_summary ORDER BY ref") == \
        [("legacy@v1", 2, 1), ("legacy@v2", 2, 2)]
    assert raw_sql(store_url, "SELECT run_id, ref, neurons, wall_s, propagation FROM run_view ORDER BY run_id") == \
        [(1, "legacy@v1", 1000, 1.5, "a -> b"), (2, "legacy@v2", 2000, 2.5, "a -> b")]
    assert [r["summary"]["run_id"] for r in run("--db", store_url, "runs", "list", "--json").json()] == [1, 2]
    assert run("--db", store_url, "topology", "verify").exit_code == 0
    rerun = run("--db", store_url, "runs", "rerun", "1", "--json").json()  # a run from before RunSpec
    assert rerun["run_id"] not in (1, 2) and (rerun["ref"], rerun["neurons"], rerun["seed"]) == ("legacy@v1", 1000, 7)
    v1, v2 = _legacy_graphs()
    assert run("--db", store_url, "topology", "show", "legacy@v1", "--json").json() == to_document(v1)
    assert run("--db", store_url, "topology", "show", "legacy@v2", "--json").json() == to_document(v2)
    with pytest.raises(Exception, match="sealed"):
        raw_sql(store_url, "UPDATE regions SET share = 1 WHERE id = 1")
    assert run("--db", store_url, "topology", "import", EXAMPLE).exit_code == 0  # new imports still work
    dbmod.downgrade(Database(resolve_url(store_url)), "0002")  # and the way back keeps every row
    assert table_counts(store_url) == {**before, "runs": before["runs"] + 1, "topologies": 2, "topology_versions": 3,
                                       "regions": before["regions"] + 5, "projections": before["projections"] + 8}


@pytest.mark.parametrize("program, hint", [
    ([sys.executable, str(ROOT / "cli.py")], "`python cli.py db upgrade`"),
    ([sys.executable, "-m", "connectome"], "`python -m connectome db upgrade`"),
    (["connectome"], "`connectome db upgrade`"),
])
def test_the_upgrade_hint_names_the_command_in_use(db, program, hint):
    if program == ["connectome"] and shutil.which("connectome") is None:
        pytest.skip("NOT RUN: the `connectome` console script is not on PATH (pip install -e . puts it there)")
    _at_revision_0001_with_data(db)
    done = subprocess.run([*program, "--db", str(db), "topology", "list"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 3 and done.stderr.count("\n") == 1
    assert f"this version expects {dbmod.HEAD}: back it up and run {hint}" in done.stderr


# ---- 0003 -> 0004 on both back-ends: sweeps, and runs linked to them

def test_upgrade_0003_to_0004_keeps_every_row_and_adds_sweeps(run, store_url):
    _filled_at(store_url, "0003")
    before = table_counts(store_url)
    dbmod.upgrade(Database(resolve_url(store_url)), "0004")  # runs can still change at 0004 (not after 0006)
    assert table_counts(store_url) == {**before, "sweeps": 0}
    assert raw_sql(store_url, "SELECT id, sweep_id, sweep_point FROM runs ORDER BY id") == [(1, None, None), (2, None, None)]
    raw_sql(store_url, "INSERT INTO sweeps (version_id, spec, points, created_at) VALUES (1, '{}', 2, '2026-01-05 00:00:00')",
            "UPDATE runs SET sweep_id = (SELECT max(id) FROM sweeps), sweep_point = 0 WHERE id = 1")
    with pytest.raises(Exception):  # a point is recorded once
        raw_sql(store_url, "UPDATE runs SET sweep_id = (SELECT max(id) FROM sweeps), sweep_point = 0 WHERE id = 2")
    assert run("--db", store_url, "db", "upgrade").exit_code == 0
    assert [r["id"] for r in run("--db", store_url, "runs", "list", "--json").json()] == [1, 2]
    dbmod.downgrade(Database(resolve_url(store_url)), "0003")
    assert table_counts(store_url) == before


# ---- 0004 -> 0005 on both back-ends: a scaling per version

def test_upgrade_0004_to_0005_keeps_every_row_and_meaning(run, store_url, tmp_path):
    _filled_at(store_url, "0004")
    before = table_counts(store_url)
    assert run("--db", store_url, "db", "upgrade").exit_code == 0
    assert table_counts(store_url) == {**before, **ADDED_IN_0006, **PACKED_LEGACY}
    assert raw_sql(store_url, "SELECT id, scaling FROM topology_versions ORDER BY id") == [(1, None), (2, None)]
    assert raw_sql(store_url, "SELECT ref, scaling FROM version_summary ORDER BY ref") == \
        [("legacy@v1", "probability"), ("legacy@v2", "probability")]
    assert run("--db", store_url, "topology", "verify").exit_code == 0  # hashes unchanged
    v1, v2 = _legacy_graphs()
    assert run("--db", store_url, "topology", "show", "legacy@v1", "--json").json() == to_document(v1)
    assert run("--db", store_url, "topology", "stats", "legacy@v1", "--neurons", "1e9", "--json").json()[
        "total_connections"] == 250_000_000 * 750_000_000 * 3 // 10_000
    with pytest.raises(Exception, match="sealed"):  # the triggers survived the new column
        raw_sql(store_url, "UPDATE topology_versions SET scaling = 'indegree' WHERE id = 1")
    new = tmp_path / "indegree.json"
    new.write_text(json.dumps({**to_document(v1), "scaling": "indegree"}))
    assert run("--db", store_url, "topology", "import", new).exit_code == 0
    assert raw_sql(store_url, "SELECT scaling FROM topology_versions WHERE version = 3") == [("indegree",)]
    dbmod.downgrade(Database(resolve_url(store_url)), "0004")
    assert table_counts(store_url) == {**before, "topology_versions": 3, "regions": before["regions"] + 2,
                                       "projections": before["projections"] + 1}
    with pytest.raises(Exception, match="sealed"):  # and the way back keeps them too
        raw_sql(store_url, "UPDATE topology_versions SET message = 'x' WHERE id = 1")


# ---- 0005 -> 0006 on both back-ends: hashes recomputed, the ledger built, guarded runs, pending runs

OLD_V2_HASH = "3dd58487fe0eae3e4b20aa21f70ae3283cc3306f8dd69ac0cd7b7ae9e0e10f21"  # the first store's algorithm


def test_upgrade_0005_to_0006_keeps_every_row_and_meaning(run, store_url):
    from connectome.graph import content_hash
    from connectome.store.ledger import link

    _filled_at_0002(store_url)
    raw_sql(store_url, f"UPDATE topology_versions SET content_hash = '{OLD_V2_HASH}' WHERE id = 2")
    dbmod.upgrade(Database(resolve_url(store_url)), "0005")
    before = table_counts(store_url)
    runs_before = raw_sql(store_url, "SELECT id, version_id, neurons, seed, CAST(summary AS TEXT), output, wall_s "
                                     "FROM runs ORDER BY id")
    view_before = raw_sql(store_url, "SELECT * FROM run_view ORDER BY run_id")
    assert run("--db", store_url, "db", "upgrade").exit_code == 0
    assert table_counts(store_url) == {**before, **ADDED_IN_0006, **PACKED_LEGACY}
    v1, v2 = (content_hash(g) for g in _legacy_graphs())
    first = link("", "legacy", 1, v1)
    assert raw_sql(store_url, "SELECT id, content_hash, ledger_seq, ledger_hash FROM topology_versions ORDER BY id") == \
        [(1, v1, 1, first), (2, v2, 2, link(first, "legacy", 2, v2))]
    assert raw_sql(store_url, "SELECT entries, head FROM ledger") == [(2, link(first, "legacy", 2, v2))]
    assert raw_sql(store_url, "SELECT id, version_id, neurons, seed, CAST(summary AS TEXT), output, wall_s "
                              "FROM runs ORDER BY id") == runs_before
    assert raw_sql(store_url, "SELECT * FROM run_view ORDER BY run_id") == view_before
    assert raw_sql(store_url, "SELECT count(*) FROM runs WHERE pending IS NULL") == [(2,)]
    assert run("--db", store_url, "topology", "verify").exit_code == 0
    v1_graph, v2_graph = _legacy_graphs()
    assert run("--db", store_url, "topology", "show", "legacy@v2", "--json").json() == to_document(v2_graph)
    for statement, message in (("UPDATE runs SET neurons = 1", "recorded runs cannot change"),
                               ("DELETE FROM topologies", "cannot be renamed or deleted"),
                               ("UPDATE regions SET share = 1 WHERE id = 1", "sealed")):
        with pytest.raises(Exception, match=message):
            raw_sql(store_url, statement)
    reimported = run("--db", store_url, "topology", "import", _document_file(store_url, v2_graph), "--json").json()
    assert (reimported["ref"], reimported["created"]) == ("legacy@v2", False)  # found, not duplicated
    assert run("--db", store_url, "runs", "delete", "2").exit_code == 0
    assert run("--db", store_url, "topology", "import", EXAMPLE).exit_code == 0
    assert raw_sql(store_url, "SELECT max(ledger_seq) FROM topology_versions") == [(3,)]
    dbmod.downgrade(Database(resolve_url(store_url)), "0005")  # the way back keeps every row but the deleted run
    assert table_counts(store_url) == {**before, "runs": 1, "topologies": 2, "topology_versions": 3,
                                       "regions": before["regions"] + 5, "projections": before["projections"] + 8}
    with pytest.raises(Exception, match="sealed"):  # and revision 0003's guards
        raw_sql(store_url, "UPDATE topology_versions SET message = 'x' WHERE id = 1")


def _document_file(url, graph):
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "legacy.json"
    path.write_text(json.dumps(to_document(graph)))
    return path


def _at_0001_as_the_first_store_wrote_it(url):
    """examples/multi_region.json as the first connectome (commit d8ea882) stored it: its hash algorithm, its
    attribute text, floats as it kept them."""
    database = Database(resolve_url(url))
    dbmod.upgrade(database, "0001")
    database.close()
    shares = [("sensory_cortex", 0.25, "input"), ("association_cortex", 0.25, "integration"),
              ("executive_cortex", 0.2, "control"), ("memory_hippocampus", 0.15, "memory"), ("motor_cortex", 0.15, "output")]
    edges = [(1, 2, 0.3, 20.0), (1, 3, 0.15, 45.0), (2, 4, 0.25, 30.0), (2, 3, 0.2, 25.0), (3, 5, 0.3, 35.0),
             (3, 2, 0.05, 25.0), (4, 2, 0.1, 30.0), (4, 3, 0.15, 40.0)]
    description = json.loads(EXAMPLE.read_text())["description"].replace("'", "''")
    raw_sql(url,
            "INSERT INTO topologies VALUES (1, 'multi_region', '2026-11-23 22:30:00')",
            "INSERT INTO topology_versions VALUES (1, 1, 1, "
            f"'aaffc0af8fc2619a65a883eeff80e0da4d27d9f27cb69cc5a9ed964fc8e6fc97', '{description}', NULL, "
            "'examples/multi_region.json', NULL, '2026-11-23 22:30:00')",
            "INSERT INTO regions VALUES " + ", ".join(
                f"({i}, 1, '{n}', {s!r}, '{{\"role\": \"{r}\"}}')" for i, (n, s, r) in enumerate(shares, start=1)),
            "INSERT INTO projections VALUES " + ", ".join(
                f"({i}, 1, {a}, {b}, {w!r}, '{{\"tract_length\": {t!r}}}')" for i, (a, b, w, t) in enumerate(edges, start=1)))
    if "://" in url:
        raw_sql(url, *[f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), 20)"
                       for t in ("topologies", "topology_versions", "regions", "projections")])


def test_a_store_from_0001_verifies_clean_and_a_reimport_finds_its_version(run, store_url):
    _at_0001_as_the_first_store_wrote_it(store_url)
    assert run("--db", store_url, "db", "upgrade").exit_code == 0
    verified = run("--db", store_url, "topology", "verify")
    assert verified.exit_code == 0, verified.stdout + verified.stderr
    assert [line.split() for line in verified.stdout.splitlines()[2:]] == \
        [["multi_region@v1", "ok", "6619082b757e"], ["(ledger)", "ok:", "1", "version", "chained", "7853f0c13ec9"]]
    again = run("--db", store_url, "topology", "import", EXAMPLE, "--json").json()
    assert (again["ref"], again["created"]) == ("multi_region@v1", False)
    assert [v["ref"] for v in run("--db", store_url, "topology", "list", "--json").json()] == ["multi_region@v1"]


# ---- 0006 -> 0007: the OR REPLACE guards that 0006 as first shipped lacked (SQLite)

def _triggers(path) -> set[str]:
    return {name for (name,) in raw_sql(path, "SELECT name FROM sqlite_master WHERE type = 'trigger'")}


def test_upgrade_0006_to_0007_adds_the_replace_guards_and_the_way_back_removes_them(run, db):
    from connectome.store import guards

    assert run("--db", db, "topology", "import", EXAMPLE).exit_code == 0
    database = Database(resolve_url(str(db)))
    try:
        dbmod.downgrade(database, "0006")
        at_0006 = _triggers(db)
        added = guards.expected("sqlite") - at_0006 - GUARDS_0009["sqlite"]
        assert len(added) == 23 and "ledger_insert" in added and "runs_id_kept_insert" in added
        raw_sql(db, "INSERT OR REPLACE INTO topologies SELECT * FROM topologies")  # the hole: a silent delete
        dbmod.upgrade(database, "0007")
        assert _triggers(db) == at_0006 | added
        with pytest.raises(Exception, match="never replaced"):
            raw_sql(db, "INSERT OR REPLACE INTO topologies SELECT * FROM topologies")
        dbmod.upgrade(database)  # verified at head, then back to 0007
        assert run("--db", db, "topology", "verify").exit_code == 0
        dbmod.downgrade(database, "0007")
        raw_sql(db, "UPDATE alembic_version SET version_num = '0006'")  # as a later 0006 left its stores:
        dbmod.upgrade(database, "0007")  # the guards already there are kept
        assert _triggers(db) == at_0006 | added
        raw_sql(db, "UPDATE alembic_version SET version_num = '0006'")
        dbmod.downgrade(database, "0005")  # and 0006's way back clears them too
        assert not _triggers(db) & added and raw_sql(db, "SELECT version_num FROM alembic_version") == [("0005",)]
    finally:
        database.close()


# ---- 0007 -> 0008 on both back-ends: runs.neurons nullable (a neural mass records no N)

RUN_COLUMNS_0008 = ("SELECT id, version_id, neurons, seed, CAST(parameters AS TEXT), CAST(summary AS TEXT), output, "
                    "wall_s, peak_rss_bytes, sweep_id, sweep_point FROM runs ORDER BY id")


def _neurons_nullable(url) -> bool:
    if "://" in str(url):
        return raw_sql(url, "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'runs' "
                            "AND column_name = 'neurons'") == [("YES",)]
    return [r[3] for r in raw_sql(url, "PRAGMA table_info(runs)") if r[1] == "neurons"] == [0]


def _guards(url) -> set[str]:
    if "://" in str(url):
        return {name for (name,) in raw_sql(url, "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")}
    return _triggers(url)


def test_upgrade_0007_to_0008_lets_a_run_record_no_neuron_count_and_keeps_every_row(run, store_url):
    cli = lambda *args: run("--db", store_url, *args)  # noqa: E731
    assert cli("topology", "import", EXAMPLE).exit_code == 0
    assert cli("simulate", "--topology", "v1", "--neurons", "1e6", "--duration", "20", "--seed", "3").exit_code == 0
    database = Database(resolve_url(store_url))
    try:
        dbmod.downgrade(database, "0007")
        assert not _neurons_nullable(store_url)
        before, runs_before = table_counts(store_url), raw_sql(store_url, RUN_COLUMNS_0008)
        view_before, guards_before = raw_sql(store_url, "SELECT * FROM run_view ORDER BY run_id"), _guards(store_url)
        assert cli("db", "upgrade").exit_code == 0  # to 0008, then 0009 packs the one version (4 fields)
        assert _current(database) == dbmod.HEAD and _neurons_nullable(store_url)
        assert table_counts(store_url) == {**before, "projection_arrays": 4}
        assert raw_sql(store_url, RUN_COLUMNS_0008) == runs_before
        assert raw_sql(store_url, "SELECT * FROM run_view ORDER BY run_id") == view_before
        dialect = "postgresql" if "://" in store_url else "sqlite"  # the rebuilt table's guards made again
        assert _guards(store_url) == guards_before | GUARDS_0009[dialect]
        assert cli("topology", "verify").exit_code == 0
        if "://" not in store_url:  # the partial index on pending runs, whole
            assert raw_sql(store_url, "SELECT sql FROM sqlite_master WHERE name = 'ix_runs_pending'")[0][0].endswith(
                "WHERE pending IS NOT NULL")
        done = cli("simulate", "--topology", "v1", "--model", "linear", "--duration", "5", "--dt", "0.01",
                   "--no-delays", "--json")
        assert done.exit_code == 0, done.stderr
        assert raw_sql(store_url, "SELECT id, neurons FROM runs ORDER BY id") == [(1, 1000000), (2, None)]
        for statement, message in (("UPDATE runs SET neurons = 1 WHERE id = 2", "recorded runs cannot change"),
                                   ("DELETE FROM runs WHERE id = 2", "deleted only with its row")):
            with pytest.raises(Exception, match=message):
                raw_sql(store_url, statement)
        with pytest.raises(dbmod.DatabaseError, match="runs 2 have no neuron count"):
            dbmod.downgrade(database, "0007")  # no earlier revision can hold it
        assert _current(database) == dbmod.HEAD  # the whole way down refused
        assert cli("runs", "delete", "2").exit_code == 0
        dbmod.downgrade(database, "0007")
        assert not _neurons_nullable(store_url) and raw_sql(store_url, RUN_COLUMNS_0008) == runs_before
        assert _guards(store_url) == guards_before
    finally:
        database.close()
