"""Packed projections: a version's projections also stored as arrays (`projection_arrays`), one row per field.

What the engine reads of a large topology: a 998-region dense graph's million projections in a few
queries instead of a million rows. The rows stay the truth (`connectome.store.packed`); the arrays are
written in the version's own transaction, before its seal, and the sealed-version triggers of revision 0003
guard them as they guard the rows (on PostgreSQL its function `connectome_refuse_sealed`, and TRUNCATE is
refused as on every table of the store). Every sealed version whose numbers are all floats is packed here
from its rows, before the triggers exist; the way back drops the table.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: Union[str, None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLE = "projection_arrays"
SEALED = "connectome: stored versions are sealed and cannot change"


def _sqlite_triggers() -> dict[str, str]:
    sealed = "(SELECT sealed FROM topology_versions WHERE id = {}.version_id)"
    stop = f"BEGIN SELECT RAISE(ABORT, '{SEALED}'); END"
    return {f"{TABLE}_sealed_insert": f"BEFORE INSERT ON {TABLE} WHEN {sealed.format('NEW')} {stop}",
            f"{TABLE}_sealed_update": f"BEFORE UPDATE ON {TABLE} WHEN {sealed.format('OLD')} OR "
                                      f"{sealed.format('NEW')} {stop}",
            f"{TABLE}_sealed_delete": f"BEFORE DELETE ON {TABLE} WHEN {sealed.format('OLD')} {stop}"}


def _postgres_triggers() -> list[str]:
    return [f"CREATE TRIGGER {TABLE}_sealed BEFORE INSERT OR UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION connectome_refuse_sealed()",
            f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} FOR EACH STATEMENT "
            "EXECUTE FUNCTION connectome_refuse_truncate()"]


def _pack_sealed_versions(bind) -> None:
    """Pack every sealed version from its rows, as a save at this revision would have."""
    from connectome.store import columnar, packed
    from connectome.store.connection import Conn
    from connectome.store.facade import VersionRef

    conn = Conn(bind)
    for version_id, name, version in conn.rows(
            "SELECT v.id, t.name, v.version FROM topology_versions v JOIN topologies t ON t.id = v.topology_id "
            "WHERE v.sealed ORDER BY v.id"):
        packed.write(conn, version_id, columnar.read(conn, VersionRef(version_id, name, version), packed=False))


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        TABLE,
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("topology_versions.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("dtype", sa.Text(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("version_id", "field"),
    )
    _pack_sealed_versions(bind)
    if bind.dialect.name == "sqlite":
        for name, body in _sqlite_triggers().items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    else:
        for statement in _postgres_triggers():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in _sqlite_triggers():
            op.execute(f"DROP TRIGGER {name}")
    else:
        op.execute(f"DROP TRIGGER {TABLE}_no_truncate ON {TABLE}")
        op.execute(f"DROP TRIGGER {TABLE}_sealed ON {TABLE}")
    op.drop_table(TABLE)
