"""A seal that holds and a verify that counts: every tampering route refused by the database or reported by
`topology verify` (exit 4), on a SQLite file and on a real PostgreSQL server; the logged deletion of runs;
pending runs settled by the next writer after a kill."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import traceback

import pytest

from connectome.store import Store
from connectome.store.ledger import link
from conftest import EXAMPLE, ROOT, assert_one_line_error, raw_sql, table_counts



def _store(run, url):
    """The example under two names, and one run of the second with an output file."""
    assert run("--db", url, "topology", "import", EXAMPLE).exit_code == 0
    assert run("--db", url, "topology", "import", EXAMPLE, "--name", "other").exit_code == 0
    done = run("--db", url, "simulate", "--topology", "other", "--neurons", "1e4", "--duration", "5",
               "--deterministic", "--output", "out.csv", "--json")
    assert done.exit_code == 0, done.stderr
    return done.json()


def _refused(url, statement, message):
    before = table_counts(url)
    with pytest.raises(Exception, match=message):
        raw_sql(url, statement)
    assert table_counts(url) == before


def _behind_the_triggers(url, *statements):
    """What a superuser (or a faulty tool) can do: act with every trigger and foreign key out of the way."""
    if "://" in url:
        import psycopg

        with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute("SET session_replication_role = replica")  # no triggers, no foreign-key checks
            for statement in statements:
                conn.execute(statement)
        return
    triggers = [name for (name,) in raw_sql(url, "SELECT name FROM sqlite_master WHERE type = 'trigger'")]
    raw_sql(url, *[f"DROP TRIGGER {name}" for name in triggers], *statements)


# ---- refused by the database, from any client

def test_the_ledger_chains_every_version_in_sealing_order(run, store_url):
    """ledger_hash = SHA-256 of the JSON text [previous ledger_hash, name, version, content hash], as documented."""
    import hashlib

    _store(run, store_url)
    rows = raw_sql(store_url, "SELECT t.name, v.version, v.content_hash, v.ledger_seq, v.ledger_hash FROM "
                              "topology_versions v JOIN topologies t ON t.id = v.topology_id ORDER BY v.ledger_seq")
    digest = "6619082b757e7caaa995c6fdf03520680659ccc0f88ad547c71abf5c54fc3408"
    first = hashlib.sha256(f'["","multi_region",1,"{digest}"]'.encode()).hexdigest()
    second = hashlib.sha256(f'["{first}","other",1,"{digest}"]'.encode()).hexdigest()
    assert (first, second) == ("7853f0c13ec95228ade993c95db213dfd31a13bd9d2945bc355e20a4576d996e",
                               "4b166999d5baa2eebd5bf6fcc3b33e5b2571775b764202d663474fd46836dd86")
    assert rows == [("multi_region", 1, digest, 1, first), ("other", 1, digest, 2, second)]
    assert link(first, "other", 1, digest) == second
    assert raw_sql(store_url, "SELECT entries, head FROM ledger") == [(2, second)]
    report = run("--db", store_url, "topology", "verify")
    assert report.exit_code == 0
    assert "(ledger)         ok: 2 versions chained  4b166999d5ba" in report.stdout


@pytest.mark.parametrize("statement, message", [
    ("DELETE FROM topologies WHERE name = 'multi_region'", "a topology with sealed versions cannot be renamed or deleted"),
    ("UPDATE topologies SET name = 'renamed' WHERE name = 'multi_region'", "cannot be renamed or deleted"),
    ("UPDATE topologies SET id = 99 WHERE name = 'other'", "cannot be renamed or deleted"),
    ("UPDATE runs SET neurons = 5", "recorded runs cannot change"),
    ("UPDATE runs SET summary = '{}'", "recorded runs cannot change"),
    ("UPDATE runs SET output = NULL", "recorded runs cannot change"),
    ("UPDATE runs SET pending = '{\"output\": null}'", "recorded runs cannot change"),
    ("DELETE FROM runs", "a run is deleted only with its row in run_deletions"),
    ("UPDATE ledger SET entries = 1", "the ledger only grows"),
    ("UPDATE ledger SET head = NULL", "the ledger only grows"),
    ("DELETE FROM ledger", "the ledger only grows"),
    ("INSERT INTO topology_versions (topology_id, version, content_hash, created_at, sealed, region_count, "
     "projection_count) VALUES (1, 9, 'forged', '2026-01-01 00:00:00', TRUE, 0, 0)", "a version is sealed only by its import"),
])
def test_the_database_refuses_every_change_from_a_plain_client(run, store_url, statement, message):
    """On SQLite through a plain sqlite3 connection: foreign keys off, the triggers hold all the same."""
    _store(run, store_url)
    if "://" not in store_url:
        assert raw_sql(store_url, "PRAGMA foreign_keys") == [(0,)]
    _refused(store_url, statement, message)
    assert run("--db", store_url, "topology", "verify").exit_code == 0
    assert [r["ref"] for r in run("--db", store_url, "runs", "list", "--json").json()] == ["other@v1"]


def test_a_version_is_sealed_only_as_the_next_ledger_entry(store_url):
    with Store(store_url) as store:
        store.save(_example())
    raw_sql(store_url, "INSERT INTO topology_versions (topology_id, version, content_hash, created_at, sealed, "
                       "region_count, projection_count) VALUES (1, 2, 'x', '2026-01-01 00:00:00', FALSE, 0, 0)")
    for assignment in ("sealed = TRUE", "sealed = TRUE, ledger_seq = 2", "sealed = TRUE, ledger_seq = 5, ledger_hash = 'h'",
                       "ledger_seq = 2, ledger_hash = 'h'"):
        _refused(store_url, f"UPDATE topology_versions SET {assignment} WHERE version = 2", "sealed only by its import")


def test_the_deletion_log_cannot_change(run, store_url):
    sim = _store(run, store_url)
    assert run("--db", store_url, "runs", "delete", sim["run_id"]).exit_code == 0
    for statement in ("UPDATE run_deletions SET reason = 'none'", "DELETE FROM run_deletions"):
        _refused(store_url, statement, "the run deletion log cannot change")
    _refused(store_url, f"INSERT INTO runs (id, version_id, neurons, parameters, summary, started_at, wall_s) VALUES "
                        f"({sim['run_id']}, 2, 1, '{{}}', '{{}}', '2026-01-01 00:00:00', 1)", "was deleted and cannot be used again")
    if "://" not in store_url:  # SQLite gives max(id) + 1, the deleted newest run's id, to a row inserted without one
        _refused(store_url, "INSERT INTO runs (version_id, neurons, parameters, summary, started_at, wall_s) VALUES "
                            "(2, 1, '{}', '{}', '2026-01-01 00:00:00', 1)", "was deleted and cannot be used again")


@pytest.mark.parametrize("table", ["topology_versions", "topologies", "regions", "projections", "runs", "run_deletions",
                                   "ledger", "sweeps"])
def test_truncate_is_refused_on_postgresql(run, pg_url, table):
    _store(run, pg_url)
    _refused(pg_url, f"TRUNCATE {table} CASCADE", "the store's tables cannot be truncated")
    assert run("--db", pg_url, "topology", "verify").exit_code == 0


# ---- what only a superuser can do: reported by verify, exit 4, naming what is wrong

def _version_id(url, name):
    return raw_sql(url, f"SELECT v.id FROM topology_versions v JOIN topologies t ON t.id = v.topology_id "
                        f"WHERE t.name = '{name}'")[0][0]


@pytest.mark.parametrize("route, statements, lines, error", [
    ("delete the newest version", lambda u: [f"DELETE FROM topology_versions WHERE id = {_version_id(u, 'other')}"],
     ["(ledger)         FAILED: 1 of its 2 entries missing (2): a version was deleted"],
     "error: the ledger: 1 of its 2 entries missing (2): a version was deleted"),
    ("delete the first version", lambda u: [f"DELETE FROM topology_versions WHERE id = {_version_id(u, 'multi_region')}"],
     ["other@v1  ok", "(ledger)  FAILED: 1 of its 2 entries missing (1): a version was deleted"],
     "error: the ledger: 1 of its 2 entries missing (1): a version was deleted"),
    ("delete every version", lambda u: ["DELETE FROM topology_versions"],
     ["(ledger)  FAILED: 2 of its 2 entries missing (1, 2): versions were deleted"],
     "error: the ledger: 2 of its 2 entries missing (1, 2): versions were deleted"),
    ("delete a topology's row only, its versions left as orphans",
     lambda u: ["DELETE FROM topologies WHERE name = 'multi_region'"],
     ["<missing topology 1>@v1  FAILED: its topology row is missing (deleted behind the triggers); "
      "ledger entry 1 does not chain: renamed, reordered or its hash changed"],
     "error: 1 of 2 versions failed verification: <missing topology 1>@v1"),
    ("rename a topology", lambda u: ["UPDATE topologies SET name = 'renamed' WHERE name = 'multi_region'"],
     ["renamed@v1  FAILED: ledger entry 1 does not chain: renamed, reordered or its hash changed"],
     "error: 1 of 2 versions failed verification: renamed@v1"),
    ("swap two versions' places", lambda u: [
        "UPDATE topology_versions SET ledger_seq = -ledger_seq", "UPDATE topology_versions SET ledger_seq = 3 + ledger_seq"],
     ["multi_region@v1  FAILED: ledger entry 2 does not chain", "other@v1         FAILED: ledger entry 1 does not chain"],
     "error: 2 of 2 versions failed verification: multi_region@v1, other@v1"),
    ("add a sealed version outside an import", lambda u: [
        "INSERT INTO topology_versions (topology_id, version, content_hash, created_at, sealed, region_count, "
        "projection_count) SELECT topology_id, 2, content_hash, created_at, TRUE, 0, 0 FROM topology_versions "
        "WHERE ledger_seq = 1"],
     ["multi_region@v2  FAILED: content hash differs; not in the ledger: added outside an import"],
     "error: 1 of 3 versions failed verification: multi_region@v2"),
    ("add one with a ledger place", lambda u: [
        "INSERT INTO topology_versions (topology_id, version, content_hash, created_at, sealed, region_count, "
        "projection_count, ledger_seq, ledger_hash) SELECT topology_id, 2, content_hash, created_at, TRUE, 0, 0, 3, "
        "ledger_hash FROM topology_versions WHERE ledger_seq = 1"],
     ["multi_region@v2  FAILED: content hash differs; ledger entry 3 is beyond the ledger's 2 entries"],
     "error: 1 of 3 versions failed verification: multi_region@v2"),
    ("forge a stored hash", lambda u: ["UPDATE topology_versions SET content_hash = 'forged' WHERE ledger_seq = 2"],
     ["other@v1         FAILED: content hash differs; ledger entry 2 does not chain"],
     "error: 1 of 2 versions failed verification: other@v1"),
    ("delete the ledger row", lambda u: ["DELETE FROM ledger"],
     ["(ledger)         FAILED: the ledger row is missing (deleted behind the triggers)"],
     "error: the ledger: the ledger row is missing"),
    ("delete the newest version and step the ledger back", lambda u: [
        f"DELETE FROM topology_versions WHERE id = {_version_id(u, 'other')}", "UPDATE ledger SET entries = 1"],
     ["(ledger)         FAILED: its head is not the hash of entry 1"], "error: the ledger: its head is not the hash of entry 1"),
])
def test_verify_reports_what_was_done_behind_the_triggers(run, store_url, route, statements, lines, error):
    _store(run, store_url)
    assert run("--db", store_url, "topology", "verify").exit_code == 0
    _behind_the_triggers(store_url, *statements(store_url))
    outcome = run("--db", store_url, "topology", "verify")
    assert outcome.exit_code == 4, (route, outcome.stdout, outcome.stderr)
    for line in lines:
        assert line in outcome.stdout, (route, line, outcome.stdout)
    assert outcome.stderr.count("\n") == 1 and outcome.stderr.startswith(error), (route, outcome.stderr)


def test_verify_of_one_version_checks_its_ledger_entry(run, store_url):
    _store(run, store_url)
    _behind_the_triggers(store_url, "UPDATE topologies SET name = 'renamed' WHERE name = 'multi_region'")
    assert run("--db", store_url, "topology", "verify", "other").exit_code == 0
    report = run("--db", store_url, "topology", "verify", "renamed", "--json")
    assert report.exit_code == 4
    assert report.json() == [{"ref": "renamed@v1", "stored_hash": report.json()[0]["computed_hash"],
                              "computed_hash": report.json()[0]["computed_hash"], "ok": False,
                              "problems": ["ledger entry 1 does not chain: renamed, reordered or its hash changed"]}]


def test_verify_json_ends_with_the_ledger(run, store_url):
    _store(run, store_url)
    report = run("--db", store_url, "topology", "verify", "--json").json()
    head = raw_sql(store_url, "SELECT head FROM ledger")[0][0]
    assert [r["ref"] for r in report] == ["multi_region@v1", "other@v1", "(ledger)"]
    assert report[-1] == {"ref": "(ledger)", "entries": 2, "stored_hash": head, "computed_hash": head, "ok": True,
                          "problems": []}


# ---- concurrent imports never fork the chain

CTX = multiprocessing.get_context("fork")
WRITERS = 6


def _importer(url, worker, barrier, results):
    try:
        graph = _example()
        graph.graph["name"] = f"t{worker}"
        barrier.wait(timeout=60)
        with Store(url) as store:
            store.save(graph)
        results.put(None)
    except BaseException:  # noqa: BLE001 - the parent reports what any writer hit
        results.put(traceback.format_exc(limit=3))


def test_concurrent_imports_of_different_topologies_append_one_chain(run, store_url):
    Store(store_url).close()
    barrier, results = CTX.Barrier(WRITERS), CTX.Queue()
    procs = [CTX.Process(target=_importer, args=(store_url, w, barrier, results)) for w in range(WRITERS)]
    for p in procs:
        p.start()
    errors = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert errors == [None] * WRITERS
    assert sorted(r[0] for r in raw_sql(store_url, "SELECT ledger_seq FROM topology_versions")) == list(range(1, WRITERS + 1))
    assert raw_sql(store_url, "SELECT entries FROM ledger") == [(WRITERS,)]
    assert run("--db", store_url, "topology", "verify").exit_code == 0


# ---- deleting a run: the one sanctioned, logged way

def test_runs_delete_logs_the_run_and_removes_its_file(run, store_url, tmp_path):
    sim = _store(run, store_url)
    output = tmp_path / "out.csv"
    assert output.exists() and run("--db", store_url, "runs", "show", sim["run_id"], "--json").json()["output"] == str(output)
    deleted = run("--db", store_url, "runs", "delete", sim["run_id"], "--reason", "a test run", "--json")
    assert deleted.exit_code == 0, deleted.stderr
    assert {k: v for k, v in deleted.json().items() if k != "deleted_at"} == \
        {"run_id": sim["run_id"], "ref": "other@v1", "output": str(output), "output_removed": True, "reason": "a test run"}
    assert not output.exists()
    assert run("--db", store_url, "runs", "list", "--json").json() == []
    for args in (["runs", "show", sim["run_id"]], ["runs", "delete", sim["run_id"]], ["runs", "rerun", sim["run_id"]]):
        assert_one_line_error(run("--db", store_url, *args), f"run {sim['run_id']}: deleted at 20",
                              ": a test run (see run_deletions)")
    assert_one_line_error(run("--db", store_url, "runs", "show", 99), "run 99: no such run (see `runs list`)")
    logged = raw_sql(store_url, "SELECT run_id, ref, output, reason, CAST(record AS TEXT) FROM run_deletions")
    assert [r[:4] for r in logged] == [(sim["run_id"], "other@v1", str(output), "a test run")]
    assert json.loads(logged[0][4])["summary"] == sim
    again = run("--db", store_url, "simulate", "--topology", "other", "--neurons", "1e4", "--duration", "5",
                "--deterministic", "--json").json()
    assert again["run_id"] == sim["run_id"] + 1  # a deleted run's id is never given again (SQLite would reuse it)
    kept = run("--db", store_url, "runs", "delete", again["run_id"], "--keep-output")
    assert kept.exit_code == 0 and kept.stdout.startswith(f"deleted run {again['run_id']} (other@v1)")
    with Store(store_url) as store:
        assert [d["run_id"] for d in store.run_deletions()] == [sim["run_id"], again["run_id"]]


def test_a_sweep_point_is_recorded_as_before(store_url):
    """The contract the sweep runner relies on: _record_run with `sweep`, the run id inside its summary."""
    from datetime import UTC, datetime

    with Store(store_url) as store:
        version = store.resolve(store.save(_example()).ref)
        with store.db.connect() as conn, conn.transaction():
            sweep_id = conn.insert("INSERT INTO sweeps (version_id, spec, points, created_at) "
                                   "VALUES (:v, '{}', 2, :at)", {"v": version.id, "at": conn.stamp(datetime(2026, 1, 1))})
        ids = [store._record_run(version, neurons=10, parameters={"p": p}, seed=p, summary={"propagation_order": []},
                                output=None, started_at=datetime.now(UTC), wall_s=0.1, peak_rss_bytes=None,
                                sweep=(sweep_id, p)) for p in (0, 1)]
        assert [(r["id"], r["summary"]["run_id"], r["seed"]) for r in store.runs()] == [(ids[0], ids[0], 0), (ids[1], ids[1], 1)]
    assert raw_sql(store_url, "SELECT sweep_point FROM runs ORDER BY id") == [(0,), (1,)]


# ---- pending runs: the rename -> commit window closed

def _example():
    from connectome.formats.canonical import read_json

    return read_json(EXAMPLE)


KILLED_AT = """
import os, signal, sys
import connectome.runs as runs
from connectome.store import Store
where = sys.argv.pop(1)
if where == "before-rename":
    class Killed:  # os, whose replace kills the process
        def __getattr__(self, name):
            return getattr(os, name)
        replace = staticmethod(lambda *a: os.kill(os.getpid(), signal.SIGKILL))
    runs.os = Killed()
