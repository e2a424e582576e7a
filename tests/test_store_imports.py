"""Import structure of the store: no module imports one that imports it back, and each imports on its own.

The graph is read from the source with `ast`: every `import` and `from … import` of a package module,
at module level or inside a function (a deferred import still closes a cycle the moment it runs), except
those under `if TYPE_CHECKING:`, which never run.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "connectome"
STORE = sorted(p for p in (PACKAGE / "store").glob("*.py"))


def module_name(path: Path) -> str:
    """The dotted name of a module file of the package (`connectome/store/url.py` -> `connectome.store.url`).

    Parameters
    ----------
    path : Path
        A `.py` file under the repository root.

    Returns
    -------
    str
        Its dotted module name; a package's `__init__.py` is the package itself.
    """
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    """Whether `node` is `if TYPE_CHECKING:` (or `if typing.TYPE_CHECKING:`)."""
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _run_time_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement of a module that can run: anywhere but inside `if TYPE_CHECKING:`."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _is_module(name: str) -> bool:
    """Whether `name` is a module or package of this repository."""
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports_of(path: Path) -> set[str]:
    """The package modules that `path` imports when it runs, as dotted names.

    Parameters
    ----------
    path : Path
        A module file of the package.

    Returns
    -------
    set of str
        `from .x import y` gives the module `…x.y` when that is a module, else `…x`.
    """
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in _run_time_imports(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names if _is_module(alias.name)}
            continue
        base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
        origin = ".".join(base + ([node.module] if node.module else []))
        for alias in node.names:
            target = f"{origin}.{alias.name}"
            out.add(target if _is_module(target) else origin)
    return {m for m in out if _is_module(m) and m != name}


def import_graph(paths: list[Path]) -> dict[str, set[str]]:
    """The imports among the modules `paths` only: module -> the ones of them it imports."""
    names = {module_name(p) for p in paths}
    return {module_name(p): imports_of(p) & names for p in paths}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of `graph` as a path that returns to its start (`[a, b, a]`), or None when it is acyclic."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_reader_sees_deferred_imports_and_skips_type_checking():
    """What the graph is made of: a deferred import counts, a TYPE_CHECKING one does not."""
    engines = imports_of(PACKAGE / "store" / "engines.py")
    assert {"connectome.store.sqlite", "connectome.store.locks", "connectome.store.url"} <= engines
    assert "connectome.store.migrate" in imports_of(PACKAGE / "store" / "guards.py")  # inside a function
    assert "connectome.store.facade" not in imports_of(PACKAGE / "store" / "runs.py")  # only under TYPE_CHECKING
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_store_modules_import_no_cycle():
    """connection <-> engines was one: the shared pieces now live below both (locks, sqlite)."""
    graph = import_graph(STORE)
    assert "connectome.store.engines" in graph["connectome.store.connection"]
    assert "connectome.store.connection" not in graph["connectome.store.engines"]
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph) or [])}"


def test_the_counting_modules_import_no_cycle():
    """exact, counting and graph: fixed apart from the store (another change); expected to fail while the
    cycle is there, and to pass, pinning it, once it is gone."""
    graph = import_graph([PACKAGE / "exact.py", PACKAGE / "counting.py", PACKAGE / "graph.py"])
    cycle = find_cycle(graph)
    if cycle is not None:
        pytest.xfail(f"the exact/counting/graph import cycle is not fixed yet: {' -> '.join(cycle)}")


@pytest.mark.parametrize("path", STORE, ids=lambda p: p.stem)
def test_each_store_module_imports_on_its_own(path):
    """A fresh interpreter imports the module first, before anything else of the package, and then every
    module it defers: an import cycle would meet a partly initialised module here."""
    name = module_name(path)
    deferred = sorted(imports_of(path))
    code = f"import importlib, {name}\nfor m in {deferred!r}:\n    importlib.import_module(m)\n"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
