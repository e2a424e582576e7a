"""connectome: a versioned connectome store with aggregate edges and a constant-memory processing engine.

The public names are loaded on first use (PEP 562), so that a command imports only what it needs.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ConnectomeError": "errors", "DatabaseError": "errors", "InputError": "errors", "ReferenceNotFound": "errors",
    "ResourceError": "errors", "MissingExtra": "extras", "SaveResult": "store", "Store": "store", "VersionRef": "store",
    "apportion": "exact", "connections": "exact", "derived_counts": "graph", "parse_count": "exact",
    "build_graph": "graph", "content_hash": "graph", "to_document": "graph", "validate": "validation",
    "diff": "compare", "read": "formats", "write": "formats", "RunSpec": "sim", "simulate": "sim", "sweep": "sweeps",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'connectome' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
