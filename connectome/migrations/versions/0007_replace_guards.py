"""The store's refusal of OR REPLACE on SQLite, and of a second ledger row: added to every store at 0006.

SQLite deletes the rows an ``INSERT OR REPLACE`` or ``UPDATE OR REPLACE`` conflict removes without firing
their DELETE triggers (recursive triggers are off by default), so a replacing write could remove a sealed
version's rows or a recorded run behind the guards of revision 0006. Every unique key of a guarded table now
refuses a conflicting row first, and the ledger refuses a second row. Stores written at revision 0006 by
the first code that shipped it lack these triggers; stores written later at 0006 have them already
(``CREATE TRIGGER IF NOT EXISTS`` keeps them). PostgreSQL has no OR REPLACE and needs nothing.

Regions and projections of a sealed version conflict only by id: their other keys lie inside a version,
and no row may enter a sealed version.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0007"
down_revision: Union[str, None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

LEDGER = "connectome: the ledger only grows, one sealed version at a time"
REPLACE = "connectome: a row of the store is never replaced (INSERT OR REPLACE, UPDATE OR REPLACE)"
UNIQUE_KEYS = {"topologies": (("id",), ("name",)),
               "topology_versions": (("id",), ("topology_id", "version"), ("ledger_seq",)),
               "regions": (("id",),), "projections": (("id",),),
               "runs": (("id",), ("sweep_id", "sweep_point")), "run_deletions": (("id",), ("run_id",))}


def _stop(message: str) -> str:
    return f"BEGIN SELECT RAISE(ABORT, '{message}'); END"


def _no_replace(table: str, key: tuple[str, ...]) -> dict[str, str]:
    """Triggers refusing an INSERT or a key-changing UPDATE that would collide with another row on `key`."""
    same = " AND ".join(f"x.{c} = NEW.{c}" for c in key)
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in key)
    name, stop = f"{table}_{'_'.join(key)}_kept", _stop(f"{REPLACE}: {table} ({', '.join(key)})")
    return {f"{name}_insert": f"BEFORE INSERT ON {table} WHEN EXISTS (SELECT 1 FROM {table} x WHERE {same}) {stop}",
            f"{name}_update": f"BEFORE UPDATE ON {table} WHEN ({changed}) AND EXISTS (SELECT 1 FROM {table} x "
                              f"WHERE {same} AND x.rowid <> OLD.rowid) {stop}"}


def _sqlite_triggers() -> dict[str, str]:
    return {"ledger_insert": f"BEFORE INSERT ON ledger {_stop(LEDGER)}"} | {
        name: body for table, keys in UNIQUE_KEYS.items() for key in keys
        for name, body in _no_replace(table, key).items()}


def _postgres_triggers() -> list[str]:
    return []


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name, body in _sqlite_triggers().items():
            op.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in _sqlite_triggers():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
