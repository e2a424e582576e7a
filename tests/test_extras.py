"""The optional extras: each feature without its extra is one line naming it (exit 6), the base install needs none
of them, pyproject's extras provide what the guards name, and every install hint names `connectome-modeller`.

A missing package is simulated in a fresh interpreter by `sys.modules[name] = None` (what `import name` then
raises is what a missing package raises: ModuleNotFoundError) before the CLI is imported.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from conftest import EXAMPLE, ROOT
from connectome.extras import DISTRIBUTION, EXTRAS, MissingExtra, install_command, require

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
OPTIONAL = sorted({m for modules in EXTRAS.values() for m in modules})  # every module an extra provides


def _cli(tmp_path: Path, blocked: list[str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the CLI in a fresh interpreter in which `blocked` cannot be imported, its store in `tmp_path`."""
    code = ("import sys\nfor name in filter(None, sys.argv[1].split(',')):\n    sys.modules[name] = None\n"
            "from connectome.cli import main\nmain(sys.argv[2:])\n")
    return subprocess.run([sys.executable, "-c", code, ",".join(blocked), *args], cwd=tmp_path, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "CONNECTOME_DB": str(tmp_path / "store.db")})


def _one_line_missing(done: subprocess.CompletedProcess, extra: str, *fragments: str) -> str:
    """Assert `done` failed with exit 6 and one stderr line naming `extra` and its install command."""
    lines = done.stderr.splitlines()
    assert done.returncode == MissingExtra.exit_code == 6, done.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert f"the optional {extra!r} extra" in lines[0] and lines[0].endswith(install_command(extra)), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert done.stdout == ""
    return lines[0]


# extra -> (modules made unimportable, CLI arguments, fragments of the line); nothing may be written
GUARDED = {
    "plots": (["matplotlib"], ["plot", "matrix", "v1", "-o", "matrix.png"], ["drawing matrix.png needs"]),
    "sweeps": (["distributed", "dask"], ["sweep", "--topology", "v1", "--neurons", "1e4", "--grid", "coupling=0:1:2"],
               ["sweep needs"]),
    "sonata": (["h5py"], ["realise", "--topology", "v1", "--neurons", "1e4", "-o", "circuit"], ["realise needs"]),
    "mat": (["scipy"], ["topology", "import", "hcp.mat"], ["hcp.mat: reading a MATLAB .mat file needs"]),
    "postgresql": (["psycopg"], ["--db", "postgresql+psycopg://lab:s3cret@127.0.0.1:1/x", "topology", "list"],
                   ["postgresql+psycopg://lab:***@127.0.0.1:1/x: a PostgreSQL store needs"]),
}


@pytest.mark.parametrize("extra", sorted(GUARDED))
def test_a_feature_without_its_extra_is_one_line_naming_it_with_exit_6(tmp_path, extra):
    blocked, args, fragments = GUARDED[extra]
    (tmp_path / "hcp.mat").write_bytes(b"MATLAB 5.0 MAT-file" + bytes(200))
    line = _one_line_missing(_cli(tmp_path, blocked, *args), extra, *fragments)
    assert "s3cret" not in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hcp.mat"]  # refused before the store or any output


