"""The engine's numba cache: a folder per version of the engine's sources, and one entry per kernel variant."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np

import connectome.sim.masses  # noqa: F401  (decorates the kernels)
from connectome.sim import compile as engine_compile
from connectome.sim.compile import njit_variant


def test_the_cache_folder_is_named_by_a_hash_of_every_engine_source():
    root = Path(engine_compile.__file__).parent
    digest = hashlib.sha256(numba.__version__.encode())
    for source in sorted(root.rglob("*.py")):
        digest.update(source.relative_to(root).as_posix().encode() + b"\0" + source.read_bytes())
    assert Path(engine_compile.CACHE_DIR).name == f"connectome-numba-{digest.hexdigest()[:16]}"


def test_the_engine_leaves_numbas_configuration_to_other_code(tmp_path):
    """The kernels' cache goes to CONNECTOME_CACHE_DIR by a locator for this package only: numba's own
    CACHE_DIR is unchanged, and another module's cached function is cached where numba puts it."""
    other = tmp_path / "elsewhere.py"
    other.write_text("import numba\n\n@numba.njit(cache=True)\ndef twice(x):\n    return 2 * x\n")
    script = ("import sys, numba, connectome.sim.masses\nfrom connectome.sim import compile as c\n"
              f"sys.path.insert(0, {str(tmp_path)!r})\nimport elsewhere\nassert elsewhere.twice(2) == 4\n"
              "print(c.CACHE_DIR, repr(numba.config.CACHE_DIR))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "CONNECTOME_CACHE_DIR": str(tmp_path / "cache")})
    assert done.returncode == 0, done.stderr
    folder, numbas = done.stdout.split()
    assert Path(folder).parent == tmp_path / "cache" and numbas == repr(os.environ.get("NUMBA_CACHE_DIR", ""))
    assert list((tmp_path / "__pycache__").glob("elsewhere.twice-*.nbi"))  # numba's own place for other code
    assert not list((tmp_path / "cache").rglob("elsewhere*"))


def _kernel(x):
    for i in numba.prange(x.shape[0]):
        x[i] += 1.0


def test_variants_of_one_function_get_their_own_cache_entries():
    serial, parallel = njit_variant(_kernel, "_s_test"), njit_variant(_kernel, "_p_test", parallel=True)
    x = np.zeros(4)
    serial(x)
    parallel(x)
    assert np.array_equal(x, [2.0, 2.0, 2.0, 2.0])
    assert serial.py_func.__qualname__ != parallel.py_func.__qualname__
    assert serial._cache._cache_file._index_name != parallel._cache._cache_file._index_name
