"""Sealed versions (triggers refuse changes), counts on the version row, exact decimals, run_view.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

REF = "t.name || '@v' || CAST(v.version AS TEXT)"
VERSION_SUMMARY = f"""
    SELECT t.name AS topology, v.version, {REF} AS ref, v.content_hash, v.message,
           v.reference_neurons, v.created_at, v.region_count AS regions, v.projection_count AS projections
    FROM topology_versions v JOIN topologies t ON t.id = v.topology_id"""
OLD_VERSION_SUMMARY = f"""
    SELECT t.name AS topology, v.version, {REF} AS ref, v.content_hash, v.message,
           v.reference_neurons, v.created_at,
           (SELECT count(*) FROM regions r WHERE r.version_id = v.id) AS regions,
           (SELECT count(*) FROM projections p WHERE p.version_id = v.id) AS projections
    FROM topology_versions v JOIN topologies t ON t.id = v.topology_id"""
PROPAGATION = {
    "sqlite": "(SELECT group_concat(value, ' -> ') FROM json_each(r.summary, '$.propagation_order'))",
    "postgresql": "(SELECT string_agg(e.value, ' -> ' ORDER BY e.n) FROM "
                  "json_array_elements_text(r.summary -> 'propagation_order') WITH ORDINALITY AS e(value, n))",
}
RUN_VIEW = f"""
    SELECT r.id AS run_id, {REF} AS ref, r.neurons, r.started_at, r.wall_s, {{propagation}} AS propagation
    FROM runs r JOIN topology_versions v ON v.id = r.version_id JOIN topologies t ON t.id = v.topology_id"""
SUMMARY_RUN_ID = {
    "sqlite": "UPDATE runs SET summary = json_set(summary, '$.run_id', id)",
    "postgresql": "UPDATE runs SET summary = jsonb_set(summary::jsonb, '{run_id}', to_jsonb(id))::json",
}
SEALED = "connectome: stored versions are sealed and cannot change{}"
CHILDREN = ("regions", "projections")


def _sqlite_triggers() -> list[str]:
    sealed = "(SELECT sealed FROM topology_versions WHERE id = {}.version_id)"
    stop = f"BEGIN SELECT RAISE(ABORT, '{SEALED.format('')}'); END"
    out = []
    for table in CHILDREN:
        out += [f"CREATE TRIGGER {table}_sealed_insert BEFORE INSERT ON {table} WHEN {sealed.format('NEW')} {stop}",
                f"CREATE TRIGGER {table}_sealed_update BEFORE UPDATE ON {table} "
                f"WHEN {sealed.format('OLD')} OR {sealed.format('NEW')} {stop}",
                f"CREATE TRIGGER {table}_sealed_delete BEFORE DELETE ON {table} WHEN {sealed.format('OLD')} {stop}"]
    out += [f"CREATE TRIGGER topology_versions_sealed_update BEFORE UPDATE ON topology_versions WHEN OLD.sealed {stop}",
            f"CREATE TRIGGER topology_versions_sealed_delete BEFORE DELETE ON topology_versions WHEN OLD.sealed {stop}"]
    return out


POSTGRES_FUNCTION = f"""
CREATE FUNCTION connectome_refuse_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'topology_versions' THEN
        IF OLD.sealed THEN
            RAISE EXCEPTION '{SEALED.format(' (version id %)')}', OLD.id USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    ELSE
        IF TG_OP <> 'INSERT' AND (SELECT sealed FROM topology_versions WHERE id = OLD.version_id) THEN
            RAISE EXCEPTION '{SEALED.format(' (version id %)')}', OLD.version_id USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP <> 'DELETE' AND (SELECT sealed FROM topology_versions WHERE id = NEW.version_id) THEN
            RAISE EXCEPTION '{SEALED.format(' (version id %)')}', NEW.version_id USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$"""


def _postgres_triggers() -> list[str]:
    out = [POSTGRES_FUNCTION]
    for table, ops in (("regions", "INSERT OR UPDATE OR DELETE"), ("projections", "INSERT OR UPDATE OR DELETE"),
                       ("topology_versions", "UPDATE OR DELETE")):
        out.append(f"CREATE TRIGGER {table}_sealed BEFORE {ops} ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION connectome_refuse_sealed()")
    return out


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("topology_versions") as batch:
        batch.add_column(sa.Column("sealed", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("region_count", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("projection_count", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("regions") as batch:
        batch.add_column(sa.Column("share_text", sa.Text(), nullable=True))
    with op.batch_alter_table("projections") as batch:
        batch.add_column(sa.Column("strength_text", sa.Text(), nullable=True))
    op.execute("""UPDATE topology_versions SET
        region_count = (SELECT count(*) FROM regions r WHERE r.version_id = topology_versions.id),
        projection_count = (SELECT count(*) FROM projections p WHERE p.version_id = topology_versions.id)""")
    op.execute(sa.text("UPDATE topology_versions SET sealed = :sealed").bindparams(sealed=True))
    op.execute(SUMMARY_RUN_ID[dialect])
    op.execute("DROP VIEW version_summary")
    op.execute(f"CREATE VIEW version_summary AS {VERSION_SUMMARY}")
    op.execute(f"CREATE VIEW run_view AS {RUN_VIEW.format(propagation=PROPAGATION[dialect])}")
    for statement in _sqlite_triggers() if dialect == "sqlite" else _postgres_triggers():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in CHILDREN:
            for what in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_sealed_{what}")
        for what in ("update", "delete"):
            op.execute(f"DROP TRIGGER topology_versions_sealed_{what}")
    else:
        for table in (*CHILDREN, "topology_versions"):
            op.execute(f"DROP TRIGGER {table}_sealed ON {table}")
        op.execute("DROP FUNCTION connectome_refuse_sealed()")
    op.execute("DROP VIEW run_view")
    op.execute("DROP VIEW version_summary")
    with op.batch_alter_table("projections") as batch:
        batch.drop_column("strength_text")
    with op.batch_alter_table("regions") as batch:
        batch.drop_column("share_text")
    with op.batch_alter_table("topology_versions") as batch:
        batch.drop_column("projection_count")
        batch.drop_column("region_count")
        batch.drop_column("sealed")
    op.execute(f"CREATE VIEW version_summary AS {OLD_VERSION_SUMMARY}")
