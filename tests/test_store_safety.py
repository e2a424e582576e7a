"""The store's connections: secrets never shown, every wait bounded, read-only stores opened read-only,
foreign keys on every SQLite connection, and a lost server connection reported in one line."""

from __future__ import annotations

import ast
import contextlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from connectome.errors import DatabaseError, InputError
from connectome.store import Store
from connectome.store import migrate
from connectome.store.connection import Database, translate
from connectome.store.sqlite import open_sqlite
from connectome.store.url import redact, resolve_url
from conftest import EXAMPLE, ROOT, Outcome, assert_one_line_error, table_counts

HANG_BOUND_S = 15


def cli(*args: object, env: dict[str, str] | None = None, prefix: tuple[str, ...] = (), cwd: Path = ROOT) -> Outcome:
    """The real CLI in its own process, which must answer within HANG_BOUND_S seconds."""
    started = time.monotonic()
    done = subprocess.run([*prefix, sys.executable, str(ROOT / "cli.py"), *map(str, args)], capture_output=True,
                          text=True, timeout=HANG_BOUND_S, env={**os.environ, **(env or {})}, cwd=cwd)
    assert time.monotonic() - started < HANG_BOUND_S
    return Outcome(done.returncode, done.stdout, done.stderr, None)


# ---- secrets: the userinfo password and every secret query parameter, in every message

@pytest.mark.parametrize("url, shown", [
    ("postgresql+psycopg://lab@db:5432/x?password=s3cr3t", "postgresql+psycopg://lab@db:5432/x?password=***"),
    ("postgresql+psycopg://lab:s3cr3t@db/x", "postgresql+psycopg://lab:***@db/x"),
    ("postgresql://lab:s3%40cr3t@db/x", "postgresql://lab:***@db/x"),
    ("postgresql://lab:s3cr?3t@db/x", "postgresql://lab:***@db/x"),
    ("postgresql+psycopg://lab:p@ss@127.0.0.1/db", "postgresql+psycopg://lab:***@127.0.0.1/db"),
    ("postgresql://db/x?sslpassword=s3cr3t&sslkey=/k.pem", "postgresql://db/x?sslpassword=***&sslkey=/k.pem"),
    ("postgresql://db/x?PassWord=s3cr3t&application_name=lab", "postgresql://db/x?PassWord=***&application_name=lab"),
    ("postgresql://db/x?oauth_client_secret=s3cr3t", "postgresql://db/x?oauth_client_secret=***"),
    ("postgresql://db/x?passfile=/home/me/.pgpass", "postgresql://db/x?passfile=***"),
    ("postgresql://db/x?options=-c%20password%3Ds3cr3t", "postgresql://db/x?options=***"),
    ("postgresql://db/x?service=lab&dsn=host%3Ddb%20password%3Ds3cr3t", "postgresql://db/x?service=lab&dsn=***"),
    ("postgresql://db/x?target=postgresql://u:s3cr3t@h/y", "postgresql://db/x?target=***"),
    ("sqlite:////srv/a@b.db?mode=ro", "sqlite:////srv/a@b.db?mode=ro"),
])
def test_redact_hides_every_secret(url, shown):
    assert redact(url) == shown


@settings(max_examples=200, deadline=None, derandomize=True)
@given(password=st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=40),
       key=st.sampled_from(["password", "sslpassword", "oauth_client_secret", "PGPASSWORD"]))
def test_no_password_survives_redaction(password, key):
    """Whatever the password, written raw where SQLAlchemy reads it whole (any character but @), else encoded."""
    encoded = quote(password, safe="")
    raw = password.replace("%", "%25").replace("@", "%40")
    assert make_url(f"postgresql://lab:{raw}@db/x").password == password  # SQLAlchemy reads what redact hides
    assert redact(f"postgresql://lab:{raw}@db/x") == "postgresql://lab:***@db/x"
    assert redact(f"postgresql+psycopg://lab:{encoded}@db:5432/x?{key}={encoded}&sslmode=require") == \
        f"postgresql+psycopg://lab:***@db:5432/x?{key}=***&sslmode=require"
    assert redact(f"postgresql://db/x?application_name=lab&{key}={encoded}") == \
        f"postgresql://db/x?application_name=lab&{key}=***"


def test_a_driver_message_never_echoes_a_secret():
    import psycopg

    error = psycopg.OperationalError("connection failed: bad option password=s3cr3t in dsn host=db password='x y'")
    message = str(translate(error, "postgresql://db/x", ["s3cr3t"]))
    assert "s3cr3t" not in message and "x y" not in message
    assert message == "postgresql://db/x: connection failed: bad option password=*** in dsn host=db password=***"
    assert "hunter22" not in str(translate(psycopg.OperationalError("echo hunter22"), "w", ["hunter22"]))


