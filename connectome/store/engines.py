"""SQLAlchemy engines: server connection pools, and the connections Alembic migrates through."""

from __future__ import annotations

import sqlite3

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import NoSuchModuleError

from ..errors import InputError
from .connection import lock_wait_ms
from .url import redact

IMMEDIATE = "connectome_immediate"


def make_engine(url: str) -> Engine:
    """An engine; SQLite gets WAL, foreign keys, a busy timeout and real transactions around DDL."""
    if not url.startswith("sqlite"):
        try:
            return create_engine(url, pool_pre_ping=True)
        except (NoSuchModuleError, ImportError) as exc:
            hint = " (install it with `pip install 'connectome[postgresql]'`)" if "postgres" in url else ""
            raise InputError(f"--db: {redact(url)}: cannot use the driver {make_url(url).drivername!r}: {exc}{hint}") from None
    engine = create_engine(url, connect_args={"timeout": lock_wait_ms() / 1000})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # SQLAlchemy's recipe: stop pysqlite from issuing (and implicitly committing) its own BEGINs.
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"PRAGMA busy_timeout={lock_wait_ms()}")
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(IMMEDIATE) else "BEGIN")

    return engine
