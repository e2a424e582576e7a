"""MkDocs hook: equations as MathML, written when the site is built, so pages show them offline with no script.

`pymdownx.arithmatex` (generic mode) finds the math of a page (`$…$`, `$$…$$`, never inside code) and wraps
it as ``<span class="arithmatex">\\(…\\)</span>`` or ``<div class="arithmatex">\\[…\\]</div>``; this hook
turns each into MathML with latex2mathml. Browsers render MathML natively. A formula latex2mathml cannot
read fails the build.
"""

from __future__ import annotations

import html
import re
from typing import Any

MATH = re.compile(r'<(?P<tag>span|div) class="arithmatex">\s*\\(?P<open>[(\[])(?P<tex>.*?)\\[)\]]\s*</(?P=tag)>', re.S)


def mathml(tex: str, display: bool) -> str:
    """The MathML of one formula (`tex` as arithmatex escaped it for HTML)."""
    from latex2mathml.converter import convert

    return convert(html.unescape(tex).strip(), display="block" if display else "inline")


def on_page_content(content: str, page: Any, config: Any, files: Any) -> str:
    """Every formula of the page's HTML as MathML."""
    def replace(m: re.Match) -> str:
        try:
            return mathml(m.group("tex"), m.group("open") == "[")
        except Exception as exc:  # noqa: BLE001 (any parse failure is the page's fault)
            raise ValueError(f"docs/{page.file.src_uri}: cannot typeset {html.unescape(m.group('tex'))!r}: {exc}")

    return MATH.sub(replace, content)