def test_simulate_plot_without_matplotlib_is_refused_before_the_run(tmp_path):
    assert _cli(tmp_path, [], "topology", "import", str(EXAMPLE)).returncode == 0
    done = _cli(tmp_path, ["matplotlib"], "simulate", "--topology", "v1", "--neurons", "1e4", "--plot", "run.png")
    _one_line_missing(done, "plots", "drawing run.png needs")
    listed = _cli(tmp_path, OPTIONAL, "runs", "list", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == [] and not (tmp_path / "run.png").exists()


def test_the_base_install_runs_the_main_job_without_any_extra(tmp_path):
    """Import, stats, metrics, export, and a run with FC, FCD and spectrum: none imports an optional package."""
    steps = [["topology", "import", str(EXAMPLE)], ["topology", "stats", "v1", "--neurons", "1e7"],
             ["topology", "metrics", "v1"], ["topology", "export", "v1", "-o", "out.json"],
             ["simulate", "--topology", "v1", "--neurons", "1e7", "--model", "wilson-cowan", "--duration", "2000",
              "--fc", "--fcd-window", "500", "--fcd-step", "250", "--spectrum", "--spectrum-window", "500", "--json"]]
    for args in steps:
        done = _cli(tmp_path, OPTIONAL, *args)
        assert done.returncode == 0 and "error" not in done.stderr, (args, done.stderr)
    summary = json.loads(done.stdout)
    assert summary["spectrum"]["resolution_hz"] == 2.0 and summary["fcd"]["windows"] == 7


def test_the_library_functions_without_their_extra_raise_missing_extra(tmp_path, monkeypatch):
    """Called from Python, without the CLI's early checks: the same error, and nothing written."""
    from connectome.formats import read
    from connectome.plots import plot_fc, plot_graph, plot_matrix, plot_run
    from connectome.realise.sonata import realise_sonata

    graph = read(EXAMPLE)
    for name in ("matplotlib", "h5py", "scipy"):
        monkeypatch.setitem(sys.modules, name, None)
    calls = [("plot_matrix", lambda: plot_matrix(graph, tmp_path / "m.png")),
             ("plot_graph", lambda: plot_graph(graph, tmp_path / "g.png")),
             ("plot_fc", lambda: plot_fc(np.eye(2), np.eye(2), ["a", "b"], tmp_path / "f.png")),
             ("plot_run", lambda: plot_run(object(), tmp_path / "r.png"))]
    for feature, call in calls:
        with pytest.raises(MissingExtra, match=rf"^{feature} needs the optional 'plots' extra"):
            call()
    with pytest.raises(MissingExtra, match=r"^realise needs the optional 'sonata' extra"):
        realise_sonata(graph, 10_000, tmp_path / "circuit")
    (tmp_path / "hcp.mat").write_bytes(b"MATLAB 5.0 MAT-file")
    with pytest.raises(MissingExtra, match=r"hcp.mat: reading a MATLAB .mat file needs the optional 'mat' extra"):
        read(tmp_path / "hcp.mat")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hcp.mat"]


def test_a_large_graph_without_coordinates_needs_scipy_for_its_layout(tmp_path, monkeypatch):
    from connectome.plots import plot_graph

    graph = nx.DiGraph(name="big")
    graph.add_nodes_from((f"r{i}", {"share": 1.0}) for i in range(500))
    graph.add_edge("r0", "r1", strength=1.0)
    monkeypatch.setitem(sys.modules, "scipy", None)
    with pytest.raises(MissingExtra, match=r"the spring layout of 500 regions needs the optional 'plots' extra"):
        plot_graph(graph, tmp_path / "graph.png")
    assert not (tmp_path / "graph.png").exists()


def test_require_returns_the_modules_and_refuses_what_an_extra_does_not_provide(monkeypatch):
    assert [m.__name__ for m in require("mat", "x")] == ["scipy"]
    with pytest.raises(ValueError, match="does not provide numpy"):
        require("mat", "x", "numpy")
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(MissingExtra, match=r"^realise needs the optional 'sonata' extra, which is not installed "
                                           r"\(import of h5py halted; None in sys.modules\): "
                                           r"pip install 'connectome-modeller\[sonata\]'$"):
        require("sonata", "realise")


# --- pyproject: the distribution's name, its extras, and what the guards name ---------------------------------

def _name(requirement: str) -> str:
    """The normalised distribution name of a requirement (PEP 503)."""
    return re.sub(r"[-_.]+", "-", re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement).group(1)).lower()


def _closure(extra: str) -> set[str]:
    """The distributions `extra` installs, its references to this project's own extras followed."""
    found: set[str] = set()
    for requirement in PYPROJECT["project"]["optional-dependencies"][extra]:
        if _name(requirement) == DISTRIBUTION:
            for inner in re.search(r"\[(.*)\]", requirement).group(1).split(","):
                found |= _closure(inner.strip())
        else:
            found.add(_name(requirement))
    return found


def _guards() -> list[tuple[str, str, str]]:
    """(file, function, extra) of every `require(...)`/`missing(...)` call in the package."""
    calls = []
    for path in sorted((ROOT / "connectome").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("require", "missing") and node.args and isinstance(node.args[0], ast.Constant)):
                calls.append((path.relative_to(ROOT).as_posix(), node.func.id, node.args[0].value))
    return calls


