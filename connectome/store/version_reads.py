"""The store's reads of a version: its rows, its columns, its graph; the versions listed; the store verified."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..bulk import without_gc
from ..graph import Rows, build_graph, content_hash
from . import columnar, guards, ledger
from .columnar import stored_number, with_attrs
from .refs import VersionRef
from .runs import stamp as _stamp

if TYPE_CHECKING:
    import networkx as nx

    from ..columns import Columns


class VersionReads:
    """The methods of `Store` that read stored versions (a mixin: `Store` is the class)."""

    @without_gc
    def rows(self, ref: str | VersionRef) -> Rows:
        """A version as plain columns, without networkx: what the engine needs (and `load` builds a graph from).

        Projections are fetched a chunk at a time into columns; their extra attributes stay JSON text.

        Parameters
        ----------
        ref : str or VersionRef
            The version (a reference `resolve` takes, or its result).

        Returns
        -------
        connectome.graph.Rows
            Regions as (name, attributes) pairs; projections as source and target indices and strengths.

        Examples
        --------
        >>> from connectome import Store
        >>> import os, tempfile, networkx as nx
        >>> store, g = Store(os.path.join(tempfile.mkdtemp(), "lab.db")), nx.DiGraph(name="pair")
        >>> g.add_node("a", share=1.0); g.add_node("b", share=3.0); g.add_edge("b", "a", strength=0.5)
        >>> rows = store.rows(store.save(g).ref)
        >>> rows.regions, rows.sources, rows.targets, rows.strengths
        ([('a', {'share': 1.0}), ('b', {'share': 3.0})], [1], [0], [0.5])
        """
        found = self.resolve(ref)
        sources, targets, strengths, extras = [], [], [], []
        with self.db.connect() as conn:
            description, neurons, scaling = conn.first(
                "SELECT description, reference_neurons, scaling FROM topology_versions WHERE id = :id", {"id": found.id})
            regions = conn.rows("SELECT id, name, share, share_text, CAST(attrs AS TEXT) FROM regions "
                                "WHERE version_id = :v ORDER BY id", {"v": found.id})
            index = {r[0]: i for i, r in enumerate(regions)}
            cursor = conn.execute("SELECT source_id, target_id, strength, strength_text, CAST(attrs AS TEXT) "
                                  "FROM projections WHERE version_id = :v ORDER BY id", {"v": found.id})
            while chunk := cursor.fetchmany(65536):
                source_ids, target_ids, values, texts, attrs = zip(*chunk)
                sources.extend(map(index.__getitem__, source_ids))
                targets.extend(map(index.__getitem__, target_ids))
                strengths.extend(map(stored_number, values, texts) if any(texts) else values)
                extras.extend(attrs)
        _, region_names, shares, share_texts, region_attrs = zip(*regions) if regions else ((),) * 5
        return Rows(found.name, list(zip(region_names, with_attrs("share", shares, share_texts, region_attrs))),
                    sources, targets, strengths, extras, description, neurons, scaling)

    def columns(self, ref: str | VersionRef) -> Columns:
        """A version as arrays (`connectome.columns.Columns`), no Python object per projection: what the engine reads.

        Parameters
        ----------
        ref : str or VersionRef
            The version (a reference `resolve` takes, or its result).

        Returns
        -------
        connectome.columns.Columns
            Region and projection columns as numpy arrays, extra attributes included.

        Examples
        --------
        >>> from connectome import Store
        >>> import os, tempfile, networkx as nx
        >>> store, g = Store(os.path.join(tempfile.mkdtemp(), "c.db")), nx.DiGraph(name="pair")
        >>> g.add_node("a", share=1.0); g.add_edge("a", "a", strength=0.5, tract_length=12.5)
        >>> store.columns(store.save(g).ref).numbers("tract_length").tolist()
        [12.5]
        """
        found = self.resolve(ref)
        with self.db.connect() as conn:
            return columnar.read(conn, found)

    @without_gc
    def load(self, ref: str | VersionRef) -> nx.DiGraph:
        """The DiGraph of a version, with regions and projections in their stored order.

        Parameters
        ----------
        ref : str or VersionRef
            The version (a reference `resolve` takes, or its result).

        Returns
        -------
        networkx.DiGraph
            The topology as saved, with its name, description, reference scale and extra attributes.

        Examples
        --------
        >>> from connectome import Store
        >>> import os, tempfile, networkx as nx
        >>> store, g = Store(os.path.join(tempfile.mkdtemp(), "lab.db")), nx.DiGraph(name="pair")
        >>> g.add_node("a", share=1.0); g.add_edge("a", "a", strength=0.5, tract_length=12.5)
        >>> h = store.load(store.save(g).ref)
        >>> h.graph, list(h.edges(data=True))
        ({'name': 'pair'}, [('a', 'a', {'strength': 0.5, 'tract_length': 12.5})])
        """
        rows = self.rows(ref)
        return build_graph(rows.name, rows.regions, rows.projections(), description=rows.description,
                           neurons=rows.neurons, scaling=rows.scaling)

    def versions(self, name: str | None = None, *, latest: bool = False) -> list[dict[str, Any]]:
        """Every version of every topology, by name then version: O(versions), counts kept on the version row.

        Parameters
        ----------
        name : str or None
            Only topologies whose name matches this shell pattern (`*`, `?`, `[…]`; exact otherwise).
        latest : bool
            Only the newest version of each.

        Returns
        -------
        list of dict
            One per version: name, version, ref, regions, projections, created_at, message.

        Examples
        --------
        >>> from connectome import Store
        >>> import os, tempfile, networkx as nx
        >>> store, g = Store(os.path.join(tempfile.mkdtemp(), "lab.db")), nx.DiGraph(name="pair")
        >>> g.add_node("a", share=1.0); _ = store.save(g, message="first")
        >>> g.add_edge("a", "a", strength=0.5); _ = store.save(g)
        >>> [(v["ref"], v["projections"], v["message"]) for v in store.versions("p*")]
        [('pair@v1', 0, 'first'), ('pair@v2', 1, None)]
        >>> [v["ref"] for v in store.versions(latest=True)], store.versions("pear")
        (['pair@v2'], [])
        """
        import fnmatch

        with self.db.connect() as conn:
            rows = conn.rows("SELECT t.name, v.version, v.region_count, v.projection_count, v.created_at, v.message "
                             "FROM topology_versions v JOIN topologies t ON t.id = v.topology_id "
                             "ORDER BY t.name, v.version")
        found = [{"name": n, "version": v, "ref": f"{n}@v{v}", "regions": r, "projections": p,
                  "created_at": _stamp(c), "message": m} for n, v, r, p, c, m in rows
                 if name is None or fnmatch.fnmatchcase(n, name)]
        if latest:
            newest = {v["name"]: v for v in found}
            found = [v for v in found if newest[v["name"]] is v]
        return found

    def verify(self, ref: str | None = None, *, ledger_entry: bool = False) -> list[dict[str, Any]]:
        """Recompute every version's content hash (or one version's), compare it with the stored one and check
        its seal, counts and ledger entry; one dict per version (ref, stored_hash, computed_hash, ok, problems).

        Parameters
        ----------
        ref : str or None
            Check only this version (ReferenceNotFound if there is none); None: every version.
        ledger_entry : bool
            Whole store only: end the list with the ledger's own entry (ref "(ledger)", entries, stored and recomputed
            head), which reports versions missing from the store and guarding triggers missing or disabled.

        Returns
        -------
        list of dict
            One per version, by id; `ok` is True when `problems` is empty.

        Examples
        --------
        >>> from connectome import Store
        >>> import os, tempfile, networkx as nx
        >>> store, g = Store(os.path.join(tempfile.mkdtemp(), "lab.db")), nx.DiGraph(name="pair")
        >>> g.add_node("a", share=1.0); _ = store.save(g)
        >>> [(r["ref"], r["ok"], r["problems"]) for r in store.verify(ledger_entry=True)]
        [('pair@v1', True, []), ('(ledger)', True, [])]
        """
        with self.db.connect() as conn, conn.transaction(write=False):
            entries, head = ledger.read(conn)
            unguarded = guards.problems(conn) if ledger_entry and ref is None else []
        wanted = None if ref is None else self.resolve(ref).id
        chained, ledger_report = ledger.audit(entries, head)
        ledger_report["problems"] += unguarded
        ledger_report["ok"] = not ledger_report["problems"]
        report = []
        for e in entries:
            if wanted is not None and e.id != wanted:
                continue
            found = VersionRef(e.id, e.name or "", e.version)
            graph = self.load(found)
            computed = content_hash(graph)
            counts = (graph.number_of_nodes(), graph.number_of_edges())
            problems = ([] if computed == e.content_hash else ["content hash differs"]) + \
                ([] if e.sealed else ["not sealed"]) + \
                ([] if counts == (e.region_count, e.projection_count) else ["region or projection counts differ"]) + \
                chained[e.id] + self._packing_problems(found)
            report.append({"ref": e.ref, "stored_hash": e.content_hash, "computed_hash": computed,
                           "ok": not problems, "problems": problems})
        return report + ([ledger_report] if ledger_entry and ref is None else [])

    def _packing_problems(self, found: VersionRef) -> list[str]:
        from . import packed

        with self.db.connect() as conn:
            return packed.problems(conn, found.id, columnar.read(conn, found, packed=False))
