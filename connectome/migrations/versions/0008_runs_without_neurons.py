"""Runs without a neuron count: `runs.neurons` becomes nullable.

A neural mass in raw coupling does not depend on N, and a run of it records none (NULL); the rate model,
and any model in mean-input coupling, still records the N it ran at. Every existing row keeps its count.

SQLite cannot drop a NOT NULL constraint in place: batch mode rebuilds `runs` by copy-and-drop (foreign
keys off, see `connectome.store.migrate.migration_transaction`), and the drop takes the table's triggers
with it, so the guards of revisions 0006 and 0007 on `runs` are made again, and the partial index on
pending runs (which reflection would not carry whole) is dropped first and made again. PostgreSQL alters
the column in place. The way back refuses while a run without a neuron count exists (`runs delete` it
first): no earlier revision can record it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from connectome.errors import DatabaseError

revision: str = "0008"
down_revision: Union[str, None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

PENDING_INDEX = "ix_runs_pending"


def _runs_triggers() -> dict[str, str]:
    """The SQLite triggers on `runs` that revisions 0006 and 0007 made (read from their modules)."""
    from alembic.script import ScriptDirectory

    from connectome.store.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    out: dict[str, str] = {}
    for rev in ("0006", "0007"):
        for name, body in script.get_revision(rev).module._sqlite_triggers().items():
            if " ON runs " in f" {body} ":
                out[name] = body
    return out


def _set_nullable(nullable: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.alter_column("runs", "neurons", existing_type=sa.BigInteger(), nullable=nullable)
        return
    triggers = _runs_triggers()
    present = {row[0] for row in bind.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'runs'").all()}
    op.drop_index(PENDING_INDEX, table_name="runs")
    with op.batch_alter_table("runs", recreate="always") as batch:
        batch.alter_column("neurons", existing_type=sa.BigInteger(), nullable=nullable)
    op.create_index(PENDING_INDEX, "runs", ["id"], sqlite_where=sa.text("pending IS NOT NULL"))
    for name, body in triggers.items():
        if name in present:  # made again as they were: a guard missing before stays missing (`topology verify`)
            op.execute(f"CREATE TRIGGER {name} {body}")


def upgrade() -> None:
    _set_nullable(True)


def downgrade() -> None:
    missing = [row[0] for row in op.get_bind().exec_driver_sql(
        "SELECT id FROM runs WHERE neurons IS NULL ORDER BY id LIMIT 6").all()]
    if missing:
        shown = ", ".join(map(str, missing[:5])) + (", …" if len(missing) > 5 else "")
        raise DatabaseError(f"cannot downgrade below 0008: runs {shown} have no neuron count, which revision 0007 "
                           "requires; delete them first (`runs delete`)")
    _set_nullable(False)
