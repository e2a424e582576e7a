"""SQLAlchemy engines: every statement on a server, and every migration, goes through one of these (the
store's own units of work on SQLite use `open_sqlite` directly, `connection.SqliteConn`).

A SQLite engine gets a connection of `open_sqlite` per unit of work (no pool: a file is never held open
between units of work), begun by an explicit BEGIN (IMMEDIATE for writes); servers get a pool whose
connections carry bounded connects, keepalives and `lock_timeout`.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import NoSuchModuleError
from sqlalchemy.pool import NullPool

from ..errors import InputError, Mention
from ..extras import install_command, missing
from .locks import CONNECT_TIMEOUT_S, server_lock_timeout_ms
from .sqlite import IMMEDIATE, open_sqlite
from .url import redact, sqlite_options, sqlite_path

_LIBPQ_DRIVERS = ("psycopg", "psycopg2", "psycopg2cffi")
# a server that vanishes without closing the connection (a cable, a crashed host) is noticed within about a
# minute, whether the connection is idle, waiting for an answer or sending
_LIBPQ_BOUNDS = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3,
                 "tcp_user_timeout": 60_000}


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite connections come from `open_sqlite`, with real transactions around DDL.

    Parameters
    ----------
    url : str
        A URL as `resolve_url` gives it.

    Returns
    -------
    Engine
        SQLite: a fresh connection per `connect()`, closed at its end; servers: a pool.

    Raises
    ------
    MissingExtra
        A psycopg URL (the default PostgreSQL driver) without psycopg: the `postgresql` extra.
    InputError
        The URL names another driver that is not installed.
    """
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    try:
        return _server_engine(url)
    except (NoSuchModuleError, ImportError) as exc:
        if isinstance(exc, ImportError) and make_url(url).get_driver_name() == "psycopg":
            raise missing("postgresql", (Mention("url"), f": {redact(url)}: a PostgreSQL store"), exc) from None
        hint = f" (or use postgresql+psycopg:// after `{install_command('postgresql')}`)" if "postgres" in url else ""
        driver = make_url(url).drivername
        raise InputError(Mention("url"), f": {redact(url)}: cannot use the driver {driver!r}: {exc}{hint}") from None


def _sqlite_engine(url: str) -> Engine:
    path, options = sqlite_path(url), sqlite_options(url)
    # the URL only picks SQLAlchemy's dialect and pool; the connection, its mode and pragmas are open_sqlite's
    engine = create_engine(URL.create("sqlite", database=str(path)), creator=lambda: open_sqlite(path, options),
                           poolclass=NullPool)

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(IMMEDIATE) else "BEGIN")

    return engine


def _server_engine(url: str) -> Engine:
    """A pool whose every connection has a bounded connect and `lock_timeout`, and whose driver logs stay quiet."""
    parsed = make_url(url)
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in _LIBPQ_DRIVERS:
        given = {**_LIBPQ_BOUNDS, "connect_timeout": CONNECT_TIMEOUT_S}
        connect_args = {k: v for k, v in given.items() if k not in parsed.query}  # the URL's own settings win
    engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    _quiet("psycopg")
    if parsed.get_backend_name() == "postgresql":
        event.listen(engine, "connect", _set_lock_timeout)
    return engine


def _set_lock_timeout(dbapi_connection: Any, _record: object) -> None:
    """Every statement of the session, the start-up schema check included, waits for a lock at most this long."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"SET lock_timeout = {server_lock_timeout_ms()}")
    finally:
        cursor.close()
    dbapi_connection.commit()


def _quiet(name: str) -> None:
    """Give a driver's logger a handler, so that without any logging set up its warnings (e.g. psycopg's
    "error ignored terminating <Pipeline>" on a lost connection) are not printed; an application's own
    logging configuration still receives them."""
    logger = logging.getLogger(name)
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())

