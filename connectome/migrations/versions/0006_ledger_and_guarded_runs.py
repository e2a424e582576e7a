"""The ledger, guarded topologies and append-only runs, pending runs; content hashes recomputed.

The ledger is a hash chain over every sealed version (`topology_versions.ledger_seq` and `ledger_hash`,
its count and head in the one-row `ledger` table). Topologies with sealed versions cannot be renamed or
deleted; runs cannot change and are deleted only with a row in `run_deletions`; `runs.pending` marks a
run whose output file is being put in place; TRUNCATE is refused on PostgreSQL.

Content hashes are recomputed from the stored rows (names, shares, strengths, attributes, reference
scale, scaling), so that a store written by any earlier version verifies clean after the upgrade and a
re-import of the same file finds its version. The triggers check the sealed state directly: they hold
in a `sqlite3` shell with foreign keys off.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""
import json
from decimal import Decimal
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

REF = "t.name || '@v' || CAST(v.version AS TEXT)"
PROPAGATION = {
    "sqlite": "(SELECT group_concat(value, ' -> ') FROM json_each(r.summary, '$.propagation_order'))",
    "postgresql": "(SELECT string_agg(e.value, ' -> ' ORDER BY e.n) FROM "
                  "json_array_elements_text(r.summary -> 'propagation_order') WITH ORDINALITY AS e(value, n))",
}
RUN_VIEW = f"""
    SELECT r.id AS run_id, {REF} AS ref, r.neurons, r.started_at, r.wall_s, {{propagation}} AS propagation
    FROM runs r JOIN topology_versions v ON v.id = r.version_id JOIN topologies t ON t.id = v.topology_id{{where}}"""
STORE_TABLES = ("topologies", "topology_versions", "regions", "projections", "runs", "run_deletions", "ledger",
                "sweeps")
# revision 0003's guard, dropped while the hashes are rewritten (SQLite)
SEALED_UPDATE = ("CREATE TRIGGER topology_versions_sealed_update BEFORE UPDATE ON topology_versions WHEN OLD.sealed "
                 "BEGIN SELECT RAISE(ABORT, 'connectome: stored versions are sealed and cannot change'); END")

TOPOLOGY = "connectome: a topology with sealed versions cannot be renamed or deleted"
SEAL = "connectome: a version is sealed only by its import, as the next entry of the ledger"
LEDGER = "connectome: the ledger only grows, one sealed version at a time"
RUN_CHANGE = "connectome: recorded runs cannot change"
RUN_DELETE = "connectome: a run is deleted only with its row in run_deletions (see `runs delete`)"
RUN_REUSE = "connectome: this run id was deleted and cannot be used again"
DELETIONS = "connectome: the run deletion log cannot change"
TRUNCATE = "connectome: the store's tables cannot be truncated"

HAS_SEALED = "EXISTS (SELECT 1 FROM topology_versions s WHERE s.topology_id = OLD.id AND s.sealed)"
RUN_COLUMNS = ("id", "version_id", "neurons", "parameters", "seed", "summary", "started_at", "wall_s",
               "peak_rss_bytes", "sweep_id", "sweep_point")


def _stop(message: str) -> str:
    return f"BEGIN SELECT RAISE(ABORT, '{message}'); END"


def _sqlite_triggers() -> dict[str, str]:
    unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in RUN_COLUMNS)
    completes = ("OLD.pending IS NOT NULL AND NEW.pending IS NULL "
                 f"AND NEW.output IS json_extract(OLD.pending, '$.output') AND {unchanged}")
    next_entry = "(SELECT entries + 1 FROM ledger WHERE id = 1)"
    return {
        "topologies_sealed_update": f"BEFORE UPDATE ON topologies WHEN {HAS_SEALED} {_stop(TOPOLOGY)}",
        "topologies_sealed_delete": f"BEFORE DELETE ON topologies WHEN {HAS_SEALED} {_stop(TOPOLOGY)}",
        "topology_versions_sealed_insert": "BEFORE INSERT ON topology_versions WHEN NEW.sealed OR "
                                           f"NEW.ledger_seq IS NOT NULL OR NEW.ledger_hash IS NOT NULL {_stop(SEAL)}",
        "topology_versions_ledger_seal": "BEFORE UPDATE ON topology_versions WHEN NOT OLD.sealed AND (NEW.sealed OR "
                                         "NEW.ledger_seq IS NOT NULL OR NEW.ledger_hash IS NOT NULL) AND (NOT NEW.sealed "
                                         f"OR NEW.ledger_hash IS NULL OR NEW.ledger_seq IS NOT {next_entry}) {_stop(SEAL)}",
        "ledger_update": "BEFORE UPDATE ON ledger WHEN NEW.id IS NOT OLD.id OR NEW.entries IS NOT OLD.entries + 1 OR "
                         "NEW.head IS NOT (SELECT ledger_hash FROM topology_versions WHERE ledger_seq = NEW.entries "
                         f"AND sealed) {_stop(LEDGER)}",
        "ledger_delete": f"BEFORE DELETE ON ledger {_stop(LEDGER)}",
        "runs_append_only": f"BEFORE UPDATE ON runs WHEN NOT ({completes}) {_stop(RUN_CHANGE)}",
        "runs_logged_delete": "BEFORE DELETE ON runs WHEN NOT EXISTS (SELECT 1 FROM run_deletions d "
                              f"WHERE d.run_id = OLD.id) {_stop(RUN_DELETE)}",
        # AFTER: in a BEFORE trigger an id SQLite is about to choose (max + 1: a deleted newest run's) reads -1
        "runs_deleted_id": "AFTER INSERT ON runs WHEN EXISTS (SELECT 1 FROM run_deletions d "
                           f"WHERE d.run_id = NEW.id) {_stop(RUN_REUSE)}",
        "run_deletions_update": f"BEFORE UPDATE ON run_deletions {_stop(DELETIONS)}",
        "run_deletions_delete": f"BEFORE DELETE ON run_deletions {_stop(DELETIONS)}",
    }


def _raise(message: str) -> str:
    return f"RAISE EXCEPTION '{message.replace(chr(39), chr(39) * 2)}' USING ERRCODE = 'integrity_constraint_violation';"


POSTGRES_GUARD = f"""
CREATE FUNCTION connectome_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'topologies' THEN
        IF {HAS_SEALED} THEN {_raise(TOPOLOGY)} END IF;
    ELSIF TG_TABLE_NAME = 'topology_versions' THEN
        IF TG_OP = 'INSERT' AND (NEW.sealed OR NEW.ledger_seq IS NOT NULL OR NEW.ledger_hash IS NOT NULL) THEN
            {_raise(SEAL)}
        END IF;
        IF TG_OP = 'UPDATE' AND NOT OLD.sealed AND (NEW.sealed OR NEW.ledger_seq IS NOT NULL OR NEW.ledger_hash IS NOT NULL)
           AND (NOT NEW.sealed OR NEW.ledger_hash IS NULL
                OR NEW.ledger_seq IS DISTINCT FROM (SELECT entries + 1 FROM ledger WHERE id = 1)) THEN
            {_raise(SEAL)}
        END IF;
    ELSIF TG_TABLE_NAME = 'ledger' THEN
        IF TG_OP = 'DELETE' OR NEW.id <> OLD.id OR NEW.entries <> OLD.entries + 1 OR NEW.head IS DISTINCT FROM
           (SELECT ledger_hash FROM topology_versions WHERE ledger_seq = NEW.entries AND sealed) THEN
            {_raise(LEDGER)}
        END IF;
    ELSIF TG_TABLE_NAME = 'runs' THEN
        IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM run_deletions d WHERE d.run_id = NEW.id) THEN
            {_raise(RUN_REUSE)}
        END IF;
        IF TG_OP = 'UPDATE' AND (OLD.pending IS NULL OR NEW.pending IS NOT NULL
           OR NEW.output IS DISTINCT FROM (OLD.pending ->> 'output')
           OR (to_jsonb(NEW) - 'pending' - 'output') IS DISTINCT FROM (to_jsonb(OLD) - 'pending' - 'output')) THEN
            {_raise(RUN_CHANGE)}
        END IF;
        IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM run_deletions d WHERE d.run_id = OLD.id) THEN
            {_raise(RUN_DELETE)}
        END IF;
    ELSIF TG_TABLE_NAME = 'run_deletions' THEN
        {_raise(DELETIONS)}
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$"""
POSTGRES_TRUNCATE = f"""
CREATE FUNCTION connectome_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{TRUNCATE.replace("'", "''")} (%)', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END $$"""
POSTGRES_GUARDED = {"topologies": "UPDATE OR DELETE", "topology_versions": "INSERT OR UPDATE",
                    "ledger": "UPDATE OR DELETE", "runs": "INSERT OR UPDATE OR DELETE",
                    "run_deletions": "UPDATE OR DELETE"}