def test_the_distribution_is_connectome_modeller_with_the_connectome_command_and_package():
    project = PYPROJECT["project"]
    assert project["name"] == DISTRIBUTION == "connectome-modeller"
    assert project["scripts"] == {"connectome": "connectome.cli:main"}
    assert PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"] == ["connectome*"]
    assert importlib.metadata.version(DISTRIBUTION) == project["version"]  # installed under its new name
    from connectome.sim.compile import package_version

    assert package_version() == project["version"]  # the compiled kernels' cache is named by it


def test_every_extra_the_guards_name_provides_the_modules_they_import():
    extras = PYPROJECT["project"]["optional-dependencies"]
    guards = _guards()
    assert {extra for _, _, extra in guards} == set(EXTRAS), guards  # every extra guarded somewhere
    for extra, modules in EXTRAS.items():
        assert set(modules) <= {_name(r) for r in extras[extra]}, (extra, extras[extra])


def test_the_base_install_has_no_optional_package_and_the_test_extra_has_them_all():
    base = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    assert not base & set(OPTIONAL), base & set(OPTIONAL)
    every = set().union(*(_closure(extra) for extra in EXTRAS))
    assert every <= _closure("all") and every <= _closure("test"), every - _closure("test")
    assert {"pytest", "hypothesis", "scipy"} <= _closure("test")  # the tests' own imports of scipy (stats, io, …)


def test_every_install_hint_names_connectome_modeller():
    paths = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "connectome").rglob("*.py")]
    texts = {path: path.read_text(encoding="utf-8") for path in paths}
    hints = [(path.name, hint) for path, text in texts.items()
             for hint in re.findall(r"pip install ((?:-e )?'?[^\s'`]+'?)", text) if "{" not in hint]  # not a template
    assert any(h == f"'{DISTRIBUTION}[postgresql]'" for _, h in hints), hints
    for where, hint in hints:
        package = hint.removeprefix("-e ").strip("'")
        assert package.startswith((DISTRIBUTION, ".", "/")), (where, hint)  # the index name, or a checkout
    assert not [p.name for p, text in texts.items() if re.search(r"\bconnectome\[", text)]


# --- numpy instead of scipy: Welch's spectrum ------------------------------------------------------------------

@pytest.mark.parametrize("samples, segment, regions", [(4000, 1000, 6), (1001, 37, 3), (500, 500, 1), (9, 4, 2),
                                                        (10_000, 999, 8), (100, 1, 1), (100, 2, 1), (257, 16, 3)])
def test_the_numpy_welch_is_scipys(samples, segment, regions):
    """The same estimate as scipy.signal.welch with the spectra's settings: frequencies exactly, powers to 1e-12
    of the largest (4e-15 measured) and each within 1e-12 relative where it is not tiny."""
    from scipy.signal import welch as scipy_welch

    from connectome.welch import welch

    x = np.random.default_rng(samples + segment).normal(1.0, 3.0, (samples, regions))
    f, p = welch(x, fs=10_000.0, nperseg=segment, axis=0)
    f0, p0 = scipy_welch(x, fs=10_000.0, window="hann", nperseg=segment, scaling="spectrum", axis=0)
    assert p.shape == p0.shape and np.array_equal(f, f0)
    assert np.max(np.abs(p - p0)) <= 1e-12 * np.max(p0)
    sizeable = p0 > 1e-6 * np.max(p0)
    assert np.all(np.abs(p - p0)[sizeable] <= 1e-12 * p0[sizeable])
    f1, p1 = welch(x.T, fs=10_000.0, nperseg=segment, axis=1)  # time on another axis: the same numbers
    assert np.array_equal(f1, f) and np.array_equal(p1, p.T)


def test_the_numpy_welch_takes_only_the_settings_the_spectra_use():
    from connectome.welch import welch

    with pytest.raises(ValueError, match="only window='hann'"):
        welch(np.zeros(8), fs=1.0, nperseg=4, window="hamming")
    with pytest.raises(ValueError, match="nperseg must be from 1 to 8"):
        welch(np.zeros(8), fs=1.0, nperseg=9)
