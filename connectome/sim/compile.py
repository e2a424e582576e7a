"""Where the engine's compiled code is cached, and the engine's version recorded with every run.

The kernels of a run are generated modules (`connectome.sim.compose`), each written once to
`CACHE_DIR/kernels` under the hash of its text, so numba's check of a cached kernel against its own file
is exact. The package's own numba functions (`connectome.realise.sampling`) call nothing outside their
file. The folder is named by the package's and numba's versions (under $CONNECTOME_CACHE_DIR, else
$XDG_CACHE_HOME/connectome or ~/.cache/connectome, else the temporary folder) and is given to numba by a
cache locator that answers for this package's functions only, so numba's configuration
(`NUMBA_CACHE_DIR`, `numba.config.CACHE_DIR`) is left as it is for any other code in the process.

Every kernel compiles with numba's `error_model="numpy"`: a division by zero gives inf or nan, as numpy's
does, and the run's divergence check reports it (`run.check_finite`), instead of a ZeroDivisionError.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

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


def package_version() -> str:
    """The installed package's version (a source tree that is not installed: "unknown")."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("connectome-modeller")  # the distribution's name (connectome.extras.DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown"


def _cache_dir() -> str | None:
    """A writable folder for the compiled kernels, named by the package's and numba's versions, or None."""
    name = f"connectome-{package_version()}-numba-{numba.__version__}"
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
_FALLBACK: list[str] = []


def fallback_dir() -> str:
    """A folder of this process's own for generated kernels when no cache folder can be written."""
    if not _FALLBACK:
        _FALLBACK.append(tempfile.mkdtemp(prefix="connectome-kernels-"))
    return _FALLBACK[0]
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
