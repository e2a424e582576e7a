"""The versioned topology store: topologies, versions, regions, projections and SQL views.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

REF = "t.name || '@v' || CAST(v.version AS TEXT)"
VIEWS = {
    "version_summary": f"""
        SELECT t.name AS topology, v.version, {REF} AS ref, v.content_hash, v.message,
               v.reference_neurons, v.created_at,
               (SELECT count(*) FROM regions r WHERE r.version_id = v.id) AS regions,
               (SELECT count(*) FROM projections p WHERE p.version_id = v.id) AS projections
        FROM topology_versions v JOIN topologies t ON t.id = v.topology_id""",
    "region_view": f"""
        SELECT t.name AS topology, v.version, {REF} AS ref, r.name AS region, r.share, r.attrs
        FROM regions r
        JOIN topology_versions v ON v.id = r.version_id
        JOIN topologies t ON t.id = v.topology_id""",
    "projection_view": f"""
        SELECT t.name AS topology, v.version, {REF} AS ref,
               s.name AS source, g.name AS target, p.strength, p.attrs
        FROM projections p
        JOIN regions s ON s.id = p.source_id
        JOIN regions g ON g.id = p.target_id
        JOIN topology_versions v ON v.id = p.version_id
        JOIN topologies t ON t.id = v.topology_id""",
}


def upgrade() -> None:
    op.create_table(
        "topologies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "topology_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("topology_id", sa.Integer(), sa.ForeignKey("topologies.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("reference_neurons", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("topology_id", "version"),
    )
    op.create_index("ix_topology_versions_topology_id", "topology_versions", ["topology_id"])
    op.create_index("ix_topology_versions_content_hash", "topology_versions", ["content_hash"])
    op.create_table(
        "regions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("topology_versions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("attrs", sa.JSON(), nullable=True),
        sa.UniqueConstraint("version_id", "name"),
    )
    op.create_table(
        "projections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("topology_versions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("regions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("target_id", sa.Integer(), sa.ForeignKey("regions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("strength", sa.Float(), nullable=False),
        sa.Column("attrs", sa.JSON(), nullable=True),
        sa.UniqueConstraint("version_id", "source_id", "target_id"),
    )
    for name, query in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {query}")


def downgrade() -> None:
    for name in VIEWS:
        op.execute(f"DROP VIEW {name}")
    op.drop_table("projections")
    op.drop_table("regions")
    op.drop_table("topology_versions")
    op.drop_table("topologies")
