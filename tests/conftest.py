"""Shared fixtures: a fresh database file per test and a runner for the real CLI."""

from __future__ import annotations

import contextlib
import itertools
import subprocess
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from hypothesis import settings
from hypothesis import strategies as st

from connectome.cli import cli

# property tests are derandomised in CI (the same examples every run); locally they explore
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# the slow lane: Dask clusters, NEST/PyNN, pseudo-terminals, killed processes, fuzzing and bounded waits;
# `python -m pytest -m "not slow"` is the fast lane for development (CI runs everything)
SLOW_MODULES = {"test_sweeps.py", "test_simulator_scripts.py", "test_concurrency.py", "test_fuzz_formats.py"}
SLOW_NAMES = ("progress_bar", "killed", "kill", "never_answers", "dashboard", "speak_dask", "started_twice",
              "running_scheduler", "recorded_by_another", "module_cluster", "without_workers", "locked_table",
              "lock_timeout_of_zero")


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.name in SLOW_MODULES or any(word in item.name for word in SLOW_NAMES):
            item.add_marker(pytest.mark.slow)


ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "multi_region.json"


@dataclass
class Outcome:
    """What one CLI invocation did."""

    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The path of a database file that does not exist yet."""
    return tmp_path / "store.db"


@pytest.fixture
def run(db: Path, monkeypatch: pytest.MonkeyPatch):
    """Run the CLI against `db` (via CONNECTOME_DB) in the test's temporary folder."""
    monkeypatch.chdir(db.parent)

    def invoke(*args: str, env: dict[str, str] | None = None) -> Outcome:
        runner = CliRunner(env={"CONNECTOME_DB": str(db), **(env or {})})
        result = runner.invoke(cli, [str(a) for a in args], catch_exceptions=True)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Outcome(result.exit_code, result.stdout, result.stderr, result.exception)

    return invoke


def table_counts(target: Path | str) -> dict[str, int]:
    """Rows per table of a SQLite file (empty dict when it does not exist) or a PostgreSQL URL, read by the driver."""
    if "://" in str(target):
        import psycopg

        with psycopg.connect(str(target).replace("+psycopg", "")) as conn:
            names = [r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables "
                                                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")]
            return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    path = Path(target)
    if not path.exists():
        return {}
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def raw_sql(target: Path | str, *statements: str) -> list:
    """Run SQL as any client would (sqlite3 or psycopg, not connectome) and return the last statement's rows."""
    if "://" in str(target):
        import psycopg

        with psycopg.connect(str(target).replace("+psycopg", ""), autocommit=True) as conn:
            rows = [conn.execute(s) for s in statements][-1]
            return rows.fetchall() if rows.description else []
    with sqlite3.connect(target, isolation_level=None) as conn:
        rows = [conn.execute(s) for s in statements][-1]
        return rows.fetchall()


# ---- a real PostgreSQL server, started once per session on 127.0.0.1 and stopped at the end

@pytest.fixture(scope="session")
def pg_server():
    """The session's PostgreSQL server; a loud skip (with the reason) where none can start."""
    from pgserver import ServerUnavailable, start_server

    try:
        server = start_server()
    except ServerUnavailable as exc:
        pytest.skip(f"PostgreSQL tests NOT RUN: no server could start: {exc}")
    yield server
    server.stop()


_databases = itertools.count()


@pytest.fixture
def pg_url(pg_server):
    """A new, empty database on the session's server, dropped after the test."""
    name = f"connectome_test_{next(_databases)}"
    url = pg_server.create_database(name)
    yield url
    pg_server.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, db: Path) -> str:
    """The same test on a SQLite file and on a real PostgreSQL server: a path or a URL, not yet created."""
    if request.param == "sqlite":
        return str(db)
    return request.getfixturevalue("pg_url")


def assert_one_line_error(outcome: Outcome, *fragments: str, code: int = 2) -> None:
    """Exit `code`, exactly one line on stderr starting with `error:` and containing every fragment."""
    assert outcome.exit_code == code, (outcome.exit_code, outcome.stdout, outcome.stderr)
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in outcome.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def with_warnings(call):
    """(what `call()` returns, the texts of the ConnectomeWarnings it raised)."""
    import warnings

    from connectome.errors import ConnectomeWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, [str(w.message) for w in caught if issubclass(w.category, ConnectomeWarning)]


def input_error(call) -> str:
    """The one-line message of the InputError that `call()` raises."""
    from connectome.errors import InputError

    with pytest.raises(InputError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


# ---- hypothesis: topologies for round trips, with the names and values each format can carry

# names refuse control and format characters (Cc, Cf); surrogates (Cs) cannot be encoded at all
NAME_CHARS = st.characters(blacklist_categories=["Cs", "Cc", "Cf"])
STRENGTHS = st.one_of(st.sampled_from([5e-324, 1000.0, 0.1, 0.3, 1 / 3, 2.2250738585072014e-308]),
                      st.floats(min_value=5e-324, max_value=1000))
SHARES = st.one_of(STRENGTHS, st.sampled_from([1e300, 1.7976931348623157e308]),
                   st.floats(min_value=5e-324, allow_infinity=False))


@st.composite
def topologies(draw, names, values, region_keys, edge_keys, *, name=st.just("rt"), description=st.none(),
               neurons=st.none()) -> nx.DiGraph:
    """A valid topology whose region names, extra attribute keys and values come from the given strategies."""
    regions = draw(st.lists(names, min_size=1, max_size=6, unique=True))
    g = nx.DiGraph(name=draw(name))
    for key, strategy in (("description", description), ("neurons", neurons)):
        value = draw(strategy)
        if value is not None:
            g.graph[key] = value
    for r in regions:
        g.add_node(r, share=draw(SHARES), **draw(st.dictionaries(st.sampled_from(region_keys), values, max_size=3)))
    for s, t in draw(st.lists(st.tuples(st.sampled_from(regions), st.sampled_from(regions)), max_size=8, unique=True)):
        g.add_edge(s, t, strength=draw(STRENGTHS), **draw(st.dictionaries(st.sampled_from(edge_keys), values, max_size=2)))
    return g


@contextlib.contextmanager
def tmpfs(path: Path, size: str):
    """A real filesystem of `size` (tmpfs, mounted as root) at `path`, to fill a disk for real."""
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"NOT RUN: a small filesystem is needed to fill a disk for real and mount failed: {mounted.stderr}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def seeded_graph(n: int, density: float, seed: int) -> "nx.DiGraph":
    """A seeded random topology: n regions of equal share, each ordered pair joined with probability
    `density`, strengths in [0.01, 1] (3 decimals) and tract lengths in [1, 20] mm (1 decimal)."""
    import random

    import networkx as nx

    rng = random.Random(seed)
    g = nx.DiGraph(name="dense")
    for i in range(n):
        g.add_node(f"r{i}", share=1.0)
    for s in range(n):
        for t in range(n):
            if s != t and rng.random() < density:
                g.add_edge(f"r{s}", f"r{t}", strength=round(rng.uniform(0.01, 1), 3), tract_length=round(rng.uniform(1, 20), 1))
    return g
