"""The store's SQL: named `:params` bound by the driver (`sqlite3` itself on SQLite, SQLAlchemy Core on a
server), never rewritten or spliced.

Two checks: the package's source holds no placeholder rewriting (`?` or `%s` placeholders, `paramstyle`),
and at run time every statement the store sends carries the user's values as bound parameters, never
inside the statement text (on SQLite, seen at the store's connection, and on a real PostgreSQL server, seen
by SQLAlchemy's cursor events).
"""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Iterator

import networkx as nx
from sqlalchemy import event

from connectome.store import Store
from connectome.store import sweeps as stored_sweeps
from conftest import ROOT

SQL = re.compile(r"(?i)\b(?:SELECT|INSERT|UPDATE|DELETE)\b")
# a DB-API placeholder where a value goes: qmark, format or pyformat
PLACEHOLDER = re.compile(r"(?i)(?:[=(,]|\b(?:LIMIT|OFFSET|IN|VALUES)\b)\s*(?:\?|%s|%\(\w+\)s)")
# a name a splice would break or give away: quotes, every placeholder style, a bind-like colon
HOSTILE = "it's ?%s:name %(x)s \"q\""
MESSAGE = "import of it's ?%s"


def _sources() -> Iterator[Path]:
    """Every module of the package."""
    yield from sorted((ROOT / "connectome").rglob("*.py"))


def placeholder_problems(path: Path, root: Path = ROOT) -> list[str]:
    """What in one module looks like placeholder rewriting or DB-API placeholders in SQL.

    Parameters
    ----------
    path : Path
        A module of the package.
    root : Path
        What the reported file names are relative to.

    Returns
    -------
    list of str
        `FILE:LINE: what` for each SQL string with a `?`/`%s` placeholder, each use of `paramstyle`,
        and each `.replace("?", …)` into a `%` placeholder.
    """
    where = path.relative_to(root).as_posix()
    out = []
    for node in ast.walk(ast.parse(path.read_text(), where)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if SQL.search(node.value) and PLACEHOLDER.search(node.value):
                out.append(f"{where}:{node.lineno}: a DB-API placeholder in SQL: {node.value[:60]!r}")
        elif isinstance(node, (ast.Name, ast.Attribute)) and "paramstyle" in (getattr(node, "id", None) or
                                                                                 getattr(node, "attr", "")):
            out.append(f"{where}:{node.lineno}: paramstyle")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "replace"
              and len(node.args) == 2 and all(isinstance(a, ast.Constant) for a in node.args)
              and node.args[0].value == "?" and "%" in str(node.args[1].value) and "s" in str(node.args[1].value)):
            out.append(f"{where}:{node.lineno}: rewrites ? into a % placeholder")
    return out


def test_the_checker_finds_what_it_looks_for(tmp_path):
    """The source check recognises each form it refuses, and lets named parameters and URLs pass."""
    sample = tmp_path / "connectome" / "sample.py"
    sample.parent.mkdir()
    sample.write_text('A = "SELECT id FROM t WHERE name = ?"\nB = "INSERT INTO t VALUES (%s, %s)"\n'
                      'C = "UPDATE t SET x = %(x)s"\nD = conn.dialect.paramstyle\nE = sql.replace("?", "%s")\n'
                      'F = "SELECT id FROM t WHERE name = :name LIMIT :n"\nG = path.replace("?", "%3F")\n')
    found = placeholder_problems(sample, tmp_path)
    assert [f.split(":")[1] for f in found] == ["1", "2", "3", "4", "5"], found


def test_the_package_rewrites_no_placeholders():
    """No `?` or `%s` placeholders in SQL, no `paramstyle`, no `?` -> `%s` anywhere in the package."""
    problems = [p for path in _sources() for p in placeholder_problems(path)]
    assert problems == []


