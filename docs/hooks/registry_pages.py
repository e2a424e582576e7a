"""MkDocs hook: the pages written from the registries as the site is built.

Each page below holds markers; each marker is replaced by text made from a registry, so that the pages name
every registered part with what the code has:

* `docs/models.md`: ``<!-- models -->``, every model (`connectome.sim.models.MODELS`, as `Model.describe`
  and `connectome models show NAME --json` give it); ``<!-- coupling functions -->``,
  `connectome.sim.coupling.FUNCTIONS`; ``<!-- integrators -->``, `connectome.sim.integrators.INTEGRATORS`;
* `docs/formats.md`: ``<!-- formats -->``, each format's name, extensions, reader and writer
  (`connectome.formats.registry`); ``<!-- reader options -->``, each reader option, its flag on the command
  line, its keyword in Python and the formats that take it.

`tests/test_docs_models.py` checks the text against the registries.
"""

from __future__ import annotations

import inspect
import math
from typing import Any, Callable


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Fill a registry page's markers; leave every other page as it is."""
    for marker, make in PAGES.get(page.file.src_uri, {}).items():
        if marker not in markdown:
            raise ValueError(f"docs/{page.file.src_uri}: the marker {marker} is missing")
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


def number(value: float | None) -> str:
    """A number as the command line shows it (`0.27`, `154`, `-inf`)."""
    if value is None:
        return ""
    return f"{value:g}" if not math.isinf(value) else ("inf" if value > 0 else "-inf")


def model_markdown(model: Any) -> str:
    """One model's section: what it is, its equations (typeset from `latex`, then as text), variables,
    parameters, defaults, BOLD drive and sources."""
    info = model.describe()
    text = inspect.cleandoc(type(model).__doc__ or "")
    out = [f"## {info['name']}", "", text, "", "Equations (c is the network input; a stimulus adds to the derivative "
           "of each stimulated variable, or to the rate model's h as I):", ""]
    for tex in info["latex"]:  # display math, typeset by `equations.py`
        out += ["$$", tex, "$$", ""]
    out += (["As text:", ""] if info["latex"] else []) + ["```text", info["equations"], "```", ""]
    out += ["State variables (range: where the values typically lie, and a random initial state is drawn):", "",
            table(["variable", "range", "clamped to", "coupled", "observed", "meaning"],
                  [[f"`{v['name']}`", f"[{number(v['range'][0])}, {number(v['range'][1])}]",
                    "" if v["bounds"] == [None, None] else
                    f"[{number(v['bounds'][0]) or '-inf'}, {number(v['bounds'][1]) or 'inf'}]",
                    "yes" if v["name"] in info["coupled"] else "", "yes" if v["name"] in info["observed"] else "",
                    v["doc"]] for v in info["state_variables"]]), ""]
    if info["parameters"]:
        out += ["Parameters (per region: a region attribute of the same name overrides the value for that region):",
                "", table(["parameter", "default", "bounds", "unit", "per region", "meaning"],
                          [[f"`{p['name']}`", number(p["default"]), p["bounds"], p["unit"],
                            "yes" if p["per_region"] else "", p["doc"]] for p in info["parameters"]]), ""]
    out += [f"Defaults: coupling function `{info['coupling_function']}` in `{info['coupling_mode']}` mode, "
            f"integrator `{info['integrator']}` (it takes {', '.join(f'`{i}`' for i in info['integrators'])}).", ""]
    drive = info["bold_drive"]
    unit = f" {drive['unit']}" if drive["unit"] else ""
    out += [f"BOLD and FC from `{drive['quantity']}`" + (f": {drive['doc']}" if drive["doc"] else "") + ". "
            f"The balloon is driven by z = {drive['scale']:g} × ({drive['quantity']} − {drive['baseline']:g}{unit})"
            + (f", for a typical range [{number(drive['typical'][0])}, {number(drive['typical'][1])}]{unit}"
               if drive["typical"] else "")
            + " (`bold_scale`, `bold_baseline`)" + (f"; after {drive['source']}" if drive["source"] else "") + ".", ""]
    if info["notes"]:
        out += [f"Note: {info['notes']}", ""]
    out += ["Sources:", ""] + [f"* {source}" for source in info["sources"]] + [""]
    return "\n".join(out)


def models_markdown() -> str:
    """Every registered model's section, in registration order."""
    from connectome.sim.models import MODELS

    return "\n".join(model_markdown(model) for model in MODELS.values())


def coupling_markdown() -> str:
    """The coupling functions: name, formula, default a, further parameters."""
    from connectome.sim.coupling import FUNCTIONS

    return table(["function", "c", "default a", "parameters (`coupling.NAME`)"],
                 [[f"`{f.name}`", f"`{f.formula}`", number(f.default_a),
                   ", ".join(f"`{p.name}` = {number(p.default)} ({p.doc})" for p in f.parameters)]
                  for f in FUNCTIONS.values()])


def integrators_markdown() -> str:
    """The integrators: name, noise, what they are."""
    from connectome.sim.integrators import INTEGRATORS

    return table(["integrator", "noise", "what it is"],
                 [[f"`{i.name}`", "additive" if i.stochastic else "", i.doc] for i in INTEGRATORS.values()])


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


# each page's markers, in the order they appear, and what fills each
PAGES: dict[str, dict[str, Callable[[], str]]] = {
    "models.md": {"<!-- models -->": models_markdown, "<!-- coupling functions -->": coupling_markdown,
                  "<!-- integrators -->": integrators_markdown},
    "formats.md": {"<!-- formats -->": formats_markdown, "<!-- reader options -->": options_markdown},
}
