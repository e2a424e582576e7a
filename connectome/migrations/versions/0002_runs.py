"""Recorded simulation runs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("topology_versions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("neurons", sa.BigInteger(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("output", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("wall_s", sa.Float(), nullable=False),
        sa.Column("peak_rss_bytes", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_runs_version_id", "runs", ["version_id"])


def downgrade() -> None:
    op.drop_index("ix_runs_version_id", table_name="runs")
    op.drop_table("runs")
