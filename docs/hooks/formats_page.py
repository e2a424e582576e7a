"""MkDocs hook: the formats page's tables, written from the format registry as the site is built.

`docs/formats.md` holds two markers, replaced by tables made from `connectome.formats.registry` (the records
`connectome.read`, `connectome.write` and `topology import`/`export` use), so that the page lists every
registered format and reader option:

* ``<!-- formats -->``: each format's name, extensions, reader and writer;
* ``<!-- reader options -->``: each reader option, its flag on the command line, its keyword in Python and
  the formats that take it.

`tests/test_docs_models.py` checks the text against the registry.
"""

from __future__ import annotations

from typing import Any

PAGE = "formats.md"
MARKERS = ("<!-- formats -->", "<!-- reader options -->")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Fill the formats page's markers; leave every other page as it is."""
    if page.file.src_uri != PAGE:
        return markdown
    for marker, make in zip(MARKERS, (formats_markdown, options_markdown)):
        if marker not in markdown:
            raise ValueError(f"docs/{PAGE}: the marker {marker} is missing")
        markdown = markdown.replace(marker, make())
    return markdown


def cell(value: object) -> str:
    """A table cell's text: `|` escaped, line breaks as spaces."""
    return str(value).replace("|", r"\|").replace("\n", " ")


def table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def function(value: Any) -> str:
    """A reader's or writer's Python name (`connectome.formats.tvb.read_tvb`), or an empty cell for none."""
    if value is None:
        return ""
    name = value.replace(":", ".") if isinstance(value, str) else f"{value.__module__}.{value.__qualname__}"
    return f"`{name}`"


def formats_markdown() -> str:
    """Every registered format, in registration order (which breaks ties between extensions)."""
    from connectome.formats.registry import formats

    rows = []
    for fmt in formats():
        found = " ".join(f"`{e}`" for e in fmt.extensions) + (" or a folder" if fmt.folder is not None else "")
        if fmt.fallback:
            found += " (and any file nothing else claims)"
        rows.append([f"`{fmt.name}`", found, function(fmt.reader), function(fmt.writer)])
    return table(["format", "files", "reader", "writer"], rows)


def flag(keyword: str) -> str:
    """The command line's flag for a reader option (`source_column` is `--source`)."""
    from connectome.cli.flags import FLAGS

    return FLAGS.get(keyword, "--" + keyword.replace("_", "-"))


def options_markdown() -> str:
    """Every reader option: flag, keyword, value, the formats that take it, what it does."""
    from connectome.formats.registry import reader_options

    rows = []
    for option, names in reader_options().values():
        kind = option.type
        value = ("flag" if kind is bool else " / ".join(kind) if isinstance(kind, tuple)
                 else "file" if getattr(kind, "__name__", "") == "Path" else kind.__name__)
        value += " (repeatable)" if option.multiple else ""
        rows.append([f"`{flag(option.keyword)}`", f"`{option.keyword}`", value, ", ".join(names), option.help])
    return table(["flag", "Python keyword", "value", "formats", "what it does"], rows)
