"""The schema's revisions: a one-query check at start-up, and Alembic (imported only to migrate) behind a lock."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterator

from ..errors import DatabaseError
from .connection import Conn, Database, statement
from .locks import lock_key, lock_wait_ms, server_lock_timeout_ms
from .sqlite import IMMEDIATE, open_sqlite
from .url import sqlite_options, sqlite_path

# Every revision shipped, oldest first; tests check it against Alembic's script directory,
# so that start-up knows the head without loading Alembic.
REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009")
HEAD = REVISIONS[-1]
MIGRATION_LOCK = lock_key("migrations")


def upgrade_hint() -> str:
    """The upgrade command as the user started this program: `connectome db upgrade` or `python cli.py db upgrade`."""
    return command_hint("db upgrade")


def command_hint(words: str) -> str:
    """A command as the user started this program: `connectome WORDS`, `python cli.py WORDS` or `python -m connectome WORDS`."""
    from ..settings import invoked_program

    return f"{invoked_program()} {words}"


def current_revision(conn: Conn) -> str | None:
    """The revision the database is at, or None when it has no revision table (one query, no Alembic)."""
    if "alembic_version" not in conn.tables():
        return None
    return conn.scalar("SELECT version_num FROM alembic_version")


def ensure_schema(database: Database) -> None:
    """Create a new database at head; refuse one behind, ahead of or foreign to this version (exit 3)."""
    with database.connect() as conn:
        current = current_revision(conn)
    if current == HEAD:
        return
    if current is None:
        upgrade(database)
        return
    if current not in REVISIONS:
        raise DatabaseError(
            f"{database.where}: database schema is at revision {current}, unknown to this version (it expects "
            f"{HEAD}): it was written by a newer connectome; upgrade connectome")
    raise DatabaseError(f"{database.where}: database schema is at revision {current}, this version expects {HEAD}: "
                        f"back it up and run `{upgrade_hint()}`")


def alembic_config(connection: Any = None) -> Any:
    """Alembic's configuration for the migrations shipped inside this package."""
    from importlib import resources

    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("connectome") / "migrations"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@contextlib.contextmanager
def migration_transaction(connection: Any) -> Iterator[Any]:
    """One locked transaction for migrations: BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL.

    On SQLite, batch mode rebuilds a table by copy-and-drop; with foreign keys on, the drop would
    cascade and silently delete child rows, so they are off (the pragma only acts outside a
    transaction) and must check clean before commit. Legacy ALTER TABLE lets the rebuilt table take
    its old name without SQLite re-checking the views that use it.
    """
    is_sqlite = connection.dialect.name == "sqlite"
    if is_sqlite:
        if connection.in_transaction():
            raise DatabaseError("internal: a migration must start on a connection outside any transaction")
        driver = connection.connection.driver_connection
        _write_ahead_log(driver)
        driver.execute("PRAGMA foreign_keys=OFF")
        driver.execute("PRAGMA legacy_alter_table=ON")
    try:
        with connection.execution_options(**{IMMEDIATE: True}).begin():
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = {server_lock_timeout_ms()}")
                connection.execute(statement("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            yield connection
            if is_sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise DatabaseError(f"migration aborted: it would leave {len(broken)} broken foreign keys, "
                                        f"first {tuple(broken[0])}")
    finally:
        if is_sqlite:
            connection.connection.driver_connection.execute("PRAGMA legacy_alter_table=OFF")
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def _write_ahead_log(driver: sqlite3.Connection) -> None:
    """Switch a SQLite file to WAL (persistent: once, when its schema is made), waiting out other openers.

    The switch needs an exclusive lock, and SQLite may answer SQLITE_BUSY at once rather than call
    the busy handler, so a file opened by several processes at its birth is retried here, up to the lock
    timeout. A database that answers with another mode (in-memory, immutable) is refused at once.
    """
    if driver.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
        return
    deadline = time.monotonic() + lock_wait_ms() / 1000
    while True:
        try:
            mode = driver.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower()
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorname", "") != "SQLITE_BUSY" or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
            continue
        if mode != "wal":
            raise DatabaseError(f"cannot switch the SQLite database to write-ahead logging: it stays in journal mode "
                                f"{mode!r} (in-memory or opened immutable); nothing was written")
        return


def _refuse_foreign(connection: Any, where: str) -> None:
    """Refuse a database that has tables but no schema revision: it belongs to something else."""
    from sqlalchemy import inspect

    tables = [t for t in inspect(connection).get_table_names() if t != "alembic_version"]
    if tables and _revision_of(connection) is None:
        raise DatabaseError(f"{where}: not a connectome database (it has tables "
                            f"{', '.join(sorted(tables)[:5])} and no schema revision)")


def _revision_of(connection: Any) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _migrate(database: Database, revision: str, *, down: bool = False) -> None:
    from alembic import command
    from alembic.util import CommandError

    with database.errors(), database.sqlalchemy_engine().connect() as connection:
        with migration_transaction(connection):
            _refuse_foreign(connection, database.where)  # under the lock: no half-made schema is ever seen
            try:
                (command.downgrade if down else command.upgrade)(alembic_config(connection), revision)
            except CommandError as exc:
                raise DatabaseError(f"{database.where}: cannot {'downgrade' if down else 'upgrade'}: {exc}") from None


def upgrade(database: Database, revision: str = "head") -> None:
    """Migrate the database to `revision` in one locked transaction."""
    _migrate(database, revision)


def downgrade(database: Database, revision: str) -> None:
    """Migrate the database down to `revision` in one locked transaction (used by the tests)."""
    _migrate(database, revision, down=True)


def backup(url: str, revision: str | None) -> Path | None:
    """Copy a SQLite file to FILE.bak-REVISION (FILE.bak-REVISION.2, … if taken) through a temporary file.

    SQLite's backup API includes the WAL; the copy is complete before it takes its name, and an
    existing backup is never replaced.
    """
    path = sqlite_path(url)
    if path is None or not path.exists():
        return None
    from ..atomic import remove_abandoned, temporary_name

    remove_abandoned(path.parent)  # the temporaries of killed upgrades
    temporary = path.with_name(temporary_name(f"{path.name}.bak"))
    try:
        with contextlib.closing(open_sqlite(path, sqlite_options(url))) as src, \
                contextlib.closing(open_sqlite(temporary, {"mode": "rwc"})) as dst:
            src.backup(dst)
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        for n in range(1, 10_000):
            target = path.with_name(f"{path.name}.bak-{revision or 'empty'}" + (f".{n}" if n > 1 else ""))
            try:
                os.link(temporary, target)  # fails if the name exists: no backup is ever overwritten
                return target
            except FileExistsError:
                continue
        raise DatabaseError(f"{path}: too many backups named {path.name}.bak-{revision}")
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseError(f"{path}: cannot back up before upgrading (nothing was changed): {exc}") from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()


def upgrade_with_backup(database: Database) -> tuple[str | None, str, Path | None]:
    """`db upgrade`: back a SQLite file up, then migrate it to head; (from, to, backup path or None)."""
    with database.connect() as conn:
        current = current_revision(conn)
    if current == HEAD:
        return current, HEAD, None
    if database.read_only:
        raise DatabaseError(f"{database.where}: the database is read-only: it cannot be upgraded here; "
                            "nothing was written")
    saved = backup(database.url, current) if current is not None else None
    upgrade(database)
    return current, HEAD, saved


def history() -> list[dict[str, str | None]]:
    """Every migration, oldest first: revision, parent and message."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    revs = list(script.walk_revisions())[::-1]
    return [{"revision": r.revision, "down_revision": r.down_revision, "message": r.doc} for r in revs]
