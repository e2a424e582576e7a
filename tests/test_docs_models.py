"""The models and formats pages are written from the registries (`docs/hooks/`): every registered model with
each of its parameters, every coupling function and integrator, every format and reader option appears,
so that a part added without documentation fails here."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOOKS = ROOT / "docs" / "hooks"


def hook(name: str):
    """A hook module of the site, loaded from its file (`docs/hooks` is not a package)."""
    spec = importlib.util.spec_from_file_location(f"docs_hooks_{name}", HOOKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def page(name: str, hook_module) -> str:
    """The page `name` as the site shows it: its markdown after the hook."""
    text = (ROOT / "docs" / name).read_text(encoding="utf-8")
    return hook_module.on_page_markdown(text, SimpleNamespace(file=SimpleNamespace(src_uri=name)), None, None)


def sections(markdown: str) -> dict[str, str]:
    """The page's `## NAME` sections by name."""
    parts = re.split(r"^## (.+)$", markdown, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def test_the_models_page_names_every_model_with_every_parameter_and_source():
    from connectome.sim.models import MODELS

    module = hook("registry_pages")
    text = page("models.md", module)
    assert not any(marker in text for marker in module.PAGES["models.md"])
    found = sections(text)
    for name, model in MODELS.items():
        assert name in found, f"models.md has no section for the model {name!r}"
        section = found[name]
        info = model.describe()
        for parameter in info["parameters"]:
            assert f"| `{parameter['name']}` |" in section, f"{name}: parameter {parameter['name']} is not documented"
        for variable in info["state_variables"]:
            assert f"| `{variable['name']}` |" in section, f"{name}: state variable {variable['name']} is missing"
        assert info["equations"] in section and all(source in section for source in info["sources"])
        check_typeset_equations(name, info, section)


def check_typeset_equations(name: str, info: dict, section: str) -> None:
    """The model's `latex` is there, each equation one line, shown as display math in its section and
    read by latex2mathml (the site's converter) with no command left unknown."""
    from latex2mathml.converter import convert

    assert info["latex"], f"{name}: no typeset equations (`latex`)"
    for tex in info["latex"]:
        assert tex.strip() and "\n" not in tex and "$" not in tex, f"{name}: {tex!r} is not one line of LaTeX"
        assert f"$$\n{tex}\n$$" in section, f"{name}: {tex!r} is not shown as display math"
        try:
            mathml = convert(tex, display="block")
        except Exception as exc:  # noqa: BLE001 (latex2mathml's errors carry no message)
            raise AssertionError(f"{name}: latex2mathml cannot read {tex!r} ({type(exc).__name__})") from exc
        assert "\\" not in mathml, f"{name}: latex2mathml does not know a command in {tex!r}"


def test_the_models_page_names_every_coupling_function_and_integrator():
    from connectome.sim.coupling import FUNCTIONS
    from connectome.sim.integrators import INTEGRATORS

    text = page("models.md", hook("registry_pages"))
    for name in (*FUNCTIONS, *INTEGRATORS):
        assert f"| `{name}` |" in text, f"models.md does not list {name!r}"


def test_the_formats_page_names_every_format_and_reader_option():
    from connectome.formats.registry import formats, reader_options

    text = page("formats.md", hook("registry_pages"))
    for fmt in formats():
        assert f"| `{fmt.name}` |" in text, f"formats.md does not list the format {fmt.name!r}"
    for keyword in reader_options():
        assert f"| `{keyword}` |" in text, f"formats.md does not list the reader option {keyword!r}"


def test_a_model_added_without_documentation_would_show(monkeypatch):
    from connectome.sim import models
    from connectome.sim.models.linear import Linear

    class Undocumented(Linear):
        """A model registered by a test."""

        name = "undocumented-example"

    monkeypatch.setitem(models.MODELS, Undocumented.name, Undocumented())
    assert "## undocumented-example" in page("models.md", hook("registry_pages"))


@pytest.mark.parametrize("latex, message", [((), "no typeset equations"), ((r"x^",), "cannot read"),
                                            ((r"\frac{dx}{dt} = \gamaa x",), "does not know"),
                                            (("x = 1\n+ c",), "not one line")])
def test_a_model_added_without_readable_typeset_equations_would_fail(monkeypatch, latex, message):
    from connectome.sim import models
    from connectome.sim.models.linear import Linear

    class Untypeset(Linear):
        """A model registered by a test."""

        name = "untypeset-example"

    Untypeset.latex = latex
    monkeypatch.setitem(models.MODELS, Untypeset.name, Untypeset())
    section = sections(page("models.md", hook("registry_pages")))[Untypeset.name]
    with pytest.raises(AssertionError, match=message):
        check_typeset_equations(Untypeset.name, Untypeset().describe(), section)


@pytest.mark.parametrize("name", ["models.md", "formats.md"])
def test_a_page_without_its_markers_is_refused(name):
    with pytest.raises(ValueError, match="marker"):
        hook("registry_pages").on_page_markdown("# nothing", SimpleNamespace(file=SimpleNamespace(src_uri=name)),
                                                None, None)


def api_modules() -> list[str]:
    """The modules defining the objects the Python API page shows (its `::: module.name` lines)."""
    import importlib

    found = []
    for line in (ROOT / "docs" / "reference" / "api.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("::: "):
            module, _, name = line[4:].strip().rpartition(".")
            defined = getattr(importlib.import_module(module), name).__module__
            if defined not in found:
                found.append(defined)
    return found


@pytest.mark.parametrize("module", api_modules())
def test_the_api_pages_examples_run(module):
    import doctest
    import importlib

    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    outcome = doctest.testmod(importlib.import_module(module), optionflags=flags)
    assert outcome.failed == 0, f"{module}: {outcome.failed} of {outcome.attempted} examples failed"