SECRET_ROUTES = ["?password=s3cr3t", "?sslpassword=s3cr3t", "?password=s3cr3t&sslpassword=s3cr3t", "-userinfo",
                 "?options=-c%20password%3Ds3cr3t"]


@pytest.mark.parametrize("route", SECRET_ROUTES)
@pytest.mark.parametrize("args", [["topology", "list"], ["topology", "import", EXAMPLE], ["db", "current"],
                                  ["db", "upgrade"], ["runs", "list", "--json"]])
def test_a_secret_in_the_url_is_never_shown(run, pg_server, route, args):
    """A database missing on a real server: the error names the URL, without any secret."""
    user = "postgres:s3cr3t" if route == "-userinfo" else "postgres"
    url = f"postgresql+psycopg://{user}@127.0.0.1:{pg_server.port}/absent_db" + ("" if route == "-userinfo" else route)
    outcome = run("--db", url, *args)
    assert_one_line_error(outcome, f"@127.0.0.1:{pg_server.port}/absent_db", code=3)
    assert "s3cr3t" not in outcome.stderr + outcome.stdout
    assert "=***" in outcome.stderr or ":***@" in outcome.stderr


@pytest.mark.parametrize("url", ["mysql+nosuchdriver://u:s3cr3t@h/db?password=s3cr3t",
                                 "postgresql+psycopg://u@127.0.0.1:1/db?password=s3cr3t",
                                 "postgresql://u:s3cr3t@h:abc/db", "postgresql+psycopg://u:s3cr3t@[::1/db"])
def test_a_secret_is_hidden_on_every_other_route(run, url):
    outcome = run("--db", url, "topology", "list")
    assert outcome.exit_code in (2, 3) and "s3cr3t" not in outcome.stderr + outcome.stdout
    assert_one_line_error(outcome, "***", code=outcome.exit_code)


# ---- in-memory SQLite and the WAL switch: refused or bounded, never a spin

@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", ":memory:", "sqlite:///",
                                 "sqlite:///x.db?mode=memory"])
def test_in_memory_sqlite_is_refused_in_one_line(tmp_path, monkeypatch, url):
    outcome = cli("--db", url, "topology", "list", cwd=tmp_path)
    assert_one_line_error(outcome, "--db: an in-memory SQLite database cannot hold a store", code=2)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="in-memory"):
        Store(url)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("uri", [":memory:", "IMMUTABLE"])
def test_the_write_ahead_log_switch_never_spins(tmp_path, uri):
    if uri == "IMMUTABLE":
        path = tmp_path / "rollback.db"
        sqlite3.connect(path).close()
        uri = f"file:{path}?mode=ro&immutable=1"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    started = time.monotonic()
    with pytest.raises(DatabaseError, match="cannot switch the SQLite database to write-ahead logging"):
        migrate._write_ahead_log(conn)
    assert time.monotonic() - started < 1


def test_the_write_ahead_log_switch_waits_for_a_busy_file_at_most_the_lock_timeout(tmp_path, monkeypatch):
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN")
    holder.execute("SELECT * FROM t").fetchall()  # a reader keeps the file from leaving its rollback journal
    monkeypatch.setenv("CONNECTOME_LOCK_TIMEOUT", "0.3")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        migrate._write_ahead_log(sqlite3.connect(path, isolation_level=None, timeout=0))
    assert 0.3 <= time.monotonic() - started < 1.2
    holder.close()


# ---- PostgreSQL: every statement, the start-up check included, waits for a lock at most the lock timeout

@contextlib.contextmanager
def _holding(url: str, table: str):
    import psycopg

    with psycopg.connect(url.replace("+psycopg", "")) as conn:  # a transaction, held until the block ends
        conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield
        conn.rollback()


@pytest.mark.parametrize("table", ["alembic_version", "topology_versions"])
@pytest.mark.parametrize("args", [["topology", "list"], ["topology", "import", EXAMPLE, "--name", "other"]])
def test_a_locked_table_is_answered_within_the_lock_timeout(pg_url, table, args):
    assert cli("--db", pg_url, "topology", "import", EXAMPLE).exit_code == 0
    before = table_counts(pg_url)
    with _holding(pg_url, table):
        started = time.monotonic()
        outcome = cli("--db", pg_url, *args, env={"CONNECTOME_LOCK_TIMEOUT": "1"})
        waited = time.monotonic() - started
    assert_one_line_error(outcome, "the database is locked by another process (waited 1 s, see "
                                   "CONNECTOME_LOCK_TIMEOUT)", "nothing was written", code=3)
    assert waited < 8
    assert table_counts(pg_url) == before