def _postgres_triggers() -> list[str]:
    out = [POSTGRES_GUARD, POSTGRES_TRUNCATE]
    out += [f"CREATE TRIGGER {table}_guard BEFORE {ops} ON {table} FOR EACH ROW EXECUTE FUNCTION connectome_guard()"
            for table, ops in POSTGRES_GUARDED.items()]
    out += [f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT "
            "EXECUTE FUNCTION connectome_refuse_truncate()" for table in STORE_TABLES]
    return out


def _version_graph(bind, version_id: int, name: str, description, neurons, scaling):
    """The DiGraph of a stored version, read with the columns of revision 0005, as `Store.load` builds it."""
    from connectome.graph import build_graph

    def exact(value, text):
        return value if text is None else Decimal(text)

    regions = bind.execute(sa.text("SELECT id, name, share, share_text, CAST(attrs AS TEXT) FROM regions "
                                   "WHERE version_id = :v ORDER BY id"), {"v": version_id}).all()
    names = {r[0]: r[1] for r in regions}
    projections = bind.execute(sa.text("SELECT source_id, target_id, strength, strength_text, CAST(attrs AS TEXT) "
                                       "FROM projections WHERE version_id = :v ORDER BY id"), {"v": version_id}).all()
    return build_graph(
        name, [(n, {"share": exact(s, t), **(json.loads(a) if a is not None else {})}) for _, n, s, t, a in regions],
        [(names[s], names[g], {"strength": exact(w, t), **(json.loads(a) if a is not None else {})})
         for s, g, w, t, a in projections],
        description=description, neurons=neurons, scaling=scaling)