else:
    Store._complete_run = lambda self, run_id: os.kill(os.getpid(), signal.SIGKILL)
from connectome.cli import main
main()
"""


def _killed_simulate(url, where, output):
    done = subprocess.run([sys.executable, "-c", KILLED_AT, where, "--db", url, "simulate", "--topology", "other",
                           "--neurons", "1e4", "--duration", "5", "--deterministic", "--output", str(output)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr


@pytest.mark.parametrize("writer", [["topology", "import", EXAMPLE, "--name", "third"],
                                    ["simulate", "--topology", "other", "--neurons", "10", "--duration", "1"]])
def test_a_run_killed_after_its_rename_is_completed_by_the_next_writer(run, store_url, tmp_path, writer):
    _store(run, store_url)
    output = tmp_path / "killed.npz"
    _killed_simulate(store_url, "after-rename", output)
    assert output.exists()
    pending = raw_sql(store_url, "SELECT id, output, CAST(pending AS TEXT) FROM runs WHERE pending IS NOT NULL")
    assert len(pending) == 1 and pending[0][1] is None and json.loads(pending[0][2])["output"] == str(output)
    assert [r["id"] for r in run("--db", store_url, "runs", "list", "--json").json()] == [1]  # not shown as finished
    assert raw_sql(store_url, "SELECT count(*) FROM run_view") == [(1,)]
    assert run("--db", store_url, *writer).exit_code == 0
    shown = run("--db", store_url, "runs", "show", pending[0][0], "--json").json()
    assert shown["output"] == str(output) and shown["summary"]["run_id"] == pending[0][0]
    assert raw_sql(store_url, "SELECT count(*) FROM runs WHERE pending IS NOT NULL") == [(0,)]
    assert raw_sql(store_url, "SELECT count(*) FROM run_deletions") == [(0,)]


def test_a_run_killed_before_its_rename_is_removed_by_the_next_writer(run, store_url, tmp_path):
    _store(run, store_url)
    output = tmp_path / "killed.npz"
    _killed_simulate(store_url, "before-rename", output)
    staged = [p for p in tmp_path.iterdir() if p.name.startswith(".killed.npz.tmp-")]
    assert not output.exists() and len(staged) == 1
    pending_id = raw_sql(store_url, "SELECT id FROM runs WHERE pending IS NOT NULL")[0][0]
    assert run("--db", store_url, "runs", "delete", 1, "--keep-output").exit_code == 0  # a writer
    assert raw_sql(store_url, "SELECT count(*) FROM runs") == [(0,)]
    assert raw_sql(store_url, "SELECT run_id, reason FROM run_deletions ORDER BY id") == [
        (pending_id, "unfinished: its process ended before its output file was in place"), (1, None)]
    assert not output.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".killed.npz.tmp-")]


def test_a_rename_that_fails_leaves_no_run_and_no_file(run, store_url, tmp_path, monkeypatch):
    """The rename inside the window fails (an I/O error): the pending row is deleted, logged, and nothing is left."""
    import errno

    import connectome.runs

    class NoRename:
        def __getattr__(self, name):
            return getattr(os, name)

        @staticmethod
        def replace(*_args):
            raise OSError(errno.EIO, os.strerror(errno.EIO))

    _store(run, store_url)
    monkeypatch.setattr(connectome.runs, "os", NoRename())
    outcome = run("--db", store_url, "simulate", "--topology", "other", "--neurons", "1e4", "--duration", "5",
                  "--deterministic", "--output", tmp_path / "lost.csv")
    assert_one_line_error(outcome, "lost.csv: cannot write: Input/output error")
    assert [r["id"] for r in run("--db", store_url, "runs", "list", "--json").json()] == [1]
    assert raw_sql(store_url, "SELECT count(*) FROM runs") == [(1,)]
    assert raw_sql(store_url, "SELECT run_id, output, reason FROM run_deletions") == \
        [(2, None, "its output file could not be put in place")]
    assert sorted(p.name for p in tmp_path.iterdir() if "lost" in p.name) == []


def test_a_pending_run_of_a_live_process_is_left_alone(run, store_url, tmp_path):
    from datetime import UTC, datetime

    _store(run, store_url)
    staged = tmp_path / ".live.csv.tmp"
    staged.write_text("t\n")
    with Store(store_url) as store:
        version = store.resolve("other")
        run_id = store._record_run(version, neurons=10, parameters={}, seed=None, summary={"propagation_order": []},
                                  output=str(tmp_path / "live.csv"), started_at=datetime.now(UTC), wall_s=0.1,
                                  peak_rss_bytes=None, staged=str(staged))
        writer = subprocess.run([sys.executable, str(ROOT / "cli.py"), "--db", store_url, "topology", "import",
                                 str(EXAMPLE), "--name", "third"], capture_output=True, text=True, timeout=120)
        assert writer.returncode == 0, writer.stderr  # another process: this one (the writer) is alive
        assert store._reconcile_pending() == []  # this process: the row is in flight
        assert raw_sql(store_url, f"SELECT count(*) FROM runs WHERE id = {run_id} AND pending IS NOT NULL") == [(1,)]
        os.replace(staged, tmp_path / "live.csv")
        assert store._complete_run(run_id) is True
        assert store.run(run_id)["output"] == str(tmp_path / "live.csv")


NEVER_REPLACED = "a row of the store is never replaced"


@pytest.mark.parametrize("statement, message", [
    ("REPLACE INTO topologies SELECT id, 'renamed', created_at FROM topologies WHERE name = 'multi_region'",
     NEVER_REPLACED),
    ("REPLACE INTO ledger VALUES (1, 0, NULL)", "the ledger only grows"),
    ("INSERT OR REPLACE INTO runs SELECT * FROM runs", NEVER_REPLACED),
    ("INSERT OR REPLACE INTO topology_versions (id, topology_id, version, content_hash, created_at, sealed, "
     "region_count, projection_count) SELECT id, topology_id, version, content_hash, created_at, FALSE, 0, 0 "
     "FROM topology_versions", NEVER_REPLACED),
    ("REPLACE INTO regions (id, version_id, name, share) SELECT id, version_id, name, 2 FROM regions", NEVER_REPLACED),
    ("REPLACE INTO projections (id, version_id, source_id, target_id, strength) "
     "SELECT id, version_id, source_id, target_id, 1 FROM projections", NEVER_REPLACED),
])
def test_sqlite_or_replace_never_gets_past_the_guards(run, db, statement, message):
    """SQLite removes the rows an OR REPLACE conflict replaces without firing their DELETE triggers."""
    _store(run, str(db))
    _refused(str(db), statement, message)
    assert run("--db", db, "topology", "verify").exit_code == 0


def test_sqlite_update_or_replace_never_gets_past_the_guards(run, db):
    _store(run, str(db))
    raw_sql(str(db), "INSERT INTO topology_versions (topology_id, version, content_hash, created_at, sealed, "
                     "region_count, projection_count) VALUES (1, 2, 'x', '2026-01-01 00:00:00', FALSE, 0, 0)")
    _refused(str(db), "UPDATE OR REPLACE topology_versions SET version = 1 WHERE version = 2", NEVER_REPLACED)
    unsealed = raw_sql(str(db), "SELECT id FROM topology_versions WHERE version = 2")[0][0]
    raw_sql(str(db), f"INSERT INTO regions (version_id, name, share) VALUES ({unsealed}, 'x', 1)")
    _refused(str(db), "UPDATE OR REPLACE regions SET id = 1 WHERE name = 'x'", NEVER_REPLACED)


def test_a_planted_pending_row_never_removes_another_file(run, store_url, tmp_path):
    """Any client can insert a pending run: its `staged` path is removed only when it is its writer's temporary."""
    _store(run, store_url)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    info = victim.stat()
    mark = {"output": str(tmp_path / "gone.npz"), "staged": str(victim), "host": socket.gethostname(), "pid": 999_999,
            "started": 1.0, "since": 1.0, "device": info.st_dev, "inode": info.st_ino, "size": info.st_size}
    version_id = raw_sql(store_url, "SELECT id FROM topology_versions WHERE ledger_seq = 1")[0][0]
    raw_sql(store_url, "INSERT INTO runs (version_id, neurons, parameters, seed, summary, started_at, wall_s, pending) "
                       f"VALUES ({version_id}, 1, '{{}}', 1, '{{}}', '2026-01-01 00:00:00', 0, '{json.dumps(mark)}')")
    assert run("--db", store_url, "topology", "import", EXAMPLE, "--name", "third").exit_code == 0  # settles it
    assert victim.read_text() == "keep me"
    assert raw_sql(store_url, "SELECT count(*) FROM runs WHERE pending IS NOT NULL") == [(0,)]  # deleted, logged


