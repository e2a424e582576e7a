"""The store's connections: SQL text with named `:params`, bound by the driver on every database.

Every statement is SQL text with named parameters (`WHERE name = :name`), passed as a mapping: on SQLite
the `sqlite3` driver binds them itself (`SqliteConn`: a command imports no SQLAlchemy), on a server
SQLAlchemy Core's `text()` binds them for the driver in use (`Conn`: psycopg, …). No statement is
rewritten here, and no value is spliced into SQL text (the one number formatted into a statement is the lock timeout, computed
here, which PostgreSQL's `SET` cannot take as a parameter). Bulk inserts go through the driver's
executemany in bounded chunks. Driver errors leave as one-line `DatabaseError`s (exit 3) that name the
database, never its password.
"""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
import sys
from datetime import datetime
from functools import lru_cache
from typing import Any, Iterable, Iterator, Mapping, Sequence

from typing import TYPE_CHECKING

from ..errors import DatabaseError, InputError, Mention
from .locks import lock_wait_ms, server_lock_timeout_ms
from .sqlite import open_sqlite, sqlite_uri_query
from .url import backend, hide_secrets, redact, secrets, sqlite_options, sqlite_path

if TYPE_CHECKING:
    from sqlalchemy import Connection, CursorResult, Engine, Row, TextClause

Params = Mapping[str, Any]
CHUNK = 20_000  # rows per executemany call: the parameter dicts of a large import are never all in memory


@lru_cache(maxsize=512)
def statement(sql: str) -> TextClause:
    """The `text()` construct of `sql`, made once per distinct statement.

    Parameters
    ----------
    sql : str
        SQL with named `:params`.

    Returns
    -------
    TextClause
        The construct SQLAlchemy compiles (and caches) for each dialect.
    """
    from sqlalchemy import text

    return text(sql)


