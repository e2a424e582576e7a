"""Scaling per version: `topology_versions.scaling` (NULL for the default, probability; `indegree` holds the
in-degrees of the reference scale), and in `version_summary`.

A plain ADD COLUMN on both back-ends: nothing is rebuilt, so the sealed versions' triggers stay as they are
and every stored version keeps its meaning (NULL is the scaling every version had before).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: Union[str, None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

REF = "t.name || '@v' || CAST(v.version AS TEXT)"
SUMMARY = f"""
    SELECT t.name AS topology, v.version, {REF} AS ref, v.content_hash, v.message,
           v.reference_neurons, v.created_at, v.region_count AS regions, v.projection_count AS projections{{scaling}}
    FROM topology_versions v JOIN topologies t ON t.id = v.topology_id"""


def upgrade() -> None:
    op.add_column("topology_versions", sa.Column("scaling", sa.Text(), nullable=True))
    op.execute("DROP VIEW version_summary")
    op.execute("CREATE VIEW version_summary AS " +
               SUMMARY.format(scaling=",\n           coalesce(v.scaling, 'probability') AS scaling"))


def downgrade() -> None:
    op.execute("DROP VIEW version_summary")
    op.execute("CREATE VIEW version_summary AS " + SUMMARY.format(scaling=""))
    op.drop_column("topology_versions", "scaling")  # SQLite ≥ 3.35 drops it in place: its triggers stay
