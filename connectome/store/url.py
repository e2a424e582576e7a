"""Where a store lives: the `url` parameter or `CONNECTOME_DB` as a URL; SQLite paths need no SQLAlchemy import.

URLs are shown only through `redact`, which hides every secret a driver reads from a URL: the password
of the userinfo, and any query parameter whose name says it is a secret (`password`, `sslpassword`,
`oauth_client_secret`, …; see `is_secret_parameter`). File paths (`passfile` aside, hidden by its name;
`sslkey`, `sslcert`, `sslrootcert`) are not secrets and stay visible.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qsl, unquote

from ..errors import InputError, Mention

DEFAULT_DB = "connectome.db"

# SQLite URL query parameters the store honours (everything else is refused, so that nothing is silently dropped)
SQLITE_PARAMETERS = {"mode": ("ro", "rw", "rwc"), "immutable": ("0", "1")}
_SECRET_WORDS = ("pass", "pwd", "secret", "token", "credential")
# `password=…` inside a value (a libpq conninfo), and `scheme://user:password@` inside a value
_EMBEDDED = re.compile(rf"(?i)\b([\w-]*(?:{'|'.join(_SECRET_WORDS)})[\w-]*\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)")
# a URL's userinfo, read as SQLAlchemy reads it (sqlalchemy.engine.url._parse_url) but with the password
# running to the last `@` before the path: all of an unencoded `p@ss` is hidden, not only `p`
_USERINFO = re.compile(r"^([\w+.-]+://)(?:([^:/@]*)(?::([^@]*(?:@[^@/]*)*))?@)?(.*)$", re.S)
_URL_IN_TEXT = re.compile(r"([\w+.-]+://[^:/@\s]*:)([^@\s]+)(@)")


def resolve_url(url: str | None = None) -> str:
    """The store's URL: `url`, else `CONNECTOME_DB` (unless empty), else ./connectome.db; a bare path is SQLite.

    In-memory SQLite is refused: every unit of work opens its own connection, so such a store would be
    empty at each one and gone at exit. SQLite URLs accept only the query parameters in `SQLITE_PARAMETERS`.
    """
    target = os.fspath(url) if url is not None else (os.environ.get("CONNECTOME_DB") or DEFAULT_DB)
    if not target.strip():
        raise InputError(Mention("url"), ": must name a database file or URL, got an empty string")
    if "\x00" in target:
        raise InputError(Mention("url"), ": must not contain a NUL character")
    if "://" not in target:
        if target.strip() == ":memory:":
            raise _in_memory()
        path = str(Path(target).expanduser().resolve())
        return "sqlite:///" + path.replace("%", "%25").replace("?", "%3F")  # what sqlite_path decodes
    if backend(target) == "sqlite":
        _check_sqlite(target)
        return target
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(target)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise InputError(Mention("url"), f": not a database URL: {redact(target)!r}") from None
    return target


def _in_memory() -> InputError:
    return InputError(Mention("url"), ": an in-memory SQLite database cannot hold a store (each command's "
                      "connections would see an empty database, gone at exit): give a file path")


def _check_sqlite(url: str) -> None:
    scheme = url.partition("://")[0].lower()
    if scheme not in ("sqlite", "sqlite+pysqlite"):
        raise InputError(Mention("url"), f": {redact(url)}: SQLite is opened with Python's sqlite3 only; "
                         "write sqlite:///PATH")
    if sqlite_path(url) is None:
        raise _in_memory()
    sqlite_options(url)


def backend(url: str) -> str:
    """The database kind of a URL: `sqlite`, `postgresql`, `mysql`, …"""
    return url.partition("://")[0].partition("+")[0].lower()


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL (percent-escapes decoded), or None for other databases and in-memory SQLite."""
    if backend(url) != "sqlite":
        return None
    rest = url.partition("://")[2].partition("?")[0]
    path = unquote(rest[1:] if rest.startswith("/") else rest)
    memory = path in ("", ":memory:") or dict(_query_pairs(url)).get("mode") == "memory"
    return None if memory else Path(path)


def _query_pairs(url: str) -> list[tuple[str, str]]:
    return parse_qsl(url.partition("?")[2], keep_blank_values=True)


def sqlite_options(url: str) -> dict[str, str]:
    """The SQLite URI parameters of a SQLite URL (`mode`, `immutable`), checked; anything else is refused."""
    options: dict[str, str] = {}
    for key, value in _query_pairs(url):
        allowed = SQLITE_PARAMETERS.get(key)
        if allowed is None:
            supported = ", ".join(f"{k}={'|'.join(v)}" for k, v in SQLITE_PARAMETERS.items())
            raise InputError(Mention("url"), f": SQLite URL parameter {key!r} is not supported "
                             f"(supported: {supported})")
        if key in options:
            raise InputError(Mention("url"), f": SQLite URL parameter {key!r} is given twice")
        if value not in allowed:
            raise InputError(Mention("url"), f": SQLite URL parameter {key}= must be one of {', '.join(allowed)}, "
                             f"got {value!r}")
        options[key] = value
    return options


def is_secret_parameter(name: str) -> bool:
    """Whether a URL query parameter holds a secret: its name says pass, pwd, secret, token or credential."""
    lowered = unquote(name).lower()
    return any(word in lowered for word in _SECRET_WORDS)


def redact(url: str) -> str:
    """The URL as it may be shown: its userinfo password and every secret query parameter replaced by `***`."""
    match = _USERINFO.match(url)
    if match is None:  # not a URL at all: show only what precedes `://`
        return url.partition("://")[0] + "://…"
    scheme, user, password, rest = match.groups()
    where, mark, query = rest.partition("?")
    shown = scheme + (f"{user}{':***' if password is not None else ''}@" if user is not None else "") + where + mark
    parts = []
    for item in query.split("&") if query else []:
        key, eq, value = item.partition("=")
        secret = is_secret_parameter(key) or hide_secrets(unquote(value), ()) != unquote(value)
        parts.append(f"{key}{eq}***" if eq and secret else item)
    return shown + "&".join(parts)


def secrets(url: str) -> list[str]:
    """Every secret value written in a URL (userinfo password, secret query parameters), decoded, longest first."""
    match = _USERINFO.match(url)
    found = []
    if match and match.group(3):
        found += [match.group(3), unquote(match.group(3))]
    query = match.group(4).partition("?")[2] if match else ""
    found += [v for k, v in parse_qsl(query, keep_blank_values=True) if v and is_secret_parameter(k)]
    return sorted(set(found), key=len, reverse=True)


def hide_secrets(text: str, known: "list[str] | tuple[str, ...]") -> str:
    """`text` with every known secret, every `password=…` setting and every URL password replaced by `***`."""
    for secret in known:
        if len(secret) >= 3:  # shorter ones would garble the message, and are not worth hiding
            text = text.replace(secret, "***")
    text = _EMBEDDED.sub(lambda m: m.group(1) + "***", text)
    return _URL_IN_TEXT.sub(r"\1***\3", text)