def test_a_lock_timeout_of_zero_still_bounds_the_wait(pg_url):
    """PostgreSQL reads lock_timeout = 0 as "wait for ever": 0 s must mean "do not wait"."""
    assert cli("--db", pg_url, "topology", "import", EXAMPLE).exit_code == 0
    with _holding(pg_url, "topology_versions"):
        outcome = cli("--db", pg_url, "topology", "list", env={"CONNECTOME_LOCK_TIMEOUT": "0"})
    assert_one_line_error(outcome, "locked by another process (waited 0 s", code=3)


def test_every_server_connection_carries_its_bounds(pg_url, monkeypatch):
    """lock_timeout for every statement; a bounded connect; keepalives that notice a vanished server."""
    monkeypatch.setenv("CONNECTOME_LOCK_TIMEOUT", "2.5")
    for url, connect_timeout in ((pg_url, "10"), (pg_url + "?connect_timeout=3&keepalives_idle=7", "3")):
        database = Database(resolve_url(url))
        with database.connect() as conn:
            assert conn.scalar("SHOW lock_timeout") == "2500ms"
            given = conn.raw.driver_connection.info.get_parameters()
        database.close()
        assert given["connect_timeout"] == connect_timeout and given["tcp_user_timeout"] == "60000"
        assert (given["keepalives_idle"], given["keepalives_count"]) == ("7" if "idle" in url else "30", "3")


def test_a_server_that_never_answers_is_given_up_on(run):
    """A port that accepts connections and never speaks: libpq's connect_timeout (10 s) ends the wait."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        outcome = cli("--db", f"postgresql+psycopg://lab:s3cr3t@127.0.0.1:{port}/x", "topology", "list")
    assert_one_line_error(outcome, "the server did not answer in time", code=3)
    assert "s3cr3t" not in outcome.stderr


# ---- a lost server connection: one line, no pool or driver noise

def test_a_connection_lost_mid_import_says_one_line(run, pg_url, tmp_path):
    """The server ends the session while an import streams its projections: one line, no pool or driver noise."""
    names = [f"r{i}" for i in range(2000)]
    doc = {"name": "big", "regions": [{"name": n, "share": 1} for n in names],
           "projections": [{"source": n, "target": names[(i + k) % 2000], "strength": 0.5}
                           for i, n in enumerate(names) for k in range(1, 31)]}
    big = tmp_path / "big.json"
    big.write_text(json.dumps(doc))
    assert run("--db", pg_url, "topology", "import", EXAMPLE).exit_code == 0
    before = table_counts(pg_url)
    plain = pg_url.replace("+psycopg", "")
    killer = threading.Thread(target=_kill, args=(plain, "INSERT INTO projections%"))
    killer.start()
    outcome = cli("--db", pg_url, "topology", "import", big)
    killer.join()
    assert_one_line_error(outcome, "nothing was written", code=3)
    assert "server" in outcome.stderr and "connection" in outcome.stderr
    assert table_counts(pg_url) == before


def test_a_connection_killed_mid_command_says_one_line(pg_url):
    """The CLI's backend is killed while it waits for an import lock: exactly one line, exit 3."""
    import psycopg

    from connectome.store.locks import lock_key

    assert cli("--db", pg_url, "topology", "import", EXAMPLE).exit_code == 0
    plain = pg_url.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (lock_key("topology", "other"),))
        killed = threading.Thread(target=_kill, args=(plain, "%pg_advisory_xact_lock%"))
        killed.start()
        outcome = cli("--db", pg_url, "topology", "import", EXAMPLE, "--name", "other")
        killed.join()
    assert_one_line_error(outcome, "the server shut the connection down", "nothing was written", code=3)


