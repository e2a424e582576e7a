"""Database plumbing: URLs, engines with SQLite's safe settings, and the Alembic migration runner."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from importlib import resources
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from .errors import DatabaseError, InputError

DEFAULT_DB = "connectome.db"
BUSY_TIMEOUT_MS = 30_000
IMMEDIATE = "connectome_immediate"


def resolve_url(db: str | None = None) -> str:
    """The SQLAlchemy URL for `--db`, else `CONNECTOME_DB`, else ./connectome.db; a bare path is SQLite."""
    target = db or os.environ.get("CONNECTOME_DB") or DEFAULT_DB
    if "://" in target:
        try:
            make_url(target)
        except ArgumentError:
            raise InputError(f"--db: not a database URL: {target!r}") from None
        return target
    return f"sqlite:///{Path(target).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def make_engine(url: str) -> Engine:
    """An engine; SQLite gets WAL, foreign keys, a busy timeout and real transactions around DDL."""
    if not url.startswith("sqlite"):
        try:
            return create_engine(url)
        except (NoSuchModuleError, ImportError) as exc:
            raise InputError(f"--db: cannot use {make_url(url).drivername!r}: {exc}") from None
    path = sqlite_path(url)
    if path is not None and not path.parent.is_dir():
        raise InputError(f"--db: folder {str(path.parent)!r} does not exist")
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # SQLAlchemy's recipe: stop pysqlite from issuing (and implicitly committing) its own BEGINs.
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA foreign_keys=ON")
        dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        dbapi_connection.execute("PRAGMA cache_size=-65536")  # 64 MiB: bulk imports keep their indexes in memory

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(IMMEDIATE) else "BEGIN")

    return engine


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the migrations shipped with this package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("migrations")))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The revision this version of connectome expects."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when it has no revision table."""
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise DatabaseError(f"{engine.url.render_as_string(hide_password=True)}: cannot open the database: {exc.orig}") from None


@contextlib.contextmanager
def migration_transaction(connection: Connection) -> Iterator[Connection]:
    """One transaction for a migration; on SQLite foreign keys are off and must check clean before commit.

    Batch mode rebuilds a SQLite table by copy-and-drop; with foreign keys on, the drop would cascade
    and silently delete child rows. The pragma only takes effect outside a transaction. Legacy ALTER
    TABLE lets the rebuilt table take its old name without SQLite re-checking the views that use it.
    """
    is_sqlite = connection.dialect.name == "sqlite"
    if is_sqlite:
        if connection.in_transaction():
            raise DatabaseError("internal: a migration must start on a connection outside any transaction")
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        connection.connection.driver_connection.execute("PRAGMA legacy_alter_table=ON")
    try:
        with connection.execution_options(**{IMMEDIATE: True}).begin():
            yield connection
            if is_sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise DatabaseError(f"migration aborted: it would leave {len(broken)} broken foreign keys, first {tuple(broken[0])}")
    finally:
        if is_sqlite:
            connection.connection.driver_connection.execute("PRAGMA legacy_alter_table=OFF")
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to `revision` in one transaction."""
    with engine.connect() as conn:
        try:
            command.upgrade(alembic_config(conn), revision)
        except CommandError as exc:
            raise DatabaseError(f"cannot upgrade: {exc}") from None


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database down to `revision` in one transaction (used by the tests)."""
    with engine.connect() as conn:
        command.downgrade(alembic_config(conn), revision)


def backup(url: str, revision: str | None) -> Path | None:
    """Copy a SQLite database to FILE.bak-REVISION with SQLite's backup API (which includes the WAL)."""
    path = sqlite_path(url)
    if path is None or not path.exists():
        return None
    target = path.with_name(f"{path.name}.bak-{revision or 'empty'}")
    src = sqlite3.connect(path)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


def _refuse_foreign(engine: Engine) -> None:
    """Refuse a database that has tables but no schema revision: it belongs to something else."""
    with engine.connect() as conn:
        tables = inspect(conn).get_table_names()
    if tables:
        where = engine.url.render_as_string(hide_password=True)
        raise DatabaseError(f"{where}: not a connectome database (it has tables {', '.join(sorted(tables)[:5])} and no schema revision)")


def ensure_schema(engine: Engine) -> None:
    """Create a new database at head; refuse one behind, ahead of or foreign to this version (exit 3)."""
    where = engine.url.render_as_string(hide_password=True)
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None:
        _refuse_foreign(engine)
        upgrade(engine)
        return
    known = {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current not in known:
        raise DatabaseError(
            f"{where}: database schema is at revision {current}, unknown to this version (it expects {head}): "
            "it was written by a newer connectome; upgrade connectome"
        )
    raise DatabaseError(
        f"{where}: database schema is at revision {current}, this version expects {head}: "
        "back it up and run `python cli.py db upgrade`"
    )


def upgrade_with_backup(url: str) -> tuple[str | None, str, Path | None]:
    """`db upgrade`: back a SQLite file up, then migrate it to head; (from, to, backup path or None)."""
    engine = make_engine(url)
    try:
        current, head = current_revision(engine), head_revision()
        if current == head:
            return current, head, None
        if current is None:
            _refuse_foreign(engine)
        saved = backup(url, current) if current is not None else None
        upgrade(engine)
        return current, head, saved
    finally:
        engine.dispose()


def history() -> list[dict[str, str | None]]:
    """Every migration, oldest first: revision, parent and message."""
    script = ScriptDirectory.from_config(alembic_config())
    revs = list(script.walk_revisions())[::-1]
    return [{"revision": r.revision, "down_revision": r.down_revision, "message": r.doc} for r in revs]
