"""connectome: a versioned connectome store with aggregate edges and a constant-memory processing engine."""

from .diff import diff
from .errors import ConnectomeError, DatabaseError, InputError, ReferenceNotFound, ResourceError
from .exact import apportion, connections, derived_counts, parse_count
from .formats import read, write
from .graph import build_graph, content_hash, to_document, validate
from .store import SaveResult, Store, VersionRef

__all__ = [
    "ConnectomeError", "DatabaseError", "InputError", "ReferenceNotFound", "ResourceError", "SaveResult", "Store",
    "VersionRef", "apportion", "build_graph", "connections", "content_hash", "derived_counts", "diff",
    "parse_count", "read", "to_document", "validate", "write",
]
