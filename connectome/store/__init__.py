"""The store: versioned topologies and recorded runs in SQLite or on a database server."""

from .facade import SaveResult, Store, VersionRef

__all__ = ["SaveResult", "Store", "VersionRef"]
