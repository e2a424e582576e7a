"""The versioned topology store: save DiGraphs as immutable versions, resolve references, load them back."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import networkx as nx
from sqlalchemy import Connection, Engine, Select, Table, Text, func, insert, select, text, type_coerce
from sqlalchemy.exc import IntegrityError

from .bulk import without_gc
from .db import IMMEDIATE, ensure_schema, make_engine, resolve_url
from .errors import InputError, ReferenceNotFound
from .graph import build_graph, content_hash, content_rows, validate
from .models import Projection, Region, Run, Topology, TopologyVersion

_VERSION = re.compile(r"v([0-9]+)")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _stamp(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat() + "Z"


def _with_attrs(key: str, values: list[Any], texts: list[str | None]) -> list[dict[str, Any]]:
    """Attribute dicts {key: value, **extras}; the JSON texts are decoded in one pass, not one call each."""
    present = [t for t in texts if t is not None]
    decoded = iter(json.loads("[" + ",".join(present) + "]") if present else ())
    return [{key: v} if t is None else {key: v, **next(decoded)} for v, t in zip(values, texts)]


def _insert_rows(conn: Connection, table: Table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Bulk insert through the driver's executemany, without per-row processing (JSON given as text)."""
    if not rows:
        return
    mark = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(conn.dialect.paramstyle)
    names = ", ".join(columns)
    if mark is None:
        binds = ", ".join(f":{c}" for c in columns)
        conn.execute(text(f"INSERT INTO {table.name} ({names}) VALUES ({binds})"), [dict(zip(columns, r)) for r in rows])
    else:
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({', '.join([mark] * len(columns))})", rows)


def _raw_rows(conn: Connection, statement: Select) -> list[tuple]:
    """All rows of a query as plain tuples from the driver's cursor: half the cost of Row objects."""
    compiled = statement.compile(dialect=conn.dialect)
    params = compiled.construct_params()
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup)
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        return cursor.fetchall()
    finally:
        cursor.close()


@dataclass(frozen=True)
class VersionRef:
    """A resolved reference: the row id and the NAME@vN it stands for."""

    id: int
    name: str
    version: int

    @property
    def ref(self) -> str:
        """The canonical reference text, NAME@vN."""
        return f"{self.name}@v{self.version}"


