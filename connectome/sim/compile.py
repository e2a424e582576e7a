"""Compiling the engine's numba kernels: a cache folder per version of the engine's sources, and one
Python function compiled as several kernels (serial and parallel) with their own cache entries.

numba checks a cached kernel against its own source file only: a kernel whose file did not change but
which calls a function from another file that did would load stale machine code (it can crash). So the
cache lives in a folder named after a hash of every source file of `connectome.sim` and numba's version
(under $CONNECTOME_CACHE_DIR, else $XDG_CACHE_HOME/connectome or ~/.cache/connectome, else the temporary
folder): a changed engine never reads an older engine's kernels. The folder is given to numba by a cache
locator that answers for this package's functions only, so numba's configuration (`NUMBA_CACHE_DIR`,
`numba.config.CACHE_DIR`) is left as it is for any other code in the process. This module is imported
before any kernel is decorated.

Every kernel compiles with numba's `error_model="numpy"`: a division by zero gives inf or nan, as numpy's
does, and the run's divergence check reports it (`loop.check_finite`), instead of a ZeroDivisionError.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import types
from pathlib import Path
from typing import Any, Callable

import numba
from numba.core.caching import CacheImpl, UserProvidedCacheLocator


def _engine_digest() -> str:
    """A hash of every source file of the engine and of numba's version: what the numbers of a run depend on."""
    digest = hashlib.sha256(numba.__version__.encode())
    root = Path(__file__).resolve().parent
    for source in sorted(root.rglob("*.py")):
        digest.update(source.relative_to(root).as_posix().encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:16]


ENGINE_VERSION = _engine_digest()  # recorded with every run: a rerun by another engine may give other numbers


def _cache_dir() -> str | None:
    """A writable folder for this engine's numba cache, named by the engine's version, or None."""
    name = f"connectome-numba-{ENGINE_VERSION}"
    home = Path(os.environ.get("CONNECTOME_CACHE_DIR") or
                Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "connectome")
    for folder in (home / name, Path(tempfile.gettempdir()) / name):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tempfile.TemporaryFile(dir=folder).close()
            return str(folder)
        except OSError:
            continue
    return None


CACHE_DIR = _cache_dir()
_PACKAGE = str(Path(__file__).resolve().parent.parent) + os.sep


class _EngineCacheLocator(UserProvidedCacheLocator):
    """numba's locator for a user-given folder, answering only for this package's functions (others fall
    through to numba's own locators), with `CACHE_DIR` as the folder."""

    def __init__(self, py_func: Any, py_file: str) -> None:
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        self._cache_path = os.path.join(CACHE_DIR, self.get_suitable_cache_subpath(py_file))

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> Any:
        if CACHE_DIR is None or not os.path.abspath(py_file).startswith(_PACKAGE):
            return None
        locator = cls(py_func, py_file)
        try:
            locator.ensure_cache_path()
        except OSError:
            return None
        return locator


if _EngineCacheLocator not in CacheImpl._locator_classes:
    CacheImpl._locator_classes.insert(0, _EngineCacheLocator)


def njit_variant(func: Callable, suffix: str, **options: Any) -> Any:
    """`numba.njit(cache=True, nogil=True, error_model="numpy", **options)` of a copy of `func` named
    `func.__name__ + suffix`.

    numba names a function's cache files after its qualified name and line only: the serial and the
    parallel kernels of one function would share an entry, and whichever compiled second would load the
    other's machine code (numba issue #6845). A copy under its own name gets its own entry.
    """
    copy = types.FunctionType(func.__code__, func.__globals__, func.__name__ + suffix, func.__defaults__,
                              func.__closure__)
    copy.__qualname__ = func.__qualname__ + suffix
    copy.__module__ = func.__module__
    return numba.njit(cache=True, nogil=True, error_model="numpy", **options)(copy)
