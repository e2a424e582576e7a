"""SQLAlchemy 2.0 models of the store; the schema itself is created only by migrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, DateTime, Float, ForeignKey, Index, Integer,
                        LargeBinary, PrimaryKeyConstraint, String, Text, UniqueConstraint, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base whose metadata the migration tests compare with the migrated schema."""


class Topology(Base):
    """A named topology; its content lives in immutable versions."""

    __tablename__ = "topologies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class TopologyVersion(Base):
    """One immutable snapshot vN of a topology, with the hash of its canonical content."""

    __tablename__ = "topology_versions"
    __table_args__ = (UniqueConstraint("topology_id", "version"),
                      Index("ix_topology_versions_ledger_seq", "ledger_seq", unique=True))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topology_id: Mapped[int] = mapped_column(ForeignKey("topologies.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    description: Mapped[Optional[str]] = mapped_column(Text)
    message: Mapped[Optional[str]] = mapped_column(Text)
    source: Mapped[Optional[str]] = mapped_column(Text)
    reference_neurons: Mapped[Optional[int]] = mapped_column(BigInteger)
    scaling: Mapped[Optional[str]] = mapped_column(Text)  # NULL: probability; `indegree`: the reference in-degrees held
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # set by the import's last statement; database triggers refuse any change to a sealed version
    sealed: Mapped[bool] = mapped_column(Boolean, server_default="0")
    region_count: Mapped[int] = mapped_column(Integer, server_default="0")
    projection_count: Mapped[int] = mapped_column(Integer, server_default="0")
    # the version's place in the ledger (1, 2, … in sealing order) and its chained hash (connectome.store.ledger)
    ledger_seq: Mapped[Optional[int]] = mapped_column(Integer)
    ledger_hash: Mapped[Optional[str]] = mapped_column(String(64))


class Ledger(Base):
    """The one-row head of the ledger: how many versions it chains and the newest hash (triggers let it only grow)."""

    __tablename__ = "ledger"
    __table_args__ = (CheckConstraint("id = 1", name="ck_ledger_one_row"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entries: Mapped[int] = mapped_column(Integer)
    head: Mapped[Optional[str]] = mapped_column(String(64))


class Region(Base):
    """A region of a version: its name, relative size and extra attributes."""

    __tablename__ = "regions"
    __table_args__ = (UniqueConstraint("version_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("topology_versions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)
    share: Mapped[float] = mapped_column(Float)
    share_text: Mapped[Optional[str]] = mapped_column(Text)  # the decimal as written, when a double cannot carry it
    attrs: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON(none_as_null=True))


class Projection(Base):
    """A projection source → target of a version: strength per 1000 neuron pairs and extra attributes."""

    __tablename__ = "projections"
    __table_args__ = (UniqueConstraint("version_id", "source_id", "target_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("topology_versions.id", ondelete="CASCADE"))
    # no index of their own: every query goes through (version_id, source_id, target_id), and each
    # extra index costs bulk imports about a third of their speed
    source_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    strength: Mapped[float] = mapped_column(Float)
    strength_text: Mapped[Optional[str]] = mapped_column(Text)  # the decimal as written, when a double cannot carry it
    attrs: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON(none_as_null=True))


class ProjectionArray(Base):
    """One field of a version's projections packed as an array (`connectome.store.packed`): written before
    the seal, where every number is a float; the rows stay the truth."""

    __tablename__ = "projection_arrays"
    __table_args__ = (PrimaryKeyConstraint("version_id", "field"),)
    version_id: Mapped[int] = mapped_column(ForeignKey("topology_versions.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(Text)  # source, target, strength or attrs.KEY
    dtype: Mapped[str] = mapped_column(Text)  # <i4 (positions) or <f8 (numbers)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))


class Run(Base):
    """A recorded simulation run of a topology version."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("topology_versions.id", ondelete="CASCADE"), index=True)
    neurons: Mapped[Optional[int]] = mapped_column(BigInteger)  # None: a run that does not depend on N
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    seed: Mapped[Optional[int]] = mapped_column(BigInteger)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    output: Mapped[Optional[str]] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    wall_s: Mapped[float] = mapped_column(Float)
    peak_rss_bytes: Mapped[Optional[int]] = mapped_column(BigInteger)
    sweep_id: Mapped[Optional[int]] = mapped_column(ForeignKey("sweeps.id", ondelete="CASCADE",
                                                               name="fk_runs_sweep_id"))
    sweep_point: Mapped[Optional[int]] = mapped_column(Integer)  # index in the sweep's grid × seeds order
    # NULL once finished; while its output file is put in place: {"output", "staged", "host", "pid", …}
    pending: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON(none_as_null=True))
    __table_args__ = (Index("ix_runs_sweep_point", "sweep_id", "sweep_point", unique=True),
                      Index("ix_runs_pending", "id", sqlite_where=text("pending IS NOT NULL"),
                            postgresql_where=text("pending IS NOT NULL")))


class RunDeletion(Base):
    """The log of deleted runs (append-only): a run row can be deleted only once its row here exists."""

    __tablename__ = "run_deletions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(Integer, unique=True)
    ref: Mapped[str] = mapped_column(Text)
    output: Mapped[Optional[str]] = mapped_column(Text)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)  # the run row as it was
    reason: Mapped[Optional[str]] = mapped_column(Text)
    deleted_at: Mapped[datetime] = mapped_column(DateTime)


class Sweep(Base):
    """A parameter sweep: its full specification, stored before its first point runs."""

    __tablename__ = "sweeps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("topology_versions.id", ondelete="CASCADE"), index=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    points: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
