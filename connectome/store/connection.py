"""DB-API connections for the store: sqlite3 directly for files, SQLAlchemy's pool for servers.

Every query is plain SQL with `?` placeholders, run through the driver (what sqlite-utils does):
SQLite commands start without importing SQLAlchemy, and bulk inserts skip per-row processing.
Driver errors leave as one-line `DatabaseError`s (exit 3) that name the database, never its password.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Sequence
from urllib.parse import quote

from ..errors import DatabaseError, InputError
from .url import backend, hide_secrets, redact, secrets, sqlite_options, sqlite_path

DEFAULT_LOCK_WAIT_S = 30.0
CONNECT_TIMEOUT_S = 10  # libpq's connect_timeout for servers, unless the URL gives one


def lock_wait_ms() -> int:
    """How long a write waits for another writer's lock: CONNECTOME_LOCK_TIMEOUT seconds, else 30."""
    from ..settings import seconds

    return round(seconds("CONNECTOME_LOCK_TIMEOUT", DEFAULT_LOCK_WAIT_S) * 1000)


def server_lock_timeout_ms() -> int:
    """PostgreSQL's `lock_timeout` for CONNECTOME_LOCK_TIMEOUT: at least 1 ms, since 0 would mean no limit."""
    return max(1, lock_wait_ms())


