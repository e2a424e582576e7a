"""Where a store lives: `--db` or `CONNECTOME_DB` as a URL; SQLite paths need no SQLAlchemy import."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError

DEFAULT_DB = "connectome.db"


def resolve_url(db: str | None = None) -> str:
    """The URL for `--db`, else `CONNECTOME_DB` (unless empty), else ./connectome.db; a bare path is SQLite."""
    target = os.fspath(db) if db is not None else (os.environ.get("CONNECTOME_DB") or DEFAULT_DB)
    if not target.strip():
        raise InputError("--db: must name a database file or URL, got an empty string")
    if "\x00" in target:
        raise InputError("--db: must not contain a NUL character")
    if "://" not in target:
        return f"sqlite:///{Path(target).expanduser().resolve()}"
    if backend(target) != "sqlite":
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            make_url(target)
        except ArgumentError:
            raise InputError(f"--db: not a database URL: {redact(target)!r}") from None
    return target


def backend(url: str) -> str:
    """The database kind of a URL: `sqlite`, `postgresql`, `mysql`, …"""
    return url.partition("://")[0].partition("+")[0].lower()


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    if backend(url) != "sqlite":
        return None
    rest = url.partition("://")[2].partition("?")[0]
    path = rest[1:] if rest.startswith("/") else rest
    return None if path in ("", ":memory:") else Path(path)


def redact(url: str) -> str:
    """The URL as it may be shown: never with its password."""
    if backend(url) == "sqlite":
        return url
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL: show only its scheme
        return url.partition("://")[0] + "://…"