def _kill(url: str, query: str) -> None:
    """End the first other session seen running `query` (a LIKE pattern), polling for up to 10 s."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(2000):
            if conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                            "AND query LIKE %s AND state = 'active'", (query,)).fetchall():
                return
            time.sleep(0.005)


# ---- SQLite URL parameters: mode=ro honoured, nothing else silently dropped

def test_mode_ro_reads_and_refuses_writes(tmp_path):
    db = tmp_path / "store.db"
    assert cli("--db", db, "topology", "import", EXAMPLE).exit_code == 0
    before, content = table_counts(db), db.read_bytes()
    url = f"sqlite:///{db}?mode=ro"
    listed = cli("--db", url, "topology", "list", "--json", env={"PYTHONWARNINGS": "error"})
    assert listed.exit_code == 0 and listed.stderr == "" and "multi_region@v1" in listed.stdout
    assert_one_line_error(cli("--db", url, "topology", "import", EXAMPLE, "--name", "new"),
                          "the database is read-only", "nothing was written", code=3)
    assert table_counts(db) == before and db.read_bytes() == content


def test_db_upgrade_of_a_read_only_store_changes_nothing(run, tmp_path):
    db = tmp_path / "old.db"
    database = Database(resolve_url(str(db)))
    migrate.upgrade(database, migrate.REVISIONS[-2])
    database.close()
    content = db.read_bytes()
    outcome = run("--db", f"sqlite:///{db}?mode=ro", "db", "upgrade")
    assert_one_line_error(outcome, "the database is read-only: it cannot be upgraded here", code=3)
    assert not [p.name for p in tmp_path.iterdir() if ".bak" in p.name] and db.read_bytes() == content


def test_mode_ro_never_creates_a_file_and_warns_of_nothing(tmp_path):
    db = tmp_path / "absent.db"
    outcome = cli("--db", f"sqlite:///{db}?mode=ro", "topology", "import", EXAMPLE, env={"PYTHONWARNINGS": "error"})
    assert_one_line_error(outcome, "cannot open the database file", code=3)
    assert list(tmp_path.iterdir()) == []
    made = cli("--db", f"sqlite:///{db}?mode=rwc", "topology", "import", EXAMPLE, env={"PYTHONWARNINGS": "error"})
    assert made.exit_code == 0 and made.stderr == ""


@pytest.mark.parametrize("query, fragment", [
    ("uri=true", "SQLite URL parameter 'uri' is not supported (supported: mode=ro|rw|rwc, immutable=0|1)"),
    ("cache=shared", "parameter 'cache' is not supported"),
    ("mode=ro&mode=rw", "parameter 'mode' is given twice"),
    ("mode=readonly", "mode= must be one of ro, rw, rwc, got 'readonly'"),
])
def test_unknown_sqlite_parameters_are_refused(run, tmp_path, query, fragment):
    assert_one_line_error(run("--db", f"sqlite:///{tmp_path}/s.db?{query}", "topology", "list"), fragment)
    assert list(tmp_path.iterdir()) == []


def test_a_bare_path_with_url_characters_is_a_file(run, tmp_path):
    path = tmp_path / "odd?name%41 #1.db"
    assert run("--db", path, "topology", "import", EXAMPLE).exit_code == 0
    assert path.exists() and [v["ref"] for v in run("--db", path, "topology", "list", "--json").json()] == \
        ["multi_region@v1"]


# ---- a store this process cannot write: opened read-only, every read command works

def _without_root_powers() -> tuple[str, ...]:
    """A prefix that runs a command as root without the capabilities that ignore file permissions."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("NOT RUN: needs root and setpriv to take away root's power to write any file")
    return ("setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner,-chown")


def _read_only_folder(folder: Path, file_mode: int = 0o444) -> None:
    """The folder and its files belong to `nobody`; nobody else may write the folder (nor, by default, the files)."""
    for path in [*folder.iterdir(), folder]:
        os.chown(path, 65534, -1)
        path.chmod(0o555 if path.is_dir() else file_mode)


