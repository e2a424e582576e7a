"""The versioned topology store: save DiGraphs as sealed versions, resolve references, load them back."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..bulk import without_gc
from ..counting import DEFAULT_SCALING
from ..errors import DatabaseError, InputError, NoDatabase, ReferenceNotFound
from ..graph import content_hash, content_rows
from ..validation import text_problem, validate
from . import ledger
from .connection import Conn, Database
from .locks import lock_key
from .migrate import ensure_schema
from .runs import VERSION as _VERSION
from .runs import now as _now
from .recorded_runs import RunRecords
from .refs import SaveResult, VersionRef
from .version_reads import VersionReads
from .url import resolve_url

if TYPE_CHECKING:
    import networkx as nx

_RETRYABLE = ("40001", "40P01")  # serialization failure, deadlock: the only conflicts a retry resolves


def _number_params(column: str, value: Any) -> dict[str, Any]:
    """A share or strength as the parameters of its float column and, when a double cannot carry it, its
    exact text column (`COLUMN_text`)."""
    exact = isinstance(value, Decimal)
    return {column: float(value) if exact else value, f"{column}_text": str(value) if exact else None}


def _sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a server's error (what SQLAlchemy wraps, or the driver's own), else None."""
    return getattr(getattr(exc, "orig", None) or exc, "sqlstate", None)


def _scaling_column(graph: nx.DiGraph) -> str | None:
    """The stored scaling: NULL for the default (probability), as every version had before it was a column."""
    scaling = graph.graph.get("scaling")
    return None if scaling in (None, DEFAULT_SCALING) else scaling


def plan_save(graph: nx.DiGraph, latest: tuple[int, str] | None, rows: tuple[list, list] | None = None,
              digest: str | None = None) -> "SaveResult":
    """The SaveResult of storing a validated `graph` after the newest version `latest` (version, hash) of its
    name; `rows` and `digest` are its content rows and hash when already computed."""
    rows = rows or content_rows(graph)
    digest, name = digest or content_hash(graph, rows), graph.graph["name"]
    same = latest is not None and latest[1] == digest
    version = latest[0] if same else 1 if latest is None else latest[0] + 1
    return SaveResult(f"{name}@v{version}", name, version, not same, len(rows[0]), len(rows[1]), digest)


