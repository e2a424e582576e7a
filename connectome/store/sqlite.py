"""SQLite files: the one place the package opens them (foreign keys on, a busy timeout, read-only where it must).

The store's units of work on SQLite use these connections directly (`connection.SqliteConn`: the `sqlite3`
driver binds the same named `:params`), and so do SQLAlchemy's SQLite engine (`connectome.store.engines`,
for Alembic's migrations) and backups; nothing else calls `sqlite3.connect`.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from ..errors import DatabaseError
from .locks import lock_wait_ms

# the SQLAlchemy execution option that makes a SQLite transaction BEGIN IMMEDIATE (a writer's) rather than BEGIN
IMMEDIATE = "connectome_immediate"


def open_sqlite(path: Path, options: dict[str, str] | None = None, where: str | None = None) -> sqlite3.Connection:
    """A SQLite connection with foreign keys and a busy timeout: the only way the package opens SQLite.

    Parameters
    ----------
    path : Path
        The database file.
    options : dict of str to str, optional
        The URL's `mode` and `immutable`. Without `mode`, a file (or folder) this process cannot write opens
        read-only; see `sqlite_uri_query` for when it must also be immutable.
    where : str, optional
        How the database is named in errors (the path by default).

    Returns
    -------
    sqlite3.Connection
        In autocommit mode (`isolation_level=None`): transactions are begun explicitly.
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

    Parameters
    ----------
    path : Path
        The database file.
    options : dict of str to str
        The URL's `mode` and `immutable`, already checked.
    where : str
        How the database is named in errors.

    Returns
    -------
    str
        The URI query, e.g. "mode=rwc" or "mode=ro&immutable=1".
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