class Conn:
    """One SQLAlchemy connection of a server store: statements with named `:params`, and explicit transactions.

    Parameters
    ----------
    connection : sqlalchemy.Connection
        A connection of the store's engine, closed by `Database.connect`.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name

    @property
    def raw(self) -> Any:
        """The pooled DB-API connection underneath (its `driver_connection` is the driver's own)."""
        return self.connection.connection

    def execute(self, sql: str, params: Params | None = None) -> CursorResult:
        """Run one statement with its parameters bound by SQLAlchemy (a server's connection).

        Parameters
        ----------
        sql : str
            SQL with named `:params`.
        params : mapping, optional
            The value of each parameter.

        Returns
        -------
        CursorResult
            Its rows, if any.
        """
        return self.connection.execute(statement(sql), dict(params or {}))

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for every parameter mapping of `rows`, `CHUNK` rows per driver executemany.

        Parameters
        ----------
        sql : str
            SQL with named `:params`.
        rows : iterable of mappings
            One mapping per row; consumed a chunk at a time.
        """
        iterator = iter(rows)
        while chunk := list(itertools.islice(iterator, CHUNK)):
            self.connection.execute(statement(sql), chunk)

    def rows(self, sql: str, params: Params | None = None) -> list[Row]:
        """Every row of a query (tuple-like rows)."""
        return list(self.execute(sql, params))

    def first(self, sql: str, params: Params | None = None) -> Row | None:
        """The first row of a query, or None."""
        return self.execute(sql, params).first()

    def scalar(self, sql: str, params: Params | None = None) -> Any:
        """The first column of the first row, or None."""
        return self.execute(sql, params).scalar()

    def insert(self, sql: str, params: Params | None = None) -> int:
        """Run an INSERT and return the id of the new row (`RETURNING id`)."""
        return self.execute(sql + " RETURNING id", params).scalar_one()

    def stamp(self, value: datetime) -> Any:
        """A timestamp as a server keeps it: the datetime itself."""
        return value

    def tables(self) -> list[str]:
        """The names of the tables in the current schema."""
        return [r[0] for r in self.rows("SELECT table_name FROM information_schema.tables "
                                        "WHERE table_schema = current_schema() ORDER BY table_name")]

    @contextlib.contextmanager
    def transaction(self, *, write: bool = True, lock: int | None = None) -> Iterator["Conn"]:
        """One transaction, committed at the end of the block and rolled back on any exception.

        Parameters
        ----------
        write : bool
            Unused on a server (for `SqliteConn`'s signature: BEGIN IMMEDIATE there).
        lock : int, optional
            PostgreSQL: an advisory lock (`locks.lock_key`) held until commit, waited for at most the lock
            timeout.

        Yields
        ------
        Conn
            This connection, inside the transaction.
        """
        if self.connection.in_transaction():  # the implicit transaction of earlier reads on this connection
            self.connection.rollback()
        begun = self.connection.begin()
        try:
            if lock is not None and self.dialect == "postgresql":
                self.execute(f"SET LOCAL lock_timeout = {server_lock_timeout_ms()}")
                self.execute("SELECT pg_advisory_xact_lock(:key)", {"key": lock})
            yield self
        except BaseException:
            with contextlib.suppress(Exception):
                begun.rollback()
            raise
        begun.commit()


class SqliteConn:
    """One `sqlite3` connection of the store (autocommit, transactions begun explicitly): the same named
    `:params` SQL and methods as `Conn`, bound by the driver itself.

    Parameters
    ----------
    raw : sqlite3.Connection
        From `open_sqlite`, closed by `Database.connect`.
    """

    dialect = "sqlite"

    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Params | None = None) -> sqlite3.Cursor:
        """Run one statement with its named parameters bound by `sqlite3`; its cursor."""
        return self.raw.execute(sql, dict(params or {}))

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for every parameter mapping of `rows`, `CHUNK` rows per executemany."""
        iterator = iter(rows)
        while chunk := list(itertools.islice(iterator, CHUNK)):
            self.raw.executemany(sql, chunk)

    def rows(self, sql: str, params: Params | None = None) -> list[tuple]:
        """Every row of a query, as tuples."""
        return self.execute(sql, params).fetchall()

    def first(self, sql: str, params: Params | None = None) -> tuple | None:
        """The first row of a query, or None."""
        return self.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: Params | None = None) -> Any:
        """The first column of the first row, or None."""
        row = self.first(sql, params)
        return None if row is None else row[0]

    def insert(self, sql: str, params: Params | None = None) -> int:
        """Run an INSERT and return the id of the new row."""
        return self.execute(sql, params).lastrowid

    def stamp(self, value: datetime) -> Any:
        """A timestamp as the store keeps it on SQLite (the text form SQLAlchemy writes)."""
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")

    def tables(self) -> list[str]:
        """The names of the tables in the database."""
        return [r[0] for r in self.rows("SELECT name FROM sqlite_master WHERE type = 'table' "
                                        "AND name NOT LIKE 'sqlite_%' ORDER BY name")]

    @contextlib.contextmanager
    def transaction(self, *, write: bool = True, lock: int | None = None) -> Iterator["SqliteConn"]:
        """One transaction (BEGIN IMMEDIATE for a writer), committed at the end of the block and rolled back
        on any exception; `lock` is for servers and ignored here."""
        if self.raw.in_transaction:
            self.raw.rollback()
        self.raw.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield self
        except BaseException:
            with contextlib.suppress(Exception):
                self.raw.rollback()
            raise
        self.raw.commit()


class Database:
    """The connections of one store, opened on demand and closed after each use.

    Parameters
    ----------
    url : str
        The store's URL, as `resolve_url` gives it.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.where = redact(url)
        self.dialect = backend(url)
        self.path = sqlite_path(url)
        self.options = sqlite_options(url) if self.dialect == "sqlite" else {}
        self._secrets = secrets(url)
        self._engine: Engine | None = None
        if self.dialect == "sqlite" and self.path is None:
            raise InputError(Mention("url"), ": an in-memory SQLite database cannot hold a store: give a file path")
        if self.path is not None and not self.path.parent.is_dir():
            raise InputError(Mention("url"), f": folder {str(self.path.parent)!r} does not exist")

    @property
    def read_only(self) -> bool:
        """Whether this SQLite store opens read-only (`mode=ro`, `immutable=1`, or a file this process cannot write)."""
        if self.path is None or not self.path.exists():
            return False
        query = sqlite_uri_query(self.path, self.options, self.where)
        return query.startswith("mode=ro") or "immutable=1" in query

    def sqlalchemy_engine(self) -> Engine:
        """The SQLAlchemy engine every connection of this store comes from (Alembic's too)."""
        if self._engine is None:
            from .engines import make_engine

            self._engine = make_engine(self.url)
        return self._engine

    def _open(self) -> Connection:
        try:
            return self.sqlalchemy_engine().connect()
        except Exception as exc:  # the driver refusing the URL's own settings before it connects: bad input
            orig = getattr(exc, "orig", exc)
            if type(orig).__name__ == "ProgrammingError" and _is_driver_error(orig):
                detail = hide_secrets(" ".join(str(orig).split()), secrets(self.url))
                raise InputError(Mention("url"), f": {self.where}: {detail}") from None
            raise

    @contextlib.contextmanager
    def connect(self) -> Iterator[Conn | SqliteConn]:
        """A connection for one unit of work; driver errors become one-line DatabaseErrors.

        What the unit left uncommitted (the implicit transaction of its reads) is rolled back when it ends.
        A connection that saw an error is invalidated, not returned: the pool would try to reset a
        connection that may be lost, and log each failure with its traceback.

        Yields
        ------
        Conn
            The unit's connection.
        """
        if self.dialect == "sqlite":
            with self.errors():
                raw = open_sqlite(self.path, self.options, self.where)
                try:
                    yield SqliteConn(raw)
                finally:
                    with contextlib.suppress(Exception):
                        raw.close()  # what the unit left uncommitted is rolled back
            return
        with self.errors():
            connection = self._open()
            try:
                yield Conn(connection)
            except BaseException:
                with contextlib.suppress(Exception):
                    connection.invalidate()
                raise
            finally:
                with contextlib.suppress(Exception):
                    connection.close()

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
    errors = sys.modules.get("sqlalchemy.exc")  # never imported here: a SQLite command has none of its errors
    return errors is not None and isinstance(exc, errors.DBAPIError)


def _is_driver_error(exc: BaseException) -> bool:
    """A PEP 249 error of a server driver (psycopg, psycopg2, pg8000, …)."""
    module = type(exc).__module__.split(".")[0]
    return module not in ("builtins", "connectome", "sqlalchemy") and any(
        c.__name__ == "Error" and c.__module__.split(".")[0] == module for c in type(exc).__mro__)