class Store(VersionReads, RunRecords):
    """A connectome database (SQLite file or server): topologies, their versions and recorded runs.

    Parameters
    ----------
    url : str or None
        The database: a file path or a database URL; None: ``CONNECTOME_DB``, else ./connectome.db.
    create : bool
        Create a SQLite file that does not exist yet (at the newest schema); False refuses a missing file with
        `NoDatabase` (exit code 3), creating nothing, as every reader of an existing store should.

    Raises
    ------
    DatabaseError
        The database cannot be used as it is (exit code 3): its schema is behind or ahead of this version, or
        (`NoDatabase`) its file is missing and `create` is False.

    Examples
    --------
    >>> import os, tempfile
    >>> Store(os.path.join(tempfile.mkdtemp(), "typo.db"), create=False)
    Traceback (most recent call last):
    ...
    connectome.errors.NoDatabase: sqlite:///.../typo.db: no such database file (nothing was created)
    """

    def __init__(self, url: str | None = None, *, create: bool = True) -> None:
        self.db = Database(resolve_url(url))
        self.url = self.db.url
        if not create and self.db.path is not None and not self.db.path.exists():
            raise NoDatabase(f"{self.db.where}: no such database file (nothing was created)")
        ensure_schema(self.db)

    def close(self) -> None:
        """Release the database connections; a `with` block does it on leaving (a closed store reconnects if used).

        Examples
        --------
        >>> import os, tempfile
        >>> with Store(os.path.join(tempfile.mkdtemp(), "lab.db")) as store:
        ...     store.versions()
        []
        """
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @without_gc
    def save(self, graph: nx.DiGraph, *, name: str | None = None, message: str | None = None,
             source: str | None = None) -> SaveResult:
        """Store `graph` as the next version of its topology, in one locked transaction; content identical to
        the newest version is not stored again.

        Parameters
        ----------
        graph : networkx.DiGraph
            The topology (validated first); its name is ``graph.graph["name"]``.
        name : str or None
            Store it under this name instead (the graph itself is not changed).
        message : str or None
            A note kept with the version (`versions` shows it).
        source : str or None
            Where it came from (a file name): kept with the version, and the prefix of validation errors.

        Returns
        -------
        SaveResult
            The version created, or the identical newest one (``created`` False).

        Raises
        ------
        InputError
            The graph is not a valid topology, or `message` is not usable text.

        Examples
        --------
        >>> import os, tempfile, networkx as nx
        >>> store, g = Store(os.path.join(tempfile.mkdtemp(), "lab.db")), nx.DiGraph()
        >>> g.add_node("a", share=1.0); g.add_edge("a", "a", strength=0.5)
        >>> store.save(g, name="solo").ref, store.save(g, name="solo").created
        ('solo@v1', False)
        >>> g["a"]["a"]["strength"] = -1; store.save(g, name="solo", source="solo.json")
        Traceback (most recent call last):
        ...
        connectome.errors.InputError: solo.json: projection 'a' -> 'a'.strength: must be > 0, got -1
        """
        if name is not None:
            graph = graph.copy()
            graph.graph["name"] = name
        validate(graph, source)
        rows = content_rows(graph)
        return self._save_rows(graph, rows, content_hash(graph, rows), message=message, source=source)

    def _save_rows(self, graph: nx.DiGraph, rows: tuple[Any, Any], digest: str, *, message: str | None = None,
                  source: str | None = None) -> SaveResult:
        """`save` of a validated graph's content rows (`content_rows`: lists, or sized iterables such as
        `columnar.ProjectionRows`) and their `content_hash` `digest`; the graph's edges are not read."""
        if message is not None and (not isinstance(message, str) or text_problem(message)):
            raise InputError(f"message: {text_problem(message) if isinstance(message, str) else 'must be a string'}")
        self._reconcile_pending()
        for attempt in range(3):
            try:
                with self.db.connect() as conn, conn.transaction(lock=lock_key("topology", graph.graph["name"])):
                    return self._save(conn, graph, rows, digest, message, source)
            except DatabaseError:
                raise
            except Exception as exc:
                if _sqlstate(exc) not in _RETRYABLE or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def plan_save(self, graph: nx.DiGraph, *, name: str | None = None) -> SaveResult:
        """What `save` would do (the version it would create, or the identical one it would find), writing nothing.

        Parameters
        ----------
        graph : networkx.DiGraph
            The topology (validated first, InputError).
        name : str or None
            Plan it under this name instead of ``graph.graph["name"]``.

        Returns
        -------
        SaveResult
            What `save` would return now.

        Examples
        --------
        >>> import os, tempfile, networkx as nx
        >>> store, g = Store(os.path.join(tempfile.mkdtemp(), "lab.db")), nx.DiGraph(name="pair")
        >>> g.add_node("a", share=1.0); planned = store.plan_save(g)
        >>> planned.ref, planned.created, store.versions()
        ('pair@v1', True, [])
        """
        if name is not None:
            graph = graph.copy()
            graph.graph["name"] = name
        validate(graph)
        return plan_save(graph, self._latest(graph.graph["name"]))

    def _latest(self, name: str) -> tuple[int, str] | None:
        with self.db.connect() as conn:
            return conn.first("SELECT v.version, v.content_hash FROM topology_versions v JOIN topologies t "
                              "ON t.id = v.topology_id WHERE t.name = :name ORDER BY v.version DESC LIMIT 1",
                              {"name": name})

    def _save(self, conn: Conn, graph: nx.DiGraph, rows: tuple[list, list], digest: str,
              message: str | None, source: str | None) -> SaveResult:
        name = graph.graph["name"]
        regions, projections = rows
        topology_id = conn.scalar("SELECT id FROM topologies WHERE name = :name", {"name": name})
        if topology_id is None:
            topology_id = conn.insert("INSERT INTO topologies (name, created_at) VALUES (:name, :at)",
                                      {"name": name, "at": conn.stamp(_now())})
        latest = conn.first("SELECT version, content_hash FROM topology_versions WHERE topology_id = :t "
                            "ORDER BY version DESC LIMIT 1", {"t": topology_id})
        planned = plan_save(graph, latest, rows, digest)
        if not planned.created:
            return planned
        version = planned.version
        version_id = conn.insert(
            "INSERT INTO topology_versions (topology_id, version, content_hash, description, message, source, "
            "reference_neurons, scaling, created_at, sealed, region_count, projection_count) "
            "VALUES (:topology_id, :version, :content_hash, :description, :message, :source, :reference_neurons, "
            ":scaling, :created_at, :sealed, 0, 0)",
            {"topology_id": topology_id, "version": version, "content_hash": digest,
             "description": graph.graph.get("description"), "message": message, "source": source,
             "reference_neurons": graph.graph.get("neurons"), "scaling": _scaling_column(graph),
             "created_at": conn.stamp(_now()), "sealed": False})
        conn.executemany("INSERT INTO regions (version_id, name, share, share_text, attrs) "
                         "VALUES (:v, :name, :share, :share_text, :attrs)",
                         ({"v": version_id, "name": n, **_number_params("share", s), "attrs": a} for n, s, a in regions))
        ids = dict(conn.rows("SELECT name, id FROM regions WHERE version_id = :v", {"v": version_id}))
        conn.executemany(
            "INSERT INTO projections (version_id, source_id, target_id, strength, strength_text, attrs) "
            "VALUES (:v, :source, :target, :strength, :strength_text, :attrs)",
            ({"v": version_id, "source": ids[s], "target": ids[t], **_number_params("strength", w), "attrs": a}
             for s, t, w, a in projections))
        from . import packed  # numpy, only when a version is saved

        packed.write(conn, version_id, packed.saved_columns(regions, projections))
        ledger.seal(conn, version_id, name, version, digest, len(regions), len(projections))
        return planned

    def resolve(self, ref: str | VersionRef) -> VersionRef:
        """Resolve `NAME@vN`, `NAME`, `NAME@latest` or a bare `vN` (when only one topology has version N).

        Parameters
        ----------
        ref : str or VersionRef
            The reference; `NAME` and `NAME@latest` stand for the newest version. A VersionRef (already
            resolved) is returned as it is.

        Returns
        -------
        VersionRef
            The version's row id, name and number.

        Raises
        ------
        ReferenceNotFound
            No such topology or version, or a bare `vN` that no topology or several have (listed).

        Examples
        --------
        >>> import os, tempfile, networkx as nx
        >>> store, g = Store(os.path.join(tempfile.mkdtemp(), "lab.db")), nx.DiGraph(name="pair")
        >>> g.add_node("a", share=1.0); _ = store.save(g); g.add_node("b", share=1.0); _ = store.save(g)
        >>> store.resolve("pair@latest").ref, store.resolve("v1")
        ('pair@v2', VersionRef(id=1, name='pair', version=1))
        >>> found = store.resolve("pair@v1"); store.resolve(found) is found  # already resolved: as it is
        True
        >>> store.resolve("pear")
        Traceback (most recent call last):
        ...
        connectome.errors.ReferenceNotFound: pear: no topology named 'pear' (see `topology list`)
        """
        if isinstance(ref, VersionRef):
            return ref
        query = "SELECT v.id, t.name, v.version FROM topology_versions v JOIN topologies t ON t.id = v.topology_id"
        with self.db.connect() as conn:
            bare = _VERSION.fullmatch(ref)
            if bare:
                rows = conn.rows(f"{query} WHERE v.version = :version ORDER BY t.name", {"version": int(bare.group(1))})
                if len(rows) == 1:
                    return VersionRef(*rows[0])
                if not rows:
                    raise ReferenceNotFound(f"{ref}: no topology has a version {bare.group(1)}")
                candidates = ", ".join(f"{n}@v{v}" for _, n, v in rows)
                raise ReferenceNotFound(f"{ref}: ambiguous, {len(rows)} topologies have it: {candidates}")
            name, at, suffix = ref.rpartition("@")
            if not at or not (suffix == "latest" or _VERSION.fullmatch(suffix)):
                name, suffix = ref, "latest"
            if suffix == "latest":
                row = conn.first(f"{query} WHERE t.name = :name ORDER BY v.version DESC LIMIT 1", {"name": name})
            else:
                row = conn.first(f"{query} WHERE t.name = :name AND v.version = :version",
                                 {"name": name, "version": int(suffix[1:])})
            if row is not None:
                return VersionRef(*row)
            known = conn.first("SELECT id FROM topologies WHERE name = :name", {"name": name})
        if known is None:
            raise ReferenceNotFound(f"{ref}: no topology named {name!r} (see `topology list`)")
        raise ReferenceNotFound(f"{ref}: topology {name!r} has no version {suffix}")
