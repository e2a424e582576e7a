"""The engine's numba cache: a folder per version of the engine's sources, and one entry per kernel variant."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba
import numpy as np

import connectome.sim.masses  # noqa: F401  (decorates the kernels)
from connectome.sim import compile as engine_compile
from connectome.sim.compile import njit_variant


def test_the_cache_folder_is_named_by_a_hash_of_every_engine_source():
    if os.environ.get("NUMBA_CACHE_DIR"):
        return  # the user chose the folder
    root = Path(engine_compile.__file__).parent
    digest = hashlib.sha256(numba.__version__.encode())
    for source in sorted(root.rglob("*.py")):
        digest.update(source.relative_to(root).as_posix().encode() + b"\0" + source.read_bytes())
    assert Path(numba.config.CACHE_DIR).name == f"connectome-numba-{digest.hexdigest()[:16]}"


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
