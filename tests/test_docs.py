"""The documentation site: every tutorial block runs and prints what its page shows (`doc_pages`), and the
harness itself holds to its rules."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from doc_pages import ROOT, Block, blocks, commands, matches, options, pages, run_page


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_block_of_the_page_runs_as_shown(page: Path, tmp_path, request):
    db = request.getfixturevalue("pg_url") if options(page).get("db") == "postgresql" else None
    problems = run_page(page, tmp_path, db)
    assert not problems, "\n\n".join(problems)
    pictures = os.environ.get("CONNECTOME_DOCS_PICTURES")  # the pictures the page's own run made, kept for the site
    if pictures:
        for made in (tmp_path / "pictures").glob("*.png"):
            shutil.copyfile(made, Path(pictures) / made.name)


def test_placeholders_match_what_they_stand_for():
    assert matches(["imported x@v1: content …"], ["imported x@v1: content 6619082b757e"])
    assert matches(["a", "…", "d"], ["a", "b", "c", "d"]) and matches(["a", "…", "d"], ["a", "d"])
    assert not matches(["a", "d"], ["a", "b", "d"])
    assert not matches(["imported x@v1"], ["imported x@v2"]) and not matches(["a…"], ["b"])
    assert not matches(["a (b)"], ["a xby"])  # the rest of a line is literal text, not a pattern


def test_blocks_commands_and_exit_codes_are_read_as_documented(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("<!-- docs-test: db=postgresql -->\n# P\n\n```console\n$ connectome topology list\n"
                    "no topologies\n$ connectome topology show nope\nerror: …\n[exit 4]\n```\n\n<!-- not run -->\n"
                    "```console\n$ pip install connectome\n```\n\n```text\nshown only\n```\n\n```pycon\n>>> 1 + 1\n2\n```\n",
                    encoding="utf-8")
    found = blocks(page)
    assert [(b.lang, b.line) for b in found] == [("console", 5), ("pycon", 22)]
    assert commands(found[0]) == [("connectome topology list", ["no topologies"], 0),
                                  ("connectome topology show nope", ["error: …"], 4)]
    assert options(page) == {"db": "postgresql"}
    with pytest.raises(ValueError, match="starts with a"):
        commands(Block("console", "no prompt", 3))


def test_a_page_keeps_one_namespace_across_its_blocks(tmp_path):
    page = tmp_path / "docs" / "p.md"
    page.parent.mkdir()
    page.write_text("```pycon\n>>> x = 20\n```\n\n```python\ny = x + 1\n```\n\n```pycon\n>>> x + y\n41\n```\n",
                    encoding="utf-8")
    folder = tmp_path / "run"
    folder.mkdir()
    import doc_pages

    assert doc_pages.run_page.__module__ == "doc_pages"
    root = doc_pages.ROOT
    try:
        doc_pages.ROOT = tmp_path
        assert run_page(page, folder) == []
    finally:
        doc_pages.ROOT = root


def test_equations_become_mathml_and_a_broken_one_fails_the_build():
    import importlib.util

    from doc_pages import DOCS

    spec = importlib.util.spec_from_file_location("equations_hook", DOCS / "hooks" / "equations.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)

    class Page:
        class file:
            src_uri = "p.md"

    out = hook.on_page_content('<p>a <span class="arithmatex">\\(x^2 &lt; \\tau\\)</span> b</p>'
                               '<div class="arithmatex">\\[\\frac{1}{2}\\]</div>', Page, None, None)
    assert out.startswith("<p>a <math") and "<msup><mi>x</mi><mn>2</mn></msup><mo>&#x0003C;</mo><mi>&#x003C4;</mi>" in out
    assert 'display="block"' in out and "<mfrac>" in out and "arithmatex" not in out
    with pytest.raises(ValueError, match=r"docs/p.md: cannot typeset '\\\\left\( x'"):
        hook.on_page_content('<span class="arithmatex">\\(\\left( x\\)</span>', Page, None, None)
