"""Every object the Python API reference shows (`docs/reference/api.md`) has a numpydoc docstring with its
Parameters, its Returns and an Examples section, and those examples run as doctests.

The docstrings are read the way the site reads them (griffe, the parser behind mkdocstrings), so a section
the site would not render as one fails here."""

from __future__ import annotations

import doctest
import functools
import importlib
import re
from pathlib import Path

import griffe  # the parser behind mkdocstrings: the `docs` extra, in the `test` extra
import pytest

ROOT = Path(__file__).resolve().parent.parent
API_PAGE = ROOT / "docs" / "reference" / "api.md"


def _shown() -> dict[str, bool]:
    """Each path the page shows, and whether it shows the members the class inherits."""
    found = re.findall(r"^::: (\S+)\n((?:    .*\n)*)", API_PAGE.read_text(encoding="utf-8"), flags=re.M)
    return {path: "inherited_members: true" in options for path, options in found}


def _shown_paths() -> list[str]:
    return list(_shown())


@functools.lru_cache(maxsize=1)
def _package():
    return griffe.load("connectome", docstring_parser="numpy", allow_inspection=False)


def _documented(obj, inherited: bool) -> list:
    """`obj` and, for a class, the public functions and properties the site lists: those it defines, and
    those it inherits when the page asks for them."""
    found = [obj]
    if obj.is_class:
        members = obj.all_members if inherited else obj.members
        for name, member in members.items():
            member = member.final_target if inherited and member.is_alias else member
            if name.startswith("_") or member.is_alias or member.is_attribute and "property" not in member.labels:
                continue
            found.append(member)
    return found


def _get(path: str):
    obj = _package()[path.removeprefix("connectome.")]
    return obj.final_target if obj.is_alias else obj


def _entries() -> list[tuple[str, str]]:
    entries = []
    for path, inherited in _shown().items():
        for member in _documented(_get(path), inherited):
            entries.append((member.path, member.kind.value))
    return entries


ENTRIES = _entries()


def _sections(obj) -> dict[str, list]:
    if obj.docstring is None:
        return {}
    parsed = obj.docstring.parse("numpy")
    return {section.kind.value: section.value for section in parsed}


def _parameters(obj) -> list[str]:
    names = [p.name for p in obj.parameters if p.name not in ("self", "cls")]
    return [name for name in names if not name.startswith("_")]


@pytest.mark.parametrize("path,kind", ENTRIES, ids=[path for path, _ in ENTRIES])
def test_every_shown_object_has_a_numpydoc_docstring_with_examples(path, kind):
    obj = _get(path)
    sections = _sections(obj)
    assert sections, f"{path} has no docstring"
    assert "examples" in sections, f"{path}: no Examples section"
    if obj.is_function and "property" not in obj.labels:
        wanted = _parameters(obj)
        if wanted:
            assert "parameters" in sections, f"{path}: no Parameters section for {wanted}"
            named = {p.name.lstrip("*") for p in sections["parameters"]}
            missing = [name for name in wanted if name not in named]
            assert not missing, f"{path}: Parameters does not name {missing}"
        returns = obj.returns
        if returns is not None and str(returns) not in ("None", "NoReturn"):
            assert "returns" in sections or "yields" in sections, f"{path}: no Returns section"


def _modules() -> list[str]:
    return sorted({_get(path).module.path for path, _ in ENTRIES})


@pytest.mark.parametrize("module", _modules())
def test_the_examples_of_every_shown_module_run(module, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONNECTOME_DB", raising=False)
    live = importlib.import_module(module)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    outcome = doctest.testmod(live, optionflags=flags, verbose=False, report=True)
    assert outcome.failed == 0, f"{module}: {outcome.failed} of {outcome.attempted} examples failed"
    shown = [path for path, _ in ENTRIES if _get(path).module.path == module]
    assert outcome.attempted > 0, f"{module} shows {shown} with no example"


def _live(path: str):
    module, _, name = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError:
        return getattr(_live(module), name)


def test_the_page_lists_every_name_the_package_exports():
    import connectome

    shown = [_live(path) for path in _shown_paths()]
    missing = [name for name in connectome.__all__ if not any(getattr(connectome, name) is obj for obj in shown)]
    assert not missing, f"not on the API page: {missing}"


def test_no_exported_name_is_also_a_module_of_the_package():
    """`import connectome.NAME` would replace the package's attribute NAME by the module."""
    import importlib.util

    import connectome

    clashes = [name for name in connectome.__all__ if importlib.util.find_spec(f"connectome.{name}") is not None]
    assert not clashes
