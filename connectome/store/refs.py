"""What the store hands back: a resolved reference to a version, and what saving a graph did."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class VersionRef:
    """A resolved reference: the row id and the NAME@vN it stands for (what `Store.resolve` returns).

    Examples
    --------
    >>> from connectome import Store
    >>> import os, tempfile, networkx as nx
    >>> store, g = Store(os.path.join(tempfile.mkdtemp(), "lab.db")), nx.DiGraph(name="pair")
    >>> g.add_node("a", share=1.0); store.resolve(store.save(g).ref)
    VersionRef(id=1, name='pair', version=1)
    """

    id: int
    name: str
    version: int

    @property
    def ref(self) -> str:
        """The canonical reference text, NAME@vN.

        Examples
        --------
        >>> VersionRef(7, "pair", 2).ref
        'pair@v2'
        """
        return f"{self.name}@v{self.version}"


@dataclass(frozen=True)
class SaveResult:
    """What an import did: the version it created, or the identical newest one it found (`created` False).

    `regions` and `projections` are the version's counts; `content_hash` its hash (`connectome.content_hash`).

    Examples
    --------
    >>> from connectome import Store
    >>> import os, tempfile, networkx as nx
    >>> store, g = Store(os.path.join(tempfile.mkdtemp(), "lab.db")), nx.DiGraph(name="pair")
    >>> g.add_node("a", share=1.0); result = store.save(g)
    >>> result.ref, result.version, result.created, result.regions, result.projections
    ('pair@v1', 1, True, 1, 0)
    """

    ref: str
    name: str
    version: int
    created: bool
    regions: int
    projections: int
    content_hash: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON-ready form `topology import` prints as JSON.

        Returns
        -------
        dict
            The fields by name, in their order.

        Examples
        --------
        >>> import json
        >>> print(json.dumps(SaveResult("pair@v1", "pair", 1, True, 2, 1, "5a3f").as_dict()))
        {"ref": "pair@v1", "name": "pair", "version": 1, "created": true, "regions": 2, "projections": 1,
         "content_hash": "5a3f"}
        """
        return asdict(self)
