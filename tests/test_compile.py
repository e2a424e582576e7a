"""The engine's compiled code: one generated module per configuration, cached under the hash of its text
in a folder named by the package's and numba's versions, and numba's configuration left to other code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numba
import pytest

from connectome.engine import simulate
from connectome.sim import compile as engine_compile
from connectome.sim import compose, loop
from connectome.sim.compile import package_version
from connectome.sim.loop import composed, kernel
from connectome.sim.prepared import prepare
from connectome.sim.spec import make_spec
from conftest import EXAMPLE
from connectome.formats.canonical import read_json


def test_the_cache_folder_is_named_by_the_package_and_numba_versions():
    assert Path(engine_compile.CACHE_DIR).name == f"connectome-{package_version()}-numba-{numba.__version__}"


def test_the_engine_leaves_numbas_configuration_to_other_code(tmp_path):
    """The kernels' cache goes to CONNECTOME_CACHE_DIR: numba's own CACHE_DIR is unchanged, and another
    module's cached function is cached where numba puts it."""
    other = tmp_path / "elsewhere.py"
    other.write_text("import numba\n\n@numba.njit(cache=True)\ndef twice(x):\n    return 2 * x\n")
    script = ("import sys, numba\nfrom connectome.engine import simulate\nfrom connectome.formats.canonical "
              f"import read_json\nsimulate(read_json({str(EXAMPLE)!r}), 1000, duration_ms=5, seed=1)\n"
              "from connectome.sim import compile as c\n"
              f"sys.path.insert(0, {str(tmp_path)!r})\nimport elsewhere\nassert elsewhere.twice(2) == 4\n"
              "print(c.CACHE_DIR, repr(numba.config.CACHE_DIR))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "CONNECTOME_CACHE_DIR": str(tmp_path / "cache")})
    assert done.returncode == 0, done.stderr
    folder, numbas = done.stdout.split()
    assert Path(folder).parent == tmp_path / "cache" and numbas == repr(os.environ.get("NUMBA_CACHE_DIR", ""))
    assert list((tmp_path / "__pycache__").glob("elsewhere.twice-*.nbi"))  # numba's own place for other code
    assert not list((tmp_path / "cache").rglob("elsewhere*"))
    assert list((Path(folder) / "kernels").glob("k_*.py")) and list((Path(folder) / "kernels").rglob("*.nbi"))


def _source(**options) -> str:
    p = prepare(read_json(EXAMPLE), make_spec(1000, **{"duration_ms": 5, "seed": 1, **options}))
    return composed(p, False).source()


def test_a_configuration_is_one_file_named_by_the_hash_of_its_text():
    text = _source(model="wilson-cowan")
    assert text == _source(model="wilson-cowan", coupling=0.5, duration_ms=7)  # values are not configuration
    assert text != _source(model="wilson-cowan", integrator="euler")
    assert text != _source(model="jansen-rit")
    assert "def dfun(" in text and "def integrate(" in text and "def couple(" in text and "def monitor_0(" in text
    assert "jansen" not in text.lower() and "balloon" not in text  # only the parts this run uses
    p = prepare(read_json(EXAMPLE), make_spec(1000, model="wilson-cowan", duration_ms=5, seed=1))
    parallel = composed(p, True).source()
    assert parallel != text and parallel.count("parallel=True") == 1


def test_a_kernel_is_written_once_and_reused(tmp_path):
    p = prepare(read_json(EXAMPLE), make_spec(1000, model="kuramoto", duration_ms=5, seed=1))
    steps = kernel(p, False)
    path = Path(steps.py_func.__code__.co_filename)
    stamp = path.stat().st_mtime_ns
    compose._LOADED.clear()
    loop._KERNELS.clear()
    again = kernel(p, False)
    assert Path(again.py_func.__code__.co_filename) == path and path.stat().st_mtime_ns == stamp
    assert path.parent.name == "kernels" and path.name.startswith("k_")


BAD_GLOBAL = [1, 2]


def _uses_a_list(x):
    return BAD_GLOBAL[0] + x


def _uses_nothing_known(x):
    return no_such_part(x)  # noqa: F821


def test_parts_may_use_functions_numbers_and_modules_only():
    with pytest.raises(TypeError, match="BAD_GLOBAL.* is a list"):
        compose.Kernel({"f": _uses_a_list}).source()
    with pytest.raises(NameError, match="no_such_part"):
        compose.Kernel({"f": _uses_nothing_known}).source()


def test_a_run_records_results_identically_with_the_cache_warm(tmp_path):
    first = simulate(read_json(EXAMPLE), 1000, duration_ms=20, seed=3)
    compose._LOADED.clear()
    loop._KERNELS.clear()
    second = simulate(read_json(EXAMPLE), 1000, duration_ms=20, seed=3)
    assert (first.activity == second.activity).all()


INFINITE = float("inf")


def _uses_infinity(x):
    return min(x, INFINITE)


def test_a_number_without_a_literal_is_written_so_that_it_reads_back():
    text = compose.Kernel({"f": _uses_infinity}).source()
    assert "INFINITE__0 = float('inf')" in text
    namespace: dict = {}
    exec(compile(text.split("\n\n\n")[0], "head", "exec"), namespace)  # the module's head: imports and constants
    assert namespace["INFINITE__0"] == float("inf")