def _graph(name: str) -> nx.DiGraph:
    """A two-region topology whose names, description and attributes carry quotes and placeholders."""
    g = nx.DiGraph(name=name, description=f"described as {name}")
    g.add_node("a ?%s", share=1.0, note=HOSTILE)
    g.add_node("b", share=3.0)
    g.add_edge("a ?%s", "b", strength=0.5, tract_length=12.5)
    return g


def _exercise(store: Store) -> None:
    """Every kind of statement the store sends: import, resolve, list, load, verify, runs, sweeps, deletion."""
    saved = store.save(_graph(HOSTILE), message=MESSAGE, source=HOSTILE)
    assert store.save(_graph(HOSTILE)).created is False  # found by its hash
    version = store.resolve(f"{HOSTILE}@v1")
    assert store.resolve(HOSTILE) == version and store.resolve("v1") == version
    assert [v["ref"] for v in store.versions(HOSTILE)] == [saved.ref]
    assert set(store.load(version).nodes) == {"a ?%s", "b"}
    assert all(entry["ok"] for entry in store.verify(ledger_entry=True))
    sweep_id, created, seed = stored_sweeps.create_or_find(store, version, {"note": HOSTILE}, 5, 1)
    run_id = store._record_run(version, neurons=10, parameters={"note": HOSTILE}, seed=seed,
                              summary={"note": HOSTILE}, output=None, started_at=datetime.now(UTC), wall_s=0.1,
                              peak_rss_bytes=None, sweep=(sweep_id, 0))
    assert stored_sweeps.has_point(store, sweep_id, 0) and list(stored_sweeps.recorded(store, sweep_id)) == [0]
    assert store.run(run_id)["parameters"] == {"note": HOSTILE}
    assert store.delete_run(run_id, reason=HOSTILE)["reason"] == HOSTILE
    assert [d["reason"] for d in store.run_deletions()] == [HOSTILE]


def test_every_statement_binds_its_values(store_url, monkeypatch):
    """Every statement the store sends (SQLite: at its `sqlite3` connection; a server: SQLAlchemy's cursor
    events) carries the values (a name, message, attribute and reason full of quotes and placeholders)
    as bound parameters, never in the text."""
    sent: list[tuple[str, Any]] = []
    with Store(store_url) as store:
        if store.db.dialect == "sqlite":
            _watch_sqlite(monkeypatch, sent)
        else:
            event.listen(store.db.sqlalchemy_engine(), "before_cursor_execute",
                         lambda conn, cursor, statement, parameters, context, many: sent.append((statement, parameters)))
        _exercise(store)
    statements = [s for s, _ in sent]
    assert len(statements) > 30 and any(s.lstrip().startswith("INSERT INTO projections") for s in statements)
    assert not [s for s in statements if any(part in s for part in (HOSTILE, "it's", "it''s", "?%s", "described as"))]
    bound = {v for _, p in sent for v in _values(p)}
    assert HOSTILE in bound and MESSAGE in bound


def _watch_sqlite(monkeypatch: Any, sent: list[tuple[str, Any]]) -> None:
    """Record what the store's SQLite connections send to the driver, then send it."""
    from connectome.store.connection import SqliteConn

    execute, many = SqliteConn.execute, SqliteConn.executemany

    def watched_execute(self: Any, sql: str, params: Any = None) -> Any:
        sent.append((sql, params))
        return execute(self, sql, params)

    def watched_many(self: Any, sql: str, rows: Any) -> None:
        rows = list(rows)
        sent.append((sql, rows))
        many(self, sql, rows)

    monkeypatch.setattr(SqliteConn, "execute", watched_execute)
    monkeypatch.setattr(SqliteConn, "executemany", watched_many)


def _values(parameters: Any) -> Iterator[Any]:
    """The values of a statement's parameters, whatever their shape (a mapping, a sequence, many of either)."""
    if isinstance(parameters, dict):
        parameters = list(parameters.values())
    for value in parameters or ():
        if isinstance(value, (dict, list, tuple)):
            yield from _values(value)
        else:
            yield value