def lock_key(kind: str, name: str = "") -> int:
    """A signed 64-bit key for a PostgreSQL advisory lock on (`kind`, `name`)."""
    digest = hashlib.sha256(f"connectome:{kind}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Conn:
    """One DB-API connection with `?` placeholders on every driver, and explicit transactions."""

    def __init__(self, raw: Any, dialect: str, paramstyle: str) -> None:
        self.raw = raw
        self.dialect = dialect
        self._percent = paramstyle in ("format", "pyformat")

    def _sql(self, sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s") if self._percent else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement and return its cursor."""
        cursor = self.raw.cursor()
        cursor.execute(self._sql(sql), tuple(params))
        return cursor

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for every row, through the driver's executemany."""
        if rows:
            self.raw.cursor().executemany(self._sql(sql), rows)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Every row of a query, as plain tuples."""
        return self.execute(sql, params).fetchall()

    def first(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        """The first row of a query, or None."""
        return self.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row, or None."""
        row = self.first(sql, params)
        return None if row is None else row[0]

    def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an INSERT and return the id of the new row."""
        if self.dialect == "sqlite":
            return self.execute(sql, params).lastrowid
        return self.execute(sql + " RETURNING id", params).fetchone()[0]

    def stamp(self, value: datetime) -> Any:
        """A timestamp as the driver stores it (SQLite: SQLAlchemy's text form; servers: a datetime)."""
        return value.strftime("%Y-%m-%d %H:%M:%S.%f") if self.dialect == "sqlite" else value

    def tables(self) -> list[str]:
        """The names of the tables in the database (the current schema on a server)."""
        if self.dialect == "sqlite":
            return [r[0] for r in self.rows("SELECT name FROM sqlite_master WHERE type = 'table' "
                                            "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return [r[0] for r in self.rows("SELECT table_name FROM information_schema.tables "
                                        "WHERE table_schema = current_schema() ORDER BY table_name")]

    @contextlib.contextmanager
    def transaction(self, *, write: bool = True, lock: int | None = None) -> Iterator["Conn"]:
        """One transaction: SQLite's BEGIN IMMEDIATE for writes; on PostgreSQL an advisory lock if asked."""
        if self.dialect == "sqlite":
            self.raw.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        elif lock is not None and self.dialect == "postgresql":
            self.execute(f"SET LOCAL lock_timeout = {server_lock_timeout_ms()}")
            self.execute("SELECT pg_advisory_xact_lock(?)", (lock,))
        try:
            yield self
        except BaseException:
            with contextlib.suppress(Exception):
                self.raw.rollback()
            raise
        self.raw.commit()


class Database:
    """The connections of one store, opened on demand and closed after each use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.where = redact(url)
        self.dialect = backend(url)
        self.path = sqlite_path(url)
        self.options = sqlite_options(url) if self.dialect == "sqlite" else {}
        self._secrets = secrets(url)
        self._engine: Any = None
        if self.dialect == "sqlite" and self.path is None:
            raise InputError("--db: an in-memory SQLite database cannot hold a store: give a file path")
        if self.path is not None and not self.path.parent.is_dir():
            raise InputError(f"--db: folder {str(self.path.parent)!r} does not exist")

    @property
    def read_only(self) -> bool:
        """Whether this SQLite store opens read-only (`mode=ro`, `immutable=1`, or a file this process cannot write)."""
        if self.path is None or not self.path.exists():
            return False
        query = sqlite_uri_query(self.path, self.options, self.where)
        return query.startswith("mode=ro") or "immutable=1" in query

    def sqlalchemy_engine(self) -> Any:
        """A SQLAlchemy engine on the same database (servers, and Alembic on every database)."""
        if self._engine is None:
            from .engines import make_engine

            self._engine = make_engine(self.url)
        return self._engine

    def _open(self) -> Conn:
        if self.dialect == "sqlite":
            return Conn(open_sqlite(self.path, self.options, self.where), "sqlite", "qmark")
        engine = self.sqlalchemy_engine()
        try:
            raw = engine.raw_connection()
        except Exception as exc:  # the driver refusing the URL's own settings before it connects: bad input
            orig = getattr(exc, "orig", exc)
            if type(orig).__name__ == "ProgrammingError" and _is_driver_error(orig):
                detail = hide_secrets(" ".join(str(orig).split()), secrets(self.url))
                raise InputError(f"--db: {self.where}: {detail}") from None
            raise
        return Conn(raw, self.dialect, engine.dialect.paramstyle)

    @contextlib.contextmanager
    def connect(self) -> Iterator[Conn]:
        """A connection for one unit of work; driver errors become one-line DatabaseErrors.

        A pooled server connection that saw an error is discarded, not returned: the pool would try to
        reset a connection that may be lost, and log each failure with its traceback.
        """
        with self.errors():
            conn = self._open()
            try:
                yield conn
            except BaseException:
                with contextlib.suppress(Exception):
                    (getattr(conn.raw, "invalidate", None) or conn.raw.close)()
                raise
            else:
                with contextlib.suppress(Exception):
                    conn.raw.close()

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        """Turn what the driver raises about the database itself into a one-line DatabaseError."""
        try:
            yield
        except Exception as exc:
            mapped = translate(exc, self.where, self._secrets)
            if mapped is None:
                raise
            raise mapped from None

    def close(self) -> None:
        """Release pooled server connections."""
        if self._engine is not None:
            self._engine.dispose()


def open_sqlite(path: Path, options: dict[str, str] | None = None, where: str | None = None) -> sqlite3.Connection:
    """A SQLite connection with foreign keys and a busy timeout: the only way the package opens SQLite.

    `options` are the URL's `mode` and `immutable`. Without `mode`, a file (or folder) this process cannot
    write opens read-only; see `sqlite_uri_query` for when it must also be immutable.
    """
    query = sqlite_uri_query(path, options or {}, where or str(path))
    raw = sqlite3.connect(f"file:{quote(str(path))}?{query}", uri=True, timeout=lock_wait_ms() / 1000,
                          isolation_level=None, check_same_thread=False)
    raw.execute("PRAGMA foreign_keys=ON")
    raw.execute(f"PRAGMA busy_timeout={lock_wait_ms()}")
    raw.execute("PRAGMA cache_size=-65536")  # 64 MiB: bulk imports keep their indexes in memory
    return raw


def sqlite_uri_query(path: Path, options: dict[str, str], where: str) -> str:
    """The `mode=…[&immutable=1]` SQLite opens `path` with.

    Reading a WAL database needs its `-shm` and `-wal` files, created beside it on first use
    (https://www.sqlite.org/wal.html#readonly). Where they are missing and cannot be made (a folder this
    process cannot write, read-only media), the file opens immutable, which reads the main file alone:
    right when no `-wal` holds changes, and refused when one does (they would be silently missed).
    """
    mode = options.get("mode") or ("rwc" if not path.exists() or _writable(path) else "ro")
    immutable = options.get("immutable") == "1"
    if mode == "ro" and not immutable and _needs_immutable(path):
        wal = Path(f"{path}-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise DatabaseError(f"{where}: cannot be read here: its write-ahead log {wal.name} holds changes not yet "
                                f"in the file, and {path.name}-shm is missing and cannot be created (the folder cannot "
                                "be written); open it once where it can be written, or copy it with its -wal file")
        immutable = True
    return f"mode={mode}" + ("&immutable=1" if immutable else "")


def _writable(path: Path) -> bool:
    """Whether this process may write the file and its folder (where SQLite makes its -wal, -shm, -journal)."""
    return _can_write(path) and _can_write(path.parent)


def _can_write(path: Path) -> bool:
    return os.access(path, os.W_OK, effective_ids=os.access in os.supports_effective_ids)


def _needs_immutable(path: Path) -> bool:
    """A WAL-mode file whose -shm or -wal is missing and cannot be created beside it."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(20)
    except OSError:
        return False  # SQLite itself will say why it cannot open the file
    is_wal = len(header) == 20 and header[:16] == b"SQLite format 3\x00" and header[18] == 2
    missing = not (Path(f"{path}-shm").exists() and Path(f"{path}-wal").exists())
    return is_wal and missing and not _can_write(path.parent)


# SQLite's error names and PostgreSQL's SQLSTATEs for what a user can act on
_CAUSES = {
    "SQLITE_FULL": "the disk is full", "53100": "the disk is full",
    "SQLITE_BUSY": "the database is locked by another process (waited {wait} s, see CONNECTOME_LOCK_TIMEOUT)",
    "SQLITE_LOCKED": "the database is locked by another process",
    "55P03": "the database is locked by another process (waited {wait} s, see CONNECTOME_LOCK_TIMEOUT)",
    "40P01": "a deadlock with another process",
    "SQLITE_NOTADB": "not a SQLite database",
    "SQLITE_READONLY": "the database is read-only", "25006": "the database is read-only",
    "SQLITE_CANTOPEN": "cannot open the database file",
    "SQLITE_CORRUPT": "the database file is corrupt",
    "SQLITE_IOERR": "an I/O error",
    "57P01": "the server shut the connection down", "57P02": "the server shut the connection down",
    "57P03": "the server is not accepting connections yet", "28P01": "password authentication failed",
    "28000": "the server refused this user", "3D000": "the database does not exist on the server",
    "42501": "permission denied",
}


def translate(exc: BaseException, where: str, hidden: Sequence[str] = ()) -> DatabaseError | None:
    """The one-line DatabaseError for a driver error about the database, or None for anything else (a bug).

    The driver's own text is shown without the `hidden` secrets, or anything that looks like a password.
    """
    orig = getattr(exc, "orig", None) if _is_sqlalchemy_error(exc) else exc
    if orig is None:
        orig = exc
    name = type(orig).__name__
    if not (isinstance(orig, sqlite3.Error) or _is_driver_error(orig)):
        return None
    code = getattr(orig, "sqlite_errorname", None) or getattr(orig, "sqlstate", None) or ""
    base = "_".join(code.split("_")[:2]) if code.startswith("SQLITE_") else code
    cause = _CAUSES.get(code) or _CAUSES.get(base)
    kind = next((c.__name__ for c in type(orig).__mro__ if c.__name__ in _PEP_249), name)  # e.g. ConnectionTimeout
    primary = getattr(getattr(orig, "diag", None), "message_primary", None)  # PostgreSQL's, without LINE 1: … ^
    refused = cause is None and str(primary or orig).startswith(GUARD_PREFIX)
    if refused:
        cause = "the store refused the change (rows were changed behind its guards: see `topology verify`)"
    if cause is None and kind not in ("OperationalError", "InterfaceError", "DatabaseError", "InternalError"):
        return None  # IntegrityError, ProgrammingError, DataError: a bug of ours, shown with its traceback
    detail = hide_secrets(" ".join(str(primary or orig).split()), hidden) or name
    if cause is None and _lost_connection(detail):
        cause = "the connection to the server was lost"
    if cause is None and "timeout expired" in detail:
        cause = "the server did not answer in time (see connect_timeout)"
    if cause and "{wait}" in cause:
        cause = cause.format(wait=f"{lock_wait_ms() / 1000:g}")
    message = f"{where}: {cause}: {detail}" if cause else f"{where}: {detail}"
    unchanged = refused or base in _ROLLED_BACK or cause == "the connection to the server was lost"
    return DatabaseError(message[:500] + ("; nothing was written" if unchanged else ""))


GUARD_PREFIX = "connectome: "  # how the store's triggers begin their refusals

_PEP_249 = {"InterfaceError", "DatabaseError", "DataError", "OperationalError", "IntegrityError", "InternalError",
            "ProgrammingError", "NotSupportedError"}

# faults met inside a write transaction, which is rolled back whole
_ROLLED_BACK = {"SQLITE_FULL", "53100", "SQLITE_READONLY", "25006", "SQLITE_BUSY", "55P03", "40P01", "57P01", "57P02"}


def _lost_connection(detail: str) -> bool:
    return any(s in detail for s in ("server closed the connection", "connection is lost", "consuming input failed",
                                     "the connection is closed", "terminating connection"))


def _is_sqlalchemy_error(exc: BaseException) -> bool:
    return "sqlalchemy" in sys.modules and isinstance(exc, sys.modules["sqlalchemy"].exc.DBAPIError)


def _is_driver_error(exc: BaseException) -> bool:
    """A PEP 249 error of a server driver (psycopg, psycopg2, pg8000, …)."""
    module = type(exc).__module__.split(".")[0]
    return module not in ("builtins", "connectome", "sqlalchemy") and any(
        c.__name__ == "Error" and c.__module__.split(".")[0] == module for c in type(exc).__mro__)
