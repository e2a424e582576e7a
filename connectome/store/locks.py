"""How long the store waits for another writer's lock and for a server, and its advisory lock keys.

A module of its own, below the engines and connections that both use it: no store module imports another
for these numbers.
"""

from __future__ import annotations

import hashlib

DEFAULT_LOCK_WAIT_S = 30.0
CONNECT_TIMEOUT_S = 10  # libpq's connect_timeout for servers, unless the URL gives one


def lock_wait_ms() -> int:
    """How long a write waits for another writer's lock: CONNECTOME_LOCK_TIMEOUT seconds, else 30.

    Returns
    -------
    int
        The wait in milliseconds.
    """
    from ..settings import seconds

    return round(seconds("CONNECTOME_LOCK_TIMEOUT", DEFAULT_LOCK_WAIT_S) * 1000)


def server_lock_timeout_ms() -> int:
    """PostgreSQL's `lock_timeout` for CONNECTOME_LOCK_TIMEOUT: at least 1 ms, since 0 would mean no limit.

    Returns
    -------
    int
        The timeout in milliseconds, never 0.
    """
    return max(1, lock_wait_ms())


def lock_key(kind: str, name: str = "") -> int:
    """A signed 64-bit key for a PostgreSQL advisory lock on (`kind`, `name`).

    Parameters
    ----------
    kind : str
        What is locked: "topology", "sweep", "migrations", …
    name : str, optional
        Which one of that kind.

    Returns
    -------
    int
        The first 8 bytes of SHA-256 of "connectome:KIND:NAME", as a signed integer.
    """
    digest = hashlib.sha256(f"connectome:{kind}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