def test_runs_delete_removes_only_a_regular_run_output_file(run, store_url, tmp_path):
    _store(run, store_url)
    victim = tmp_path / "notes.txt"
    victim.write_text("keep me")
    version_id = raw_sql(store_url, "SELECT id FROM topology_versions WHERE ledger_seq = 1")[0][0]
    raw_sql(store_url, "INSERT INTO runs (version_id, neurons, parameters, seed, summary, started_at, wall_s, output) "
                       f"VALUES ({version_id}, 1, '{{}}', 1, '{{}}', '2026-01-01 00:00:00', 0, '{victim}')")
    run_id = raw_sql(store_url, "SELECT max(id) FROM runs")[0][0]
    out = run("--db", store_url, "runs", "delete", str(run_id))
    assert out.exit_code == 0 and victim.read_text() == "keep me"
    assert "not a run's output file (a regular .npz or .csv file): left in place" in out.stderr


def test_verify_reports_guards_dropped_or_disabled(run, store_url):
    """The table owner (not only a superuser) can disable triggers on PostgreSQL: verify says so, exit 4."""
    _store(run, store_url)
    if "://" in store_url:
        raw_sql(store_url, "ALTER TABLE runs DISABLE TRIGGER USER")
        expected = "the store's guards: 2 of 18 triggers disabled (runs_guard, runs_no_truncate)"
    else:
        raw_sql(store_url, "DROP TRIGGER runs_append_only")
        expected = "the store's guards: 1 of 45 triggers missing (runs_append_only)"
    out = run("--db", store_url, "topology", "verify")
    assert out.exit_code == 4 and out.stderr == f"error: the ledger: {expected}\n"
