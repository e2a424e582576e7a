"""The store's guards as the migrations made them, checked by `topology verify`: every trigger present and enabled.

A superuser, or on PostgreSQL the role that owns the tables, can drop or disable a trigger; the ledger shows
what was then done to versions, and this check shows that the guards themselves were touched. The names
expected are read from the migrations that create them (Alembic loads their modules), so they cannot drift.
"""

from __future__ import annotations

import re
from functools import cache

from .connection import Conn

_NAME = re.compile(r"CREATE TRIGGER (\w+)")
_GUARDING = ("0003", "0006", "0007", "0009")  # the revisions that create triggers; each defines _sqlite_triggers/_postgres_triggers


@cache
def expected(dialect: str) -> frozenset[str]:
    """The names of the triggers a store at head has on `dialect` ("sqlite" or "postgresql")."""
    from alembic.script import ScriptDirectory

    from .migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    names: set[str] = set()
    for revision in _GUARDING:
        module = script.get_revision(revision).module
        made = module._sqlite_triggers() if dialect == "sqlite" else module._postgres_triggers()
        statements = [f"CREATE TRIGGER {name} {body}" for name, body in made.items()] if isinstance(made, dict) else made
        names |= {m.group(1) for s in statements for m in _NAME.finditer(s)}
    return frozenset(names)


def problems(conn: Conn) -> list[str]:
    """What is wrong with the store's guards: triggers missing or (PostgreSQL) disabled; [] when all hold."""
    if conn.dialect not in ("sqlite", "postgresql"):
        return []
    if conn.dialect == "sqlite":
        present = {r[0]: True for r in conn.rows("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    else:  # 'O' fires in origin sessions, 'A' always; 'D' disabled, 'R' only under replication
        present = {name: state in ("O", "A") for name, state in conn.rows(
            "SELECT tgname, CAST(tgenabled AS TEXT) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relnamespace = CAST(current_schema() AS regnamespace)")}
    wanted = expected(conn.dialect)
    missing = sorted(wanted - set(present))
    disabled = sorted(n for n in wanted & set(present) if not present[n])
    out = []
    if missing:
        out.append(f"the store's guards: {len(missing)} of {len(wanted)} triggers missing ({_few(missing)})")
    if disabled:
        out.append(f"the store's guards: {len(disabled)} of {len(wanted)} triggers disabled ({_few(disabled)})")
    return out


def _few(names: list[str]) -> str:
    return ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