@pytest.fixture(params=[0o444, 0o666], ids=["file-read-only", "file-writable"])
def read_only_store(request, run, tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    db = folder / "store.db"
    assert run("--db", db, "topology", "import", EXAMPLE, "-m", "first").exit_code == 0
    assert run("--db", db, "simulate", "--topology", "v1", "--neurons", "1e4", "--duration", "5",
               "--deterministic").exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == ["store.db"]  # no -shm, no -wal beside it
    _read_only_folder(folder, request.param)
    yield db
    folder.chmod(0o755)


READS = [["topology", "list"], ["topology", "show", "multi_region"], ["topology", "verify"],
         ["topology", "stats", "v1", "--neurons", "1000"], ["topology", "diff", "v1", "multi_region@v1"],
         ["runs", "list"], ["runs", "show", "1"], ["db", "current"], ["db", "upgrade"]]


def test_a_store_in_a_folder_nobody_may_write_is_read(read_only_store, tmp_path):
    prefix, db = _without_root_powers(), read_only_store
    content = db.read_bytes()
    for args in READS:
        outcome = cli("--db", db, *args, prefix=prefix)
        assert outcome.exit_code == 0, (args, outcome.stderr)
        assert outcome.stderr == ""
    exported = tmp_path / "out.json"
    assert cli("--db", db, "topology", "export", "v1", "-o", exported, prefix=prefix).exit_code == 0
    assert exported.stat().st_size > 0
    assert_one_line_error(cli("--db", db, "topology", "import", EXAMPLE, "--name", "new", prefix=prefix),
                          "the database is read-only", "nothing was written", code=3)
    assert sorted(p.name for p in db.parent.iterdir()) == ["store.db"] and db.read_bytes() == content


def test_a_read_only_store_with_its_wal_files_is_read_through_them(tmp_path):
    """-shm and -wal present (a writer's files left behind): read through them, pending changes included."""
    prefix = _without_root_powers()
    folder = tmp_path / "shared"
    folder.mkdir()
    db = folder / "store.db"
    assert cli("--db", db, "topology", "import", EXAMPLE).exit_code == 0
    _copy_with_pending_wal(db, folder / "pending.db", tmp_path)
    _read_only_folder(folder)
    try:
        listed = cli("--db", folder / "pending.db", "topology", "list", "--json", prefix=prefix)
        assert listed.exit_code == 0, listed.stderr
        assert "multi_region@v2" in listed.stdout  # the version only the -wal holds
        os.chmod(folder, 0o755)
        os.chmod(folder / "pending.db-shm", 0o644)
        (folder / "pending.db-shm").unlink()
        os.chmod(folder, 0o555)
        outcome = cli("--db", folder / "pending.db", "topology", "list", prefix=prefix)
        assert_one_line_error(outcome, "its write-ahead log pending.db-wal holds changes not yet in the file", code=3)
    finally:
        folder.chmod(0o755)


def _copy_with_pending_wal(db: Path, target: Path, scratch: Path) -> None:
    """A copy of `db` with one more version still in its -wal (no checkpoint), as a crashed writer leaves it."""
    work = scratch / "work.db"
    shutil.copy(db, work)
    with contextlib.closing(open_sqlite(work)) as conn:
        conn.execute("PRAGMA wal_autocheckpoint=0")
        changed = scratch / "changed.json"
        changed.write_text(EXAMPLE.read_text().replace('"strength": 0.3', '"strength": 0.35', 1))
        with Store(str(work)) as store:
            from connectome.formats import read

            store.save(read(changed))
        for suffix in ("", "-wal", "-shm"):
            shutil.copy(f"{work}{suffix}", f"{target}{suffix}")


def test_a_read_only_filesystem_is_still_read(run, tmp_path):
    """Nothing beside the file can be made on read-only media: opened immutable when no -wal is pending."""
    from conftest import tmpfs

    with tmpfs(tmp_path / "media", "8m") as folder:
        db = folder / "store.db"
        assert run("--db", db, "topology", "import", EXAMPLE).exit_code == 0
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        assert Database(resolve_url(str(db))).read_only
        assert run("--db", db, "topology", "verify").exit_code == 0


# ---- foreign keys: on, on every SQLite connection the package opens

def test_every_sqlite_connection_has_foreign_keys_on(tmp_path):
    db = tmp_path / "store.db"
    Store(str(db)).close()
    for url in (resolve_url(str(db)), f"sqlite:///{db}?mode=ro", f"sqlite:///{db}?mode=ro&immutable=1"):
        database = Database(url)
        with database.connect() as conn:
            assert conn.scalar("PRAGMA foreign_keys") == 1
        with database.sqlalchemy_engine().connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        database.close()
    database = Database(resolve_url(str(db)))
    migrate.downgrade(database, migrate.REVISIONS[-2])
    migrate.upgrade(database)  # a migration turns them off for its table rebuilds, then on again
    with database.sqlalchemy_engine().connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    database.close()


def test_the_package_opens_sqlite_only_through_open_sqlite():
    """Every sqlite3.connect of the package is the one in open_sqlite (backups and Alembic use it too)."""
    calls = []
    for path in (ROOT / "connectome").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef):
                for call in ast.walk(node):
                    if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                            and call.func.attr == "connect" and getattr(call.func.value, "id", "") == "sqlite3"):
                        calls.append((path.relative_to(ROOT).as_posix(), node.name))
    assert calls == [("connectome/store/sqlite.py", "open_sqlite")]


@pytest.mark.parametrize("query, fragment", [("passwd=xyzsecret", 'passwd=***: invalid connection option "passwd"'),
                                             ("connect_timeout=abc", "bad value for connect_timeout: 'abc'")])
def test_settings_the_driver_refuses_are_one_line(query, fragment):
    """psycopg refuses a URL's own settings before connecting: bad input, exit 2, the secret still hidden."""
    out = cli("--db", f"postgresql+psycopg://u@127.0.0.1:1/db?{query}", "topology", "list")
    assert_one_line_error(out, fragment, code=2)
    assert "xyzsecret" not in out.stderr