def _rehash_and_chain(bind) -> None:
    """Recompute every sealed version's content hash and chain them, oldest row first, into the ledger."""
    from connectome.graph import content_hash
    from connectome.store.ledger import link

    rows = bind.execute(sa.text("SELECT v.id, t.name, v.version, v.description, v.reference_neurons, v.scaling "
                                "FROM topology_versions v JOIN topologies t ON t.id = v.topology_id "
                                "WHERE v.sealed ORDER BY v.id")).all()
    head = None
    for seq, (version_id, name, version, description, neurons, scaling) in enumerate(rows, start=1):
        digest = content_hash(_version_graph(bind, version_id, name, description, neurons, scaling))
        head = link(head, name, version, digest)
        bind.execute(sa.text("UPDATE topology_versions SET content_hash = :h, ledger_seq = :s, ledger_hash = :l "
                             "WHERE id = :id"), {"h": digest, "s": seq, "l": head, "id": version_id})
    bind.execute(sa.text("INSERT INTO ledger (id, entries, head) VALUES (1, :n, :h)"), {"n": len(rows), "h": head})


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.add_column("topology_versions", sa.Column("ledger_seq", sa.Integer(), nullable=True))
    op.add_column("topology_versions", sa.Column("ledger_hash", sa.String(64), nullable=True))
    op.create_index("ix_topology_versions_ledger_seq", "topology_versions", ["ledger_seq"], unique=True)
    op.add_column("runs", sa.Column("pending", sa.JSON(), nullable=True))
    op.create_index("ix_runs_pending", "runs", ["id"], sqlite_where=sa.text("pending IS NOT NULL"),
                    postgresql_where=sa.text("pending IS NOT NULL"))
    op.create_table(
        "ledger",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("head", sa.String(64), nullable=True),
        sa.CheckConstraint("id = 1", name="ck_ledger_one_row"),
    )
    op.create_table(
        "run_deletions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), nullable=False, unique=True),
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("output", sa.Text(), nullable=True),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=False),
    )
    if dialect == "sqlite":
        op.execute("DROP TRIGGER topology_versions_sealed_update")
    else:
        op.execute("ALTER TABLE topology_versions DISABLE TRIGGER topology_versions_sealed")
    _rehash_and_chain(bind)
    if dialect == "sqlite":
        op.execute(SEALED_UPDATE)
        for name, body in _sqlite_triggers().items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    else:
        op.execute("ALTER TABLE topology_versions ENABLE TRIGGER topology_versions_sealed")
        for statement in _postgres_triggers():
            op.execute(statement)
    op.execute("DROP VIEW run_view")
    op.execute("CREATE VIEW run_view AS " + RUN_VIEW.format(propagation=PROPAGATION[dialect],
                                                            where="\n    WHERE r.pending IS NULL"))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in _sqlite_triggers():
            op.execute(f"DROP TRIGGER {name}")
        # the OR REPLACE guards of revision 0007, which stores written at this revision by later code carry
        for (name,) in op.get_bind().exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND (name = 'ledger_insert' "
                "OR name LIKE '%\\_kept\\_insert' ESCAPE '\\' OR name LIKE '%\\_kept\\_update' ESCAPE '\\')").all():
            op.execute('DROP TRIGGER "{}"'.format(name.replace('"', '""')))  # a name the store holds, quoted
    else:
        for table in STORE_TABLES:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        for table in POSTGRES_GUARDED:
            op.execute(f"DROP TRIGGER {table}_guard ON {table}")
        op.execute("DROP FUNCTION connectome_refuse_truncate()")
        op.execute("DROP FUNCTION connectome_guard()")
    op.execute("DROP VIEW run_view")
    op.execute("CREATE VIEW run_view AS " + RUN_VIEW.format(propagation=PROPAGATION[dialect], where=""))
    op.execute("DELETE FROM runs WHERE pending IS NOT NULL")  # unfinished: no earlier revision can tell them apart
    op.drop_table("run_deletions")
    op.drop_table("ledger")
    op.drop_index("ix_runs_pending", table_name="runs")
    op.drop_column("runs", "pending")
    op.drop_index("ix_topology_versions_ledger_seq", table_name="topology_versions")
    op.drop_column("topology_versions", "ledger_hash")  # SQLite ≥ 3.35 drops them in place: the triggers stay
    op.drop_column("topology_versions", "ledger_seq")
    # the content hashes stay as recomputed: they are the current algorithm's, which every earlier revision reads