@dataclass(frozen=True)
class SaveResult:
    """What an import did: the version it created, or the identical one it found."""

    ref: str
    name: str
    version: int
    created: bool
    regions: int
    projections: int
    content_hash: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON-ready form printed by `topology import --json`."""
        return asdict(self)


class Store:
    """A connectome database: topologies, their versions and recorded runs."""

    def __init__(self, db: str | None = None, *, engine: Engine | None = None) -> None:
        self.url = resolve_url(db) if engine is None else engine.url.render_as_string(hide_password=False)
        self.engine = engine or make_engine(self.url)
        ensure_schema(self.engine)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self):
        return self.engine.connect().execution_options(**{IMMEDIATE: True})

    @without_gc
    def save(self, graph: nx.DiGraph, *, name: str | None = None, message: str | None = None,
             source: str | None = None) -> SaveResult:
        """Store `graph` as the next version of its topology, in one transaction; identical content is not stored twice."""
        if name is not None:
            graph = graph.copy()
            graph.graph["name"] = name
        validate(graph, source)
        name = graph.graph["name"]
        rows = content_rows(graph)
        digest = content_hash(graph, rows)
        for attempt in range(5):
            try:
                return self._save_once(graph, rows, name, digest, message, source)
            except IntegrityError:
                if attempt == 4:  # a concurrent writer on a server database kept taking the version number
                    raise
        raise AssertionError("unreachable")

    def _save_once(self, graph: nx.DiGraph, rows: tuple[list, list], name: str, digest: str,
                   message: str | None, source: str | None) -> SaveResult:
        def result(version: int, created: bool) -> SaveResult:
            return SaveResult(f"{name}@v{version}", name, version, created, graph.number_of_nodes(),
                              graph.number_of_edges(), digest)

        with self._write() as conn, conn.begin():
            topology_id = conn.execute(select(Topology.id).where(Topology.name == name)).scalar()
            if topology_id is None:
                topology_id = conn.execute(insert(Topology).values(name=name, created_at=_now())).inserted_primary_key[0]
            latest = conn.execute(
                select(TopologyVersion.version, TopologyVersion.content_hash)
                .where(TopologyVersion.topology_id == topology_id)
                .order_by(TopologyVersion.version.desc()).limit(1)
            ).first()
            if latest is not None and latest.content_hash == digest:
                return result(latest.version, False)
            version = 1 if latest is None else latest.version + 1
            version_id = conn.execute(insert(TopologyVersion).values(
                topology_id=topology_id, version=version, content_hash=digest,
                description=graph.graph.get("description"), message=message, source=source,
                reference_neurons=graph.graph.get("neurons"), created_at=_now(),
            )).inserted_primary_key[0]
            regions, projections = rows
            _insert_rows(conn, Region.__table__, ("version_id", "name", "share", "attrs"),
                         [(version_id, *row) for row in regions])
            ids = dict(conn.execute(select(Region.name, Region.id).where(Region.version_id == version_id)).all())
            _insert_rows(conn, Projection.__table__, ("version_id", "source_id", "target_id", "strength", "attrs"),
                         [(version_id, ids[s], ids[t], w, a) for s, t, w, a in projections])
            return result(version, True)

    def resolve(self, ref: str) -> VersionRef:
        """Resolve `NAME@vN`, `NAME`, `NAME@latest` or a bare `vN` (when only one topology has version N)."""
        query = (select(TopologyVersion.id, Topology.name, TopologyVersion.version)
                 .join(Topology, Topology.id == TopologyVersion.topology_id))
        with self.engine.connect() as conn:
            bare = _VERSION.fullmatch(ref)
            if bare:
                rows = conn.execute(query.where(TopologyVersion.version == int(bare.group(1)))
                                    .order_by(Topology.name)).all()
                if len(rows) == 1:
                    return VersionRef(*rows[0])
                if not rows:
                    raise ReferenceNotFound(f"{ref}: no topology has a version {bare.group(1)}")
                candidates = ", ".join(f"{r.name}@v{r.version}" for r in rows)
                raise ReferenceNotFound(f"{ref}: ambiguous, {len(rows)} topologies have it: {candidates}")
            name, at, suffix = ref.rpartition("@")
            if not at or not (suffix == "latest" or _VERSION.fullmatch(suffix)):
                name, suffix = ref, "latest"
            query = query.where(Topology.name == name)
            if suffix == "latest":
                row = conn.execute(query.order_by(TopologyVersion.version.desc()).limit(1)).first()
            else:
                row = conn.execute(query.where(TopologyVersion.version == int(suffix[1:]))).first()
            if row is not None:
                return VersionRef(*row)
            known = conn.execute(select(Topology.id).where(Topology.name == name)).first()
        if known is None:
            raise ReferenceNotFound(f"{ref}: no topology named {name!r} (see `topology list`)")
        raise ReferenceNotFound(f"{ref}: topology {name!r} has no version {suffix}")

    @without_gc
    def load(self, ref: str | VersionRef) -> nx.DiGraph:
        """The DiGraph of a version, with regions and projections in their stored order."""
        found = ref if isinstance(ref, VersionRef) else self.resolve(ref)
        with self.engine.connect() as conn:
            head = conn.execute(select(TopologyVersion.description, TopologyVersion.reference_neurons)
                                .where(TopologyVersion.id == found.id)).one()
            regions = conn.execute(select(Region.id, Region.name, Region.share, type_coerce(Region.attrs, Text))
                                   .where(Region.version_id == found.id).order_by(Region.id)).all()
            names = {r[0]: r[1] for r in regions}
            projections = _raw_rows(conn, select(
                Projection.source_id, Projection.target_id, Projection.strength, type_coerce(Projection.attrs, Text)
            ).where(Projection.version_id == found.id).order_by(Projection.id))
        sources, targets, strengths, texts = zip(*projections) if projections else ((), (), (), ())
        return build_graph(
            found.name,
            zip([r[1] for r in regions], _with_attrs("share", [r[2] for r in regions], [r[3] for r in regions])),
            zip(map(names.__getitem__, sources), map(names.__getitem__, targets),
                _with_attrs("strength", list(strengths), list(texts))),
            description=head.description,
            neurons=head.reference_neurons,
        )

    def versions(self) -> list[dict[str, Any]]:
        """Every version of every topology, by name then version."""
        regions = (select(func.count()).where(Region.version_id == TopologyVersion.id).scalar_subquery())
        projections = (select(func.count()).where(Projection.version_id == TopologyVersion.id).scalar_subquery())
        query = (select(Topology.name, TopologyVersion.version, regions, projections,
                        TopologyVersion.created_at, TopologyVersion.message)
                 .join(Topology, Topology.id == TopologyVersion.topology_id)
                 .order_by(Topology.name, TopologyVersion.version))
        with self.engine.connect() as conn:
            return [
                {"name": n, "version": v, "ref": f"{n}@v{v}", "regions": r, "projections": p,
                 "created_at": _stamp(c), "message": m}
                for n, v, r, p, c, m in conn.execute(query)
            ]

    def record_run(self, version: VersionRef, *, neurons: int, parameters: dict[str, Any], seed: int | None,
                   summary: dict[str, Any], output: str | None, started_at: datetime, wall_s: float,
                   peak_rss_bytes: int | None) -> int:
        """Record a finished simulation run and return its id."""
        with self._write() as conn, conn.begin():
            return conn.execute(insert(Run).values(
                version_id=version.id, neurons=neurons, parameters=parameters, seed=seed, summary=summary,
                output=output, started_at=started_at.replace(tzinfo=None, microsecond=0), wall_s=wall_s,
                peak_rss_bytes=peak_rss_bytes,
            )).inserted_primary_key[0]

    def _runs(self, run_id: int | None = None) -> list[dict[str, Any]]:
        query = (select(Run.__table__, Topology.name.label("topology"), TopologyVersion.version)
                 .join(TopologyVersion, TopologyVersion.id == Run.version_id)
                 .join(Topology, Topology.id == TopologyVersion.topology_id).order_by(Run.id))
        if run_id is not None:
            query = query.where(Run.id == run_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            {"id": r.id, "ref": f"{r.topology}@v{r.version}", "neurons": r.neurons, "seed": r.seed,
             "parameters": r.parameters, "started_at": _stamp(r.started_at), "wall_s": r.wall_s,
             "peak_rss_bytes": r.peak_rss_bytes, "output": r.output, "summary": {**r.summary, "run_id": r.id}}
            for r in rows
        ]

    def runs(self) -> list[dict[str, Any]]:
        """Every recorded run, oldest first."""
        return self._runs()

    def run(self, run_id: int) -> dict[str, Any]:
        """One recorded run by id."""
        found = self._runs(run_id)
        if not found:
            raise InputError(f"run {run_id}: no such run (see `runs list`)")
        return found[0]
